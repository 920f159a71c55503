import type { Logger } from 'pino';
import { isKioskOnline, type KioskRecord, type VoteStore } from '../store/types.js';
import type { PresenceChange, ServerEvents } from './events.js';
import { PeriodicTask } from './periodic-task.js';
import type { Timers } from './timers.js';

/**
 * The presence of kiosks held by OTHER servers on a shared database, as `presence-changed`
 * events: the dashboard's live fleet is right whichever server a kiosk is on. The store is
 * re-read when another server reports a kiosk going online or offline (a notification), and
 * every `intervalMs` as the safety net — which is also what turns the kiosks of a crashed
 * server offline: nobody writes them offline, but their last-seen time goes stale. Only what
 * changed since the last read is emitted. Kiosks held here are this server's own presence
 * tracker's business and are skipped.
 */
export interface RemotePresenceOptions {
  store: VoteStore;
  events: ServerEvents;
  timers: Timers;
  log: Logger;
  clock: () => number;
  intervalMs: number;
  /** Connected but not heard from for longer than this: offline (as the fleet list says). */
  staleMs: number;
  /** Whether this server holds the kiosk's live connection. */
  isLocal(kioskId: string): boolean;
}

export class RemotePresence {
  private readonly task: PeriodicTask;
  /** What was last emitted (or first seen) per kiosk, to emit changes only. */
  private readonly known = new Map<string, string>();
  private primed = false;

  constructor(private readonly opts: RemotePresenceOptions) {
    this.task = new PeriodicTask(() => this.readOnce(), opts.intervalMs, opts.timers, (err) =>
      opts.log.warn({ err }, "could not read other servers' kiosk presence; will retry"),
    );
  }

  /** Reads once (to know the starting point, nothing emitted), then every interval. */
  async start(): Promise<void> {
    await this.task.trigger();
    this.task.start();
  }

  /** Re-reads now; resolves once the changes are emitted. */
  check(): Promise<void> {
    return this.task.trigger();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  private async readOnce(): Promise<void> {
    const kiosks = await this.opts.store.listKiosks();
    const now = this.opts.clock();
    const changes: PresenceChange[] = [];
    const listed = new Set<string>();
    for (const k of kiosks) {
      listed.add(k.id);
      if (this.opts.isLocal(k.id)) {
        this.known.delete(k.id); // read again from the store once it is held elsewhere
        continue;
      }
      const change = presenceOf(k, now, this.opts.staleMs);
      const signature = signatureOf(change);
      if (this.known.get(k.id) === signature) continue;
      this.known.set(k.id, signature);
      if (this.primed) changes.push(change);
    }
    for (const id of this.known.keys()) if (!listed.has(id)) this.known.delete(id);
    this.primed = true;
    if (changes.length > 0) this.opts.events.emit('presence-changed', { kiosks: changes });
  }
}

/** A stored kiosk as a presence change; `connected` only while it is heard from. */
export function presenceOf(k: KioskRecord, now: number, staleMs: number): PresenceChange {
  return {
    kioskId: k.id,
    connected: isKioskOnline(k, now, staleMs),
    lastSeenAt: k.lastSeenAt ?? 0,
    connectedAt: k.connectedAt,
    queued: k.queued,
    software: k.software,
    buttons: k.buttons,
    idConflict: k.idConflict,
  };
}

/** What makes a presence change worth showing: not lastSeenAt alone, which moves all the time. */
function signatureOf(c: PresenceChange): string {
  return JSON.stringify([c.connected, c.connectedAt, c.queued, c.software, c.buttons, c.idConflict?.at ?? null]);
}
