import type { Logger } from 'pino';
import type { StoreAdmin } from '../../admin/store-admin.js';
import type { ResultsView } from '../../admin/results-view.js';
import { alertView, pollView, type AlertView, type KioskView, type PollView } from '../../admin/views.js';
import type { PresenceChange, ServerEvents } from '../../server/events.js';
import type { TimerHandle, Timers } from '../../server/timers.js';
import type { PollRecord, VoteStore } from '../../store/types.js';
import { LiveTally, type TallyEvent } from './tally.js';

/**
 * The one live view every dashboard stream shares: the current poll's tally, presence changes,
 * poll and fleet changes and alerts, fed by the server's domain events. Updates are coalesced
 * into one tick every `tickMs` for ALL clients together, so a hundred open dashboards cost the
 * vote path one counter update per committed batch, not a hundred writes per vote.
 */

export interface LiveSnapshot {
  poll: PollView | null;
  results: ResultsView | null;
  kiosks: KioskView[];
  alerts: AlertView[];
  serverTime: string;
}

export interface PresenceView {
  id: string;
  online: boolean;
  lastSeenAt: string;
  onlineSince: string | null;
  queued: number;
  software: string | null;
  buttons: number | null;
  idConflict: { at: string; addresses: string[] } | null;
}

export type LiveEvent =
  | { event: 'tally'; data: TallyEvent }
  | { event: 'poll'; data: { poll: PollView | null; reason: string } }
  | { event: 'presence'; data: { kiosks: PresenceView[] } }
  | { event: 'kiosks'; data: { kiosks: KioskView[] } }
  | { event: 'alert'; data: { alert: AlertView; change: string } };

export interface LiveClient {
  send(e: LiveEvent): void;
}

export interface LiveStateOptions {
  store: VoteStore;
  admin: StoreAdmin;
  events: ServerEvents;
  clock: () => number;
  timers: Timers;
  log: Logger;
  /** Coalescing: at most one tally and one presence update per client per tick. */
  tickMs?: number;
  /**
   * How often the tally is read again from the stored rows while anyone watches, as a safety
   * net; null (the default): never. A count reads every row of the poll (about 50 ms at 600,000
   * votes on SQLite, on the store's thread, so acks wait meanwhile), so it is done only when
   * something says the running tally may be short: the poll adopted, votes stored by another
   * server, a commit retried after the database came back. A server on a shared database sets
   * it, for a notification it might never get.
   */
  recountMs?: number | null;
  /** Recounts asked for in a row are at least this far apart (votes streaming in through other
   *  servers would otherwise have the poll counted at every tick), and at least
   *  RECOUNT_DUTY_FACTOR times as far as the last count took: a count slower with a bigger poll
   *  is done less often, never for more than 1/RECOUNT_DUTY_FACTOR of the time. */
  minRecountGapMs?: number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export class LiveState {
  private readonly clients = new Set<LiveClient>();
  private tally: LiveTally | null = null;
  private tallyDirty = false;
  private readonly presence = new Map<string, PresenceChange>();
  private tick: TimerHandle | undefined;
  private lastRecount = 0;
  private lastRecountTookMs = 0;
  private recounting: Promise<void> | null = null;
  private reading: Promise<LiveSnapshot> | null = null;
  private readonly outbox: PendingBroadcast[] = [];
  private readonly unsubscribe: (() => void)[] = [];
  private recountWanted = false;
  private readonly tickMs: number;
  private readonly recountMs: number | null;
  private readonly minRecountGapMs: number;

  constructor(private readonly opts: LiveStateOptions) {
    this.tickMs = opts.tickMs ?? 250;
    this.recountMs = opts.recountMs ?? null;
    this.minRecountGapMs = opts.minRecountGapMs ?? 750;
  }

  async start(): Promise<void> {
    const e = this.opts.events;
    this.unsubscribe.push(
      e.on('votes-committed', ({ votes, outcomes, at }) => {
        if (this.tally?.apply(votes, outcomes, at)) this.tallyDirty = true;
      }),
      e.on('remote-votes', ({ pollId }) => {
        if (this.tally?.pollId === pollId) this.recountWanted = true;
      }),
      e.on('presence-changed', ({ kiosks }) => {
        for (const k of kiosks) this.presence.set(k.kioskId, k);
      }),
      e.on('poll-changed', ({ poll, reason }) => void this.onPollChanged(poll, reason)),
      e.on('kiosks-changed', () => void this.broadcastKiosks()),
      e.on('alert-changed', ({ alert, change }) => this.broadcast({ event: 'alert', data: { alert: alertView(alert), change } })),
    );
    await this.adoptCurrentPoll();
    this.tick = this.opts.timers.setInterval(this.onTick, this.tickMs);
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    if (this.tick !== undefined) this.opts.timers.clearInterval(this.tick);
    this.tick = undefined;
    this.clients.clear();
    this.outbox.length = 0;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** The poll the tally follows: the open one, else the newest that has been opened. */
  get pollId(): number | null {
    return this.tally?.pollId ?? null;
  }

  currentTally(): TallyEvent | null {
    return this.tally?.event(this.opts.clock()) ?? null;
  }

  subscribe(client: LiveClient): () => void {
    this.clients.add(client);
    return () => this.clients.delete(client);
  }

  /**
   * The whole current state, for a stream that starts. Dashboards that connect together (a
   * server restart reconnects them all at once) share one read: a hundred reads of the fleet and
   * the results at once would hold the store and the memory of a hundred copies.
   */
  snapshot(): Promise<LiveSnapshot> {
    this.reading ??= this.readSnapshot().finally(() => (this.reading = null));
    return this.reading;
  }

  private async readSnapshot(): Promise<LiveSnapshot> {
    const admin = this.opts.admin;
    const [kiosks, alerts] = await Promise.all([admin.listKiosks(), admin.listAlerts('active')]);
    const pollId = this.pollId;
    let poll: PollView | null = null;
    let results: ResultsView | null = null;
    if (pollId !== null) [poll, results] = await Promise.all([admin.getPoll(pollId), admin.results({ poll: pollId })]);
    return { poll, results, kiosks, alerts, serverTime: new Date(this.opts.clock()).toISOString() };
  }

  private readonly onTick = (): void => {
    if (this.clients.size === 0) {
      this.presence.clear();
      return;
    }
    const now = this.opts.clock();
    if (this.tally && this.tallyDirty) {
      this.tallyDirty = false;
      this.broadcast({ event: 'tally', data: this.tally.event(now) });
    }
    if (this.presence.size > 0) {
      const kiosks = [...this.presence.values()].map((p) => presenceView(p));
      this.presence.clear();
      this.broadcast({ event: 'presence', data: { kiosks } });
    }
    const due = this.recountWanted || (this.recountMs !== null && now - this.lastRecount >= this.recountMs);
    const gap = Math.max(this.minRecountGapMs, RECOUNT_DUTY_FACTOR * this.lastRecountTookMs);
    if (due && now - this.lastRecount >= gap) void this.recount();
  };

  private async recount(): Promise<void> {
    const tally = this.tally;
    if (!tally || this.recounting) return;
    this.lastRecount = this.opts.clock();
    this.recountWanted = false;
    this.recounting = (async () => {
      try {
        const q = { pollId: tally.pollId, includeFlagged: false };
        const started = this.opts.clock();
        const [counted, all] = await Promise.all([this.opts.store.countVotes(q), this.opts.store.countVotes({ ...q, includeFlagged: true })]);
        this.lastRecountTookMs = this.opts.clock() - started;
        if (this.tally !== tally) return;
        const before = JSON.stringify(tally.event(this.opts.clock()).options);
        tally.reset(counted, all);
        if (JSON.stringify(tally.event(this.opts.clock()).options) !== before) this.tallyDirty = true;
      } catch (err) {
        this.opts.log.warn({ err }, 'could not read the live tally from the store; will retry');
        this.recountWanted = true;
      } finally {
        this.recounting = null;
      }
    })();
    await this.recounting;
  }

  private async adoptCurrentPoll(): Promise<void> {
    const open = await this.opts.store.getOpenPoll();
    const poll = open ?? (await this.opts.store.listPolls()).find((p) => p.openedAt !== null);
    this.follow(poll);
    await this.recount();
  }

  private follow(poll: PollRecord | undefined): void {
    this.tally = poll ? new LiveTally(poll.id, poll.options.length) : null;
    this.tallyDirty = true;
    this.lastRecount = 0;
    this.recountWanted = true; // callers count at once; if a count still running prevents it, the next tick does
  }

  private async onPollChanged(poll: PollRecord | null, reason: string): Promise<void> {
    try {
      if (reason === 'opened' && poll) {
        this.follow(poll);
        await this.recount();
      }
      const kiosks = await this.opts.store.listKiosks();
      this.broadcast({ event: 'poll', data: { poll: poll && pollView(poll, kiosks), reason } });
      if (this.tally) this.broadcast({ event: 'tally', data: this.tally.event(this.opts.clock()) });
    } catch (err) {
      this.opts.log.warn({ err }, 'could not tell dashboards of a poll change');
    }
  }

  private async broadcastKiosks(): Promise<void> {
    if (this.clients.size === 0) return;
    try {
      this.broadcast({ event: 'kiosks', data: { kiosks: await this.opts.admin.listKiosks() } });
    } catch (err) {
      this.opts.log.warn({ err }, 'could not tell dashboards of a fleet change');
    }
  }

  /**
   * Sends to every client in slices of BROADCAST_SLICE, yielding to the event loop between
   * slices, so a hundred socket writes never hold the kiosks' acks back all at once. One queue
   * for all events keeps each client's events in order; up to 16 clients are served at once,
   * as before.
   */
  private broadcast(e: LiveEvent): void {
    if (this.clients.size === 0) return;
    this.outbox.push({ e, to: [...this.clients], next: 0 });
    if (this.outbox.length === 1) this.sendSlice();
  }

  private readonly sendSlice = (): void => {
    let budget = BROADCAST_SLICE;
    while (budget > 0 && this.outbox.length > 0) {
      const head = this.outbox[0]!;
      while (budget > 0 && head.next < head.to.length) {
        head.to[head.next++]!.send(head.e);
        budget--;
      }
      if (head.next === head.to.length) this.outbox.shift();
    }
    if (this.outbox.length > 0) setImmediate(this.sendSlice);
  };
}

/** A recount waits at least this many times as long as the last one took. */
const RECOUNT_DUTY_FACTOR = 20;

/** Streams written per turn of the event loop. */
const BROADCAST_SLICE = 16;

interface PendingBroadcast {
  e: LiveEvent;
  to: LiveClient[];
  next: number;
}

function presenceView(p: PresenceChange): PresenceView {
  return {
    id: p.kioskId,
    online: p.connected,
    lastSeenAt: iso(p.lastSeenAt)!,
    onlineSince: p.connected ? iso(p.connectedAt) : null,
    queued: p.queued,
    software: p.software,
    buttons: p.buttons,
    idConflict: p.idConflict && { at: iso(p.idConflict.at)!, addresses: [...p.idConflict.addresses] },
  };
}
