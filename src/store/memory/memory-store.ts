import { PivoteError } from '../../protocol/errors.js';
import { hourKey, validatePollDefinition } from '../poll-rules.js';
import type {
  BurstPolicy,
  GroupedCount,
  KioskRecord,
  NewKiosk,
  NewVote,
  OptionCount,
  PollRecord,
  PresenceUpdate,
  RecordOutcome,
  ResultsQuery,
  StoredVote,
  VoteStore,
} from '../types.js';

/** In-memory VoteStore for unit tests; same semantics as SQLite, no durability. */
export class MemoryVoteStore implements VoteStore {
  readonly kind = 'memory';
  private readonly kiosks = new Map<string, KioskRecord>();
  private readonly polls: PollRecord[] = [];
  private readonly votes = new Map<string, StoredVote>();
  private readonly votesByKiosk = new Map<string, StoredVote[]>();
  private closed = false;

  async addKiosk(k: NewKiosk): Promise<KioskRecord> {
    this.check();
    if (this.kiosks.has(k.id)) throw new PivoteError('PV_KIOSK_EXISTS', `kiosk ${k.id} already exists`, { kioskId: k.id });
    const rec: KioskRecord = { ...k, revokedAt: null, lastSeenAt: null, software: null, queued: 0, connected: false };
    this.kiosks.set(k.id, rec);
    return { ...rec };
  }

  async getKiosk(id: string): Promise<KioskRecord | undefined> {
    this.check();
    const k = this.kiosks.get(id);
    return k && { ...k };
  }

  async listKiosks(): Promise<KioskRecord[]> {
    this.check();
    return [...this.kiosks.values()].sort((a, b) => byCodeUnit(a.id, b.id)).map((k) => ({ ...k }));
  }

  async revokeKiosk(id: string, at: number): Promise<KioskRecord> {
    this.check();
    const k = this.kiosks.get(id);
    if (!k) throw new PivoteError('PV_UNKNOWN_KIOSK', `no kiosk with id ${id}`, { kioskId: id });
    if (k.revokedAt === null) k.revokedAt = at;
    return { ...k };
  }

  async updatePresence(updates: readonly PresenceUpdate[]): Promise<void> {
    this.check();
    for (const u of updates) {
      const k = this.kiosks.get(u.kioskId);
      if (!k) continue;
      k.lastSeenAt = u.lastSeenAt;
      if (u.software !== undefined) k.software = u.software;
      if (u.queued !== undefined) k.queued = u.queued;
      if (u.connected !== undefined) k.connected = u.connected;
    }
  }

  async listRevokedKioskIds(): Promise<string[]> {
    this.check();
    return [...this.kiosks.values()].filter((k) => k.revokedAt !== null).map((k) => k.id);
  }

  async markAllDisconnected(): Promise<void> {
    this.check();
    for (const k of this.kiosks.values()) k.connected = false;
  }

  async openPoll(question: string, options: string[], at: number): Promise<PollRecord> {
    this.check();
    const def = validatePollDefinition(question, options);
    const open = this.polls.find((p) => p.state === 'open');
    if (open) throw new PivoteError('PV_POLL_ALREADY_OPEN', `poll ${open.id} is still open`, { pollId: open.id });
    const poll: PollRecord = { id: this.polls.length + 1, ...def, state: 'open', openedAt: at, closedAt: null };
    this.polls.push(poll);
    return clonePoll(poll);
  }

  async closePoll(at: number): Promise<PollRecord> {
    this.check();
    const open = this.polls.find((p) => p.state === 'open');
    if (!open) throw new PivoteError('PV_NO_OPEN_POLL', 'no poll is open');
    open.state = 'closed';
    open.closedAt = at;
    return clonePoll(open);
  }

  async getOpenPoll(): Promise<PollRecord | undefined> {
    this.check();
    const p = this.polls.find((x) => x.state === 'open');
    return p && clonePoll(p);
  }

  async getPoll(id: number): Promise<PollRecord | undefined> {
    this.check();
    const p = this.polls.find((x) => x.id === id);
    return p && clonePoll(p);
  }

  async listPolls(): Promise<PollRecord[]> {
    this.check();
    return this.polls.map(clonePoll).reverse();
  }

  async recordVotes(batch: readonly NewVote[], burst: BurstPolicy): Promise<RecordOutcome[]> {
    this.check();
    return batch.map((v) => this.recordOne(v, burst));
  }

  private recordOne(v: NewVote, burst: BurstPolicy): RecordOutcome {
    const key = `${v.kioskId}\u0000${v.voteId}`;
    const existing = this.votes.get(key);
    if (existing) {
      if (existing.pollId === v.pollId && existing.button === v.button && existing.seq === v.seq) {
        return { status: 'duplicate', flagged: existing.flagged };
      }
      return { status: 'integrity', code: 'PV_INTEGRITY', message: `vote ${v.voteId} was stored with different content` };
    }
    const mine = this.votesByKiosk.get(v.kioskId) ?? [];
    const recent = mine.filter((x) => x.pressedAt <= v.pressedAt && x.pressedAt >= v.pressedAt - burst.windowMs).length;
    const stored: StoredVote = { ...v, flagged: recent >= burst.maxVotes };
    this.votes.set(key, stored);
    mine.push(stored);
    this.votesByKiosk.set(v.kioskId, mine);
    return { status: 'stored', flagged: stored.flagged };
  }

  async countVotes(q: ResultsQuery): Promise<OptionCount[]> {
    this.check();
    const poll = this.polls.find((p) => p.id === q.pollId);
    if (!poll) throw new PivoteError('PV_POLL_NOT_FOUND', `no poll with id ${q.pollId}`, { pollId: q.pollId });
    const counts = poll.options.map((label, i) => ({ button: i + 1, label, count: 0 }));
    for (const v of this.counted(q)) {
      const c = counts[v.button - 1];
      if (c) c.count++;
    }
    return counts;
  }

  async countVotesBy(q: ResultsQuery, by: 'kiosk' | 'hour'): Promise<GroupedCount[]> {
    this.check();
    if (!this.polls.some((p) => p.id === q.pollId)) {
      throw new PivoteError('PV_POLL_NOT_FOUND', `no poll with id ${q.pollId}`, { pollId: q.pollId });
    }
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

  private counted(q: ResultsQuery): StoredVote[] {
    return [...this.votes.values()].filter((v) => v.pollId === q.pollId && (q.includeFlagged || !v.flagged));
  }

  async getVote(kioskId: string, voteId: string): Promise<StoredVote | undefined> {
    this.check();
    const v = this.votes.get(`${kioskId}\u0000${voteId}`);
    return v && { ...v };
  }

  async listVotes(filter: { pollId?: number; kioskId?: string } = {}): Promise<StoredVote[]> {
    this.check();
    return [...this.votes.values()]
      .filter((v) => (filter.pollId === undefined || v.pollId === filter.pollId) && (filter.kioskId === undefined || v.kioskId === filter.kioskId))
      .sort((a, b) => byCodeUnit(a.kioskId, b.kioskId) || a.seq - b.seq)
      .map((v) => ({ ...v }));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(): void {
    if (this.closed) throw new Error('store is closed');
  }
}

/** Code-unit order, as SQLite's BINARY collation sorts ASCII ids; localeCompare would not. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function clonePoll(p: PollRecord): PollRecord {
  return { ...p, options: [...p.options] };
}
