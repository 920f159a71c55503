import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { FrameDecoder, type DecodedFrame } from '../protocol/codec.js';
import { isPivoteError, type ErrorCode } from '../protocol/errors.js';
import type { KioskMessage, ServerMessage } from '../protocol/messages.js';
import { parseKioskMessage } from '../protocol/validate.js';
import type { DeadlineFacts } from './deadlines.js';
import type { ServerLimits } from './limits.js';
import type { PresenceEntry } from './presence.js';
import type { TimerHandle, Timers } from './timers.js';

/**
 * One connection: framing, output coalescing and backpressure, closing with an error frame.
 * It knows nothing of votes or the store; complete messages go to `hooks.onMessage`.
 *
 *   awaiting_hello --hello--> awaiting_auth --auth--> authenticating --ok--> ready
 *   any --error / deadline / peer end--> closing;  any --server shutdown--> draining --> closing
 */
export type SessionState = 'awaiting_hello' | 'awaiting_auth' | 'authenticating' | 'ready' | 'draining' | 'closing';

export interface SessionHooks {
  onMessage(session: Session, message: KioskMessage): void;
  /** Bytes arrived from the peer (called once per chunk, before its messages). */
  onReceived(session: Session): void;
  onClose(session: Session): void;
}

export interface SessionOptions {
  id: number;
  duplex: Duplex;
  log: Logger;
  limits: ServerLimits;
  timers: Timers;
  monotonic: () => number;
  hooks: SessionHooks;
  /** The peer's IP address, when the transport has one (two devices with one id are told apart by it). */
  remoteAddress?: string | null;
}

/** One message as one frame, as text: the session batches text and writes once per tick. */
export function frameText(message: ServerMessage): string {
  return JSON.stringify(message) + '\n';
}

export class Session implements DeadlineFacts {
  readonly id: number;
  log: Logger;
  state: SessionState = 'awaiting_hello';
  /** Claimed in `hello`; trusted only once `authenticated`. */
  kioskId: string | null = null;
  software = '';
  /** Buttons the kiosk reported in `hello` (null: an older kiosk that does not say). */
  buttons: number | null = null;
  /** The kiosk's secret version this connection authenticated with; a newer one drops it. */
  secretVersion = 0;
  nonce = '';
  authenticated = false;
  /** Votes received and not yet answered (the in-flight window). */
  inflight = 0;
  presence: PresenceEntry | null = null;
  /** The connection claim's epoch on a database several servers share (null: no claims). */
  epoch: number | null = null;
  /** Dropped because the kiosk connected to another server (its presence is that one's now). */
  supersededElsewhere = false;
  readonly remoteAddress: string | null;
  /** Why the server closed this connection (null: the peer went away). */
  closeCode: ErrorCode | null = null;

  readonly connectedAt: number;
  lastReceivedAt: number;
  frameStartedAt = -1;

  /** Resolves when the underlying stream has closed. */
  readonly done: Promise<void>;
  closed = false;

  private readonly duplex: Duplex;
  private readonly decoder: FrameDecoder;
  private readonly opts: SessionOptions;
  private out = '';
  private flushScheduled = false;
  private waitingDrain = false;
  /** The server stopped reading from every connection: too many votes wait for the store. */
  private readPaused = false;
  private graceHandle: TimerHandle | undefined;
  private resolveDone!: () => void;

  constructor(opts: SessionOptions) {
    this.opts = opts;
    this.id = opts.id;
    this.log = opts.log;
    this.duplex = opts.duplex;
    this.remoteAddress = opts.remoteAddress ?? null;
    this.decoder = new FrameDecoder(opts.limits.maxFrameBytes);
    this.connectedAt = opts.monotonic();
    this.lastReceivedAt = this.connectedAt;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.duplex.on('data', this.onData);
    this.duplex.on('end', this.onEnd);
    this.duplex.on('error', this.onError);
    this.duplex.on('close', this.onClose);
    if (this.duplex.destroyed) queueMicrotask(this.onClose);
  }

  /** Queues a message; everything queued in one tick goes out in one write. */
  send(message: ServerMessage): void {
    this.sendText(frameText(message));
  }

  /** Queues pre-encoded frame text (a poll pushed to every connection is encoded once). */
  sendText(text: string): void {
    if (this.state === 'closing' || this.closed) return;
    this.out += text;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flush);
    }
  }

  /** Sends one `error` frame, ends the stream after it is flushed, destroys it after a grace. */
  fail(code: ErrorCode, message: string): void {
    if (this.state === 'closing' || this.closed) return;
    this.closeCode = code;
    this.log.info({ code, reason: message }, 'closing connection');
    this.out += frameText({ type: 'error', code, message });
    this.beginClose();
  }

  /** The error a handler threw: a PivoteError's code goes on the wire; anything else is a bug. */
  failWith(err: unknown): void {
    if (isPivoteError(err)) {
      this.fail(err.code, err.message);
      return;
    }
    this.log.error({ err }, 'unexpected error handling a message');
    this.fail('PV_INTERNAL', 'internal server error');
  }

  /** Shutdown: ignore anything more the peer sends, but keep answering what was accepted. */
  drain(): void {
    if (this.state !== 'closing') this.state = 'draining';
  }

  destroy(): void {
    this.duplex.destroy();
  }

  /** Stops reading from the peer (the server's backpressure); its bytes wait in the socket. */
  pauseReading(): void {
    if (this.readPaused || this.closed) return;
    this.readPaused = true;
    this.duplex.pause();
  }

  /** Reads again. The time spent not reading does not count against the peer's deadlines. */
  resumeReading(now: number): void {
    if (!this.readPaused) return;
    this.readPaused = false;
    this.lastReceivedAt = now;
    if (this.frameStartedAt >= 0) this.frameStartedAt = now;
    if (!this.waitingDrain && !this.closed) this.duplex.resume();
  }

  get readingPaused(): boolean {
    return this.readPaused;
  }

  private beginClose(): void {
    this.state = 'closing';
    this.flush();
    if (!this.duplex.destroyed && !this.duplex.writableEnded) this.duplex.end();
    // Keep reading (and discarding) so the peer's FIN is seen and the stream closes promptly.
    if (this.waitingDrain || this.readPaused) this.duplex.resume();
    this.graceHandle = this.opts.timers.setTimeout(() => this.duplex.destroy(), this.opts.limits.closeGraceMs);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.out.length === 0) return;
    const text = this.out;
    this.out = '';
    const d = this.duplex;
    if (d.destroyed || d.writableEnded) return;
    if (d.write(text)) return;
    if (d.writableLength > this.opts.limits.maxPendingOutputBytes) {
      this.log.warn({ pendingBytes: d.writableLength }, 'peer is not reading; destroying the connection');
      d.destroy();
      return;
    }
    // Stop reading from a peer that does not read our answers: it cannot make us queue more.
    if (!this.waitingDrain) {
      this.waitingDrain = true;
      d.pause();
      d.once('drain', this.onDrain);
    }
  };

  private readonly onDrain = (): void => {
    this.waitingDrain = false;
    if (!this.closed && !this.readPaused) this.duplex.resume();
  };

  private readonly onData = (chunk: Buffer | string): void => {
    const now = this.opts.monotonic();
    this.lastReceivedAt = now;
    if (this.state === 'closing' || this.state === 'draining') return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const before = this.decoder.bufferedBytes;
    const frames = this.decoder.push(buf);
    const after = this.decoder.bufferedBytes;
    // The frame deadline runs from the first byte of the incomplete frame now held.
    if (after === 0) this.frameStartedAt = -1;
    else if (before === 0 || after !== before + buf.length) this.frameStartedAt = now;
    // This runs inside an event emitter: a throw here would take the process down.
    try {
      this.opts.hooks.onReceived(this);
      this.handleFrames(frames);
    } catch (err) {
      this.failWith(err);
    }
  };

  private handleFrames(frames: readonly DecodedFrame[]): void {
    for (let i = 0; i < frames.length; i++) {
      if (this.state === 'closing' || this.state === 'draining') return;
      const frame = frames[i]!;
      if (!frame.ok) {
        this.fail(frame.error.code, frame.error.message);
        return;
      }
      let message: KioskMessage;
      try {
        message = parseKioskMessage(frame.value);
      } catch (err) {
        this.failWith(err);
        return;
      }
      this.opts.hooks.onMessage(this, message);
    }
  }

  private readonly onEnd = (): void => {
    // The peer closed its side: nothing more will come, and answers may not be read. Finish.
    if (this.state === 'closing' || this.closed) return;
    this.log.debug('peer ended the connection');
    this.beginClose();
  };

  private readonly onError = (err: Error): void => {
    this.log.debug({ err }, 'connection error');
  };

  private readonly onClose = (): void => {
    if (this.closed) return;
    this.closed = true;
    this.state = 'closing';
    this.out = '';
    if (this.graceHandle !== undefined) this.opts.timers.clearTimeout(this.graceHandle);
    this.graceHandle = undefined;
    this.duplex.off('drain', this.onDrain);
    try {
      this.opts.hooks.onClose(this);
    } catch (err) {
      this.log.error({ err }, 'unexpected error cleaning up a connection');
    }
    this.resolveDone();
  };
}
