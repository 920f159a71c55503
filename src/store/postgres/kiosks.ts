import { PivoteError } from '../../protocol/errors.js';
import type { KioskClaim, KioskRecord, NewKiosk, PresenceUpdate } from '../types.js';
import { notify, type PgDb } from './db.js';
import { applyPresence } from './presence.js';
import { KIOSK_COLUMNS, kioskFromRow, type KioskRow } from './rows.js';

/** The kiosks table: registration, revocation, presence and connection claims. */

const MAX_SERVER_ID_LENGTH = 200;

export async function addKiosk(db: PgDb, k: NewKiosk): Promise<KioskRecord> {
  const row = await db.tx('durable', async (c) => {
    const r = await c.query<KioskRow>(
      `INSERT INTO kiosks (id, name, location, secret, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO NOTHING RETURNING ${KIOSK_COLUMNS}`,
      [k.id, k.name, k.location, k.secret, k.createdAt],
    );
    if (r.rows.length === 0) throw new PivoteError('PV_KIOSK_EXISTS', `kiosk ${k.id} already exists`, { kioskId: k.id });
    await notify(c, { kind: 'kiosk', kioskId: k.id, change: 'added' });
    return r.rows[0]!;
  });
  return kioskFromRow(row);
}

export async function getKiosk(db: PgDb, id: string): Promise<KioskRecord | undefined> {
  const { rows } = await db.read<KioskRow>(`SELECT ${KIOSK_COLUMNS} FROM kiosks WHERE id = $1`, [id]);
  return rows[0] && kioskFromRow(rows[0]);
}

export async function listKiosks(db: PgDb): Promise<KioskRecord[]> {
  return (await db.read<KioskRow>(`SELECT ${KIOSK_COLUMNS} FROM kiosks ORDER BY id`)).rows.map(kioskFromRow);
}

export async function revokeKiosk(db: PgDb, id: string, at: number): Promise<KioskRecord> {
  const row = await db.tx('durable', async (c) => {
    const r = await c.query<KioskRow>(`UPDATE kiosks SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 RETURNING ${KIOSK_COLUMNS}`, [at, id]);
    if (r.rows.length === 0) throw new PivoteError('PV_UNKNOWN_KIOSK', `no kiosk with id ${id}`, { kioskId: id });
    await notify(c, { kind: 'kiosk', kioskId: id, change: 'revoked' });
    return r.rows[0]!;
  });
  return kioskFromRow(row);
}

export async function listRevokedKioskIds(db: PgDb): Promise<string[]> {
  return (await db.read<{ id: string }>('SELECT id FROM kiosks WHERE revoked_at IS NOT NULL ORDER BY id')).rows.map((r) => r.id);
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
      'UPDATE kiosks SET claim_epoch = claim_epoch + 1, claim_server = $2 WHERE id = $1 RETURNING claim_epoch',
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
    'SELECT id, claim_epoch, claim_server FROM kiosks WHERE id = ANY($1::text[]) ORDER BY id',
    [[...kioskIds]],
  );
  return rows.map((r) => ({ kioskId: r.id, epoch: r.claim_epoch, serverId: r.claim_server }));
}
