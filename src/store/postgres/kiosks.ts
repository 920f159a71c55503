import type pg from 'pg';
import { PivoteError } from '../../protocol/errors.js';
import { validateKioskPatch, validateNewKiosk } from '../kiosk-rules.js';
import type { Actor } from '../model/admin.js';
import type { KioskChange } from '../model/changes.js';
import type { KioskAccess, KioskPatch, KioskRecord, NewKiosk } from '../model/kiosks.js';
import { writeAudit } from './audit.js';
import { notify, type PgDb } from './db.js';
import { KIOSK_COLUMNS, kioskFromRow, type KioskRow } from './rows.js';

/**
 * The kiosks table: registration and lifecycle, each change audited and announced in its own
 * transaction. A change that depends on the kiosk's state first locks its row (FOR UPDATE), so
 * two servers changing one kiosk at once act one after the other. Presence and connection claims
 * are in presence.ts.
 */

const ALIVE = `SELECT ${KIOSK_COLUMNS} FROM kiosks WHERE id = $1 AND removed_at IS NULL`;
const BUMP_ACCESS = "UPDATE pivote_meta SET value = (value::bigint + 1)::text WHERE key = 'kiosk_access_version'";

async function lockAlive(c: pg.ClientBase, id: string): Promise<KioskRecord> {
  const r = await c.query<KioskRow>(`${ALIVE} FOR UPDATE`, [id]);
  if (!r.rows[0]) throw new PivoteError('PV_UNKNOWN_KIOSK', `no kiosk with id ${id}`, { kioskId: id });
  return kioskFromRow(r.rows[0]);
}

async function announce(c: pg.ClientBase, kioskIds: string[], change: KioskChange, access: boolean): Promise<void> {
  if (access) await c.query(BUMP_ACCESS);
  await notify(c, { kind: 'kiosks', kioskIds, change });
}

/** All or none: PV_KIOSK_EXISTS names the first taken id (earlier ones of the batch count). A
 *  removed kiosk's id is registered anew: same row, next secret version, its votes kept. */
export async function addKiosks(db: PgDb, ks: readonly NewKiosk[], actor: Actor): Promise<KioskRecord[]> {
  const valid = ks.map(validateNewKiosk);
  db.check();
  return db.tx('durable', async (c) => {
    const added: KioskRecord[] = [];
    for (const k of valid) {
      const values = [k.id, k.name, k.location, k.secret, k.createdAt];
      let r = await c.query<KioskRow>(
        `INSERT INTO kiosks (id, name, location, secret, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING RETURNING ${KIOSK_COLUMNS}`,
        values,
      );
      if (r.rows.length === 0) {
        r = await c.query<KioskRow>(
          `UPDATE kiosks SET name = $2, location = $3, secret = $4, created_at = $5, secret_version = secret_version + 1,
             revoked_at = NULL, removed_at = NULL, last_seen_at = NULL, connected_at = NULL, software = NULL, queued = 0,
             buttons = NULL, connected = false, id_conflict_at = NULL, id_conflict_addresses = NULL
           WHERE id = $1 AND removed_at IS NOT NULL RETURNING ${KIOSK_COLUMNS}`,
          values,
        );
      }
      if (r.rows.length === 0) throw new PivoteError('PV_KIOSK_EXISTS', `kiosk ${k.id} already exists`, { kioskId: k.id });
      await writeAudit(c, { at: k.createdAt, actor, action: 'kiosk.add', subject: k.id, details: { name: k.name, location: k.location } });
      added.push(kioskFromRow(r.rows[0]!));
    }
    await announce(c, added.map((k) => k.id), 'added', true);
    return added;
  });
}

export async function getKiosk(db: PgDb, id: string): Promise<KioskRecord | undefined> {
  const { rows } = await db.read<KioskRow>(ALIVE, [id]);
  return rows[0] && kioskFromRow(rows[0]);
}

export async function listKiosks(db: PgDb): Promise<KioskRecord[]> {
  return (await db.read<KioskRow>(`SELECT ${KIOSK_COLUMNS} FROM kiosks WHERE removed_at IS NULL ORDER BY id`)).rows.map(kioskFromRow);
}

export async function updateKiosk(db: PgDb, id: string, patch: KioskPatch, at: number, actor: Actor): Promise<KioskRecord> {
  const p = validateKioskPatch(patch);
  db.check();
  return db.tx('durable', async (c) => {
    const r = await c.query<KioskRow>(
      `UPDATE kiosks SET name = coalesce($2, name), location = coalesce($3, location) WHERE id = $1 AND removed_at IS NULL
       RETURNING ${KIOSK_COLUMNS}`,
      [id, p.name ?? null, p.location ?? null],
    );
    if (!r.rows[0]) throw new PivoteError('PV_UNKNOWN_KIOSK', `no kiosk with id ${id}`, { kioskId: id });
    await writeAudit(c, { at, actor, action: 'kiosk.update', subject: id, details: { ...p } });
    await announce(c, [id], 'updated', false);
    return kioskFromRow(r.rows[0]);
  });
}

/** A second revoke keeps the first time and writes nothing. */
export function revokeKiosk(db: PgDb, id: string, at: number, actor: Actor): Promise<KioskRecord> {
  return db.tx('durable', async (c) => {
    const before = await lockAlive(c, id);
    if (before.revokedAt !== null) return before;
    const r = await c.query<KioskRow>(`UPDATE kiosks SET revoked_at = $2 WHERE id = $1 RETURNING ${KIOSK_COLUMNS}`, [id, at]);
    await writeAudit(c, { at, actor, action: 'kiosk.revoke', subject: id, details: null });
    await announce(c, [id], 'revoked', true);
    return kioskFromRow(r.rows[0]!);
  });
}

export function reactivateKiosk(db: PgDb, id: string, secret: string, at: number, actor: Actor): Promise<KioskRecord> {
  return db.tx('durable', async (c) => {
    const before = await lockAlive(c, id);
    if (before.revokedAt === null) throw new PivoteError('PV_KIOSK_NOT_REVOKED', `kiosk ${id} is not revoked`, { kioskId: id });
    return setSecret(c, id, secret, at, actor, 'kiosk.reactivate', 'reactivated');
  });
}

export function rotateKioskSecret(db: PgDb, id: string, secret: string, at: number, actor: Actor): Promise<KioskRecord> {
  return db.tx('durable', async (c) => {
    const before = await lockAlive(c, id);
    if (before.revokedAt !== null) throw new PivoteError('PV_KIOSK_REVOKED', `kiosk ${id} is revoked; reactivate it to give it a new secret`, { kioskId: id });
    return setSecret(c, id, secret, at, actor, 'kiosk.rotate-secret', 'rotated');
  });
}

/** A new secret also ends an id conflict: of two devices sharing the id, only one gets it. */
async function setSecret(c: pg.ClientBase, id: string, secret: string, at: number, actor: Actor, action: string, change: KioskChange): Promise<KioskRecord> {
  const r = await c.query<KioskRow>(
    `UPDATE kiosks SET secret = $2, secret_version = secret_version + 1, revoked_at = NULL, id_conflict_at = NULL,
       id_conflict_addresses = NULL WHERE id = $1 RETURNING ${KIOSK_COLUMNS}`,
    [id, secret],
  );
  const after = kioskFromRow(r.rows[0]!);
  await writeAudit(c, { at, actor, action, subject: id, details: { secretVersion: after.secretVersion } });
  await announce(c, [id], change, true);
  return after;
}

/** Only a revoked kiosk; its row (and votes) stay, hidden from lists. */
export async function removeKiosk(db: PgDb, id: string, at: number, actor: Actor): Promise<void> {
  await db.tx('durable', async (c) => {
    const before = await lockAlive(c, id);
    if (before.revokedAt === null) throw new PivoteError('PV_KIOSK_NOT_REVOKED', `kiosk ${id} must be revoked before it is removed`, { kioskId: id });
    await c.query('UPDATE kiosks SET removed_at = $2, connected = false WHERE id = $1', [id, at]);
    await writeAudit(c, { at, actor, action: 'kiosk.remove', subject: id, details: null });
    await announce(c, [id], 'removed', true);
  });
}

export async function kioskAccessVersion(db: PgDb): Promise<number> {
  const { rows } = await db.read<{ v: number }>("SELECT value::bigint AS v FROM pivote_meta WHERE key = 'kiosk_access_version'");
  return rows[0]?.v ?? 0;
}

export async function listKioskAccess(db: PgDb): Promise<KioskAccess[]> {
  const { rows } = await db.read<{ id: string; refused: boolean; secret_version: number }>(
    'SELECT id, revoked_at IS NOT NULL OR removed_at IS NOT NULL AS refused, secret_version FROM kiosks ORDER BY id',
  );
  return rows.map((r) => ({ id: r.id, refused: r.refused, secretVersion: r.secret_version }));
}
