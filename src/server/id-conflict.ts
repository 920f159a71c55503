/**
 * Two devices that share one kiosk id (a cloned SD card) replace each other for ever: each
 * authentication sends the other PV_REPLACED, the other reconnects at once, and both look online.
 * This pure detector notices the pattern — one kiosk id authenticated alternately from different
 * remote addresses, `switches` times within `windowMs` — so the server can refuse both with
 * PV_KIOSK_ID_CONFLICT (which makes them back off for minutes) and say so once.
 *
 * A kiosk that merely moves (a new DHCP lease, failing over from Ethernet to Wi-Fi) switches
 * address once or twice, far below the threshold. Two devices behind one NAT address look like
 * one device and are not detected.
 */

export interface IdConflictOptions {
  /** Address changes between consecutive authentications that make a conflict. Default 4. */
  switches?: number;
  /** The changes must happen within this long. Default 60 s. */
  windowMs?: number;
  /**
   * Once in conflict, an authentication is refused while another of the conflicting addresses
   * authenticated within this long; after that the id is free again. Default 10 min, above the
   * kiosk's longest back-off after PV_KIOSK_ID_CONFLICT, so two clones keep each other out.
   */
  holdMs?: number;
}

export const DEFAULT_ID_CONFLICT: Readonly<Required<IdConflictOptions>> = { switches: 4, windowMs: 60_000, holdMs: 10 * 60_000 };

export interface IdConflict {
  kioskId: string;
  /** Every address seen in the conflict, in first-seen order. */
  addresses: string[];
  /** Server wall-clock ms of the detection. */
  at: number;
}

export type AuthVerdict =
  | { conflict: false }
  /** `detected`: this authentication started the conflict (log it, report it); false while it lasts. */
  | { conflict: true; detected: boolean; addresses: string[] };

interface Seen {
  address: string;
  at: number;
}

interface KioskHistory {
  recent: Seen[];
  /** Set while the id is in conflict: last authentication per address. */
  conflict: Map<string, number> | undefined;
}

export class IdConflictDetector {
  private readonly options: Required<IdConflictOptions>;
  private readonly kiosks = new Map<string, KioskHistory>();
  private lastSweep = -Infinity;

  constructor(options: IdConflictOptions = {}) {
    this.options = { ...DEFAULT_ID_CONFLICT, ...options };
    if (this.options.switches < 1) throw new RangeError('switches must be at least 1');
  }

  /** Ids currently tracked (bounded by the kiosks authenticating within the window or hold). */
  get size(): number {
    return this.kiosks.size;
  }

  /**
   * A kiosk proved its secret from `address` at `now` (ms, any clock that only moves forward).
   * An unknown address (null) is never judged: it cannot be compared.
   */
  authenticated(kioskId: string, address: string | null, now: number): AuthVerdict {
    if (address === null) return { conflict: false };
    this.sweep(now);
    let history = this.kiosks.get(kioskId);
    if (history === undefined) {
      history = { recent: [], conflict: undefined };
      this.kiosks.set(kioskId, history);
    }

    if (history.conflict !== undefined) {
      history.conflict.set(address, now);
      if (this.othersWithinHold(history.conflict, address, now)) {
        return { conflict: true, detected: false, addresses: [...history.conflict.keys()] };
      }
      // The others have gone quiet (the clone was switched off or re-provisioned): free again.
      history.conflict = undefined;
      history.recent = [];
    }

    history.recent.push({ address, at: now });
    history.recent = history.recent.filter((s) => now - s.at <= this.options.windowMs);
    let switches = 0;
    for (let i = 1; i < history.recent.length; i++) {
      if (history.recent[i]!.address !== history.recent[i - 1]!.address) switches++;
    }
    if (switches < this.options.switches) return { conflict: false };

    const conflict = new Map<string, number>();
    for (const s of history.recent) conflict.set(s.address, s.at);
    history.conflict = conflict;
    history.recent = [];
    return { conflict: true, detected: true, addresses: [...conflict.keys()] };
  }

  /** Is `kioskId` in conflict now (e.g. for a status display)? */
  inConflict(kioskId: string, now: number): boolean {
    this.sweep(now);
    return this.kiosks.get(kioskId)?.conflict !== undefined;
  }

  private othersWithinHold(conflict: Map<string, number>, address: string, now: number): boolean {
    for (const [other, at] of conflict) if (other !== address && now - at <= this.options.holdMs) return true;
    return false;
  }

  /**
   * Forgets ids with nothing recent, so memory is bounded by recent activity, not fleet history.
   * At most once per window: a whole fleet reconnecting after a server restart stays linear.
   */
  private sweep(now: number): void {
    const { windowMs, holdMs } = this.options;
    if (now - this.lastSweep < windowMs) return;
    this.lastSweep = now;
    for (const [id, h] of this.kiosks) {
      const lastRecent = h.recent.at(-1)?.at ?? -Infinity;
      const lastConflict = h.conflict === undefined ? -Infinity : Math.max(...h.conflict.values());
      if (now - lastRecent > windowMs && now - lastConflict > holdMs) this.kiosks.delete(id);
    }
  }
}
