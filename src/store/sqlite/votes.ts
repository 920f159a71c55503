import type { VoteArea } from '../area-store.js';
import type Database from 'better-sqlite3';
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
import { hourKey } from '../poll-rules.js';
import { exportedVoteFromRow, voteFromRow, type VoteContentRow, type VoteRow } from './rows.js';

const HOUR_MS = 3_600_000;
const VOTE_COLUMNS = 'kiosk_id, vote_id, seq, poll_id, button, pressed_at, received_at, clock_unknown, flagged';
/** The newest rowid received before `?`, found by walking back from the newest row: rowids grow
 *  with receipt (one server clock, commits in order), so this reads only the rows received since.
 *  A clock set back makes it a bound, not exact; only dashboards and alerts ask it. */
const RECEIVED_SINCE = '(SELECT coalesce((SELECT rowid FROM votes WHERE +received_at < ? ORDER BY rowid DESC LIMIT 1), 0))';

type Stmt = Database.Statement<unknown[], unknown>;

function prepare(db: Database.Database) {
  const p = (sql: string): Stmt => db.prepare(sql);
  return {
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
    countByBucket: p(`SELECT CAST(pressed_at / ? AS INTEGER) AS bucket, button, count(*) AS n FROM votes
                      WHERE poll_id = ? AND flagged <= ? GROUP BY bucket, button ORDER BY bucket, button`),
    // Newest rows first through the table itself (+ keeps the planner off the poll index), so
    // the last N votes of the open poll cost N rows, not the whole poll.
    recent: p(`SELECT button, count(*) AS n FROM (SELECT button FROM votes WHERE +poll_id = ? AND +flagged <= ?
               ORDER BY rowid DESC LIMIT ?) GROUP BY button`),
    byKioskSince: p(`SELECT kiosk_id, count(*) AS n FROM votes WHERE rowid > ${RECEIVED_SINCE} AND pressed_at >= ? AND flagged = 0
                     GROUP BY kiosk_id ORDER BY kiosk_id`),
    flaggedSince: p(`SELECT count(*) FROM votes WHERE rowid > ${RECEIVED_SINCE} AND pressed_at >= ? AND flagged = 1`).pluck(),

    listAll: p(`SELECT ${VOTE_COLUMNS} FROM votes ORDER BY kiosk_id, seq, rowid`),
    listPoll: p(`SELECT ${VOTE_COLUMNS} FROM votes WHERE poll_id = ? ORDER BY kiosk_id, seq, rowid`),
    listKiosk: p(`SELECT ${VOTE_COLUMNS} FROM votes WHERE kiosk_id = ? ORDER BY seq, rowid`),
    listBoth: p(`SELECT ${VOTE_COLUMNS} FROM votes WHERE poll_id = ? AND kiosk_id = ? ORDER BY seq, rowid`),
    pageAll: p(`SELECT rowid AS position, ${VOTE_COLUMNS} FROM votes WHERE rowid > ? AND flagged <= ? ORDER BY rowid LIMIT ?`),
    pagePoll: p(`SELECT rowid AS position, ${VOTE_COLUMNS} FROM votes WHERE rowid > ? AND +poll_id = ? AND flagged <= ? ORDER BY rowid LIMIT ?`),
    get: p(`SELECT ${VOTE_COLUMNS} FROM votes WHERE kiosk_id = ? AND vote_id = ?`),
  };
}

function outcomeOfConflict(existing: VoteContentRow | undefined, v: NewVote): RecordOutcome {
  // ON CONFLICT DO NOTHING only absorbs the primary key, so the row is there.
  if (!existing) throw new Error(`vote ${v.kioskId}/${v.voteId} conflicted but cannot be read back`);
  if (existing.poll_id === v.pollId && existing.button === v.button && existing.seq === v.seq) {
    return { status: 'duplicate', flagged: existing.flagged === 1 };
  }
  return { status: 'integrity', code: 'PV_INTEGRITY', message: `vote ${v.voteId} was stored with different content` };
}

/** The votes table: the hot path (recordVotes) and every count made from vote rows. */
export class SqliteVotes implements VoteArea {
  private readonly s: ReturnType<typeof prepare>;
  private readonly recordBatch: Database.Transaction<(votes: readonly NewVote[], burst: BurstPolicy) => RecordOutcome[]>;

  constructor(db: Database.Database) {
    const s = prepare(db);
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
  }

  record(votes: readonly NewVote[], burst: BurstPolicy): RecordOutcome[] {
    if (votes.length === 0) return [];
    // IMMEDIATE takes the write lock up front, so a CLI writer in between cannot make the
    // batch fail half-way with SQLITE_BUSY_SNAPSHOT; the busy timeout applies instead.
    return this.recordBatch.immediate(votes, burst);
  }

  count(poll: PollRecord, q: ResultsQuery): OptionCount[] {
    const counts = poll.options.map((label, i) => ({ button: i + 1, label, count: 0 }));
    for (const r of this.s.countByButton.all(q.pollId, q.includeFlagged ? 1 : 0) as { button: number; n: number }[]) {
      const c = counts[r.button - 1];
      if (c) c.count = r.n;
    }
    return counts;
  }

  countBy(q: ResultsQuery, by: 'kiosk' | 'hour'): GroupedCount[] {
    const flagged = q.includeFlagged ? 1 : 0;
    if (by === 'kiosk') {
      const rows = this.s.countByKiosk.all(q.pollId, flagged) as { key: string; button: number; n: number }[];
      return rows.map((r) => ({ key: r.key, button: r.button, count: r.n }));
    }
    const rows = this.s.countByHour.all(q.pollId, flagged) as { hour: number; button: number; n: number }[];
    return rows.map((r) => ({ key: hourKey(r.hour * HOUR_MS), button: r.button, count: r.n }));
  }

  countByBucket(q: ResultsQuery, bucketMs: number): BucketCount[] {
    const rows = this.s.countByBucket.all(bucketMs, q.pollId, q.includeFlagged ? 1 : 0) as { bucket: number; button: number; n: number }[];
    return rows.map((r) => ({ start: r.bucket * bucketMs, button: r.button, count: r.n }));
  }

  countRecent(poll: PollRecord, q: ResultsQuery, lastVotes: number): OptionCount[] {
    const counts = poll.options.map((label, i) => ({ button: i + 1, label, count: 0 }));
    for (const r of this.s.recent.all(q.pollId, q.includeFlagged ? 1 : 0, lastVotes) as { button: number; n: number }[]) {
      const c = counts[r.button - 1];
      if (c) c.count = r.n;
    }
    return counts;
  }

  countByKioskSince(since: number): KioskVoteCount[] {
    return (this.s.byKioskSince.all(since, since) as { kiosk_id: string; n: number }[]).map((r) => ({ kioskId: r.kiosk_id, count: r.n }));
  }

  countFlaggedSince(since: number): number {
    return this.s.flaggedSince.get(since, since) as number;
  }

  get(kioskId: string, voteId: string): StoredVote | undefined {
    const row = this.s.get.get(kioskId, voteId) as VoteRow | undefined;
    return row && voteFromRow(row);
  }

  list(filter: { pollId?: number; kioskId?: string }): StoredVote[] {
    const { pollId, kioskId } = filter;
    let rows: unknown[];
    if (pollId !== undefined && kioskId !== undefined) rows = this.s.listBoth.all(pollId, kioskId);
    else if (pollId !== undefined) rows = this.s.listPoll.all(pollId);
    else if (kioskId !== undefined) rows = this.s.listKiosk.all(kioskId);
    else rows = this.s.listAll.all();
    return (rows as VoteRow[]).map(voteFromRow);
  }

  page(q: VotePageQuery): ExportedVote[] {
    const flagged = q.includeFlagged ? 1 : 0;
    const rows = q.pollId === undefined
      ? this.s.pageAll.all(q.after ?? 0, flagged, q.limit)
      : this.s.pagePoll.all(q.after ?? 0, q.pollId, flagged, q.limit);
    return (rows as (VoteRow & { position: number })[]).map(exportedVoteFromRow);
  }
}
