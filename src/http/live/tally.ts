import { percentages } from '../../admin/results-view.js';
import type { NewVote, OptionCount, RecordOutcome } from '../../store/types.js';

/**
 * The live tally of one poll: counts read from the stored rows (`reset`), then moved on by the
 * outcomes of each committed batch, and read again from the rows every few seconds so it can
 * never drift from them. Pure; the caller supplies times.
 */
export interface TallyEvent {
  pollId: number;
  options: { button: number; count: number; percent: number }[];
  total: number;
  flagged: number;
  /** Votes counted in the last 60 s. */
  perMinute: number;
  lastVoteAt: string | null;
}

const SLOTS = 60;

export class LiveTally {
  private counts: number[];
  private flagged = 0;
  private lastVoteAt: number | null = null;
  /** Counted votes per second over the last minute, as a ring. */
  private readonly perSecond = new Array<number>(SLOTS).fill(0);
  private ringSecond = 0;

  constructor(
    readonly pollId: number,
    options: number,
  ) {
    this.counts = new Array<number>(options).fill(0);
  }

  /** Replaces the counts with ones read from the rows (the per-minute rate is kept). */
  reset(counted: readonly OptionCount[], withFlagged: readonly OptionCount[]): void {
    this.counts = this.counts.map((_, i) => counted.find((c) => c.button === i + 1)?.count ?? 0);
    const all = withFlagged.reduce((a, c) => a + c.count, 0);
    this.flagged = Math.max(0, all - this.counts.reduce((a, b) => a + b, 0));
  }

  /** Applies one committed batch; returns whether anything of this poll changed. */
  apply(votes: readonly NewVote[], outcomes: readonly RecordOutcome[], now: number): boolean {
    let changed = false;
    for (let i = 0; i < votes.length; i++) {
      const v = votes[i]!;
      const o = outcomes[i]!;
      if (v.pollId !== this.pollId || o.status !== 'stored') continue;
      changed = true;
      if (o.flagged) {
        this.flagged++;
        continue;
      }
      if (v.button >= 1 && v.button <= this.counts.length) this.counts[v.button - 1]!++;
      this.bump(now, 1);
      this.lastVoteAt = now;
    }
    return changed;
  }

  event(now: number): TallyEvent {
    this.bump(now, 0);
    const pct = percentages(this.counts);
    return {
      pollId: this.pollId,
      options: this.counts.map((count, i) => ({ button: i + 1, count, percent: pct[i] ?? 0 })),
      total: this.counts.reduce((a, b) => a + b, 0),
      flagged: this.flagged,
      perMinute: this.perSecond.reduce((a, b) => a + b, 0),
      lastVoteAt: this.lastVoteAt === null ? null : new Date(this.lastVoteAt).toISOString(),
    };
  }

  private bump(now: number, n: number): void {
    const second = Math.floor(now / 1000);
    if (second - this.ringSecond >= SLOTS) this.perSecond.fill(0);
    else for (let s = this.ringSecond + 1; s <= second; s++) this.perSecond[s % SLOTS] = 0;
    if (second > this.ringSecond) this.ringSecond = second;
    this.perSecond[second % SLOTS]! += n;
  }
}
