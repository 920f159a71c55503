import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { ErrorCode } from '../../protocol/errors.js';
import type { PollInfo, WelcomeMessage } from '../../protocol/messages.js';
import type { BackoffOptions } from './backoff.js';
import type { KioskClock } from '../clock/clock.js';
import type { KioskIdentity } from './handshake.js';
import type { VoteQueue } from '../outbox/outbox.js';
import { ReconnectPlan } from './reconnect.js';
import { DEFAULT_MAX_IN_FLIGHT } from './sender-window.js';
import { formatServerAddress, type ServerAddress } from '../transport/server-address.js';
import { KioskSession, type SessionEnd } from './session.js';
import type { ConnectionStatus } from './status.js';
import { systemTimers, type Timers } from '../clock/timers.js';

/**
 * The kiosk's link to the server: keeps one session alive at a time, reconnecting with jittered
 * backoff and failing over between servers, and turns what sessions report into events.
 * The pieces it composes each do one job: KioskSession (one connection: handshake, window,
 * heartbeat), ReconnectPlan (delays and server order), the outbox (what to send).
 *
 * It never gives up: after an authentication failure it keeps retrying, slowly, because an
 * organiser may fix the secret or re-register the kiosk while it waits.
 */

export type { ConnectionStatus };

/** Opens a stream to a server: TCP now, TLS is just another builder (like MQTT.js). */
export type Connector = (server: ServerAddress) => Duplex;

export interface StatusDetail {
  server: string;
  code?: ErrorCode;
  reason?: string;
  /** When the next attempt is due (offline / error). */
  retryInMs?: number;
}

export interface KioskClientEvents {
  status: [status: ConnectionStatus, detail: StatusDetail];
  /** The open poll: from every welcome and every push. */
  poll: [poll: PollInfo | null];
  acked: [voteId: string, status: 'stored' | 'duplicate', flagged: boolean];
  rejected: [voteId: string, code: ErrorCode];
  welcome: [welcome: WelcomeMessage];
}

export interface KioskClientOptions {
  servers: readonly ServerAddress[];
  connect: Connector;
  identity: KioskIdentity;
  queue: VoteQueue;
  clock: KioskClock;
  timers?: Timers;
  logger?: Logger;
  /** Local cap on votes in flight (default 32); the server's window applies too. */
  maxInFlight?: number;
  /** Default 10 s: covers a TCP connect to an unreachable host as well as the handshake. */
  handshakeTimeoutMs?: number;
  /** Send heartbeats at least this often, even if the server allows longer. */
  heartbeatMs?: number;
  backoff?: BackoffOptions;
  /** Delays after an authentication failure; default 15-30 s growing to 5 min. */
  slowBackoff?: BackoffOptions;
  /** Delays after PV_KIOSK_ID_CONFLICT; default 1-2 min growing to 5 min. */
  conflictBackoff?: BackoffOptions;
}

/** Refusals an organiser has to fix: shown as status `error`, retried slowly. */
const NEEDS_ORGANISER: ReadonlySet<ErrorCode> = new Set([
  'PV_AUTH_FAILED', 'PV_KIOSK_REVOKED', 'PV_UNSUPPORTED_VERSION', 'PV_TLS_UNTRUSTED', 'PV_KIOSK_ID_CONFLICT',
]);

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

export class KioskClient extends EventEmitter<KioskClientEvents> {
  private readonly options: KioskClientOptions;
  private readonly timers: Timers;
  private readonly log: Logger;
  private readonly plan: ReconnectPlan;
  private session: KioskSession | undefined;
  private currentStatus: ConnectionStatus = 'offline';
  private currentPoll: PollInfo | null | undefined;
  private refused = false;
  private refusedFor: ErrorCode | undefined;
  private lastDetail: StatusDetail | undefined;
  private started = false;
  private stopped = false;
  private sessionGone: (() => void) | undefined;

  constructor(options: KioskClientOptions) {
    super();
    this.options = options;
    this.timers = options.timers ?? systemTimers;
    this.log = (options.logger ?? pino({ level: 'silent' })).child({ kioskId: options.identity.kioskId });
    this.plan = new ReconnectPlan({
      servers: options.servers,
      timers: this.timers,
      ...(options.backoff && { backoff: options.backoff }),
      ...(options.slowBackoff && { slowBackoff: options.slowBackoff }),
      ...(options.conflictBackoff && { conflictBackoff: options.conflictBackoff }),
    });
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  /** The last poll the server announced; undefined until the first welcome. */
  get poll(): PollInfo | null | undefined {
    return this.currentPoll;
  }

  /** Why the status is what it is (the refusal's code, the retry delay); undefined before the first change. */
  get statusDetail(): StatusDetail | undefined {
    return this.lastDetail;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.attempt();
  }

  /** Call after appending to the outbox: sends the new vote now if the window has room. */
  voteAppended(): void {
    this.session?.pump();
  }

  /** Closes the connection and stops reconnecting. Resolves once the stream has closed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.plan.cancel();
    const session = this.session;
    if (session) {
      const gone = new Promise<void>((resolve) => (this.sessionGone = resolve));
      session.close('kiosk stopping');
      await gone;
    }
    this.setStatus('offline', { server: formatServerAddress(this.plan.server), reason: 'stopped' });
  }

  private attempt(): void {
    if (this.stopped) return;
    const server = formatServerAddress(this.plan.server);
    // While refused, stay `error` through the retries: the LED should keep saying "fix me".
    if (!this.refused) this.setStatus('connecting', { server });
    let stream: Duplex;
    try {
      stream = this.options.connect(this.plan.server);
    } catch (err) {
      this.onEnded(server, { welcomed: false, reason: 'could not open a connection', error: err as Error });
      return;
    }
    this.log.debug({ server }, 'connecting');
    this.session = new KioskSession(
      stream,
      {
        identity: this.options.identity,
        queue: this.options.queue,
        clock: this.options.clock,
        timers: this.timers,
        maxInFlight: this.options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
        handshakeTimeoutMs: this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
        ...(this.options.heartbeatMs !== undefined && { heartbeatMs: this.options.heartbeatMs }),
        logger: this.log,
      },
      {
        welcome: (w) => this.onWelcome(server, w),
        poll: (p) => this.setPoll(p),
        acked: (a) => this.emit('acked', a.voteId, a.status, a.flagged),
        rejected: (r) => {
          this.log.warn({ voteId: r.voteId, seq: r.seq, code: r.code }, 'vote refused by server');
          this.emit('rejected', r.voteId, r.code);
        },
        ended: (end) => this.onEnded(server, end),
      },
    );
  }

  private onWelcome(server: string, welcome: WelcomeMessage): void {
    this.refused = false;
    this.refusedFor = undefined;
    this.plan.succeeded();
    this.log.info({ server, window: welcome.window, heartbeatMs: welcome.heartbeatMs }, 'online');
    this.setStatus('online', { server });
    this.emit('welcome', welcome);
    this.setPoll(welcome.poll);
  }

  private onEnded(server: string, end: SessionEnd): void {
    this.session = undefined;
    if (this.stopped) {
      this.sessionGone?.();
      return;
    }
    if (end.code !== undefined && NEEDS_ORGANISER.has(end.code)) {
      this.refused = true;
      this.refusedFor = end.code;
    }
    // A server that welcomed us and then dropped is most likely restarting: try it again first.
    if (!end.welcomed) this.plan.failover();
    const pace = !this.refused ? 'normal' : this.refusedFor === 'PV_KIOSK_ID_CONFLICT' ? 'conflict' : 'refused';
    const retryInMs = this.plan.schedule(pace, () => this.attempt());
    const detail: StatusDetail = { server, reason: end.reason, retryInMs, ...(end.code && { code: end.code }) };
    const level = this.refused ? 'error' : 'info';
    this.log[level]({ ...detail, ...(end.error && { err: end.error }) }, 'disconnected');
    this.setStatus(this.refused ? 'error' : 'offline', detail);
  }

  private setPoll(poll: PollInfo | null): void {
    this.currentPoll = poll;
    this.emit('poll', poll);
  }

  private setStatus(status: ConnectionStatus, detail: StatusDetail): void {
    this.lastDetail = detail;
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.emit('status', status, detail);
  }
}
