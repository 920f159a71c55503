import { PivoteError } from '../../protocol/errors.js';
import { validatePollDefinition } from '../poll-rules.js';
import type { PollRecord } from '../types.js';
import { notify, type PgDb } from './db.js';
import { POLL_COLUMNS, pollFromRow, type PollRow } from './rows.js';

/** The polls table. At most one poll is open, which the partial unique index enforces. */

export async function openPoll(db: PgDb, question: string, options: string[], at: number): Promise<PollRecord> {
  db.check();
  const def = validatePollDefinition(question, options);
  const row = await db.tx('durable', async (c) => {
    // The index decides a race between servers: the loser's insert waits for the winner's
    // commit, then does nothing.
    const r = await c.query<PollRow>(
      `INSERT INTO polls (question, options, state, opened_at) VALUES ($1, $2, 'open', $3)
       ON CONFLICT (state) WHERE state = 'open' DO NOTHING RETURNING ${POLL_COLUMNS}`,
      [def.question, def.options, at],
    );
    if (r.rows.length === 0) {
      const open = await c.query<{ id: number }>("SELECT id FROM polls WHERE state = 'open'");
      const pollId = open.rows[0]?.id;
      throw new PivoteError('PV_POLL_ALREADY_OPEN', `poll ${pollId ?? '(just closed)'} is still open`, { pollId });
    }
    await notify(c, { kind: 'poll', pollId: r.rows[0]!.id, state: 'open' });
    return r.rows[0]!;
  });
  return pollFromRow(row);
}

export async function closePoll(db: PgDb, at: number): Promise<PollRecord> {
  const row = await db.tx('durable', async (c) => {
    // Two closers: the second waits for the first's row lock, then finds nothing open.
    const r = await c.query<PollRow>(`UPDATE polls SET state = 'closed', closed_at = $1 WHERE state = 'open' RETURNING ${POLL_COLUMNS}`, [at]);
    if (r.rows.length === 0) throw new PivoteError('PV_NO_OPEN_POLL', 'no poll is open');
    await notify(c, { kind: 'poll', pollId: r.rows[0]!.id, state: 'closed' });
    return r.rows[0]!;
  });
  return pollFromRow(row);
}

export async function getOpenPoll(db: PgDb): Promise<PollRecord | undefined> {
  const { rows } = await db.read<PollRow>(`SELECT ${POLL_COLUMNS} FROM polls WHERE state = 'open'`);
  return rows[0] && pollFromRow(rows[0]);
}

export async function getPoll(db: PgDb, id: number): Promise<PollRecord | undefined> {
  const { rows } = await db.read<PollRow>(`SELECT ${POLL_COLUMNS} FROM polls WHERE id = $1`, [id]);
  return rows[0] && pollFromRow(rows[0]);
}

export async function listPolls(db: PgDb): Promise<PollRecord[]> {
  return (await db.read<PollRow>(`SELECT ${POLL_COLUMNS} FROM polls ORDER BY id DESC`)).rows.map(pollFromRow);
}

export async function requirePoll(db: PgDb, id: number): Promise<PollRecord> {
  const poll = await getPoll(db, id);
  if (!poll) throw new PivoteError('PV_POLL_NOT_FOUND', `no poll with id ${id}`, { pollId: id });
  return poll;
}
