import { PivoteError } from '../../protocol/errors.js';
import type { VoteMessage } from '../../protocol/messages.js';
import type { NewVote, PollRecord, RecordOutcome } from '../../store/types.js';
import type { ServerContext } from '../context.js';
import type { Session } from '../session.js';
import { judgeVote } from '../vote-rules.js';

/**
 * vote -> (group commit) -> ack | reject. A refused vote is answered at once and the connection
 * stays open; a valid one is answered only after the batch holding it is durably committed.
 * Hot path: no logging above debug, no promise unless the poll must be read from the store.
 */
export function handleVote(ctx: ServerContext, session: Session, msg: VoteMessage): void | Promise<void> {
  if (session.inflight >= ctx.limits.window) {
    throw new PivoteError('PV_WINDOW_EXCEEDED', `more than ${ctx.limits.window} votes in flight`);
  }
  const receivedAt = ctx.clock();
  if (msg.pollId === null) return settleVote(ctx, session, msg, undefined, receivedAt);
  const poll = ctx.polls.get(msg.pollId);
  if (poll !== undefined) return settleVote(ctx, session, msg, poll, receivedAt);
  session.inflight++; // counts against the window while the poll is read
  return ctx.polls.load(msg.pollId).then((loaded) => {
    session.inflight--;
    settleVote(ctx, session, msg, loaded, receivedAt);
  });
}

function settleVote(ctx: ServerContext, session: Session, msg: VoteMessage, poll: PollRecord | undefined, receivedAt: number): void {
  const verdict = judgeVote(msg, poll, receivedAt);
  if (!verdict.ok) {
    if (session.log.isLevelEnabled('debug')) session.log.debug({ voteId: msg.voteId, code: verdict.code }, 'vote refused');
    session.send({ type: 'reject', voteId: msg.voteId, seq: msg.seq, code: verdict.code, message: verdict.message });
    return;
  }
  if (session.state === 'closing') return; // nobody to answer; the kiosk resends it
  session.inflight++;
  const vote: NewVote = {
    kioskId: session.kioskId!,
    voteId: msg.voteId,
    seq: msg.seq,
    pollId: msg.pollId!,
    button: msg.button,
    pressedAt: verdict.pressedAt,
    receivedAt,
    clockUnknown: verdict.clockUnknown,
  };
  ctx.committer.enqueue(vote, session);
}

/** Answers one committed vote. */
export function answerVote(session: Session, vote: NewVote, outcome: RecordOutcome): void {
  session.inflight--;
  if (outcome.status === 'integrity') {
    session.log.warn({ kioskId: vote.kioskId, voteId: vote.voteId }, 'vote refused: same id stored with different content');
    session.send({ type: 'reject', voteId: vote.voteId, seq: vote.seq, code: outcome.code, message: outcome.message });
    return;
  }
  if (session.log.isLevelEnabled('debug')) session.log.debug({ voteId: vote.voteId, status: outcome.status }, 'vote answered');
  session.send({ type: 'ack', voteId: vote.voteId, seq: vote.seq, status: outcome.status, flagged: outcome.flagged });
}
