/** Kiosks as the store keeps them. Times are ms since the Unix epoch on the server's clock. */

export interface IdConflict {
  /** When two devices were last seen using one kiosk id at once (a cloned SD card). */
  at: number;
  /** Their remote addresses. */
  addresses: string[];
}

export interface KioskRecord {
  id: string;
  name: string;
  location: string;
  /** Shared secret for the HMAC handshake; shown once when it is made. */
  secret: string;
  /** Grows by one at every new secret (rotation, reactivation, re-adding a removed id): a
   *  server drops a connection that authenticated with an older one. */
  secretVersion: number;
  createdAt: number;
  revokedAt: number | null;
  /** Presence, as last written by a server process. */
  lastSeenAt: number | null;
  /** When the kiosk's current (or last) connection authenticated. */
  connectedAt: number | null;
  software: string | null;
  queued: number;
  /** Buttons the kiosk reported in `hello`; null until it reports them. */
  buttons: number | null;
  /** True while a server holds a live connection for the kiosk (see isKioskOnline). */
  connected: boolean;
  idConflict: IdConflict | null;
}

export interface NewKiosk {
  id: string;
  name: string;
  location: string;
  secret: string;
  createdAt: number;
}

export interface KioskPatch {
  name?: string;
  location?: string;
}

export interface PresenceUpdate {
  kioskId: string;
  lastSeenAt: number;
  software?: string;
  queued?: number;
  connected?: boolean;
  connectedAt?: number;
  buttons?: number | null;
  idConflict?: IdConflict | null;
  /** The epoch claimKioskConnection returned for this connection. When set, the update is applied
   *  only while the kiosk's epoch is still this one, so a server whose connection was superseded
   *  cannot mark the kiosk offline behind the new server's back. Stores without claims ignore it. */
  epoch?: number;
}

/** What a server needs to know to drop connections that may no longer vote. */
export interface KioskAccess {
  id: string;
  /** Revoked or removed: may not connect. */
  refused: boolean;
  secretVersion: number;
}

/** Online = a server holds its connection and it was heard from recently (a crashed server
 *  cannot clear the flag, so lastSeen decides after `staleMs`). */
export function isKioskOnline(kiosk: KioskRecord, now: number, staleMs: number): boolean {
  return kiosk.connected && kiosk.lastSeenAt !== null && now - kiosk.lastSeenAt <= staleMs;
}
