import type pg from 'pg';
import { PivoteError } from '../../protocol/errors.js';
import type { KioskClaim } from '../model/changes.js';
import type { PresenceUpdate } from '../model/kiosks.js';
import { notify, type PgDb } from './db.js';
import { encodeText } from './text-codec.js';

/**
 * What servers write about kiosks continually: presence and connection claims. Both are written
 * with synchronous_commit off (they are rewritten all the time; a crash losing the last of them
 * costs nothing) and never touch the kiosks' access or the audit log.
 */

const MAX_SERVER_ID_LENGTH = 200;

const LOCK_PRESENCE = {
  name: 'pivote_lock_presence',
  text: 'SELECT id, connected FROM kiosks WHERE id = ANY($1::text[]) AND removed_at IS NULL ORDER BY id FOR NO KEY UPDATE',
};

/** `has_*` flags tell "leave as is" (the field was left out) from "set to null". */
const UPDATE_PRESENCE = {
  name: 'pivote_update_presence',
  text: `UPDATE kiosks k SET last_seen_at = u.last_seen_at, software = coalesce(u.software, k.software),
      queued = coalesce(u.queued, k.queued), connected = coalesce(u.connected, k.connected),
      connected_at = coalesce(u.connected_at, k.connected_at),
      buttons = CASE WHEN u.has_buttons THEN u.buttons ELSE k.buttons END,
      id_conflict_at = CASE WHEN u.has_conflict THEN u.conflict_at ELSE k.id_conflict_at END,
      id_conflict_addresses = CASE WHEN u.has_conflict
        THEN (SELECT array_agg(a) FROM json_array_elements_text(u.conflict_addresses::json) a) ELSE k.id_conflict_addresses END
    FROM unnest($1::text[], $2::int8[], $3::text[], $4::int8[], $5::bool[], $6::int8[], $7::bool[], $8::int4[], $9::bool[],
                $10::int8[], $11::text[], $12::int8[])
      AS u (id, last_seen_at, software, queued, connected, connected_at, has_buttons, buttons, has_conflict,
            conflict_at, conflict_addresses, epoch)
    WHERE k.id = u.id AND k.removed_at IS NULL AND (u.epoch IS NULL OR k.claim_epoch = u.epoch)
    RETURNING k.id, k.connected`,
};

/** Splits updates into rounds in which each kiosk appears at most once, keeping their order
 *  (one UPDATE cannot change a row twice). */
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

/**
 * A batch as one UPDATE from arrays per round, as if applied one after another. Rows are locked
 * in id order first, as recordVotes locks them, so the two cannot deadlock, and so the old
 * `connected` values read here are still current when the UPDATE runs. Returns the ids whose
 * `connected` flag changed, for the presence notification.
 */
async function applyPresence(c: pg.ClientBase, updates: readonly PresenceUpdate[]): Promise<string[]> {
  const before = new Map<string, boolean>();
  const after = new Map<string, boolean>();
  for (const round of presenceRounds(updates)) {
    const ids = round.map((u) => u.kioskId);
    const locked = await c.query<{ id: string; connected: boolean }>({ ...LOCK_PRESENCE, values: [ids] });
    for (const r of locked.rows) if (!before.has(r.id)) before.set(r.id, r.connected);
    const col = <T>(f: (u: PresenceUpdate) => T): T[] => round.map(f);
    const updated = await c.query<{ id: string; connected: boolean }>({
      ...UPDATE_PRESENCE,
      values: [
        ids,
        col((u) => u.lastSeenAt),
        col((u) => (u.software === undefined ? null : encodeText(u.software))),
        col((u) => u.queued ?? null),
        col((u) => u.connected ?? null),
        col((u) => u.connectedAt ?? null),
        col((u) => u.buttons !== undefined),
        col((u) => u.buttons ?? null),
        col((u) => u.idConflict !== undefined),
        col((u) => u.idConflict?.at ?? null),
        // A PostgreSQL array of arrays must be rectangular: each kiosk's addresses travel as JSON.
        col((u) => (u.idConflict ? JSON.stringify(u.idConflict.addresses) : null)),
        col((u) => u.epoch ?? null),
      ],
    });
    for (const r of updated.rows) after.set(r.id, r.connected);
  }
  return [...after].filter(([id, connected]) => before.get(id) !== connected).map(([id]) => id).sort();
}

export async function updatePresence(db: PgDb, updates: readonly PresenceUpdate[]): Promise<void> {
  if (updates.length === 0) return db.check();
  await db.tx('soft', async (c) => {
    const changed = await applyPresence(c, updates);
    if (changed.length > 0) await notify(c, { kind: 'presence', kioskIds: changed });
  });
}

export async function markAllDisconnected(db: PgDb): Promise<void> {
  await db.tx('soft', async (c) => {
    const r = await c.query<{ id: string }>('UPDATE kiosks SET connected = false WHERE connected RETURNING id');
    if (r.rows.length > 0) await notify(c, { kind: 'presence', kioskIds: r.rows.map((x) => x.id).sort() });
  });
}

/** Soft durability: a claim lost in a database crash can only be handed out again, with the same
 *  number, to another server id, and a holder treats (same epoch, other server) as superseded. */
export async function claimKioskConnection(db: PgDb, kioskId: string, serverId: string): Promise<number> {
  if (serverId.length === 0 || serverId.length > MAX_SERVER_ID_LENGTH) throw new Error(`serverId must be 1-${MAX_SERVER_ID_LENGTH} characters`);
  return db.tx('soft', async (c) => {
    const r = await c.query<{ claim_epoch: number }>(
      'UPDATE kiosks SET claim_epoch = claim_epoch + 1, claim_server = $2 WHERE id = $1 AND removed_at IS NULL RETURNING claim_epoch',
      [kioskId, serverId],
    );
    const epoch = r.rows[0]?.claim_epoch;
    if (epoch === undefined) throw new PivoteError('PV_UNKNOWN_KIOSK', `no kiosk with id ${kioskId}`, { kioskId });
    await notify(c, { kind: 'kiosk-claimed', kioskId, epoch, serverId });
    return epoch;
  });
}

export async function readKioskClaims(db: PgDb, kioskIds: readonly string[]): Promise<KioskClaim[]> {
  const { rows } = await db.read<{ id: string; claim_epoch: number; claim_server: string | null }>(
    'SELECT id, claim_epoch, claim_server FROM kiosks WHERE id = ANY($1::text[]) AND removed_at IS NULL ORDER BY id',
    [[...kioskIds]],
  );
  return rows.map((r) => ({ kioskId: r.id, epoch: r.claim_epoch, serverId: r.claim_server }));
}
