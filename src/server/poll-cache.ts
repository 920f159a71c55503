import type { PollInfo } from '../protocol/messages.js';
import type { PollRecord, VoteStore } from '../store/types.js';

/**
 * Polls by id, so validating a vote costs no store read. Polls are few and only change state
 * (open -> closed), which the poll watcher writes through with `set`; an id not held is read from
 * the store once (a poll opened by another server process, or a vote naming a stale poll).
 * Unknown ids and drafts are not remembered: a poll with that id may be opened later.
 */
export class PollCache {
  private readonly polls = new Map<number, PollRecord>();
  private readonly loading = new Map<number, Promise<PollRecord | undefined>>();

  constructor(private readonly store: VoteStore) {}

  get(id: number): PollRecord | undefined {
    return this.polls.get(id);
  }

  set(poll: PollRecord): void {
    this.polls.set(poll.id, poll);
  }

  /** Reads a poll from the store; concurrent loads of one id share one read. */
  load(id: number): Promise<PollRecord | undefined> {
    const pending = this.loading.get(id);
    if (pending) return pending;
    const p = this.store.getPoll(id).then(
      (poll) => {
        this.loading.delete(id);
        if (poll && poll.state !== 'draft') this.polls.set(poll.id, poll);
        return poll;
      },
      (err: unknown) => {
        this.loading.delete(id);
        throw err;
      },
    );
    this.loading.set(id, p);
    return p;
  }
}

export function toPollInfo(poll: PollRecord | undefined): PollInfo | null {
  if (!poll || poll.state !== 'open' || poll.openedAt === null) return null;
  return { id: poll.id, question: poll.question, options: [...poll.options], openedAt: poll.openedAt };
}
