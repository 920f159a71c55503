import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PivoteError, type ErrorCode } from '../../protocol/errors.js';
import type { PollInfo } from '../../protocol/messages.js';
import { parsePollInfo } from '../../protocol/validate.js';

/**
 * The kiosk's durable outbox: every accepted press is a row here before any LED says it was
 * recorded (guarantee 1), and stays `pending` until the server acknowledges or refuses it.
 *
 * Durability: WAL journal with synchronous=FULL, so each append's commit is fsynced to the WAL
 * before `append` returns; a kill -9 or power cut after that cannot lose it. Every method is
 * synchronous (better-sqlite3), so there is no window in which a press is "being saved".
 *
 * Size: pending votes are read a page at a time (`pending(afterSeq, limit)`), never all at once;
 * settled rows are kept for audit and acked ones pruned after `retentionDays`.
 */

export const OUTBOX_FILE = 'outbox.sqlite';
export const OUTBOX_SCHEMA_VERSION = 1;
export const DEFAULT_RETENTION_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

export function outboxPath(dataDir: string): string {
  return join(dataDir, OUTBOX_FILE);
}

export interface NewPress {
  button: number;
  /** The poll open on the kiosk at the press, or null if none (the server then refuses it). */
  pollId: number | null;
  pressedMonoMs: number;
  bootId: string;
}

export interface OutboxVote extends NewPress {
  voteId: string;
  seq: number;
}

export type OutboxState = 'pending' | 'acked' | 'rejected';

export interface OutboxRow extends OutboxVote {
  state: OutboxState;
  /** acked: 'stored' | 'duplicate'; rejected: the PV_* code; pending: null. */
  outcome: string | null;
  flagged: boolean;
  /** Wall-clock ms (may be wrong on a Pi without RTC; audit only). */
  createdAt: number;
  settledAt: number | null;
}

export interface AckOutcome {
  status: 'stored' | 'duplicate';
  flagged: boolean;
}

/** What the reconnecting client needs from an outbox; the SQLite Outbox is the implementation. */
export interface VoteQueue {
  /** Pending votes with seq > afterSeq, in seq order, at most `limit`. */
  pending(afterSeq?: number, limit?: number): OutboxVote[];
  pendingCount(): number;
  /** True if a pending vote became acked. */
  markAcked(voteId: string, outcome?: AckOutcome): boolean;
  /** True if a pending vote became rejected. */
  markRejected(voteId: string, code: ErrorCode): boolean;
}

export interface OutboxOptions {
  /** Acked rows whose settle time is older than this are deleted by `prune()`. */
  retentionDays?: number;
  /** Wall clock for audit timestamps and pruning; injectable for tests. */
  now?: () => number;
  /** voteId generator (default crypto.randomUUID); injectable for tests. */
  newVoteId?: () => string;
}

interface RawRow {
  seq: number;
  vote_id: string;
  poll_id: number | null;
  button: number;
  pressed_mono_ms: number;
  boot_id: string;
  state: OutboxState;
  outcome: string | null;
  flagged: number;
  created_at: number;
  settled_at: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
  seq             INTEGER PRIMARY KEY,
  vote_id         TEXT NOT NULL UNIQUE,
  poll_id         INTEGER,
  button          INTEGER NOT NULL,
  pressed_mono_ms INTEGER NOT NULL,
  boot_id         TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'acked', 'rejected')),
  outcome         TEXT,
  flagged         INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  settled_at      INTEGER
);
CREATE INDEX IF NOT EXISTS votes_pending ON votes (seq) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS votes_acked ON votes (settled_at) WHERE state = 'acked';
`;

export class Outbox implements VoteQueue {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly retentionMs: number;
  private readonly now: () => number;
  private readonly newVoteId: () => string;
  private readonly stmts: Statements;
  private readonly appendTx: (press: NewPress) => OutboxVote;

  /** Opens (creating if needed) the outbox at `path`; ':memory:' works for tests. */
  constructor(path: string, options: OutboxOptions = {}) {
    this.path = path;
    this.retentionMs = (options.retentionDays ?? DEFAULT_RETENTION_DAYS) * DAY_MS;
    this.now = options.now ?? Date.now;
    this.newVoteId = options.newVoteId ?? randomUUID;
    this.db = new Database(path);
    try {
      this.db.pragma('journal_mode = WAL');
      // FULL: the WAL is fsynced at every commit, so a returned append survives a power cut.
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      this.migrate();
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.stmts = prepareStatements(this.db);
    this.appendTx = this.db.transaction((press: NewPress): OutboxVote => {
      // The counter lives in meta, not in max(seq): pruning may delete the newest rows, and a
      // sequence that went backwards would confuse anyone reading the server's vote log.
      const seq = Number(this.stmts.getMeta.get('next_seq')?.value ?? '1');
      const vote: OutboxVote = { voteId: this.newVoteId(), seq, ...pick(press) };
      this.stmts.insert.run({ ...vote, createdAt: this.now() });
      this.stmts.setMeta.run('next_seq', String(seq + 1));
      return vote;
    });
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > OUTBOX_SCHEMA_VERSION) {
      throw new PivoteError('PV_DB_TOO_NEW', `outbox ${this.path} has schema ${version}; this pivote knows ${OUTBOX_SCHEMA_VERSION}`, {
        path: this.path,
        version,
      });
    }
    this.db.exec(SCHEMA);
    if (version < OUTBOX_SCHEMA_VERSION) this.db.pragma(`user_version = ${OUTBOX_SCHEMA_VERSION}`);
  }

  /** Records a press durably and returns it with its fresh voteId and seq. Synchronous. */
  append(press: NewPress): OutboxVote {
    checkPress(press);
    return this.appendTx(press);
  }

  pending(afterSeq = 0, limit = 100): OutboxVote[] {
    return this.stmts.pending.all(afterSeq, limit).map(toVote);
  }

  /** Every pending vote in seq order, read a page at a time (for audits and the CLI). */
  *iteratePending(pageSize = 500): Generator<OutboxVote> {
    let after = 0;
    for (;;) {
      const page = this.pending(after, pageSize);
      yield* page;
      const last = page.at(-1);
      if (page.length < pageSize || last === undefined) return;
      after = last.seq;
    }
  }

  pendingCount(): number {
    return this.stmts.pendingCount.get()?.n ?? 0;
  }

  markAcked(voteId: string, outcome: AckOutcome = { status: 'stored', flagged: false }): boolean {
    return this.stmts.settle.run('acked', outcome.status, outcome.flagged ? 1 : 0, this.now(), voteId).changes > 0;
  }

  markRejected(voteId: string, code: ErrorCode): boolean {
    return this.stmts.settle.run('rejected', code, 0, this.now(), voteId).changes > 0;
  }

  get(voteId: string): OutboxRow | undefined {
    const row = this.stmts.get.get(voteId);
    return row && toRow(row);
  }

  counts(): Record<OutboxState, number> {
    const out: Record<OutboxState, number> = { pending: 0, acked: 0, rejected: 0 };
    for (const { state, n } of this.stmts.counts.all()) out[state] = n;
    return out;
  }

  /**
   * Deletes acked rows settled more than `retentionDays` ago; returns how many. Rejected rows are
   * kept: they are the record of presses that did not count, and there are few of them.
   */
  prune(): number {
    return this.stmts.prune.run(this.now() - this.retentionMs).changes;
  }

  /** The last poll the server announced, so a kiosk rebooted while offline can still take votes. */
  lastPoll(): PollInfo | null {
    const raw = this.stmts.getMeta.get('last_poll')?.value;
    if (raw === undefined) return null;
    try {
      const value: unknown = JSON.parse(raw);
      return value === null ? null : parsePollInfo(value);
    } catch {
      return null; // a corrupt cache is not worth refusing to start over
    }
  }

  saveLastPoll(poll: PollInfo | null): void {
    this.stmts.setMeta.run('last_poll', JSON.stringify(poll));
  }

  /** The durability settings in force on this connection (journal mode, synchronous level). */
  durability(): { journalMode: string; synchronous: number } {
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function prepareStatements(db: Database.Database) {
  return {
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    insert: db.prepare(
      `INSERT INTO votes (seq, vote_id, poll_id, button, pressed_mono_ms, boot_id, created_at)
       VALUES (@seq, @voteId, @pollId, @button, @pressedMonoMs, @bootId, @createdAt)`,
    ),
    pending: db.prepare<[number, number], RawRow>(
      `SELECT * FROM votes WHERE state = 'pending' AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    pendingCount: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM votes WHERE state = 'pending'`),
    settle: db.prepare<[OutboxState, string, number, number, string]>(
      `UPDATE votes SET state = ?, outcome = ?, flagged = ?, settled_at = ? WHERE vote_id = ? AND state = 'pending'`,
    ),
    get: db.prepare<[string], RawRow>('SELECT * FROM votes WHERE vote_id = ?'),
    prune: db.prepare<[number]>(`DELETE FROM votes WHERE state = 'acked' AND settled_at < ?`),
    counts: db.prepare<[], { state: OutboxState; n: number }>('SELECT state, count(*) AS n FROM votes GROUP BY state'),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

function pick(press: NewPress): NewPress {
  return { button: press.button, pollId: press.pollId, pressedMonoMs: press.pressedMonoMs, bootId: press.bootId };
}

function checkPress(press: NewPress): void {
  const ok =
    Number.isSafeInteger(press.button) &&
    press.button >= 1 &&
    (press.pollId === null || (Number.isSafeInteger(press.pollId) && press.pollId >= 1)) &&
    Number.isSafeInteger(press.pressedMonoMs) &&
    typeof press.bootId === 'string';
  // A malformed row would be refused by the server for ever and block nothing but itself; better
  // to refuse it here where the bug is.
  if (!ok) throw new PivoteError('PV_BAD_MESSAGE', 'outbox: malformed press', { press: { ...press } });
}

function toVote(r: RawRow): OutboxVote {
  return {
    voteId: r.vote_id,
    seq: r.seq,
    pollId: r.poll_id,
    button: r.button,
    pressedMonoMs: r.pressed_mono_ms,
    bootId: r.boot_id,
  };
}

function toRow(r: RawRow): OutboxRow {
  return {
    ...toVote(r),
    state: r.state,
    outcome: r.outcome,
    flagged: r.flagged === 1,
    createdAt: r.created_at,
    settledAt: r.settled_at,
  };
}
