import type pg from 'pg';
import { PivoteError } from '../../protocol/errors.js';
import type { Actor } from '../model/admin.js';
import type { PollChange } from '../model/changes.js';
import type { DraftPoll, PollPatch, PollRecord, PollSettings, ScheduleOutcome } from '../model/polls.js';
import { validatePollDefinition, validateSchedule } from '../poll-rules.js';
import { writeAudit } from './audit.js';
import { notify, type PgDb } from './db.js';
import { POLL_COLUMNS, pollFromRow, type PollRow } from './rows.js';
import { PIVOTE_LOCK_CLASS, SCHEDULE_LOCK } from './schema.js';

/**
 * The polls table: open, close, drafts, the schedule, each change audited and announced in its
 * own transaction. At most one poll is open: the partial unique index polls_one_open decides
 * when two servers race, whatever each of them read before.
 */

const OPEN = `SELECT ${POLL_COLUMNS} FROM polls WHERE state = 'open'`;

async function recorded(c: pg.ClientBase, poll: PollRecord, at: number, actor: Actor, action: string, change: PollChange): Promise<PollRecord> {
  const details = action === 'poll.close' ? null : { question: poll.question, options: poll.options, closesAt: poll.closesAt, opensAt: poll.opensAt, publicResults: poll.publicResults };
  await writeAudit(c, { at, actor, action, subject: String(poll.id), details });
  await notify(c, { kind: 'poll', pollId: poll.id, change });
  return poll;
}

function alreadyOpen(pollId: number | undefined): PivoteError {
  return new PivoteError('PV_POLL_ALREADY_OPEN', `poll ${pollId ?? '(just closed)'} is still open`, { pollId });
}

/** The unique index refused a second open poll (a race lost to another server). */
function isOneOpenViolation(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown };
  return e.code === '23505' && e.constraint === 'polls_one_open';
}

/** Runs a change that opens a poll; a lost race becomes PV_POLL_ALREADY_OPEN naming the winner. */
async function opening<T>(db: PgDb, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  try {
    return await db.tx('durable', fn);
  } catch (err) {
    if (!isOneOpenViolation(err)) throw err;
    throw alreadyOpen((await getOpenPoll(db))?.id);
  }
}

async function requireNoneOpen(c: pg.ClientBase): Promise<void> {
  const open = await c.query<{ id: number }>("SELECT id FROM polls WHERE state = 'open'");
  if (open.rows[0]) throw alreadyOpen(open.rows[0].id);
}

async function lockPoll(c: pg.ClientBase, id: number): Promise<PollRecord> {
  const r = await c.query<PollRow>(`SELECT ${POLL_COLUMNS} FROM polls WHERE id = $1 FOR UPDATE`, [id]);
  if (!r.rows[0]) throw new PivoteError('PV_POLL_NOT_FOUND', `no poll with id ${id}`, { pollId: id });
  return pollFromRow(r.rows[0]);
}

async function lockDraft(c: pg.ClientBase, id: number): Promise<PollRecord> {
  const poll = await lockPoll(c, id);
  if (poll.state !== 'draft') throw new PivoteError('PV_POLL_NOT_DRAFT', `poll ${id} is ${poll.state}, not a draft`, { pollId: id });
  return poll;
}

async function insertPoll(c: pg.ClientBase, state: 'open' | 'draft', q: string, options: string[], at: number, s: DraftPoll | PollSettings): Promise<PollRecord> {
  const r = await c.query<PollRow>(
    `INSERT INTO polls (question, options, state, created_at, opened_at, opens_at, closes_at, public_results)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${POLL_COLUMNS}`,
    [q, options, state, at, state === 'open' ? at : null, 'opensAt' in s ? (s.opensAt ?? null) : null, s.closesAt ?? null, s.publicResults ?? 'never'],
  );
  return pollFromRow(r.rows[0]!);
}

async function openDraftRow(c: pg.ClientBase, id: number, at: number): Promise<PollRecord> {
  const r = await c.query<PollRow>(`UPDATE polls SET state = 'open', opened_at = $2, opens_at = NULL WHERE id = $1 RETURNING ${POLL_COLUMNS}`, [id, at]);
  return pollFromRow(r.rows[0]!);
}

async function closeRow(c: pg.ClientBase, id: number, at: number): Promise<PollRecord> {
  const r = await c.query<PollRow>(`UPDATE polls SET state = 'closed', closed_at = $2 WHERE id = $1 RETURNING ${POLL_COLUMNS}`, [id, at]);
  return pollFromRow(r.rows[0]!);
}

export async function openPoll(db: PgDb, question: string, options: string[], at: number, settings: PollSettings, actor: Actor): Promise<PollRecord> {
  db.check();
  const def = validatePollDefinition(question, options);
  validateSchedule(null, settings.closesAt);
  return opening(db, async (c) => {
    await requireNoneOpen(c);
    return recorded(c, await insertPoll(c, 'open', def.question, def.options, at, settings), at, actor, 'poll.open', 'opened');
  });
}

export async function createDraftPoll(db: PgDb, d: DraftPoll, at: number, actor: Actor): Promise<PollRecord> {
  db.check();
  const def = validatePollDefinition(d.question, d.options);
  validateSchedule(d.opensAt, d.closesAt);
  return db.tx('durable', async (c) => recorded(c, await insertPoll(c, 'draft', def.question, def.options, at, d), at, actor, 'poll.create', 'created'));
}

export function openDraftPoll(db: PgDb, id: number, at: number, actor: Actor): Promise<PollRecord> {
  return opening(db, async (c) => {
    await lockDraft(c, id);
    await requireNoneOpen(c);
    return recorded(c, await openDraftRow(c, id, at), at, actor, 'poll.open', 'opened');
  });
}

export function updatePoll(db: PgDb, id: number, patch: PollPatch, at: number, actor: Actor): Promise<PollRecord> {
  return db.tx('durable', async (c) => {
    const poll = await lockPoll(c, id);
    if (patch.opensAt !== undefined && poll.state !== 'draft') {
      throw new PivoteError('PV_POLL_NOT_DRAFT', `poll ${id} is ${poll.state}; only a draft has an opening time`, { pollId: id });
    }
    if (patch.closesAt !== undefined && poll.state === 'closed') throw new PivoteError('PV_BAD_POLL', `poll ${id} is closed already`, { pollId: id });
    const opensAt = patch.opensAt !== undefined ? patch.opensAt : poll.opensAt;
    validateSchedule(poll.state === 'draft' ? opensAt : poll.openedAt, patch.closesAt !== undefined ? patch.closesAt : poll.closesAt);
    const r = await c.query<PollRow>(
      `UPDATE polls SET opens_at = CASE WHEN $2 THEN $3 ELSE opens_at END, closes_at = CASE WHEN $4 THEN $5 ELSE closes_at END,
         public_results = coalesce($6, public_results) WHERE id = $1 RETURNING ${POLL_COLUMNS}`,
      [id, patch.opensAt !== undefined, patch.opensAt ?? null, patch.closesAt !== undefined, patch.closesAt ?? null, patch.publicResults ?? null],
    );
    await writeAudit(c, { at, actor, action: 'poll.update', subject: String(id), details: { ...patch } });
    await notify(c, { kind: 'poll', pollId: id, change: 'updated' });
    return pollFromRow(r.rows[0]!);
  });
}

export async function deleteDraftPoll(db: PgDb, id: number, at: number, actor: Actor): Promise<void> {
  await db.tx('durable', async (c) => {
    await lockDraft(c, id);
    await c.query('DELETE FROM polls WHERE id = $1', [id]);
    await writeAudit(c, { at, actor, action: 'poll.delete', subject: String(id), details: null });
    await notify(c, { kind: 'poll', pollId: id, change: 'deleted' });
  });
}

export function closePoll(db: PgDb, at: number, actor: Actor): Promise<PollRecord> {
  return db.tx('durable', async (c) => {
    // Two closers: the second waits for the first's row lock, then finds nothing open.
    const r = await c.query<PollRow>(`UPDATE polls SET state = 'closed', closed_at = $1 WHERE state = 'open' RETURNING ${POLL_COLUMNS}`, [at]);
    if (!r.rows[0]) throw new PivoteError('PV_NO_OPEN_POLL', 'no poll is open');
    return recorded(c, pollFromRow(r.rows[0]), at, actor, 'poll.close', 'closed');
  });
}

const DUE = `SELECT ${POLL_COLUMNS} FROM polls WHERE state = 'draft' AND opens_at IS NOT NULL AND opens_at <= $1 ORDER BY opens_at, id LIMIT 1`;
const ANYTHING_DUE = `SELECT EXISTS (SELECT 1 FROM polls WHERE state = 'open' AND closes_at <= $1)
  OR EXISTS (SELECT 1 FROM polls WHERE state = 'draft' AND opens_at IS NOT NULL AND opens_at <= $1) AS due`;

/**
 * Every server runs this every second. A cheap read finds that nothing is due (nearly always);
 * otherwise one pass runs under an advisory lock, deciding from what it reads after taking it,
 * so several servers at once make each change once. A manual open racing with it loses to the
 * unique index; the pass is then rolled back and tried again a second later.
 */
export async function runSchedule(db: PgDb, at: number, actor: Actor): Promise<ScheduleOutcome> {
  const { rows } = await db.read<{ due: boolean }>({ name: 'pivote_anything_due', text: ANYTHING_DUE, values: [at] });
  if (!rows[0]?.due) return { closed: null, opened: null };
  return db.tx('durable', async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1, $2)', [PIVOTE_LOCK_CLASS, SCHEDULE_LOCK]);
    const open = (await c.query<PollRow>(OPEN)).rows[0];
    const due = (await c.query<PollRow>(DUE, [at])).rows[0];
    let closed: PollRecord | null = null;
    if (open && ((open.closes_at !== null && open.closes_at <= at) || due)) {
      closed = await recorded(c, await closeRow(c, open.id, at), at, actor, 'poll.close', 'closed');
    }
    const opened = due ? await recorded(c, await openDraftRow(c, due.id, at), at, actor, 'poll.open', 'opened') : null;
    return { closed, opened };
  });
}

export async function getOpenPoll(db: PgDb): Promise<PollRecord | undefined> {
  const { rows } = await db.read<PollRow>(OPEN);
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
