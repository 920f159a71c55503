import type { Logger } from 'pino';
import type { IdConflict, PresenceUpdate, VoteStore } from '../store/types.js';
import type { PresenceChange } from './events.js';
import { PeriodicTask } from './periodic-task.js';
import type { TimerHandle, Timers } from './timers.js';

/**
 * Who is connected, last seen when, running what, holding how many votes: kept in memory and
 * written in ONE store call every `flushMs` for all kiosks that changed, because 10,000 kiosks
 * heart-beating must not cost a transaction each. Connect and disconnect are written within
 * `promptMs` (coalesced) so online/offline shows promptly.
 */
export interface PresenceEntry {
  readonly kioskId: string;
  lastSeenAt: number;
  connectedAt: number;
  software: string;
  queued: number;
  buttons: number | null;
  connected: boolean;
  idConflict: IdConflict | null;
  /** The connection claim's epoch (stores shared by several servers; null otherwise): written
   *  with every update, so the store ignores this server's writes once another holds the kiosk. */
  epoch: number | null;
  dirty: boolean;
}

export interface PresenceOptions {
  store: VoteStore;
  timers: Timers;
  log: Logger;
  flushMs: number;
  promptMs: number;
  /** Told at once of every change worth showing (not of lastSeen alone, which moves all the time). */
  onChange?: (change: PresenceChange) => void;
}

export class PresenceTracker {
  private readonly entries = new Map<string, PresenceEntry>();
  private dirty: PresenceEntry[] = [];
  private readonly task: PeriodicTask;
  private promptHandle: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly opts: PresenceOptions) {
    this.task = new PeriodicTask(() => this.flushOnce(), opts.flushMs, opts.timers, (err) =>
      opts.log.warn({ err }, 'presence flush failed; will retry'),
    );
  }

  start(): void {
    this.task.start();
  }

  get size(): number {
    return this.entries.size;
  }

  peek(kioskId: string): Readonly<PresenceEntry> | undefined {
    return this.entries.get(kioskId);
  }

  /** A kiosk authenticated. A replacing connection reuses the entry of the one it replaced. */
  connect(kioskId: string, software: string, now: number, buttons: number | null = null, epoch: number | null = null): PresenceEntry {
    let entry = this.entries.get(kioskId);
    if (!entry) {
      entry = { kioskId, lastSeenAt: now, connectedAt: now, software, queued: 0, buttons, connected: true, idConflict: null, epoch, dirty: false };
      this.entries.set(kioskId, entry);
    } else {
      entry.lastSeenAt = now;
      entry.connectedAt = now;
      entry.software = software;
      entry.buttons = buttons;
      entry.connected = true;
      entry.epoch = epoch;
    }
    this.markDirty(entry);
    this.flushSoon();
    this.changed(entry);
    return entry;
  }

  /** Anything was received from the kiosk. Hot path: two assignments. */
  touch(entry: PresenceEntry, now: number): void {
    entry.lastSeenAt = now;
    if (!entry.dirty) this.markDirty(entry);
  }

  heartbeat(entry: PresenceEntry, queued: number, now: number): void {
    const moved = entry.queued !== queued;
    entry.queued = queued;
    this.touch(entry, now);
    if (moved) this.changed(entry);
  }

  disconnect(entry: PresenceEntry): void {
    if (!entry.connected) return;
    entry.connected = false;
    this.markDirty(entry);
    this.flushSoon();
    this.changed(entry);
  }

  /**
   * Another server holds the kiosk now: forget it here without writing or telling anything. Its
   * presence is the other server's to write (this server's writes would be ignored anyway: its
   * epoch is stale), and saying "offline" here would be wrong — the kiosk is online elsewhere.
   */
  release(entry: PresenceEntry): void {
    if (this.entries.get(entry.kioskId) === entry) this.entries.delete(entry.kioskId);
    entry.connected = false;
  }

  /** Two devices use this kiosk id (see id-conflict.ts): written to the store, where the fleet
   *  list shows it until the kiosk gets a new secret. */
  markConflict(kioskId: string, conflict: IdConflict, now: number): void {
    const entry = this.entries.get(kioskId);
    if (entry) {
      entry.idConflict = conflict;
      this.markDirty(entry);
      this.flushSoon();
      this.changed(entry);
      return;
    }
    // Neither device holds a connection now: one write of its own (rare), nothing to keep here.
    void this.opts.store.updatePresence([{ kioskId, lastSeenAt: now, idConflict: conflict }]).catch((err: unknown) =>
      this.opts.log.warn({ err, kioskId }, 'could not record an id conflict'),
    );
    this.opts.onChange?.({ kioskId, connected: false, lastSeenAt: now, connectedAt: null, queued: 0, software: null, buttons: null, idConflict: conflict });
  }

  /** Writes every changed entry now (one store call); resolves when written. */
  flush(): Promise<void> {
    return this.task.trigger();
  }

  /** Marks every kiosk disconnected, writes it, and stops the timers. */
  async stop(): Promise<void> {
    if (this.promptHandle !== undefined) this.opts.timers.clearTimeout(this.promptHandle);
    this.promptHandle = undefined;
    this.stopped = true;
    for (const entry of this.entries.values()) this.disconnect(entry);
    await this.task.trigger();
    await this.task.stop();
  }

  private changed(e: PresenceEntry): void {
    this.opts.onChange?.({
      kioskId: e.kioskId, connected: e.connected, lastSeenAt: e.lastSeenAt, connectedAt: e.connectedAt, queued: e.queued,
      software: e.software, buttons: e.buttons, idConflict: e.idConflict,
    });
  }

  private markDirty(entry: PresenceEntry): void {
    if (entry.dirty) return;
    entry.dirty = true;
    this.dirty.push(entry);
  }

  private flushSoon(): void {
    if (this.promptHandle !== undefined || this.stopped) return;
    this.promptHandle = this.opts.timers.setTimeout(() => {
      this.promptHandle = undefined;
      void this.task.trigger();
    }, this.opts.promptMs);
  }

  private async flushOnce(): Promise<void> {
    if (this.dirty.length === 0) return;
    const batch = this.dirty;
    this.dirty = [];
    const updates: PresenceUpdate[] = new Array<PresenceUpdate>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i]!;
      e.dirty = false;
      updates[i] = {
        kioskId: e.kioskId, lastSeenAt: e.lastSeenAt, connectedAt: e.connectedAt, software: e.software, queued: e.queued,
        connected: e.connected, buttons: e.buttons,
        ...(e.epoch !== null && { epoch: e.epoch }),
        // Only ever set here: a new secret for the kiosk clears it (one of the two devices is re-keyed).
        ...(e.idConflict !== null && { idConflict: e.idConflict }),
      };
    }
    try {
      await this.opts.store.updatePresence(updates);
    } catch (err) {
      for (const e of batch) this.markDirty(e);
      throw err;
    }
    // A kiosk that went away and was written as such needs no memory until it connects again.
    for (const e of batch) {
      if (!e.connected && !e.dirty && this.entries.get(e.kioskId) === e) this.entries.delete(e.kioskId);
    }
  }
}
