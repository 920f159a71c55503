import type { VoteArea } from '../area-store.js';
import { hourKey } from '../poll-rules.js';
import type {
  BucketCount,
  BurstPolicy,
  ExportedVote,
  GroupedCount,
  KioskVoteCount,
  NewVote,
  OptionCount,
  PollRecord,
  RecordOutcome,
  ResultsQuery,
  StoredVote,
  VotePageQuery,
} from '../types.js';
import { byCodeUnit } from './kiosks.js';

/** The memory engine's votes, in storage order; same answers as SQLite's. */
export class MemoryVotes implements VoteArea {
  private readonly rows: ExportedVote[] = [];
  private readonly byKey = new Map<string, ExportedVote>();
  private readonly byKiosk = new Map<string, ExportedVote[]>();

  record(batch: readonly NewVote[], burst: BurstPolicy): RecordOutcome[] {
    return batch.map((v) => this.recordOne(v, burst));
  }

  private recordOne(v: NewVote, burst: BurstPolicy): RecordOutcome {
    const key = `${v.kioskId}\u0000${v.voteId}`;
    const existing = this.byKey.get(key);
    if (existing) {
      if (existing.pollId === v.pollId && existing.button === v.button && existing.seq === v.seq) {
        return { status: 'duplicate', flagged: existing.flagged };
      }
      return { status: 'integrity', code: 'PV_INTEGRITY', message: `vote ${v.voteId} was stored with different content` };
    }
    const mine = this.byKiosk.get(v.kioskId) ?? [];
    const recent = mine.filter((x) => x.pressedAt <= v.pressedAt && x.pressedAt >= v.pressedAt - burst.windowMs).length;
    const stored: ExportedVote = { ...v, flagged: burst.maxVotes <= 0 || recent >= burst.maxVotes, position: this.rows.length + 1 };
    this.rows.push(stored);
    this.byKey.set(key, stored);
    mine.push(stored);
    this.byKiosk.set(v.kioskId, mine);
    return { status: 'stored', flagged: stored.flagged };
  }

  count(poll: PollRecord, q: ResultsQuery): OptionCount[] {
    return tally(poll, this.counted(q));
  }

  countBy(q: ResultsQuery, by: 'kiosk' | 'hour'): GroupedCount[] {
    const groups = new Map<string, GroupedCount>();
    for (const v of this.counted(q)) {
      const key = by === 'kiosk' ? v.kioskId : hourKey(v.pressedAt);
      const id = `${key}\u0000${v.button}`;
      const g = groups.get(id) ?? { key, button: v.button, count: 0 };
      g.count++;
      groups.set(id, g);
    }
    return [...groups.values()].sort((a, b) => byCodeUnit(a.key, b.key) || a.button - b.button);
  }

  countByBucket(q: ResultsQuery, bucketMs: number): BucketCount[] {
    const groups = new Map<string, BucketCount>();
    for (const v of this.counted(q)) {
      const start = Math.floor(v.pressedAt / bucketMs) * bucketMs;
      const id = `${start}:${v.button}`;
      const g = groups.get(id) ?? { start, button: v.button, count: 0 };
      g.count++;
      groups.set(id, g);
    }
    return [...groups.values()].sort((a, b) => a.start - b.start || a.button - b.button);
  }

  countRecent(poll: PollRecord, q: ResultsQuery, lastVotes: number): OptionCount[] {
    return tally(poll, this.counted(q).slice(-lastVotes));
  }

  countByKioskSince(since: number): KioskVoteCount[] {
    const counts = new Map<string, number>();
    for (const v of this.rows) if (!v.flagged && v.pressedAt >= since) counts.set(v.kioskId, (counts.get(v.kioskId) ?? 0) + 1);
    return [...counts].sort(([a], [b]) => byCodeUnit(a, b)).map(([kioskId, count]) => ({ kioskId, count }));
  }

  countFlaggedSince(since: number): number {
    return this.rows.filter((v) => v.flagged && v.pressedAt >= since).length;
  }

  get(kioskId: string, voteId: string): StoredVote | undefined {
    const v = this.byKey.get(`${kioskId}\u0000${voteId}`);
    return v && strip(v);
  }

  list(filter: { pollId?: number; kioskId?: string }): StoredVote[] {
    return this.rows
      .filter((v) => (filter.pollId === undefined || v.pollId === filter.pollId) && (filter.kioskId === undefined || v.kioskId === filter.kioskId))
      .sort((a, b) => byCodeUnit(a.kioskId, b.kioskId) || a.seq - b.seq || a.position - b.position)
      .map(strip);
  }

  page(q: VotePageQuery): ExportedVote[] {
    const out: ExportedVote[] = [];
    for (const v of this.rows) {
      if (out.length >= q.limit) break;
      if (v.position <= (q.after ?? 0) || (q.pollId !== undefined && v.pollId !== q.pollId) || (v.flagged && !q.includeFlagged)) continue;
      out.push({ ...v });
    }
    return out;
  }

  private counted(q: ResultsQuery): ExportedVote[] {
    return this.rows.filter((v) => v.pollId === q.pollId && (q.includeFlagged || !v.flagged));
  }
}

function tally(poll: PollRecord, votes: readonly StoredVote[]): OptionCount[] {
  const counts = poll.options.map((label, i) => ({ button: i + 1, label, count: 0 }));
  for (const v of votes) {
    const c = counts[v.button - 1];
    if (c) c.count++;
  }
  return counts;
}

function strip(v: ExportedVote): StoredVote {
  const { position: _position, ...vote } = v;
  return vote;
}
