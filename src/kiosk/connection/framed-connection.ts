import type { Duplex } from 'node:stream';
import { encodeFrame, FrameDecoder } from '../../protocol/codec.js';
import { PivoteError, isPivoteError } from '../../protocol/errors.js';
import { MAX_SERVER_FRAME_BYTES, type KioskMessage, type ServerMessage } from '../../protocol/messages.js';
import { parseServerMessage } from '../../protocol/validate.js';
import type { TimerHandle, Timers } from '../clock/timers.js';

/**
 * One duplex stream to the server, seen as validated messages in and out. It knows nothing about
 * the handshake or votes, and works on any Duplex (TCP, TLS, an in-memory pair in tests).
 */

export interface ConnectionHandlers {
  onMessage(message: ServerMessage): void;
  /** The server sent something we cannot read; the connection is being closed. */
  onProtocolError(error: PivoteError): void;
  /** Called exactly once, when the stream is gone for whatever reason. */
  onClose(error: Error | undefined): void;
}

/** How long `close()` waits for the peer to take our FIN before tearing the stream down. */
export const CLOSE_GRACE_MS = 1000;

export class FramedConnection {
  private readonly stream: Duplex;
  private readonly handlers: ConnectionHandlers;
  private readonly timers: Timers;
  private readonly decoder = new FrameDecoder(MAX_SERVER_FRAME_BYTES);
  private closing = false;
  private closed = false;
  private lastError: Error | undefined;
  private graceTimer: TimerHandle | undefined;

  constructor(stream: Duplex, handlers: ConnectionHandlers, timers: Timers) {
    this.stream = stream;
    this.handlers = handlers;
    this.timers = timers;
    stream.on('data', (chunk: Buffer | string) => this.onData(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    // The server half-closed: there is nothing more to read, so finish our side too.
    stream.on('end', () => this.stream.destroy());
    stream.on('error', (err: Error) => {
      this.lastError ??= err;
    });
    stream.on('close', () => this.onStreamClose());
  }

  get isOpen(): boolean {
    return !this.closing && !this.closed;
  }

  /** Queues one frame. Returns false when the stream's buffer is full (the window bounds it). */
  send(message: KioskMessage): boolean {
    if (!this.isOpen) return false;
    return this.stream.write(encodeFrame(message));
  }

  /** Half-closes politely; destroys the stream if the peer does not finish within the grace. */
  close(graceMs = CLOSE_GRACE_MS): void {
    if (this.closing || this.closed) return;
    this.closing = true;
    if (graceMs <= 0 || this.stream.destroyed) {
      this.stream.destroy();
      return;
    }
    this.stream.end();
    this.graceTimer = this.timers.setTimeout(() => this.stream.destroy(), graceMs);
  }

  /** Tears the stream down at once. */
  destroy(error?: Error): void {
    if (error) this.lastError ??= error;
    this.closing = true;
    this.stream.destroy();
  }

  private onData(chunk: Buffer): void {
    if (!this.isOpen) return;
    for (const frame of this.decoder.push(chunk)) {
      // A handler may close the connection; frames after that are not delivered.
      if (!this.isOpen) return;
      if (!frame.ok) {
        this.protocolError(frame.error);
        return;
      }
      let message: ServerMessage;
      try {
        message = parseServerMessage(frame.value);
      } catch (err) {
        this.protocolError(isPivoteError(err) ? err : new PivoteError('PV_BAD_MESSAGE', String(err)));
        return;
      }
      this.handlers.onMessage(message);
    }
  }

  private protocolError(error: PivoteError): void {
    this.destroy(error);
    this.handlers.onProtocolError(error);
  }

  private onStreamClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.graceTimer !== undefined) this.timers.clearTimeout(this.graceTimer);
    this.handlers.onClose(this.lastError);
  }
}
