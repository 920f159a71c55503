import type pg from 'pg';
import type { PresenceUpdate } from '../types.js';
import { encodeText } from './text-codec.js';

/**
 * updatePresence on PostgreSQL: a batch as one UPDATE from arrays, applied as if one update after
 * another. A kiosk listed twice goes into a second round (one UPDATE cannot change a row twice).
 * Rows are locked in id order first, as recordVotes locks them, so the two cannot deadlock, and
 * so the old `connected` values read here are still current when the UPDATE runs.
 * Returns the ids whose `connected` flag changed, for the presence notification.
 */

const LOCK_PRESENCE = {
  name: 'pivote_lock_presence',
  text: 'SELECT id, connected FROM kiosks WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE',
};

const UPDATE_PRESENCE = {
  name: 'pivote_update_presence',
  text: `UPDATE kiosks k SET last_seen_at = u.last_seen_at, software = coalesce(u.software, k.software),
      queued = coalesce(u.queued, k.queued), connected = coalesce(u.connected, k.connected)
    FROM unnest($1::text[], $2::int8[], $3::text[], $4::int8[], $5::bool[], $6::int8[])
      AS u (id, last_seen_at, software, queued, connected, epoch)
    WHERE k.id = u.id AND (u.epoch IS NULL OR k.claim_epoch = u.epoch)
    RETURNING k.id, k.connected`,
};

/** Splits updates into rounds in which each kiosk appears at most once, keeping their order. */
export function presenceRounds(updates: readonly PresenceUpdate[]): PresenceUpdate[][] {
  const rounds: PresenceUpdate[][] = [];
  const seen = new Map<string, number>();
  for (const u of updates) {
    const round = seen.get(u.kioskId) ?? 0;
    seen.set(u.kioskId, round + 1);
    (rounds[round] ??= []).push(u);
  }
  return rounds;
}

export async function applyPresence(c: pg.ClientBase, updates: readonly PresenceUpdate[]): Promise<string[]> {
  const before = new Map<string, boolean>();
  const after = new Map<string, boolean>();
  for (const round of presenceRounds(updates)) {
    const ids = round.map((u) => u.kioskId);
    const locked = await c.query<{ id: string; connected: boolean }>({ ...LOCK_PRESENCE, values: [ids] });
    for (const r of locked.rows) if (!before.has(r.id)) before.set(r.id, r.connected);
    const updated = await c.query<{ id: string; connected: boolean }>({
      ...UPDATE_PRESENCE,
      values: [
        ids,
        round.map((u) => u.lastSeenAt),
        round.map((u) => (u.software === undefined ? null : encodeText(u.software))),
        round.map((u) => u.queued ?? null),
        round.map((u) => u.connected ?? null),
        round.map((u) => u.epoch ?? null),
      ],
    });
    for (const r of updated.rows) after.set(r.id, r.connected);
  }
  return [...after].filter(([id, connected]) => before.get(id) !== connected).map(([id]) => id).sort();
}
