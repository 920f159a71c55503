import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { isPivoteError } from '../protocol/errors.js';
import type { PollInfo } from '../protocol/messages.js';
import type { BurstPolicy, KioskAccess, KioskRecord, NewVote, PollRecord, RecordOutcome, VoteStore } from '../store/types.js';
import type { ServerContext } from './context.js';
import { deadlineMessage, missedDeadline } from './deadlines.js';
import { dispatch } from './dispatcher.js';
import { ServerEvents, type PollChangeReason } from './events.js';
import { GroupCommitter } from './group-committer.js';
import { IdConflictDetector, type AuthVerdict, type IdConflict, type IdConflictOptions } from './id-conflict.js';
import { answerVote } from './handlers/vote.js';
import { ClusterNode } from './cluster-node.js';
import { DEFAULT_COMMIT_BACKOFF, type RetryBackoff } from './commit-retry.js';
import { ReadBackpressure } from './read-backpressure.js';
import { StoreHealth } from './store-health.js';
import { CLOSED_BEFORE_PRESS, commitVotes } from './vote-commit.js';
import { DEFAULT_BURST, resolveLimits, type ServerLimits } from './limits.js';
import { PollCache } from './poll-cache.js';
import { PresenceTracker } from './presence.js';
import { StoreWatchers } from './store-watchers.js';
import { Session, frameText, type SessionHooks } from './session.js';
import { monotonicNow, realTimers, type TimerHandle, type Timers } from './timers.js';

export interface PivoteServerOptions {
  store: VoteStore;
  logger?: Logger;
  /** Wall clock, ms since the epoch. Default Date.now. */
  clock?: () => number;
  /** Monotonic ms for deadlines. Default performance.now. */
  monotonic?: () => number;
  limits?: Partial<ServerLimits>;
  burst?: BurstPolicy;
  timers?: Timers;
  /** When one kiosk id counts as used by two devices (see id-conflict.ts). */
  idConflict?: IdConflictOptions;
  /** Called once when two devices are found using one kiosk id (it is also logged once). */
  onIdConflict?: (conflict: IdConflict) => void;
  /** This server's name in connection claims and logs (default: host/pid/random, see
   *  connection-claims.ts). Unique per process among the servers sharing a database. */
  serverId?: string;
  /** Waits between tries of a batch while the store is unavailable (commit-retry.ts). */
  commitBackoff?: RetryBackoff;
}

export interface ConnectionMeta {
  /** For logs, e.g. "10.0.0.5:50112". */
  remote?: string;
  /** The peer's IP address without port; null or absent when the transport has none. */
  address?: string | null;
}

export interface ServerStats {
  /** Connections held, authenticated or not (not counting ones refused at the limit). */
  connections: number;
  /** Kiosks with a live authenticated connection. */
  authenticated: number;
  /** Valid votes queued or in a commit, not yet answered. */
  pendingVotes: number;
  commits: number;
  committedVotes: number;
}

/**
 * The transport-agnostic server core: give it any duplex stream with `handleConnection`.
 * It never closes the store; whoever opened the store closes it after `close()`.
 */
export class PivoteServer implements ServerContext {
  readonly store: VoteStore;
  readonly limits: ServerLimits;
  readonly burst: BurstPolicy;
  readonly log: Logger;
  readonly clock: () => number;
  readonly polls: PollCache;
  readonly committer: GroupCommitter<Session>;
  readonly presence: PresenceTracker;
  /** What happened, for the live dashboard, metrics and alerts (see events.ts). */
  readonly events: ServerEvents;
  /** The organisers' alert rules, evaluated here (see alerts/alert-engine.ts). */
  readonly alerts: StoreWatchers['alerts'];
  /** This process among the servers sharing a database (claims, logs). */
  readonly serverId: string;
  shuttingDown = false;

  private readonly monotonic: () => number;
  private readonly timers: Timers;
  private readonly sessions = new Set<Session>();
  /** Refused at the connection limit or during shutdown; closing, tracked so close() waits. */
  private readonly refused = new Set<Session>();
  private readonly byKiosk = new Map<string, Session>();
  private readonly pending = new Set<Promise<void>>();
  private readonly idConflicts: IdConflictDetector;
  private readonly onIdConflict: ((conflict: IdConflict) => void) | undefined;
  /** How long each batch (the committer hands the same array to commit and onCommitted) took. */
  private readonly commitMs = new WeakMap<readonly NewVote[], number>();
  private readonly watchers: StoreWatchers;
  /** Several servers on one database (cluster-node.ts); idle on stores that serve one server. */
  private readonly cluster: ClusterNode;
  private readonly storeHealth: StoreHealth;
  private readonly backpressure: ReadBackpressure;
  private sweepHandle: TimerHandle | undefined;
  private connectionCounter = 0;
  private closing: Promise<void> | null = null;

  constructor(opts: PivoteServerOptions) {
    this.store = opts.store;
    this.limits = resolveLimits(opts.limits);
    this.burst = opts.burst ?? DEFAULT_BURST;
    this.log = opts.logger ?? pino({ level: 'silent' });
    this.clock = opts.clock ?? (() => Date.now()); // looked up per call so fake timers apply
    this.monotonic = opts.monotonic ?? monotonicNow;
    this.timers = opts.timers ?? realTimers;
    this.events = new ServerEvents((err, event) => this.log.error({ err, event }, 'a domain event listener failed'));
    this.polls = new PollCache(this.store);
    this.idConflicts = new IdConflictDetector(opts.idConflict);
    this.onIdConflict = opts.onIdConflict;
    const commitBackoff = opts.commitBackoff ?? DEFAULT_COMMIT_BACKOFF;
    const pending = () => this.committer.pending;
    this.storeHealth = new StoreHealth({ log: this.log, events: this.events, clock: () => this.clock(), pending });
    this.backpressure = new ReadBackpressure({ maxPending: this.limits.maxPendingVotes, log: this.log, pending, sessions: () => this.sessions, monotonic: () => this.monotonic() });
    this.committer = new GroupCommitter<Session>({
      commit: (votes) => {
        const started = this.monotonic();
        // An unavailable database is waited out (nothing acknowledged meanwhile); see vote-commit.ts.
        return commitVotes(votes, {
          store: this.store,
          burst: this.burst,
          polls: this.polls,
          backoff: commitBackoff,
          timers: this.timers,
          giveUp: () => this.shuttingDown,
          onRetry: this.storeHealth.onRetry,
          mustRecheckPolls: (batch) => this.cluster.mustRecheckPolls(batch),
        }).then(({ outcomes, failures }) => {
          this.commitMs.set(votes, this.monotonic() - started);
          if (failures > 0) this.storeHealth.committedAfterWait(votes);
          return outcomes;
        });
      },
      onCommitted: this.onCommitted,
      onFailed: this.onCommitFailed,
      maxBatch: this.limits.maxBatch,
      maxInFlight: this.limits.maxCommitsInFlight,
      schedule: (fn) => this.timers.setImmediate(fn),
      onCallbackError: (err) => this.log.error({ err }, 'unexpected error answering votes'),
    });
    this.presence = new PresenceTracker({
      store: this.store,
      timers: this.timers,
      log: this.log,
      flushMs: this.limits.presenceFlushMs,
      promptMs: this.limits.presencePromptMs,
      onChange: (change) => this.events.emit('presence-changed', { kiosks: [change] }),
    });
    this.watchers = new StoreWatchers({
      store: this.store,
      polls: this.polls,
      events: this.events,
      timers: this.timers,
      log: this.log,
      clock: () => this.clock(),
      onPollRead: () => this.cluster.pollRead(),
      limits: this.limits,
      liveKiosks: () => this.byKiosk.size,
      pushPoll: (info) => {
        const text = frameText({ type: 'poll', poll: info });
        for (const session of this.byKiosk.values()) session.sendText(text);
      },
      enforceAccess: this.enforceAccess,
    });
    this.alerts = this.watchers.alerts;
    this.cluster = new ClusterNode({
      store: this.store,
      events: this.events,
      timers: this.timers,
      log: this.log,
      clock: () => this.clock(),
      limits: this.limits,
      watchers: this.watchers,
      ...(opts.serverId !== undefined && { serverId: opts.serverId }),
      held: {
        epochOf: (kioskId) => this.byKiosk.get(kioskId)?.epoch,
        kioskIds: () => this.byKiosk.keys(),
        drop: (kioskId, claim) => {
          const session = this.byKiosk.get(kioskId);
          if (!session) return;
          session.supersededElsewhere = true;
          session.log.info({ epoch: session.epoch, newEpoch: claim.epoch, server: claim.serverId }, 'kiosk connected to another server; dropping this connection');
          session.fail('PV_REPLACED', 'this kiosk connected to another server');
        },
      },
    });
    this.serverId = this.cluster.serverId;
  }

  /** Clears stale presence, loads the open poll and starts the watchers. */
  async start(): Promise<void> {
    // On a database several servers share, the kiosks marked connected may be held by the
    // others: leave them. A crashed server's kiosks are not written offline by anyone, but
    // count as offline once their last-seen time is stale (isKioskOnline).
    if (!this.cluster.shared) await this.store.markAllDisconnected();
    // Listening starts before the first reads, so a change committed in between is not missed.
    await this.cluster.listen();
    await this.watchers.start();
    await this.cluster.start();
    this.presence.start();
    this.sweepHandle = this.timers.setInterval(this.sweepDeadlines, this.limits.deadlineSweepMs);
    this.log.info({ store: this.store.kind, serverId: this.serverId, pollId: this.watchers.openPoll.current?.id ?? null }, 'server core started');
  }

  handleConnection(duplex: Duplex, meta: ConnectionMeta = {}): void {
    const id = ++this.connectionCounter;
    const log = this.log.child({ conn: id, remote: meta.remote });
    const atLimit = this.sessions.size >= this.limits.maxConnections;
    const session = new Session({
      id, duplex, log, limits: this.limits, timers: this.timers, monotonic: this.monotonic, hooks: this.hooks, remoteAddress: meta.address ?? null,
    });
    if (this.shuttingDown || atLimit) {
      this.refused.add(session);
      // Refused sessions are never added to `sessions`, but onClose still reports them.
      if (this.shuttingDown) session.fail('PV_SERVER_SHUTDOWN', 'the server is shutting down');
      else session.fail('PV_TOO_MANY_CONNECTIONS', `the server holds ${this.limits.maxConnections} connections`);
      return;
    }
    this.sessions.add(session);
    log.debug('connection opened');
  }

  /** Re-reads the open poll now and pushes a change; resolves once pushed. */
  pollChanged(): Promise<void> {
    return this.watchers.openPoll.check();
  }

  /** The open poll as this server last read it. */
  openPollRecord(): PollRecord | undefined {
    return this.watchers.openPoll.record;
  }

  /** An organiser changed a poll in a way the open poll's watcher cannot see (a draft, a
   *  schedule, visibility); opening and closing go through `pollChanged`. */
  pollEdited(poll: PollRecord, reason: Exclude<PollChangeReason, 'opened' | 'closed' | 'seen'>): void {
    this.events.emit('poll-changed', { poll, open: this.watchers.openPoll.record ?? null, reason });
  }

  /** An organiser changed kiosks: drop connections that may no longer vote, tell listeners.
   *  Resolves once the connections are dropped. */
  async kiosksChanged(kioskIds: readonly string[], action: string): Promise<void> {
    this.events.emit('kiosks-changed', { kioskIds, action });
    await this.watchers.access.trigger();
  }

  /** Runs the poll schedule now (after an organiser changed it); resolves once acted on. */
  scheduleChanged(): Promise<void> {
    return this.watchers.schedule.trigger();
  }

  /** Why votes cannot be committed now (the store is unavailable), or null: for readiness. */
  storeProblem(): string | null {
    return this.storeHealth.problem();
  }

  stats(): ServerStats {
    const c = this.committer.stats;
    return {
      connections: this.sessions.size,
      authenticated: this.byKiosk.size,
      pendingVotes: this.committer.pending,
      commits: c.commits,
      committedVotes: c.committedVotes,
    };
  }

  /**
   * Stops accepting, stops reading, commits and answers every vote already accepted, sends
   * PV_SERVER_SHUTDOWN to every connection, waits for them to close, writes presence. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  openPoll(): PollInfo | null {
    return this.watchers.openPoll.current;
  }

  claimConnection(kioskId: string): Promise<number | null> {
    return this.cluster.claims.claim(kioskId);
  }

  admit(session: Session, kiosk: KioskRecord, epoch: number | null = null): void {
    const now = this.clock();
    const verdict = this.idConflicts.authenticated(kiosk.id, session.remoteAddress, this.monotonic());
    if (verdict.conflict) {
      this.refuseIdConflict(session, kiosk.id, verdict, now);
      return;
    }
    const previous = this.byKiosk.get(kiosk.id);
    // Claims answered out of order: a newer connection (here or on another server) already won.
    if ((previous?.epoch != null && epoch !== null && previous.epoch > epoch) || this.cluster.claims.isSuperseded(kiosk.id, epoch)) {
      session.fail('PV_REPLACED', 'a newer connection of this kiosk is live');
      return;
    }
    session.epoch = epoch;
    this.byKiosk.set(kiosk.id, session);
    if (this.backpressure.paused) session.pauseReading();
    session.authenticated = true;
    session.state = 'ready';
    session.log = session.log.child({ kioskId: kiosk.id });
    session.secretVersion = kiosk.secretVersion;
    session.presence = this.presence.connect(kiosk.id, session.software, now, session.buttons, epoch);
    if (previous && previous !== session) previous.fail('PV_REPLACED', 'another connection authenticated as this kiosk');
    session.send({
      type: 'welcome',
      kioskId: kiosk.id,
      window: this.limits.window,
      heartbeatMs: this.limits.heartbeatMs,
      poll: this.watchers.openPoll.current,
      serverTime: now,
    });
    session.log.info({ software: session.software, buttons: session.buttons, ...(epoch !== null && { epoch }) }, 'kiosk authenticated');
  }

  /** Both devices are refused (the live one too), so neither flaps; reported once per conflict. */
  private refuseIdConflict(session: Session, kioskId: string, verdict: AuthVerdict & { conflict: true }, now: number): void {
    const message = `kiosk id ${kioskId} is in use on more than one device (${verdict.addresses.join(', ')})`;
    if (verdict.detected) {
      this.log.warn({ kioskId, addresses: verdict.addresses }, 'two devices use one kiosk id; refusing both until one stops');
      this.presence.markConflict(kioskId, { at: now, addresses: [...verdict.addresses] }, now);
      this.onIdConflict?.({ kioskId, addresses: verdict.addresses, at: now });
    }
    this.byKiosk.get(kioskId)?.fail('PV_KIOSK_ID_CONFLICT', message);
    session.fail('PV_KIOSK_ID_CONFLICT', message);
  }

  private readonly hooks: SessionHooks = {
    onMessage: (session, message) => {
      let result: void | Promise<void>;
      try {
        result = dispatch(this, session, message);
      } catch (err) {
        session.failWith(err);
        return;
      }
      if (result) this.track(result.catch((err: unknown) => session.failWith(err)));
    },
    onReceived: (session) => {
      if (session.presence !== null) this.presence.touch(session.presence, this.clock());
      this.backpressure.check();
    },
    onClose: (session) => {
      this.sessions.delete(session);
      this.refused.delete(session);
      const kioskId = session.kioskId;
      if (session.authenticated && kioskId !== null && this.byKiosk.get(kioskId) === session) {
        this.byKiosk.delete(kioskId);
        if (session.presence && session.supersededElsewhere) this.presence.release(session.presence);
        else if (session.presence) this.presence.disconnect(session.presence);
      }
      session.log.debug('connection closed');
      if (this.events.has('connection-closed')) this.events.emit('connection-closed', { code: session.closeCode, authenticated: session.authenticated });
    },
  };

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private readonly onCommitted = (votes: readonly NewVote[], owners: readonly Session[], outcomes: readonly RecordOutcome[]): void => {
    const debug = this.log.isLevelEnabled('debug');
    let refusedLate = false;
    for (let i = 0; i < votes.length; i++) {
      if (outcomes[i] === CLOSED_BEFORE_PRESS) refusedLate = this.refuseClosedBeforePress(owners[i]!, votes[i]!);
      else answerVote(owners[i]!, votes[i]!, outcomes[i]!, debug);
    }
    this.backpressure.release();
    // Votes refused after a wait for the store (vote-commit.ts) are not committed ones.
    if (refusedLate) {
      const kept = votes.flatMap((_, i) => (outcomes[i] === CLOSED_BEFORE_PRESS ? [] : [i]));
      votes = kept.map((i) => votes[i]!);
      outcomes = kept.map((i) => outcomes[i]!);
    }
    // One event per committed batch, after the acks are queued: listeners add to counters.
    if (this.events.has('votes-committed')) {
      this.events.emit('votes-committed', { votes, outcomes, at: this.clock(), commitSeconds: (this.commitMs.get(votes) ?? 0) / 1000 });
    }
  };

  private readonly enforceAccess = (access: ReadonlyMap<string, KioskAccess>): void => {
    for (const [kioskId, session] of this.byKiosk) {
      const a = access.get(kioskId);
      if (a === undefined || a.refused) session.fail('PV_KIOSK_REVOKED', 'this kiosk has been revoked');
      else if (a.secretVersion !== session.secretVersion) session.fail('PV_SECRET_ROTATED', "this kiosk's secret was replaced; it must use the new one");
    }
  };

  private refuseClosedBeforePress(session: Session, vote: NewVote): true {
    session.inflight--;
    session.send({ type: 'reject', voteId: vote.voteId, seq: vote.seq, code: 'PV_POLL_CLOSED', message: `poll ${vote.pollId} closed before the button was pressed` });
    if (this.events.has('vote-refused')) this.events.emit('vote-refused', { code: 'PV_POLL_CLOSED' });
    return true;
  }

  private readonly onCommitFailed = (votes: readonly NewVote[], owners: readonly Session[], err: unknown): void => {
    // Not acknowledged, so the kiosks still hold these votes; closing makes them resend later.
    // PV_STORE_UNAVAILABLE gets here only when the server stops while the database is away.
    const unavailable = isPivoteError(err, 'PV_STORE_UNAVAILABLE');
    if (unavailable) this.log.warn({ err, votes: votes.length }, 'stopping while the database is unavailable; the kiosks keep these votes');
    else this.log.error({ err, votes: votes.length }, 'committing votes failed; closing the connections that sent them');
    for (const session of new Set(owners)) {
      if (unavailable) session.fail('PV_STORE_UNAVAILABLE', 'the database is unavailable; resend these votes later');
      else session.fail('PV_INTERNAL', 'votes could not be stored; resend them later');
    }
    this.backpressure.release();
  };

  private readonly sweepDeadlines = (): void => {
    const now = this.monotonic();
    for (const session of this.sessions) {
      if (session.state === 'closing' || session.state === 'draining') continue;
      if (session.readingPaused) continue; // the server is not reading: the peer is not late
      const code = missedDeadline(session, now, this.limits);
      if (code !== null) session.fail(code, deadlineMessage(code, this.limits));
    }
  };

  private async shutdown(): Promise<void> {
    this.shuttingDown = true;
    this.log.info({ connections: this.sessions.size, pendingVotes: this.committer.pending }, 'server core shutting down');
    // Synchronously, before any await: from here on nothing more is read from any connection.
    for (const session of this.sessions) session.drain();
    if (this.sweepHandle !== undefined) this.timers.clearInterval(this.sweepHandle);
    this.sweepHandle = undefined;
    await Promise.all([this.watchers.stop(), this.cluster.stop()]);
    // Votes whose poll was being read still join the last commit.
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await this.committer.drain();
    const all = [...this.sessions, ...this.refused];
    for (const session of all) session.fail('PV_SERVER_SHUTDOWN', 'the server is shutting down');
    await Promise.all(all.map((s) => s.done));
    await this.presence.stop();
    this.log.info('server core stopped');
  }
}

export async function createPivoteServer(opts: PivoteServerOptions): Promise<PivoteServer> {
  const server = new PivoteServer(opts);
  await server.start();
  return server;
}
