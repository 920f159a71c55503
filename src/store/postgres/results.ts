import { hourKey } from '../poll-rules.js';
import type { GroupedCount, OptionCount, ResultsQuery, StoredVote } from '../types.js';
import type { PgDb } from './db.js';
import { requirePoll } from './polls.js';
import { VOTE_COLUMNS, voteFromRow, type VoteRow } from './rows.js';
import { encodeText } from './text-codec.js';

/** Reading votes: tallies counted from the rows (never from a counter), listings, one vote. */

const HOUR_MS = 3_600_000;

export async function countVotes(db: PgDb, q: ResultsQuery): Promise<OptionCount[]> {
  const poll = await requirePoll(db, q.pollId);
  const counts = poll.options.map((label, i) => ({ button: i + 1, label, count: 0 }));
  const { rows } = await db.read<{ button: number; n: number }>({
    name: 'pivote_count_by_button',
    text: 'SELECT button, count(*) AS n FROM votes WHERE poll_id = $1 AND flagged <= $2 GROUP BY button',
    values: [q.pollId, q.includeFlagged],
  });
  for (const r of rows) {
    const c = counts[r.button - 1];
    if (c) c.count = r.n;
  }
  return counts;
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
