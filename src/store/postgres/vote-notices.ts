import type { StoreChange } from '../types.js';

type VotesChange = Extract<StoreChange, { kind: 'votes' }>;
type PollCount = { pollId: number; stored: number; flagged: number };

export interface VoteNoticeTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Monotonic ms. */
  now(): number;
}

const realTimers: VoteNoticeTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => performance.now(),
};

/**
 * Announces stored votes at most once per `intervalMs`, with the counts of every batch committed
 * meanwhile added up per poll. Under load the server commits hundreds of small batches a second;
 * every other server would otherwise wake for each. The first batch after a quiet spell is
 * announced at once, so a dashboard elsewhere sees a lone vote without delay.
 */
export class VoteNotices {
  private pending = new Map<number, PollCount>();
  private timer: unknown;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly send: (change: VotesChange) => Promise<void>,
    private readonly intervalMs: number,
    private readonly timers: VoteNoticeTimers = realTimers,
  ) {}

  add(counts: readonly PollCount[]): void {
    for (const c of counts) {
      const p = this.pending.get(c.pollId) ?? { pollId: c.pollId, stored: 0, flagged: 0 };
      p.stored += c.stored;
      p.flagged += c.flagged;
      this.pending.set(c.pollId, p);
    }
    if (this.timer !== undefined || this.pending.size === 0) return;
    const wait = this.lastSentAt + this.intervalMs - this.timers.now();
    if (wait <= 0) this.flush();
    else this.timer = this.timers.setTimeout(() => this.flush(), wait);
  }

  /** Sends what is pending now and waits for every send under way. */
  async close(): Promise<void> {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.flush();
    await Promise.all(this.sending);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const polls = [...this.pending.values()].sort((a, b) => a.pollId - b.pollId);
    this.pending = new Map();
    this.lastSentAt = this.timers.now();
    const p = this.send({ kind: 'votes', polls }).finally(() => this.sending.delete(p));
    this.sending.add(p);
  }
}
