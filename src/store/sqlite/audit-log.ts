import type { AuditArea } from '../area-store.js';
import type Database from 'better-sqlite3';
import type { AuditEntry, NewAuditEntry } from '../model/admin.js';
import { auditFromRow, type AuditRow } from './rows.js';

/**
 * The audit log's table. `write` is synchronous so the other areas call it inside their own
 * transaction: a change and its audit entry commit together or not at all.
 */
export class SqliteAuditLog implements AuditArea {
  private readonly insert: Database.Statement;
  private readonly newest: Database.Statement;
  private readonly before: Database.Statement;

  constructor(db: Database.Database) {
    this.insert = db.prepare('INSERT INTO audit (at, actor, action, subject, details) VALUES (?, ?, ?, ?, ?) RETURNING *');
    this.newest = db.prepare('SELECT * FROM audit ORDER BY id DESC LIMIT ?');
    this.before = db.prepare('SELECT * FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?');
  }

  write(e: NewAuditEntry): AuditEntry {
    const details = e.details === null ? null : JSON.stringify(e.details);
    return auditFromRow(this.insert.get(e.at, e.actor, e.action, e.subject, details) as AuditRow);
  }

  list(q: { limit: number; beforeId?: number }): AuditEntry[] {
    const rows = q.beforeId === undefined ? this.newest.all(q.limit) : this.before.all(q.beforeId, q.limit);
    return (rows as AuditRow[]).map(auditFromRow);
  }
}
