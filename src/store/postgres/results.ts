import { hourKey } from '../poll-rules.js';
import type { BucketCount, ExportedVote, GroupedCount, KioskVoteCount, OptionCount, PollRecord, ResultsQuery, StoredVote, VotePageQuery } from '../types.js';
import type { PgDb } from './db.js';
import { requirePoll } from './polls.js';
import { VOTE_COLUMNS, exportedVoteFromRow, voteFromRow, type VoteRow } from './rows.js';
import { encodeText } from './text-codec.js';

/** Reading votes: tallies counted from the rows (never from a counter), listings, one vote. */

const HOUR_MS = 3_600_000;

function tally(poll: PollRecord, rows: readonly { button: number; n: number }[]): OptionCount[] {
  const counts = poll.options.map((label, i) => ({ button: i + 1, label, count: 0 }));
  for (const r of rows) {
    const c = counts[r.button - 1];
    if (c) c.count = r.n;
  }
  return counts;
}

export async function countVotes(db: PgDb, q: ResultsQuery): Promise<OptionCount[]> {
  const poll = await requirePoll(db, q.pollId);
  const { rows } = await db.read<{ button: number; n: number }>({
    name: 'pivote_count_by_button',
    text: 'SELECT button, count(*) AS n FROM votes WHERE poll_id = $1 AND flagged <= $2 GROUP BY button',
    values: [q.pollId, q.includeFlagged],
  });
  return tally(poll, rows);
}

/** The last `lastVotes` votes of the poll in storage order, read backwards along row_id. */
export async function countRecentVotes(db: PgDb, q: ResultsQuery, lastVotes: number): Promise<OptionCount[]> {
  const poll = await requirePoll(db, q.pollId);
  const { rows } = await db.read<{ button: number; n: number }>({
    name: 'pivote_count_recent',
    text: `SELECT button, count(*) AS n FROM (SELECT button FROM votes WHERE poll_id = $1 AND flagged <= $2 ORDER BY row_id DESC LIMIT $3) r
           GROUP BY button`,
    values: [q.pollId, q.includeFlagged, lastVotes],
  });
  return tally(poll, rows);
}

/** Buckets of `bucketMs` of press time; floor division, so a bucket starts at a multiple. */
export async function countVotesByBucket(db: PgDb, q: ResultsQuery, bucketMs: number): Promise<BucketCount[]> {
  await requirePoll(db, q.pollId);
  const { rows } = await db.read<{ bucket: number; button: number; n: number }>(
    `SELECT floor(pressed_at::numeric / $3)::int8 AS bucket, button, count(*) AS n FROM votes WHERE poll_id = $1 AND flagged <= $2
     GROUP BY bucket, button ORDER BY bucket, button`,
    [q.pollId, q.includeFlagged, bucketMs],
  );
  return rows.map((r) => ({ start: r.bucket * bucketMs, button: r.button, count: r.n }));
}

/** Per kiosk (any poll, removed kiosks too), one index range each on votes_kiosk_pressed. */
export async function countVotesByKioskSince(db: PgDb, since: number): Promise<KioskVoteCount[]> {
  const { rows } = await db.read<{ kiosk_id: string; n: number }>(
    `SELECT k.id AS kiosk_id, c.n FROM kiosks k
       CROSS JOIN LATERAL (SELECT count(*) AS n FROM votes v WHERE v.kiosk_id = k.id AND v.pressed_at >= $1 AND NOT v.flagged) c
     WHERE c.n > 0 ORDER BY k.id`,
    [since],
  );
  return rows.map((r) => ({ kioskId: r.kiosk_id, count: r.n }));
}

/** Through the partial index of flagged votes: few rows, asked every few seconds. */
export async function countFlaggedSince(db: PgDb, since: number): Promise<number> {
  const { rows } = await db.read<{ n: number }>({ name: 'pivote_flagged_since', text: 'SELECT count(*) AS n FROM votes WHERE flagged AND pressed_at >= $1', values: [since] });
  return rows[0]?.n ?? 0;
}

/**
 * One page in storage order (row_id). Row ids are handed out when a batch inserts, not when it
 * commits: with batches committing side by side, one numbered before a page's last row can
 * commit after that page was read, and the next page (after that row) does not include it. An
 * export of a poll still receiving votes can therefore miss votes committed while it ran;
 * exporting a closed poll, or exporting again, gives every vote (docs/SCALING.md).
 */
export async function listVotesPage(db: PgDb, q: VotePageQuery): Promise<ExportedVote[]> {
  const { rows } = await db.read<VoteRow & { position: number }>(
    `SELECT row_id AS position, ${VOTE_COLUMNS} FROM votes WHERE row_id > $1 AND ($2::int4 IS NULL OR poll_id = $2) AND flagged <= $3
     ORDER BY row_id LIMIT $4`,
    [q.after ?? 0, q.pollId ?? null, q.includeFlagged, q.limit],
  );
  return rows.map(exportedVoteFromRow);
}

export async function countVotesBy(db: PgDb, q: ResultsQuery, by: 'kiosk' | 'hour'): Promise<GroupedCount[]> {
  await requirePoll(db, q.pollId);
  if (by === 'kiosk') {
    const { rows } = await db.read<{ key: string; button: number; n: number }>(
      `SELECT kiosk_id AS key, button, count(*) AS n FROM votes WHERE poll_id = $1 AND flagged <= $2
       GROUP BY kiosk_id, button ORDER BY kiosk_id, button`,
      [q.pollId, q.includeFlagged],
    );
    return rows.map((r) => ({ key: r.key, button: r.button, count: r.n }));
  }
  // Integer division truncates as SQLite's does; press times are positive.
  const { rows } = await db.read<{ hour: number; button: number; n: number }>(
    `SELECT pressed_at / ${HOUR_MS} AS hour, button, count(*) AS n FROM votes WHERE poll_id = $1 AND flagged <= $2
     GROUP BY hour, button ORDER BY hour, button`,
    [q.pollId, q.includeFlagged],
  );
  return rows.map((r) => ({ key: hourKey(r.hour * HOUR_MS), button: r.button, count: r.n }));
}

/** In (kioskId, seq) order; row_id orders a re-imaged kiosk's repeated seq as SQLite's rowid does. */
export async function listVotes(db: PgDb, filter: { pollId?: number; kioskId?: string } = {}): Promise<StoredVote[]> {
  const { rows } = await db.read<VoteRow>(
    `SELECT ${VOTE_COLUMNS} FROM votes WHERE ($1::int4 IS NULL OR poll_id = $1) AND ($2::text IS NULL OR kiosk_id = $2)
     ORDER BY kiosk_id, seq, row_id`,
    [filter.pollId ?? null, filter.kioskId ?? null],
  );
  return rows.map(voteFromRow);
}

export async function getVote(db: PgDb, kioskId: string, voteId: string): Promise<StoredVote | undefined> {
  const { rows } = await db.read<VoteRow>(`SELECT ${VOTE_COLUMNS} FROM votes WHERE kiosk_id = $1 AND vote_id = $2`, [kioskId, encodeText(voteId)]);
  return rows[0] && voteFromRow(rows[0]);
}
