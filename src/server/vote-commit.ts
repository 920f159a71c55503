import type { BurstPolicy, NewVote, RecordOutcome, VoteStore } from '../store/types.js';
import { retryWhileUnavailable, type RetryBackoff } from './commit-retry.js';
import type { PollCache } from './poll-cache.js';
import type { Timers } from './timers.js';

/**
 * One batch of votes to the store: recordVotes, waiting out an unavailable database (see
 * commit-retry.ts). A batch that had to wait was judged against the polls as this server knew
 * them before the wait; meanwhile a poll may have been closed through another server or a
 * command, which this server could not hear of. So before each further try — and before the
 * first one when some of its votes were judged while the server's view of the polls may have
 * been stale (`mustRecheckPolls`: it had just been cut off from the database) — the batch's
 * polls are read again and a vote pressed after
 * its poll closed is taken out and refused (PV_POLL_CLOSED), exactly as it would have been had
 * the close been known; unless the store holds it already (a try whose COMMIT answer was lost):
 * that one stays and is answered `duplicate`.
 */

/** The outcome given to a vote refused that way; the server answers it with PV_POLL_CLOSED.
 *  Compared by identity: it never comes from a store. */
export const CLOSED_BEFORE_PRESS: RecordOutcome = Object.freeze({ status: 'integrity', code: 'PV_INTEGRITY', message: 'its poll closed before it was pressed' });

export interface VoteCommitDeps {
  store: VoteStore;
  burst: BurstPolicy;
  polls: PollCache;
  timers: Timers;
  backoff: RetryBackoff;
  giveUp(): boolean;
  onRetry(err: unknown, failures: number, delayMs: number): void;
  /** Whether some of the batch's votes were judged while a poll may have closed unheard of
   *  (see above); default never. */
  mustRecheckPolls?(votes: readonly NewVote[]): boolean;
}

export async function commitVotes(votes: readonly NewVote[], deps: VoteCommitDeps): Promise<{ outcomes: RecordOutcome[]; failures: number }> {
  const { value, failures } = await retryWhileUnavailable(async (failed) => {
    if (failed === 0 && !deps.mustRecheckPolls?.(votes)) return deps.store.recordVotes(votes, deps.burst);
    const late = await closedBeforePress(votes, deps);
    if (late.size === 0) return deps.store.recordVotes(votes, deps.burst);
    const stored = await deps.store.recordVotes(votes.filter((_, i) => !late.has(i)), deps.burst);
    let k = 0;
    return votes.map((_, i) => (late.has(i) ? CLOSED_BEFORE_PRESS : stored[k++]!));
  }, deps);
  return { outcomes: value, failures };
}

/** Indices of the votes pressed after their poll closed (as the store says now) that the store
 *  does not hold. A vote whose press time is only a bound (clockUnknown) is kept, bounded by the
 *  close, as judgeVote does. */
async function closedBeforePress(votes: readonly NewVote[], deps: VoteCommitDeps): Promise<Set<number>> {
  const closedAt = new Map<number, number>();
  for (const pollId of new Set(votes.map((v) => v.pollId))) {
    const poll = await deps.store.getPoll(pollId);
    if (!poll || poll.state !== 'closed' || poll.closedAt === null) continue;
    deps.polls.set(poll);
    closedAt.set(pollId, poll.closedAt);
  }
  const candidates: number[] = [];
  for (const [i, v] of votes.entries()) {
    const closed = closedAt.get(v.pollId);
    if (closed === undefined || v.pressedAt <= closed) continue;
    if (v.clockUnknown) (v as { pressedAt: number }).pressedAt = closed;
    else candidates.push(i);
  }
  const late = new Set<number>();
  if (candidates.length === 0) return late;
  // An earlier try whose COMMIT answer was lost may still be committing: wait for it to end.
  await deps.store.settleVotes?.(candidates.map((i) => votes[i]!.kioskId));
  for (const i of candidates) if ((await deps.store.getVote(votes[i]!.kioskId, votes[i]!.voteId)) === undefined) late.add(i);
  return late;
}
