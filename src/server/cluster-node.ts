import type { Logger } from 'pino';
import type { KioskClaim, VoteStore } from '../store/types.js';
import { ClusterSync } from './cluster-sync.js';
import { ConnectionClaims, newServerId } from './connection-claims.js';
import type { ServerEvents } from './events.js';
import { idleTimeoutMs, type ServerLimits } from './limits.js';
import { RemotePresence } from './remote-presence.js';
import type { StoreWatchers } from './store-watchers.js';
import type { Timers } from './timers.js';

/**
 * This server as one of several on a shared database: its id, its connection claims
 * (connection-claims.ts), the other servers' presence (remote-presence.ts) and their changes
 * turned into this server's events (cluster-sync.ts). On a store that serves one server (SQLite,
 * memory) only the id exists; claims are then null and nothing listens.
 */
export interface ClusterNodeOptions {
  store: VoteStore;
  events: ServerEvents;
  timers: Timers;
  log: Logger;
  clock: () => number;
  monotonic: () => number;
  limits: ServerLimits;
  watchers: StoreWatchers;
  serverId?: string;
  /** The connections this server holds, by kiosk id. */
  held: {
    epochOf(kioskId: string): number | null | undefined;
    kioskIds(): Iterable<string>;
    /** A newer claim exists elsewhere: drop this server's connection of the kiosk. */
    drop(kioskId: string, claim: KioskClaim): void;
  };
}

export class ClusterNode {
  readonly serverId: string;
  readonly claims: ConnectionClaims;
  private readonly presence: RemotePresence | undefined;
  private readonly sync: ClusterSync | undefined;

  constructor(private readonly opts: ClusterNodeOptions) {
    const { store, events, timers, log, limits, watchers, held } = opts;
    this.serverId = opts.serverId ?? newServerId();
    this.claims = new ConnectionClaims({
      store, serverId: this.serverId, timers, log, intervalMs: limits.claimCheckMs,
      heldEpoch: (id) => held.epochOf(id), heldKioskIds: () => held.kioskIds(), drop: (id, claim) => held.drop(id, claim),
    });
    if (!store.watchChanges) return;
    this.presence = new RemotePresence({
      store, events, timers, log, clock: opts.clock, intervalMs: limits.remotePresenceMs, staleMs: idleTimeoutMs(limits),
      isLocal: (id) => held.epochOf(id) !== undefined,
    });
    this.sync = new ClusterSync({
      store, events, log, now: opts.monotonic,
      targets: { openPoll: watchers.openPoll, access: watchers.access, alerts: watchers.alerts, presence: this.presence, claims: this.claims },
    });
  }

  /** Whether the store is shared by several servers (claims, notifications). */
  get shared(): boolean {
    return this.claims.enabled;
  }

  /** Starts listening; before the watchers' first read, so nothing committed in between is missed. */
  listen(): Promise<void> {
    return this.sync?.listen() ?? Promise.resolve();
  }

  /** After the watchers' first read: the periodic re-reads, and re-reading on a reconnection. */
  async start(): Promise<void> {
    await this.presence?.start();
    this.claims.start();
    await this.sync?.markReady();
  }

  async stop(): Promise<void> {
    await Promise.all([this.sync?.stop(), this.claims.stop(), this.presence?.stop()]);
  }

  /**
   * Whether a poll may have closed without this server knowing: it stopped hearing the others'
   * changes (its listener was lost, or is just back and has not read everything again), and has
   * not read the open poll since (the database was away). Once a periodic re-read succeeds it
   * knows as much as a server on its own would. Never on a store that serves one server.
   */
  pollsMayBeStale(): boolean {
    if (!this.sync || this.sync.isInStep) return false;
    return this.opts.watchers.openPoll.lastReadAt < this.sync.listenerLostAt;
  }
}
