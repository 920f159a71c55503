import type { KioskArea } from '../area-store.js';
import { PivoteError } from '../../protocol/errors.js';
import { validateKioskPatch, validateNewKiosk } from '../kiosk-rules.js';
import type { Actor } from '../model/admin.js';
import type { KioskAccess, KioskPatch, KioskRecord, NewKiosk, PresenceUpdate } from '../model/kiosks.js';
import type { MemoryAuditLog } from './audit-alerts.js';

interface KioskEntry extends KioskRecord {
  removedAt: number | null;
}

/** The memory engine's kiosks; same answers as SQLite's (test/store/contract.ts). */
export class MemoryKiosks implements KioskArea {
  private readonly kiosks = new Map<string, KioskEntry>();
  private version = 1;

  constructor(private readonly audit: MemoryAuditLog) {}

  add(ks: readonly NewKiosk[], actor: Actor): KioskRecord[] {
    const valid = ks.map(validateNewKiosk);
    // All or none: find the first taken id (counting earlier ones of this batch) before changing anything.
    const taken = new Set<string>();
    for (const k of valid) {
      const existing = this.kiosks.get(k.id);
      if (taken.has(k.id) || (existing && existing.removedAt === null)) {
        throw new PivoteError('PV_KIOSK_EXISTS', `kiosk ${k.id} already exists`, { kioskId: k.id });
      }
      taken.add(k.id);
    }
    return valid.map((k) => {
      const secretVersion = (this.kiosks.get(k.id)?.secretVersion ?? 0) + 1;
      const entry: KioskEntry = {
        ...k, secretVersion, revokedAt: null, removedAt: null, lastSeenAt: null, connectedAt: null,
        software: null, queued: 0, buttons: null, connected: false, idConflict: null,
      };
      this.kiosks.set(k.id, entry);
      this.version++;
      this.audit.write({ at: k.createdAt, actor, action: 'kiosk.add', subject: k.id, details: { name: k.name, location: k.location } });
      return view(entry);
    });
  }

  get(id: string): KioskRecord | undefined {
    const k = this.kiosks.get(id);
    return k && k.removedAt === null ? view(k) : undefined;
  }

  list(): KioskRecord[] {
    return [...this.kiosks.values()].filter((k) => k.removedAt === null).sort((a, b) => byCodeUnit(a.id, b.id)).map(view);
  }

  update(id: string, patch: KioskPatch, at: number, actor: Actor): KioskRecord {
    const p = validateKioskPatch(patch);
    const k = this.require(id);
    if (p.name !== undefined) k.name = p.name;
    if (p.location !== undefined) k.location = p.location;
    this.audit.write({ at, actor, action: 'kiosk.update', subject: id, details: { ...p } });
    return view(k);
  }

  revoke(id: string, at: number, actor: Actor): KioskRecord {
    const k = this.require(id);
    if (k.revokedAt !== null) return view(k);
    k.revokedAt = at;
    this.version++;
    this.audit.write({ at, actor, action: 'kiosk.revoke', subject: id, details: null });
    return view(k);
  }

  reactivate(id: string, secret: string, at: number, actor: Actor): KioskRecord {
    const k = this.require(id);
    if (k.revokedAt === null) throw new PivoteError('PV_KIOSK_NOT_REVOKED', `kiosk ${id} is not revoked`, { kioskId: id });
    return this.setSecret(k, secret, at, actor, 'kiosk.reactivate');
  }

  rotateSecret(id: string, secret: string, at: number, actor: Actor): KioskRecord {
    const k = this.require(id);
    if (k.revokedAt !== null) throw new PivoteError('PV_KIOSK_REVOKED', `kiosk ${id} is revoked; reactivate it to give it a new secret`, { kioskId: id });
    return this.setSecret(k, secret, at, actor, 'kiosk.rotate-secret');
  }

  remove(id: string, at: number, actor: Actor): void {
    const k = this.require(id);
    if (k.revokedAt === null) throw new PivoteError('PV_KIOSK_NOT_REVOKED', `kiosk ${id} must be revoked before it is removed`, { kioskId: id });
    k.removedAt = at;
    k.connected = false;
    this.version++;
    this.audit.write({ at, actor, action: 'kiosk.remove', subject: id, details: null });
  }

  updatePresence(updates: readonly PresenceUpdate[]): void {
    for (const u of updates) {
      const k = this.kiosks.get(u.kioskId);
      if (!k || k.removedAt !== null) continue;
      k.lastSeenAt = u.lastSeenAt;
      if (u.software !== undefined) k.software = u.software;
      if (u.queued !== undefined) k.queued = u.queued;
      if (u.connected !== undefined) k.connected = u.connected;
      if (u.connectedAt !== undefined) k.connectedAt = u.connectedAt;
      if (u.buttons !== undefined) k.buttons = u.buttons;
      if (u.idConflict !== undefined) k.idConflict = u.idConflict === null ? null : { at: u.idConflict.at, addresses: [...u.idConflict.addresses] };
    }
  }

  accessVersion(): number {
    return this.version;
  }

  listAccess(): KioskAccess[] {
    return [...this.kiosks.values()]
      .sort((a, b) => byCodeUnit(a.id, b.id))
      .map((k) => ({ id: k.id, refused: k.revokedAt !== null || k.removedAt !== null, secretVersion: k.secretVersion }));
  }

  markAllDisconnected(): void {
    for (const k of this.kiosks.values()) k.connected = false;
  }

  private setSecret(k: KioskEntry, secret: string, at: number, actor: Actor, action: string): KioskRecord {
    k.secret = secret;
    k.secretVersion++;
    k.revokedAt = null;
    k.idConflict = null;
    this.version++;
    this.audit.write({ at, actor, action, subject: k.id, details: { secretVersion: k.secretVersion } });
    return view(k);
  }

  private require(id: string): KioskEntry {
    const k = this.kiosks.get(id);
    if (!k || k.removedAt !== null) throw new PivoteError('PV_UNKNOWN_KIOSK', `no kiosk with id ${id}`, { kioskId: id });
    return k;
  }
}

function view(k: KioskEntry): KioskRecord {
  const { removedAt: _removed, ...rec } = k;
  return { ...rec, idConflict: rec.idConflict && { at: rec.idConflict.at, addresses: [...rec.idConflict.addresses] } };
}

/** Code-unit order, as SQLite's BINARY collation sorts ASCII ids; localeCompare would not. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
