import type Database from 'better-sqlite3';
import { DEFAULT_PRESSES_PER_KIOSK, RecentPresses } from '../recent-presses.js';
import { integrityOutcome, type BurstPolicy, type NewVote, type RecordOutcome } from '../types.js';
import type { VoteContentRow } from './rows.js';

/**
 * recordVotes for SQLite: one IMMEDIATE transaction per batch; the repeated-press flag is
 * judged from the kiosk's recent press times held in memory (../recent-presses.ts), and from
 * the database (index votes_pressed) only for a vote pressed before what memory holds.
 *
 * Memory matches the database at all times:
 * - loaded lazily before the first batch, newest presses first, back to LOAD_LOOKBACK_MS or
 *   LOAD_MAX_PRESSES, whichever comes first (a process that never records votes loads nothing);
 * - every vote this connection stores is added inside the transaction, and taken out again if
 *   the transaction rolls back;
 * - a vote stored by another connection (`PRAGMA data_version` moved and the table's last rowid
 *   is not ours) makes memory start over from the database.
 */

const VOTE_COLUMNS = 'kiosk_id, vote_id, seq, poll_id, button, pressed_at, received_at, clock_unknown, flagged';

/** How far back press times are loaded at start: a vote pressed before that is judged by the
 *  database, so this bounds the start-up read, not what is right. */
export const LOAD_LOOKBACK_MS = 60 * 60_000;
export const LOAD_MAX_PRESSES = 100_000;

export interface RecentPressOptions {
  /** Press times held per kiosk (default DEFAULT_PRESSES_PER_KIOSK). */
  perKiosk?: number;
  /** How far back, and how many press times at most, are loaded before the first batch. */
  lookbackMs?: number;
  maxLoaded?: number;
  /** The clock the lookback is measured on (default Date.now; cannot cross to the store thread). */
  now?: () => number;
}

type Stmt = Database.Statement<unknown[], unknown>;

function outcomeOfConflict(existing: VoteContentRow | undefined, v: NewVote): RecordOutcome {
  // ON CONFLICT DO NOTHING only absorbs the primary key, so the row is there.
  if (!existing) throw new Error(`vote ${v.kioskId}/${v.voteId} conflicted but cannot be read back`);
  if (existing.poll_id === v.pollId && existing.button === v.button && existing.seq === v.seq) {
    return { status: 'duplicate', flagged: existing.flagged === 1 };
  }
  return integrityOutcome(v.voteId);
}

export class VoteRecorder {
  private readonly insert: Stmt;
  private readonly content: Stmt;
  /** The SQL rule, for votes memory cannot judge: is there a maxVotes-th press in the window? */
  private readonly burstInDb: Stmt;
  private readonly newestPresses: Stmt;
  private readonly lastRowid: Stmt;
  private readonly dataVersion: Stmt;
  private readonly batch: Database.Transaction<(votes: readonly NewVote[], burst: BurstPolicy, added: NewVote[]) => RecordOutcome[]>;
  private recent: RecentPresses | undefined;
  /** data_version and the votes' last rowid after our last commit: another writer moves them. */
  private seenVersion = -1;
  private seenRowid = 0;
  /** The last rowid this batch inserted; ours once it commits. */
  private pendingRowid = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly opts: RecentPressOptions = {},
  ) {
    this.insert = db.prepare(`INSERT INTO votes (${VOTE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kiosk_id, vote_id) DO NOTHING`);
    this.content = db.prepare('SELECT poll_id, button, seq, flagged FROM votes WHERE kiosk_id = ? AND vote_id = ?');
    // The window's entries of votes_pressed (every kiosk's, index only), stopping at the
    // maxVotes-th of this kiosk. Left to itself the planner walks the kiosk's primary-key
    // entries instead, and reads the row of every vote the kiosk ever sent.
    this.burstInDb = db
      .prepare('SELECT EXISTS (SELECT 1 FROM votes INDEXED BY votes_pressed WHERE pressed_at BETWEEN ? AND ? AND kiosk_id = ? LIMIT 1 OFFSET ?)')
      .pluck();
    this.newestPresses = db.prepare('SELECT kiosk_id, pressed_at FROM votes WHERE pressed_at > ? ORDER BY pressed_at DESC').raw();
    this.lastRowid = db.prepare('SELECT coalesce(max(rowid), 0) FROM votes').pluck();
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.batch = db.transaction((votes: readonly NewVote[], burst: BurstPolicy, added: NewVote[]) => {
      // Inside the write lock: no other connection can store a vote until we commit.
      if (this.recent === undefined || this.writtenByOthers()) this.recent = this.load();
      const recent = this.recent;
      recent.keepAtLeast(burst.maxVotes);
      const out = new Array<RecordOutcome>(votes.length);
      for (let i = 0; i < votes.length; i++) {
        const v = votes[i]!;
        const flagged = recent.judge(v.kioskId, v.pressedAt, burst.windowMs, burst.maxVotes) ?? this.judgeInDb(v, burst);
        const { changes, lastInsertRowid } = this.insert.run(v.kioskId, v.voteId, v.seq, v.pollId, v.button, v.pressedAt, v.receivedAt, v.clockUnknown ? 1 : 0, flagged ? 1 : 0);
        if (changes === 0) {
          out[i] = outcomeOfConflict(this.content.get(v.kioskId, v.voteId) as VoteContentRow | undefined, v);
          continue;
        }
        // Counts for the votes after it in this batch, as the rule says.
        recent.add(v.kioskId, v.pressedAt);
        added.push(v);
        this.pendingRowid = Number(lastInsertRowid);
        out[i] = { status: 'stored', flagged };
      }
      return out;
    });
  }

  /** Held press times, for tests and memory figures; undefined before the first batch. */
  get memory(): { kiosks: number; presses: number } | undefined {
    return this.recent?.size;
  }

  record(votes: readonly NewVote[], burst: BurstPolicy): RecordOutcome[] {
    const added: NewVote[] = [];
    let out: RecordOutcome[];
    try {
      // IMMEDIATE takes the write lock up front, so a CLI writer in between cannot make the
      // batch fail half-way with SQLITE_BUSY_SNAPSHOT; the busy timeout applies instead.
      out = this.batch.immediate(votes, burst, added);
    } catch (err) {
      // Rolled back: those votes are not stored, so they must not count either.
      for (const v of added) this.recent?.remove(v.kioskId, v.pressedAt);
      throw err;
    }
    if (added.length > 0) this.seenRowid = this.pendingRowid;
    return out;
  }

  private judgeInDb(v: NewVote, burst: BurstPolicy): boolean {
    return this.burstInDb.get(v.pressedAt - burst.windowMs, v.pressedAt, v.kioskId, burst.maxVotes - 1) === 1;
  }

  /** Another connection committed, and what it committed includes votes. */
  private writtenByOthers(): boolean {
    const version = this.dataVersion.get() as number;
    if (version === this.seenVersion) return false;
    this.seenVersion = version;
    return (this.lastRowid.get() as number) !== this.seenRowid;
  }

  /** The newest presses, back to the lookback or the row budget; memory answers above that. */
  private load(): RecentPresses {
    const max = this.opts.maxLoaded ?? LOAD_MAX_PRESSES;
    let floor = (this.opts.now ?? Date.now)() - (this.opts.lookbackMs ?? LOAD_LOOKBACK_MS);
    const rows: [string, number][] = [];
    for (const row of this.newestPresses.iterate(floor) as IterableIterator<[string, number]>) {
      if (rows.length >= max) {
        // Every press above this one is loaded. The floor is exclusive: loaded presses at
        // exactly this time are left out again by add(), as another one may not be loaded.
        floor = row[1];
        break;
      }
      rows.push(row);
    }
    const recent = new RecentPresses(floor, this.opts.perKiosk ?? DEFAULT_PRESSES_PER_KIOSK);
    for (let i = rows.length - 1; i >= 0; i--) recent.add(rows[i]![0], rows[i]![1]);
    this.seenVersion = this.dataVersion.get() as number;
    this.seenRowid = this.lastRowid.get() as number;
    return recent;
  }
}
