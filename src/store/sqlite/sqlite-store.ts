import type Database from 'better-sqlite3';
import { PivoteError } from '../../protocol/errors.js';
import { hourKey, validatePollDefinition } from '../poll-rules.js';
import { kioskFromRow, pollFromRow, voteFromRow, type KioskRow, type PollRow, type VoteContentRow, type VoteRow } from './rows.js';
import { openPivoteDatabase, type SqliteOpenOptions } from './schema.js';
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

const HOUR_MS = 3_600_000;
const VOTE_COLUMNS = 'kiosk_id, vote_id, seq, poll_id, button, pressed_at, received_at, clock_unknown, flagged';

type Stmt = Database.Statement<unknown[], unknown>;

/** Every statement is prepared once per connection; the hot path (recordVotes) only binds. */
function prepareAll(db: Database.Database) {
  const p = (sql: string): Stmt => db.prepare(sql);
  return {
    insertKiosk: p('INSERT INTO kiosks (id, name, location, secret, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING'),
    getKiosk: p('SELECT * FROM kiosks WHERE id = ?'),
    listKiosks: p('SELECT * FROM kiosks ORDER BY id'),
    revokeKiosk: p('UPDATE kiosks SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?'),
    presence: p(`UPDATE kiosks SET last_seen_at = ?, software = coalesce(?, software), queued = coalesce(?, queued),
                 connected = coalesce(?, connected) WHERE id = ?`),
    revokedIds: p('SELECT id FROM kiosks WHERE revoked_at IS NOT NULL ORDER BY id').pluck(),
    disconnectAll: p('UPDATE kiosks SET connected = 0 WHERE connected <> 0'),

    openPoll: p("SELECT * FROM polls WHERE state = 'open'"),
    insertPoll: p("INSERT INTO polls (question, options, state, opened_at) VALUES (?, ?, 'open', ?) RETURNING *"),
    closePoll: p("UPDATE polls SET state = 'closed', closed_at = ? WHERE id = ? RETURNING *"),
    getPoll: p('SELECT * FROM polls WHERE id = ?'),
    listPolls: p('SELECT * FROM polls ORDER BY id DESC'),

    // flagged is decided in the same statement: the kiosk's stored presses in
    // [pressed_at - windowMs, pressed_at] (inclusive), through votes_kiosk_pressed.
    // The subquery runs before the row exists, so the vote never counts itself; earlier rows
    // of the same batch are already inserted and do count. No row comes back on a conflict.
    // "At least maxVotes presses" is asked as "does the maxVotes-th press exist" (OFFSET
    // maxVotes - 1), which reads at most maxVotes index entries: count(*) read every press in
    // the window, so a kiosk pressing fast made each of its inserts slower (docs/PERFORMANCE.md).
    insertVote: p(`INSERT INTO votes (${VOTE_COLUMNS})
      VALUES (?, ?, ?, ?, ?, ?, ?, ?,
        ? <= 0 OR EXISTS (SELECT 1 FROM votes WHERE kiosk_id = ? AND pressed_at BETWEEN ? AND ? LIMIT 1 OFFSET ?))
      ON CONFLICT (kiosk_id, vote_id) DO NOTHING RETURNING flagged`).pluck(),
    voteContent: p('SELECT poll_id, button, seq, flagged FROM votes WHERE kiosk_id = ? AND vote_id = ?'),

    countByButton: p('SELECT button, count(*) AS n FROM votes WHERE poll_id = ? AND flagged <= ? GROUP BY button'),
    countByKiosk: p(`SELECT kiosk_id AS key, button, count(*) AS n FROM votes WHERE poll_id = ? AND flagged <= ?
                     GROUP BY kiosk_id, button ORDER BY kiosk_id, button`),
    countByHour: p(`SELECT CAST(pressed_at / ${HOUR_MS} AS INTEGER) AS hour, button, count(*) AS n FROM votes
                    WHERE poll_id = ? AND flagged <= ? GROUP BY hour, button ORDER BY hour, button`),

    listVotesAll: p(`SELECT ${VOTE_COLUMNS} FROM votes ORDER BY kiosk_id, seq, rowid`),
    listVotesPoll: p(`SELECT ${VOTE_COLUMNS} FROM votes WHERE poll_id = ? ORDER BY kiosk_id, seq, rowid`),
    listVotesKiosk: p(`SELECT ${VOTE_COLUMNS} FROM votes WHERE kiosk_id = ? ORDER BY seq, rowid`),
    listVotesBoth: p(`SELECT ${VOTE_COLUMNS} FROM votes WHERE poll_id = ? AND kiosk_id = ? ORDER BY seq, rowid`),
    getVote: p(`SELECT ${VOTE_COLUMNS} FROM votes WHERE kiosk_id = ? AND vote_id = ?`),
  };
}

type Statements = ReturnType<typeof prepareAll>;

function outcomeOfConflict(existing: VoteContentRow | undefined, v: NewVote): RecordOutcome {
  // ON CONFLICT DO NOTHING only absorbs the primary key, so the row is there.
  if (!existing) throw new Error(`vote ${v.kioskId}/${v.voteId} conflicted but cannot be read back`);
  if (existing.poll_id === v.pollId && existing.button === v.button && existing.seq === v.seq) {
    return { status: 'duplicate', flagged: existing.flagged === 1 };
  }
  return { status: 'integrity', code: 'PV_INTEGRITY', message: `vote ${v.voteId} was stored with different content` };
}

/**
 * VoteStore on one SQLite file shared by the server and CLI processes. better-sqlite3 is
 * synchronous, so each promise settles after its statement or transaction has returned, i.e.
 * after the commit is on disk (synchronous=FULL).
 */
export class SqliteVoteStore implements VoteStore {
  readonly kind = 'sqlite';
  private readonly s: Statements;
  private readonly recordBatch: Database.Transaction<(votes: readonly NewVote[], burst: BurstPolicy) => RecordOutcome[]>;
  private readonly presenceBatch: Database.Transaction<(updates: readonly PresenceUpdate[]) => void>;
  private readonly openPollTx: Database.Transaction<(question: string, options: string[], at: number) => PollRow>;
  private readonly closePollTx: Database.Transaction<(at: number) => PollRow>;

  constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {
    const s = prepareAll(db);
    this.s = s;
    this.recordBatch = db.transaction((votes: readonly NewVote[], burst: BurstPolicy) => {
      const out = new Array<RecordOutcome>(votes.length);
      for (let i = 0; i < votes.length; i++) {
        const v = votes[i] as NewVote;
        const flagged = s.insertVote.get(
          v.kioskId, v.voteId, v.seq, v.pollId, v.button, v.pressedAt, v.receivedAt, v.clockUnknown ? 1 : 0,
          burst.maxVotes, v.kioskId, v.pressedAt - burst.windowMs, v.pressedAt, burst.maxVotes - 1,
        ) as number | undefined;
        out[i] = flagged === undefined
          ? outcomeOfConflict(s.voteContent.get(v.kioskId, v.voteId) as VoteContentRow | undefined, v)
          : { status: 'stored', flagged: flagged === 1 };
      }
      return out;
    });
    this.presenceBatch = db.transaction((updates: readonly PresenceUpdate[]) => {
      for (const u of updates) {
        const connected = u.connected === undefined ? null : u.connected ? 1 : 0;
        s.presence.run(u.lastSeenAt, u.software ?? null, u.queued ?? null, connected, u.kioskId);
      }
    });
    this.openPollTx = db.transaction((question: string, options: string[], at: number) => {
      const open = s.openPoll.get() as PollRow | undefined;
      if (open) throw new PivoteError('PV_POLL_ALREADY_OPEN', `poll ${open.id} is still open`, { pollId: open.id });
      return s.insertPoll.get(question, JSON.stringify(options), at) as PollRow;
    });
    this.closePollTx = db.transaction((at: number) => {
      const open = s.openPoll.get() as PollRow | undefined;
      if (!open) throw new PivoteError('PV_NO_OPEN_POLL', 'no poll is open');
      return s.closePoll.get(at, open.id) as PollRow;
    });
  }

  /** Connection settings as SQLite reports them, for startup logs and tests. */
  settings(): { journalMode: string; synchronous: number; foreignKeys: boolean; busyTimeoutMs: number; readonly: boolean } {
    this.check();
    return {
      journalMode: this.db.pragma('journal_mode', { simple: true }) as string,
      synchronous: this.db.pragma('synchronous', { simple: true }) as number,
      foreignKeys: this.db.pragma('foreign_keys', { simple: true }) === 1,
      busyTimeoutMs: this.db.pragma('busy_timeout', { simple: true }) as number,
      readonly: this.db.readonly,
    };
  }

  async addKiosk(k: NewKiosk): Promise<KioskRecord> {
    this.check();
    const { changes } = this.s.insertKiosk.run(k.id, k.name, k.location, k.secret, k.createdAt);
    if (changes === 0) throw new PivoteError('PV_KIOSK_EXISTS', `kiosk ${k.id} already exists`, { kioskId: k.id });
    return kioskFromRow(this.s.getKiosk.get(k.id) as KioskRow);
  }

  async getKiosk(id: string): Promise<KioskRecord | undefined> {
    this.check();
    const row = this.s.getKiosk.get(id) as KioskRow | undefined;
    return row && kioskFromRow(row);
  }

  async listKiosks(): Promise<KioskRecord[]> {
    this.check();
    return (this.s.listKiosks.all() as KioskRow[]).map(kioskFromRow);
  }

  async revokeKiosk(id: string, at: number): Promise<KioskRecord> {
    this.check();
    const { changes } = this.s.revokeKiosk.run(at, id);
    if (changes === 0) throw new PivoteError('PV_UNKNOWN_KIOSK', `no kiosk with id ${id}`, { kioskId: id });
    return kioskFromRow(this.s.getKiosk.get(id) as KioskRow);
  }

  async updatePresence(updates: readonly PresenceUpdate[]): Promise<void> {
    this.check();
    if (updates.length > 0) this.presenceBatch.immediate(updates);
  }

  async listRevokedKioskIds(): Promise<string[]> {
    this.check();
    return this.s.revokedIds.all() as string[];
  }

  async markAllDisconnected(): Promise<void> {
    this.check();
    this.s.disconnectAll.run();
  }

  async openPoll(question: string, options: string[], at: number): Promise<PollRecord> {
    this.check();
    const def = validatePollDefinition(question, options);
    return pollFromRow(this.openPollTx.immediate(def.question, def.options, at));
  }

  async closePoll(at: number): Promise<PollRecord> {
    this.check();
    return pollFromRow(this.closePollTx.immediate(at));
  }

  async getOpenPoll(): Promise<PollRecord | undefined> {
    this.check();
    const row = this.s.openPoll.get() as PollRow | undefined;
    return row && pollFromRow(row);
  }

  async getPoll(id: number): Promise<PollRecord | undefined> {
    this.check();
    const row = this.s.getPoll.get(id) as PollRow | undefined;
    return row && pollFromRow(row);
  }

  async listPolls(): Promise<PollRecord[]> {
    this.check();
    return (this.s.listPolls.all() as PollRow[]).map(pollFromRow);
  }

  async recordVotes(votes: readonly NewVote[], burst: BurstPolicy): Promise<RecordOutcome[]> {
    this.check();
    if (votes.length === 0) return [];
    // IMMEDIATE takes the write lock up front, so a CLI writer in between cannot make the
    // batch fail half-way with SQLITE_BUSY_SNAPSHOT; the busy timeout applies instead.
    return this.recordBatch.immediate(votes, burst);
  }

  async countVotes(q: ResultsQuery): Promise<OptionCount[]> {
    this.check();
    const poll = this.requirePoll(q.pollId);
    const counts = poll.options.map((label, i) => ({ button: i + 1, label, count: 0 }));
    for (const r of this.s.countByButton.all(q.pollId, q.includeFlagged ? 1 : 0) as { button: number; n: number }[]) {
      const c = counts[r.button - 1];
      if (c) c.count = r.n;
    }
    return counts;
  }

  async countVotesBy(q: ResultsQuery, by: 'kiosk' | 'hour'): Promise<GroupedCount[]> {
    this.check();
    this.requirePoll(q.pollId);
    const flagged = q.includeFlagged ? 1 : 0;
    if (by === 'kiosk') {
      const rows = this.s.countByKiosk.all(q.pollId, flagged) as { key: string; button: number; n: number }[];
      return rows.map((r) => ({ key: r.key, button: r.button, count: r.n }));
    }
    const rows = this.s.countByHour.all(q.pollId, flagged) as { hour: number; button: number; n: number }[];
    return rows.map((r) => ({ key: hourKey(r.hour * HOUR_MS), button: r.button, count: r.n }));
  }

  async getVote(kioskId: string, voteId: string): Promise<StoredVote | undefined> {
    this.check();
    const row = this.s.getVote.get(kioskId, voteId) as VoteRow | undefined;
    return row && voteFromRow(row);
  }

  async listVotes(filter: { pollId?: number; kioskId?: string } = {}): Promise<StoredVote[]> {
    this.check();
    const { pollId, kioskId } = filter;
    let rows: unknown[];
    if (pollId !== undefined && kioskId !== undefined) rows = this.s.listVotesBoth.all(pollId, kioskId);
    else if (pollId !== undefined) rows = this.s.listVotesPoll.all(pollId);
    else if (kioskId !== undefined) rows = this.s.listVotesKiosk.all(kioskId);
    else rows = this.s.listVotesAll.all();
    return (rows as VoteRow[]).map(voteFromRow);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private requirePoll(id: number): PollRecord {
    const row = this.s.getPoll.get(id) as PollRow | undefined;
    if (!row) throw new PivoteError('PV_POLL_NOT_FOUND', `no poll with id ${id}`, { pollId: id });
    return pollFromRow(row);
  }

  private check(): void {
    if (!this.db.open) throw new Error('store is closed');
  }
}

/**
 * Opens (creating if new or empty) the pivote database at `path`.
 * Throws PV_NOT_A_PIVOTE_DB or PV_DB_TOO_NEW.
 */
export function openSqliteVoteStore(path: string, opts: SqliteOpenOptions = {}): SqliteVoteStore {
  return new SqliteVoteStore(openPivoteDatabase(path, opts), path);
}
