import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { isPivoteError, type ErrorCode, type PivoteError } from '../../protocol/errors.js';
import type { PollInfo, ServerMessage, VoteMessage, WelcomeMessage } from '../../protocol/messages.js';
import { ageFromClock, type KioskClock } from '../clock/clock.js';
import { FramedConnection } from './framed-connection.js';
import { Handshake, type KioskIdentity } from './handshake.js';
import { Heartbeat } from './heartbeat.js';
import type { OutboxVote, VoteQueue } from '../outbox/outbox.js';
import { SenderWindow } from './sender-window.js';
import type { TimerHandle, Timers } from '../clock/timers.js';

/**
 * One connection's life: handshake, then votes out / answers in, heartbeats, until the stream
 * ends for whatever reason. It reports what happened and never reconnects; that is the
 * reconnect loop's job (client.ts), which starts a fresh session each time.
 */

export interface SessionDeps {
  identity: KioskIdentity;
  queue: VoteQueue;
  clock: KioskClock;
  timers: Timers;
  /** Local cap on votes in flight; the server's window applies too. */
  maxInFlight: number;
  /** Connect + hello/challenge/auth/welcome must finish within this. */
  handshakeTimeoutMs: number;
  /** Send heartbeats at least this often even if the server allows longer. */
  heartbeatMs?: number;
  logger: Logger;
}

export interface SessionEnd {
  /** The handshake completed on this connection. */
  welcomed: boolean;
  /** The server's error code, or ours for a protocol/handshake failure. */
  code?: ErrorCode;
  /** Short reason for logs. */
  reason: string;
  error?: Error;
}

export interface SessionEvents {
  welcome(welcome: WelcomeMessage): void;
  poll(poll: PollInfo | null): void;
  acked(vote: { voteId: string; seq: number; status: 'stored' | 'duplicate'; flagged: boolean }): void;
  rejected(vote: { voteId: string; seq: number; code: ErrorCode; message: string }): void;
  /** Exactly once, after the stream has closed. */
  ended(end: SessionEnd): void;
}

export class KioskSession {
  private readonly deps: SessionDeps;
  private readonly events: SessionEvents;
  private readonly conn: FramedConnection;
  private readonly handshake: Handshake;
  private handshakeTimer: TimerHandle | undefined;
  private window: SenderWindow | undefined;
  private heartbeat: Heartbeat | undefined;
  private end: Omit<SessionEnd, 'welcomed'> | undefined;

  constructor(stream: Duplex, deps: SessionDeps, events: SessionEvents) {
    this.deps = deps;
    this.events = events;
    this.handshake = new Handshake(deps.identity);
    this.conn = new FramedConnection(
      stream,
      {
        onMessage: (m) => this.onMessage(m),
        onProtocolError: (err) => this.onProtocolError(err),
        onClose: (err) => this.onClose(err),
      },
      deps.timers,
    );
    this.handshakeTimer = deps.timers.setTimeout(
      () => this.fail({ reason: 'handshake timed out' }),
      deps.handshakeTimeoutMs,
    );
    this.conn.send(this.handshake.hello());
  }

  get online(): boolean {
    return this.window !== undefined && this.conn.isOpen;
  }

  /** Sends whatever the window has room for; call after appending to the outbox. */
  pump(): void {
    if (!this.online || !this.window) return;
    for (const vote of this.window.take()) this.conn.send(this.voteMessage(vote));
  }

  /** Ends the session politely (e.g. the kiosk is stopping). */
  close(reason = 'closed by kiosk'): void {
    this.end ??= { reason };
    this.stopTimers();
    this.conn.close();
  }

  private onMessage(message: ServerMessage): void {
    this.heartbeat?.seen();
    try {
      if (!this.handshake.done) this.onHandshakeMessage(message);
      else this.onSessionMessage(message);
    } catch (err) {
      // Most likely the outbox failed (SD card). Drop the connection: the votes stay pending
      // and are resent, and the server answers them as duplicates if it had them.
      this.deps.logger.error({ err }, 'failed to handle a server message');
      this.fail({ reason: 'internal error handling a server message', error: err as Error });
    }
  }

  private onHandshakeMessage(message: ServerMessage): void {
    const step = this.handshake.receive(message);
    switch (step.kind) {
      case 'send':
        this.conn.send(step.message);
        return;
      case 'fail':
        this.fail({ code: step.code, reason: step.fromServer ? `server refused: ${step.message}` : step.message });
        return;
      case 'welcome':
        this.onWelcome(step.welcome);
        return;
    }
  }

  private onWelcome(welcome: WelcomeMessage): void {
    if (this.handshakeTimer !== undefined) this.deps.timers.clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.window = new SenderWindow(this.deps.queue, Math.min(welcome.window, this.deps.maxInFlight));
    const intervalMs = Math.min(welcome.heartbeatMs, this.deps.heartbeatMs ?? Infinity);
    this.heartbeat = new Heartbeat({
      intervalMs,
      timers: this.deps.timers,
      send: () => this.conn.send({ type: 'heartbeat', queued: this.deps.queue.pendingCount() }),
      onDead: () => this.fail({ reason: `server silent for ${3 * intervalMs} ms` }),
    });
    this.events.welcome(welcome);
    if (!this.conn.isOpen) return; // a listener stopped us
    this.heartbeat.start();
    this.pump();
  }

  private onSessionMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'ack': {
        this.window?.settle(message.voteId);
        this.deps.queue.markAcked(message.voteId, { status: message.status, flagged: message.flagged });
        this.events.acked(message);
        this.pump();
        return;
      }
      case 'reject': {
        this.window?.settle(message.voteId);
        this.deps.queue.markRejected(message.voteId, message.code);
        this.events.rejected(message);
        this.pump();
        return;
      }
      case 'poll':
        this.events.poll(message.poll);
        return;
      case 'heartbeat_ack':
        return;
      case 'error':
        this.fail({ code: message.code, reason: `server error: ${message.message}` });
        return;
      case 'challenge':
      case 'welcome':
        this.fail({ code: 'PV_UNEXPECTED_MESSAGE', reason: `unexpected ${message.type} after welcome` });
        return;
    }
  }

  private onProtocolError(error: PivoteError): void {
    this.end ??= { code: error.code, reason: `unreadable frame from server: ${error.message}`, error };
    this.stopTimers();
  }

  private fail(end: Omit<SessionEnd, 'welcomed'>): void {
    this.end ??= end;
    this.stopTimers();
    this.conn.close();
  }

  private onClose(error: Error | undefined): void {
    this.stopTimers();
    // A stream destroyed with a PivoteError (e.g. PV_TLS_UNTRUSTED from the connector) ends with its code.
    const end = this.end ?? {
      reason: error ? `connection lost: ${error.message}` : 'connection closed by server',
      ...(isPivoteError(error) && { code: error.code }),
    };
    const withError = end.error === undefined && error !== undefined ? { ...end, error } : end;
    this.events.ended({ welcomed: this.window !== undefined, ...withError });
  }

  private stopTimers(): void {
    this.heartbeat?.stop();
    if (this.handshakeTimer !== undefined) this.deps.timers.clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
  }

  private voteMessage(vote: OutboxVote): VoteMessage {
    return {
      type: 'vote',
      voteId: vote.voteId,
      seq: vote.seq,
      pollId: vote.pollId,
      button: vote.button,
      // Age at the moment of sending, so a vote that waited offline for an hour says so.
      ageMs: ageFromClock(vote, this.deps.clock),
    };
  }
}
