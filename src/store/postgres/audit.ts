import type pg from 'pg';
import type { AuditEntry, NewAuditEntry } from '../model/admin.js';
import type { PgDb } from './db.js';
import { auditFromRow, type AuditRow } from './rows.js';

/** The audit log. Changes write their entry with `writeAudit` on their own transaction's
 *  connection, so a change and its entry commit together or not at all. */

const COLUMNS = 'id, at, actor, action, subject, details';

export async function writeAudit(c: pg.ClientBase, e: NewAuditEntry): Promise<AuditEntry> {
  const r = await c.query<AuditRow>(
    `INSERT INTO audit (at, actor, action, subject, details) VALUES ($1, $2, $3, $4, $5::json) RETURNING ${COLUMNS}`,
    [e.at, e.actor, e.action, e.subject, e.details === null ? null : JSON.stringify(e.details)],
  );
  return auditFromRow(r.rows[0]!);
}

export function appendAudit(db: PgDb, e: NewAuditEntry): Promise<AuditEntry> {
  return db.tx('durable', (c) => writeAudit(c, e));
}

/** Newest first; `beforeId` pages back. */
export async function listAudit(db: PgDb, q: { limit: number; beforeId?: number }): Promise<AuditEntry[]> {
  const { rows } = await db.read<AuditRow>(
    `SELECT ${COLUMNS} FROM audit WHERE ($1::int8 IS NULL OR id < $1) ORDER BY id DESC LIMIT $2`,
    [q.beforeId ?? null, q.limit],
  );
  return rows.map(auditFromRow);
}
