import { ackFrameText } from '../../protocol/codec.js';
import { PivoteError } from '../../protocol/errors.js';
import type { VoteMessage } from '../../protocol/messages.js';
import { integrityOutcome, type NewVote, type PollRecord, type RecordOutcome } from '../../store/types.js';
import type { ServerContext } from '../context.js';
import type { Session } from '../session.js';
import { judgeVote, type VoteRejectCode } from '../vote-rules.js';

/**
 * vote -> (group commit) -> ack | reject. A refused vote is answered at once (one refused as
 * PV_POLL_CLOSED once the store has said it does not hold it already) and the connection stays
 * open; a valid one is answered only after the batch holding it is durably committed.
 * Hot path: no logging above debug, no promise unless the store must be read.
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
    return settleVote(ctx, session, msg, loaded, receivedAt);
  });
}

function settleVote(ctx: ServerContext, session: Session, msg: VoteMessage, poll: PollRecord | undefined, receivedAt: number): void | Promise<void> {
  const verdict = judgeVote(msg, poll, receivedAt);
  if (!verdict.ok) {
    // PV_POLL_CLOSED is the one refusal that depends on when the vote arrives: a resend of a vote
    // stored before (its ack was lost) can be judged closed now, because its first copy came in
    // before this server saw the close, or because its derived press time moved on by the
    // resend's transit. Exactly once means a resend gets the stored copy's answer, so that
    // refusal is final only once the store holds no such vote.
    if (verdict.code === 'PV_POLL_CLOSED') return refuseUnlessStored(ctx, session, msg, verdict.code, verdict.message);
    refuse(session, msg, verdict.code, verdict.message);
    if (ctx.events.has('vote-refused')) ctx.events.emit('vote-refused', { code: verdict.code });
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

function refuse(session: Session, msg: VoteMessage, code: VoteRejectCode, message: string): void {
  if (session.log.isLevelEnabled('debug')) session.log.debug({ voteId: msg.voteId, code }, 'vote refused');
  session.send({ type: 'reject', voteId: msg.voteId, seq: msg.seq, code, message });
}

function refuseUnlessStored(ctx: ServerContext, session: Session, msg: VoteMessage, code: VoteRejectCode, message: string): Promise<void> {
  const kioskId = session.kioskId!;
  session.inflight++; // counts against the window while the store is asked
  // After the commits already queued, one of which may hold the first copy — and, on a database
  // over the network, after any transaction of this kiosk still finishing (VoteStore.settleVotes).
  const settled = ctx.committer.settled().then(() => ctx.store.settleVotes?.([kioskId]));
  return settled.then(() => ctx.store.getVote(kioskId, msg.voteId)).then((stored) => {
    if (stored === undefined) {
      session.inflight--;
      refuse(session, msg, code, message);
      if (ctx.events.has('vote-refused')) ctx.events.emit('vote-refused', { code });
      return;
    }
    const same = stored.pollId === msg.pollId && stored.button === msg.button && stored.seq === msg.seq;
    const outcome: RecordOutcome = same
      ? { status: 'duplicate', flagged: stored.flagged }
      : integrityOutcome(msg.voteId);
    answerVote(session, { ...stored, seq: msg.seq }, outcome, session.log.isLevelEnabled('debug'));
  });
}

/** Answers one committed vote. `debug`: whether debug logs are on (asked once per batch). */
export function answerVote(session: Session, vote: NewVote, outcome: RecordOutcome, debug: boolean): void {
  session.inflight--;
  if (outcome.status === 'integrity') {
    session.log.warn({ kioskId: vote.kioskId, voteId: vote.voteId }, 'vote refused: same id stored with different content');
    session.send({ type: 'reject', voteId: vote.voteId, seq: vote.seq, code: outcome.code, message: outcome.message });
    return;
  }
  if (debug) session.log.debug({ voteId: vote.voteId, status: outcome.status }, 'vote answered');
  session.sendText(ackFrameText(vote.voteId, vote.seq, outcome.status, outcome.flagged));
}
