import type pg from 'pg';
import type { PgDb } from './db.js';
import type { BurstPolicy, NewVote, RecordOutcome } from '../types.js';
import { encodeText } from './text-codec.js';

/**
 * recordVotes on PostgreSQL in a fixed number of round trips whatever the batch size:
 *
 *  1. lock the batch's kiosk rows (sorted, so two batches cannot deadlock): batches that share a
 *     kiosk run one after the other, each seeing the other's committed presses, as they would on
 *     SQLite's single writer; batches of different kiosks still commit side by side;
 *  2. one lookup: for every vote, the stored row with its key, if any, and how many of the
 *     kiosk's stored presses lie in its burst window (reading at most maxVotes index entries);
 *  3. planVoteBatch (pure, below) decides each outcome exactly as the SQLite engine's
 *     one-insert-at-a-time loop would, earlier votes of the batch included;
 *  4. one multi-row INSERT of the stored votes, from arrays.
 */

export const LOCK_KIOSKS = {
  name: 'pivote_lock_kiosks',
  text: 'SELECT id FROM kiosks WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE',
};

/** $4 windowMs, $5 max(maxVotes, 0). One row per vote, in input order. */
export const LOOKUP_VOTES = {
  name: 'pivote_lookup_votes',
  text: `SELECT v.poll_id, v.button, v.seq, v.flagged,
      CASE WHEN v.kiosk_id IS NULL THEN
        (SELECT count(*) FROM (SELECT 1 FROM votes w
           WHERE w.kiosk_id = i.kiosk_id AND w.pressed_at BETWEEN i.pressed_at - $4 AND i.pressed_at LIMIT $5) s)
      END AS recent
    FROM unnest($1::text[], $2::text[], $3::int8[]) WITH ORDINALITY AS i (kiosk_id, vote_id, pressed_at, n)
    LEFT JOIN votes v ON v.kiosk_id = i.kiosk_id AND v.vote_id = i.vote_id
    ORDER BY i.n`,
};

export const INSERT_VOTES = {
  name: 'pivote_insert_votes',
  text: `INSERT INTO votes (kiosk_id, vote_id, seq, poll_id, button, pressed_at, received_at, clock_unknown, flagged)
    SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::int4[], $5::int2[], $6::int8[], $7::int8[], $8::bool[], $9::bool[])
    ON CONFLICT (kiosk_id, vote_id) DO NOTHING`,
};

/** A lookup row: the stored vote with the same key (null columns when none), or the window count. */
export interface LookupRow {
  poll_id: number | null;
  button: number | null;
  seq: number | null;
  flagged: boolean | null;
  recent: number | null;
}

export interface BatchPlan {
  outcomes: RecordOutcome[];
  /** Votes to insert, with the flag decided for each, in input order. */
  inserts: { vote: NewVote; flagged: boolean }[];
}

interface Stored {
  pollId: number;
  button: number;
  seq: number;
  flagged: boolean;
}

/**
 * The outcome of each vote, as if inserted one after another: a key stored before (in the
 * database or earlier in this batch) answers duplicate (same poll, button, seq) or integrity;
 * a new vote is flagged when its kiosk has at least maxVotes stored presses in
 * [pressedAt - windowMs, pressedAt]: `recent` from the database plus earlier new votes of the batch.
 */
export function planVoteBatch(votes: readonly NewVote[], lookup: readonly LookupRow[], burst: BurstPolicy): BatchPlan {
  if (lookup.length !== votes.length) throw new Error(`vote lookup returned ${lookup.length} rows for ${votes.length} votes`);
  const outcomes = new Array<RecordOutcome>(votes.length);
  const inserts: BatchPlan['inserts'] = [];
  const storedInBatch = new Map<string, Stored>();
  const pressesInBatch = new Map<string, number[]>();
  for (let i = 0; i < votes.length; i++) {
    const v = votes[i] as NewVote;
    const row = lookup[i] as LookupRow;
    const key = `${v.kioskId}\u0000${v.voteId}`;
    const prior: Stored | undefined =
      storedInBatch.get(key) ??
      (row.poll_id !== null ? { pollId: row.poll_id, button: row.button as number, seq: row.seq as number, flagged: row.flagged === true } : undefined);
    if (prior) {
      outcomes[i] =
        prior.pollId === v.pollId && prior.button === v.button && prior.seq === v.seq
          ? { status: 'duplicate', flagged: prior.flagged }
          : { status: 'integrity', code: 'PV_INTEGRITY', message: `vote ${v.voteId} was stored with different content` };
      continue;
    }
    const presses = pressesInBatch.get(v.kioskId) ?? [];
    let inWindow = row.recent ?? 0;
    const from = v.pressedAt - burst.windowMs;
    for (const p of presses) if (p >= from && p <= v.pressedAt) inWindow++;
    const flagged = inWindow >= burst.maxVotes;
    storedInBatch.set(key, { pollId: v.pollId, button: v.button, seq: v.seq, flagged });
    presses.push(v.pressedAt);
    pressesInBatch.set(v.kioskId, presses);
    inserts.push({ vote: v, flagged });
    outcomes[i] = { status: 'stored', flagged };
  }
  return { outcomes, inserts };
}

/** Runs steps 1, 2 and 4 on `c`, inside the caller's transaction. */
export async function recordBatch(c: pg.ClientBase, votes: readonly NewVote[], burst: BurstPolicy): Promise<BatchPlan> {
  await c.query({ ...LOCK_KIOSKS, values: [[...new Set(votes.map((v) => v.kioskId))]] });
  const lookup = await c.query<LookupRow>({
    ...LOOKUP_VOTES,
    values: [votes.map((v) => v.kioskId), votes.map((v) => encodeText(v.voteId)), votes.map((v) => v.pressedAt), burst.windowMs, Math.max(burst.maxVotes, 0)],
  });
  const plan = planVoteBatch(votes, lookup.rows, burst);
  if (plan.inserts.length > 0) {
    const col = <T>(f: (x: { vote: NewVote; flagged: boolean }) => T): T[] => plan.inserts.map(f);
    const res = await c.query({
      ...INSERT_VOTES,
      values: [
        col((x) => x.vote.kioskId),
        col((x) => encodeText(x.vote.voteId)),
        col((x) => x.vote.seq),
        col((x) => x.vote.pollId),
        col((x) => x.vote.button),
        col((x) => x.vote.pressedAt),
        col((x) => x.vote.receivedAt),
        col((x) => x.vote.clockUnknown),
        col((x) => x.flagged),
      ],
    });
    // The kiosk rows are locked, so no other transaction can have stored one of these keys
    // since the lookup; if one did, the outcomes above are wrong: roll back, answer nothing.
    if (res.rowCount !== plan.inserts.length) {
      throw new Error(`stored ${res.rowCount ?? 0} of ${plan.inserts.length} new votes: a concurrent writer bypassed the kiosk lock`);
    }
  }
  return plan;
}

/**
 * Waits out any transaction still storing votes of these kiosks: every vote batch locks its
 * kiosks' rows first (LOCK_KIOSKS) and holds them to its end, so taking the same locks returns
 * only once such a transaction — one whose client saw its connection break mid-COMMIT included —
 * has committed or rolled back.
 */
export async function settleVotes(db: PgDb, kioskIds: readonly string[]): Promise<void> {
  if (kioskIds.length === 0) return;
  await db.tx('soft', async (c) => {
    await c.query({ ...LOCK_KIOSKS, values: [[...new Set(kioskIds)].sort()] });
  });
}
