import type { KioskArea } from '../area-store.js';
import type Database from 'better-sqlite3';
import { PivoteError } from '../../protocol/errors.js';
import { validateKioskPatch, validateNewKiosk } from '../kiosk-rules.js';
import type { Actor } from '../model/admin.js';
import type { KioskAccess, KioskPatch, KioskRecord, NewKiosk, PresenceUpdate } from '../model/kiosks.js';
import type { SqliteAuditLog } from './audit-log.js';
import { kioskFromRow, type KioskRow } from './rows.js';

type Stmt = Database.Statement<unknown[], unknown>;

/** The kiosks table: registration, lifecycle (each change audited), presence. Synchronous;
 *  SqliteVoteStore wraps it in promises. */
export class SqliteKiosks implements KioskArea {
  private readonly s: Record<string, Stmt>;
  private readonly tx: {
    add: Database.Transaction<(ks: readonly NewKiosk[], actor: Actor) => KioskRecord[]>;
    presence: Database.Transaction<(updates: readonly PresenceUpdate[]) => void>;
  };

  constructor(
    private readonly db: Database.Database,
    private readonly audit: SqliteAuditLog,
  ) {
    const p = (sql: string): Stmt => db.prepare(sql);
    this.s = {
      insert: p('INSERT INTO kiosks (id, name, location, secret, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING'),
      // A removed kiosk's id may be registered again: the row is made anew (its votes stay).
      renew: p(`UPDATE kiosks SET name = ?, location = ?, secret = ?, created_at = ?, secret_version = secret_version + 1,
                revoked_at = NULL, removed_at = NULL, last_seen_at = NULL, connected_at = NULL, software = NULL,
                queued = 0, buttons = NULL, connected = 0, id_conflict_at = NULL, id_conflict_addresses = NULL
                WHERE id = ? AND removed_at IS NOT NULL`),
      get: p('SELECT * FROM kiosks WHERE id = ? AND removed_at IS NULL'),
      list: p('SELECT * FROM kiosks WHERE removed_at IS NULL ORDER BY id'),
      update: p('UPDATE kiosks SET name = coalesce(?, name), location = coalesce(?, location) WHERE id = ? AND removed_at IS NULL'),
      revoke: p('UPDATE kiosks SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND removed_at IS NULL'),
      // A new secret also ends an id conflict: of two devices sharing the id, only one gets it.
      newSecret: p(`UPDATE kiosks SET secret = ?, secret_version = secret_version + 1, revoked_at = NULL,
                    id_conflict_at = NULL, id_conflict_addresses = NULL WHERE id = ?`),
      remove: p('UPDATE kiosks SET removed_at = ?, connected = 0 WHERE id = ?'),
      presence: p(`UPDATE kiosks SET last_seen_at = ?, software = coalesce(?, software), queued = coalesce(?, queued),
                   connected = coalesce(?, connected), connected_at = coalesce(?, connected_at),
                   buttons = CASE WHEN ? THEN ? ELSE buttons END,
                   id_conflict_at = CASE WHEN ? THEN ? ELSE id_conflict_at END,
                   id_conflict_addresses = CASE WHEN ? THEN ? ELSE id_conflict_addresses END
                   WHERE id = ? AND removed_at IS NULL`),
      access: p('SELECT id, revoked_at IS NOT NULL OR removed_at IS NOT NULL AS refused, secret_version FROM kiosks ORDER BY id'),
      accessVersion: p("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'kiosk_access_version'").pluck(),
      bumpAccess: p("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'kiosk_access_version'"),
      disconnectAll: p('UPDATE kiosks SET connected = 0 WHERE connected <> 0'),
    };
    this.tx = {
      add: db.transaction((ks: readonly NewKiosk[], actor: Actor) => ks.map((k) => this.addOne(k, actor))),
      presence: db.transaction((updates: readonly PresenceUpdate[]) => {
        for (const u of updates) {
          const conflict = u.idConflict;
          this.s.presence!.run(
            u.lastSeenAt, u.software ?? null, u.queued ?? null, u.connected === undefined ? null : u.connected ? 1 : 0, u.connectedAt ?? null,
            u.buttons === undefined ? 0 : 1, u.buttons ?? null,
            conflict === undefined ? 0 : 1, conflict?.at ?? null,
            conflict === undefined ? 0 : 1, conflict ? JSON.stringify(conflict.addresses) : null,
            u.kioskId,
          );
        }
      }),
    };
  }

  add(ks: readonly NewKiosk[], actor: Actor): KioskRecord[] {
    const valid = ks.map(validateNewKiosk);
    return this.tx.add.immediate(valid, actor);
  }

  get(id: string): KioskRecord | undefined {
    const row = this.s.get!.get(id) as KioskRow | undefined;
    return row && kioskFromRow(row);
  }

  list(): KioskRecord[] {
    return (this.s.list!.all() as KioskRow[]).map(kioskFromRow);
  }

  update(id: string, patch: KioskPatch, at: number, actor: Actor): KioskRecord {
    const p = validateKioskPatch(patch);
    return this.change(() => {
      this.require(id);
      this.s.update!.run(p.name ?? null, p.location ?? null, id);
      this.audit.write({ at, actor, action: 'kiosk.update', subject: id, details: { ...p } });
      return this.require(id);
    });
  }

  revoke(id: string, at: number, actor: Actor): KioskRecord {
    return this.change(() => {
      const before = this.require(id);
      if (before.revokedAt !== null) return before;
      this.s.revoke!.run(at, id);
      this.s.bumpAccess!.run();
      this.audit.write({ at, actor, action: 'kiosk.revoke', subject: id, details: null });
      return this.require(id);
    });
  }

  reactivate(id: string, secret: string, at: number, actor: Actor): KioskRecord {
    return this.change(() => {
      const before = this.require(id);
      if (before.revokedAt === null) throw new PivoteError('PV_KIOSK_NOT_REVOKED', `kiosk ${id} is not revoked`, { kioskId: id });
      return this.setSecret(id, secret, at, actor, 'kiosk.reactivate');
    });
  }

  rotateSecret(id: string, secret: string, at: number, actor: Actor): KioskRecord {
    return this.change(() => {
      const before = this.require(id);
      if (before.revokedAt !== null) throw new PivoteError('PV_KIOSK_REVOKED', `kiosk ${id} is revoked; reactivate it to give it a new secret`, { kioskId: id });
      return this.setSecret(id, secret, at, actor, 'kiosk.rotate-secret');
    });
  }

  remove(id: string, at: number, actor: Actor): void {
    this.change(() => {
      const before = this.require(id);
      if (before.revokedAt === null) throw new PivoteError('PV_KIOSK_NOT_REVOKED', `kiosk ${id} must be revoked before it is removed`, { kioskId: id });
      this.s.remove!.run(at, id);
      this.s.bumpAccess!.run();
      this.audit.write({ at, actor, action: 'kiosk.remove', subject: id, details: null });
    });
  }

  updatePresence(updates: readonly PresenceUpdate[]): void {
    if (updates.length > 0) this.tx.presence.immediate(updates);
  }

  accessVersion(): number {
    return (this.s.accessVersion!.get() as number | undefined) ?? 0;
  }

  listAccess(): KioskAccess[] {
    return (this.s.access!.all() as { id: string; refused: number; secret_version: number }[]).map((r) => ({
      id: r.id,
      refused: r.refused === 1,
      secretVersion: r.secret_version,
    }));
  }

  markAllDisconnected(): void {
    this.s.disconnectAll!.run();
  }

  private addOne(k: NewKiosk, actor: Actor): KioskRecord {
    const { changes } = this.s.insert!.run(k.id, k.name, k.location, k.secret, k.createdAt);
    if (changes === 0) {
      const renewed = this.s.renew!.run(k.name, k.location, k.secret, k.createdAt, k.id).changes;
      if (renewed === 0) throw new PivoteError('PV_KIOSK_EXISTS', `kiosk ${k.id} already exists`, { kioskId: k.id });
    }
    this.s.bumpAccess!.run();
    this.audit.write({ at: k.createdAt, actor, action: 'kiosk.add', subject: k.id, details: { name: k.name, location: k.location } });
    return this.require(k.id);
  }

  private setSecret(id: string, secret: string, at: number, actor: Actor, action: string): KioskRecord {
    this.s.newSecret!.run(secret, id);
    this.s.bumpAccess!.run();
    const after = this.require(id);
    this.audit.write({ at, actor, action, subject: id, details: { secretVersion: after.secretVersion } });
    return after;
  }

  private require(id: string): KioskRecord {
    const k = this.get(id);
    if (!k) throw new PivoteError('PV_UNKNOWN_KIOSK', `no kiosk with id ${id}`, { kioskId: id });
    return k;
  }

  private change<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
}
