import type { Logger } from 'pino';
import type { KioskClaim, NewVote, VoteStore } from '../store/types.js';
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
  /** Server-clock ms up to which a vote may have been judged on a stale view of the polls (the
   *  listener was lost and the open poll not read again yet); +Infinity while that lasts. */
  private staleUntil = Number.NEGATIVE_INFINITY;

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
      store, events, log,
      onListenerLost: () => (this.staleUntil = Number.POSITIVE_INFINITY),
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

  /** The open poll was read: from now on votes are judged on an up-to-date view. */
  pollRead(): void {
    if (this.staleUntil === Number.POSITIVE_INFINITY) this.staleUntil = this.opts.clock();
  }

  /**
   * Whether some of these votes may have been judged while a poll could have closed without this
   * server knowing: received after it stopped hearing the others' changes (its listener was lost)
   * and before it next read the open poll (the database may have been away meanwhile). Those are
   * checked against the polls again before they are committed (vote-commit.ts). Never on a store
   * that serves one server.
   */
  mustRecheckPolls(votes: readonly NewVote[]): boolean {
    const until = this.staleUntil;
    if (until === Number.NEGATIVE_INFINITY) return false;
    for (const v of votes) if (v.receivedAt <= until) return true;
    return false;
  }
}
