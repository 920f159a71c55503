import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { KioskClaim, VoteStore } from '../store/types.js';
import { PeriodicTask } from './periodic-task.js';
import type { Timers } from './timers.js';

/**
 * One live connection per kiosk across every server on a shared database: a server claims the
 * kiosk when it authenticates (the store hands out a growing epoch, in the database, not on a
 * timer) and drops its connection as soon as it learns that a newer claim exists — from the
 * `kiosk-claimed` notification, or from a periodic re-read of its kiosks' claims (the safety net
 * for a notification lost while nobody listened). Stores serving one server (SQLite, memory)
 * have no claims; then none of this runs and epochs are null.
 */

/**
 * Whether `claim` supersedes a connection this server (`serverId`) holds with `epoch`. The same
 * epoch under another server id happens only when a database crash lost the last claim (claims
 * are written without waiting for the disk) and it was handed out again: the other one wins.
 */
export function supersedes(claim: KioskClaim, epoch: number, serverId: string): boolean {
  return claim.epoch > epoch || (claim.epoch === epoch && claim.serverId !== serverId);
}

/** A name for this server process in claims and logs: host, pid and a random part (a restarted
 *  process with the same pid must not pass for the old one). */
export function newServerId(): string {
  return `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
}

export interface ConnectionClaimsOptions {
  store: VoteStore;
  serverId: string;
  timers: Timers;
  log: Logger;
  intervalMs: number;
  /** The epoch of this server's live connection of the kiosk: undefined when it holds none,
   *  null when it was admitted without a claim. */
  heldEpoch(kioskId: string): number | null | undefined;
  /** The kiosks this server holds a live connection for. */
  heldKioskIds(): Iterable<string>;
  /** A newer claim exists elsewhere: drop this server's connection of the kiosk. */
  drop(kioskId: string, claim: KioskClaim): void;
}

export class ConnectionClaims {
  /** The newest claim of another server seen per kiosk: a connection being admitted with an
   *  older epoch (its claim's answer came after the other's notification) is refused at once. */
  private readonly elsewhere = new Map<string, KioskClaim>();
  readonly task: PeriodicTask;

  constructor(private readonly opts: ConnectionClaimsOptions) {
    this.task = new PeriodicTask(() => this.checkAll(), opts.intervalMs, opts.timers, (err) =>
      opts.log.warn({ err }, 'could not read kiosk connection claims; will retry'),
    );
  }

  get enabled(): boolean {
    return this.opts.store.claimKioskConnection !== undefined;
  }

  start(): void {
    if (this.enabled && this.opts.store.readKioskClaims) this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** Claims the kiosk for this server; null when the store has no claims (one server only). */
  async claim(kioskId: string): Promise<number | null> {
    if (!this.opts.store.claimKioskConnection) return null;
    const epoch = await this.opts.store.claimKioskConnection(kioskId, this.opts.serverId);
    this.opts.log.debug({ kioskId, epoch }, 'kiosk connection claimed');
    return epoch;
  }

  /** Whether a connection claimed with `epoch` is already superseded by a claim seen elsewhere. */
  isSuperseded(kioskId: string, epoch: number | null): boolean {
    const seen = this.elsewhere.get(kioskId);
    return epoch !== null && seen !== undefined && supersedes(seen, epoch, this.opts.serverId);
  }

  /** A claim by another server (a notification, or read back). */
  seen(claim: KioskClaim): void {
    if (claim.serverId === this.opts.serverId) return;
    const before = this.elsewhere.get(claim.kioskId);
    if (!before || claim.epoch >= before.epoch) this.elsewhere.set(claim.kioskId, claim);
    const epoch = this.opts.heldEpoch(claim.kioskId);
    if (epoch != null && supersedes(claim, epoch, this.opts.serverId)) this.opts.drop(claim.kioskId, claim);
  }

  /** Re-reads the claims of every kiosk held here; resolves once acted on. */
  check(): Promise<void> {
    return this.task.trigger();
  }

  private async checkAll(): Promise<void> {
    const ids = [...this.opts.heldKioskIds()].filter((id) => this.opts.heldEpoch(id) != null);
    if (ids.length === 0 || !this.opts.store.readKioskClaims) return;
    for (const claim of await this.opts.store.readKioskClaims(ids)) {
      if (claim.serverId !== null && claim.serverId !== this.opts.serverId) this.seen(claim);
      else {
        // Our own claim, or one without a server: only a larger epoch supersedes it.
        const epoch = this.opts.heldEpoch(claim.kioskId);
        if (epoch != null && claim.epoch > epoch) this.opts.drop(claim.kioskId, claim);
      }
    }
  }
}
