import type { Logger } from 'pino';
import type { AlertRecord, PollRecord, StoreChange, VoteStore } from '../store/types.js';
import type { ConnectionClaims } from './connection-claims.js';
import type { PollChangeReason, ServerEvents } from './events.js';
import type { RemotePresence } from './remote-presence.js';

/**
 * Several servers on one database: what another server (or a command run against the database)
 * committed reaches this one as the store's change notifications (PostgreSQL LISTEN/NOTIFY),
 * and is turned here into the SAME domain events and watcher checks as a change made through
 * this server — kiosk pushes, the dashboard's live stream, metrics and alerts need nothing else.
 * This server's own changes come back too, marked local, and are skipped: it acted on them.
 *
 * A notification is a hint to re-read, never the data. One sent while the listener was down is
 * lost, so every (re)connection of the listener re-reads everything; the periodic watchers
 * keep running as the safety net.
 */

/** What ClusterSync drives; the server's watchers (store-watchers.ts) and cluster helpers. */
export interface ClusterSyncTargets {
  openPoll: { check(): Promise<void>; readonly record: PollRecord | undefined };
  access: { trigger(): Promise<void> };
  alerts: { check(): Promise<void> };
  presence: RemotePresence;
  claims: ConnectionClaims;
}

export interface ClusterSyncOptions {
  store: VoteStore;
  events: ServerEvents;
  log: Logger;
  targets: ClusterSyncTargets;
  /** The listening connection was lost: changes made elsewhere may go unheard until the
   *  periodic re-reads (or the re-read on reconnection) catch up. */
  onListenerLost?(): void;
}

/** How many recent alerts are searched for one named in a notification (newest first). */
const ALERT_LOOKBACK = 500;

export class ClusterSync {
  private stopWatching: (() => Promise<void>) | undefined;
  private offAlerts: (() => void) | undefined;
  /** Set once the watchers have read the store: a `listening` before that needs no re-read. */
  private ready = false;
  private readonly work = new Set<Promise<void>>();
  /** Each recent alert's state as last told, so a re-read emits only what changed meanwhile. */
  private readonly knownAlerts = new Map<number, string>();

  constructor(private readonly opts: ClusterSyncOptions) {}

  /** Starts listening (before the watchers' first read, so nothing falls in between). */
  async listen(): Promise<void> {
    if (!this.opts.store.watchChanges) return;
    // Every alert change told (this server's own too), so a re-read does not tell it again.
    this.offAlerts = this.opts.events.on('alert-changed', ({ alert }) => this.knownAlerts.set(alert.id, alertState(alert)));
    this.stopWatching = await this.opts.store.watchChanges((change, local) => this.onChange(change, local));
  }

  /** The watchers have read the store: from now on a (re)connection means re-reading it. */
  async markReady(): Promise<void> {
    if (!this.opts.store.watchChanges) return;
    for (const a of await this.recentAlerts()) this.knownAlerts.set(a.id, alertState(a));
    this.ready = true;
  }

  async stop(): Promise<void> {
    this.ready = false;
    this.offAlerts?.();
    await this.stopWatching?.();
    this.stopWatching = undefined;
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  private onChange(change: StoreChange, local: boolean): void {
    const { log } = this.opts;
    switch (change.kind) {
      case 'listening':
        log.info({ reconnected: change.reconnected }, 'listening for changes made through other servers');
        if (this.ready) this.run('re-read after the change listener connected', () => this.resync());
        return;
      case 'listener-lost':
        log.warn({ reason: change.message }, 'lost the change listener; reconnecting (periodic re-reads go on meanwhile)');
        this.opts.onListenerLost?.();
        return;
      case 'kiosk-claimed':
        // Our own claims are settled when the connection is admitted (server.ts admit).
        if (!local) this.opts.targets.claims.seen({ kioskId: change.kioskId, epoch: change.epoch, serverId: change.serverId });
        return;
    }
    if (local || !this.ready) return;
    switch (change.kind) {
      case 'poll':
        if (change.change === 'opened' || change.change === 'closed') this.run('re-read the open poll', () => this.opts.targets.openPoll.check());
        else this.run('read a changed poll', () => this.pollEdited(change.pollId, change.change as Exclude<PollChangeReason, 'opened' | 'closed' | 'seen'>));
        return;
      case 'kiosks':
        this.opts.events.emit('kiosks-changed', { kioskIds: change.kioskIds ?? [], action: change.change });
        this.run('re-read kiosk access', () => this.opts.targets.access.trigger());
        return;
      case 'votes':
        if (change.polls === null) this.remoteVotes(null);
        else for (const p of change.polls) this.opts.events.emit('remote-votes', { pollId: p.pollId, stored: p.stored });
        return;
      case 'presence':
        this.run("re-read other servers' presence", () => this.opts.targets.presence.check());
        return;
      case 'alert':
        this.run('read a changed alert', () => this.alertChanged(change.alertId, change.change));
        return;
      case 'alert-rules':
        this.run('evaluate changed alert rules', () => this.opts.targets.alerts.check());
        return;
    }
  }

  /** Everything a lost notification could have said: re-read it all. */
  private async resync(): Promise<void> {
    const t = this.opts.targets;
    this.opts.events.emit('kiosks-changed', { kioskIds: [], action: 'resync' });
    this.remoteVotes(null);
    await Promise.all([t.openPoll.check(), t.access.trigger(), t.claims.check(), t.presence.check(), this.alertsChangedMeanwhile()]);
  }

  private recentAlerts(): Promise<AlertRecord[]> {
    return this.opts.store.listAlerts({ active: false, limit: ALERT_LOOKBACK });
  }

  private async alertsChangedMeanwhile(): Promise<void> {
    const recent = await this.recentAlerts();
    const ids = new Set(recent.map((a) => a.id));
    for (const id of this.knownAlerts.keys()) if (!ids.has(id)) this.knownAlerts.delete(id);
    for (const alert of recent.reverse()) {
      const state = alertState(alert);
      if (this.knownAlerts.get(alert.id) === state) continue;
      const change = alert.acknowledgedAt !== null ? 'acknowledged' : alert.clearedAt !== null ? 'cleared' : 'raised';
      this.opts.events.emit('alert-changed', { alert, change });
    }
  }

  /** Votes of unknown number (a notice too long to list, or lost): the open poll's tally re-counts. */
  private remoteVotes(stored: number | null): void {
    const open = this.opts.targets.openPoll.record;
    if (open) this.opts.events.emit('remote-votes', { pollId: open.id, stored });
  }

  private async pollEdited(pollId: number, reason: Exclude<PollChangeReason, 'opened' | 'closed' | 'seen'>): Promise<void> {
    const poll = reason === 'deleted' ? null : ((await this.opts.store.getPoll(pollId)) ?? null);
    this.opts.events.emit('poll-changed', { poll, open: this.opts.targets.openPoll.record ?? null, reason });
  }

  private async alertChanged(alertId: number, change: 'raised' | 'cleared' | 'acknowledged'): Promise<void> {
    const alert = (await this.recentAlerts()).find((a) => a.id === alertId);
    if (!alert) return;
    this.opts.events.emit('alert-changed', { alert, change });
  }

  private run(what: string, job: () => Promise<void>): void {
    const p = job()
      .catch((err: unknown) => this.opts.log.warn({ err }, `could not ${what}; the periodic re-read will`))
      .finally(() => this.work.delete(p));
    this.work.add(p);
  }
}

function alertState(a: AlertRecord): string {
  return `${a.clearedAt ?? '-'}/${a.acknowledgedAt ?? '-'}`;
}
