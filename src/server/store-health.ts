import type { Logger } from 'pino';
import type { NewVote } from '../store/types.js';
import type { ServerEvents } from './events.js';

/**
 * Whether commits are waiting for an unavailable store (commit-retry.ts), since when and why:
 * what /readyz reports, and what the log says once when it starts and once when it ends.
 */
export class StoreHealth {
  private trouble: { since: number; reason: string } | null = null;

  constructor(
    private readonly opts: { log: Logger; events: ServerEvents; clock: () => number; pending: () => number },
  ) {}

  /** Why votes cannot be committed now, or null. */
  problem(): string | null {
    const t = this.trouble;
    return t && `votes wait for the database since ${new Date(t.since).toISOString()}: ${t.reason}`;
  }

  /** A try of a batch failed: the store is unavailable. */
  readonly onRetry = (err: unknown, failures: number, delayMs: number): void => {
    if (this.trouble === null) {
      this.trouble = { since: this.opts.clock(), reason: err instanceof Error ? err.message : String(err) };
      this.opts.log.warn({ err, pendingVotes: this.opts.pending() }, 'the database is unavailable: votes wait, unacknowledged, and are tried again with backoff');
    } else {
      this.opts.log.debug({ failures, delayMs: Math.round(delayMs) }, 'the database is still unavailable');
    }
  };

  /** A batch committed after the store was away. Its first try may have committed unanswered,
   *  and then this one answered `duplicate`: no votes-committed event counts those, so the live
   *  tallies of its polls read the rows again. */
  committedAfterWait(votes: readonly NewVote[]): void {
    if (this.trouble !== null) {
      this.opts.log.info({ awayMs: this.opts.clock() - this.trouble.since }, 'the database is back: votes are committed again');
      this.trouble = null;
    }
    for (const pollId of new Set(votes.map((v) => v.pollId))) this.opts.events.emit('remote-votes', { pollId, stored: null });
  }
}
