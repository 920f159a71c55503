import net from 'node:net';
import { computeAuthMac } from '../../src/protocol/auth.js';
import { MAX_SERVER_FRAME_BYTES, PROTOCOL_VERSION } from '../../src/protocol/messages.js';
import { voteFrame, type BenchClient, type ClientHooks } from './client.js';
import { AnswerReader } from './answer-reader.js';

export interface PivoteClientOptions {
  index: number;
  kioskId: string;
  secret: string;
  host: string;
  port: number;
  pollId: number;
  window: number;
  hooks: ClientHooks;
}

interface Frame {
  type?: unknown;
  seq?: unknown;
  nonce?: unknown;
  window?: unknown;
  heartbeatMs?: unknown;
  code?: unknown;
}

/**
 * One kiosk speaking the real protocol over TCP (hello, challenge, HMAC auth, welcome, votes,
 * heartbeats), kept lean so one process can hold 10,000 and answer ~100,000 acks/s: no
 * per-vote objects, send times in a ring indexed by seq (acks on one connection come in commit
 * order, at most `window` apart). Bytes are read into one buffer shared by every connection of
 * the process (`onread`: no Buffer and no stream event per read), acks are recognised without
 * JSON.parse, and everything a read brings about leaves in one write.
 */

/** Every connection of the process reads into this; each read is consumed before the next. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export class PivoteBenchClient implements BenchClient {
  readonly id: string;
  readonly index: number;
  inflight = 0;
  window: number;
  open = false;

  private socket: net.Socket | null = null;
  private readonly reader = new AnswerReader(MAX_SERVER_FRAME_BYTES);
  private seq = 0;
  private readonly sentAt: Float64Array;
  private readonly mask: number;
  private out = '';
  /** Inside a read: writes are gathered and leave together when it is processed. */
  private reading = false;
  private heartbeatMs = 15_000;
  private nextHeartbeatAt = Infinity;
  private heartbeatSentAt = -1;
  private closeReason = 'closed';
  private settle: ((err?: Error) => void) | null = null;

  constructor(private readonly opts: PivoteClientOptions) {
    this.id = opts.kioskId;
    this.index = opts.index;
    this.window = opts.window;
    let size = 1;
    while (size < opts.window * 2) size <<= 1;
    this.sentAt = new Float64Array(size);
    this.mask = size - 1;
  }

  connect(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error('handshake timed out')), timeoutMs);
      this.settle = (err) => {
        clearTimeout(timer);
        this.settle = null;
        if (err) reject(err);
        else resolve();
      };
      const socket = net.createConnection({ host: this.opts.host, port: this.opts.port, noDelay: true, onread: { buffer: READ_BUFFER, callback: this.onRead } });
      this.socket = socket;
      socket.on('connect', () => {
        this.write(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, kioskId: this.id, software: 'pivote-bench' }) + '\n');
      });
      socket.on('error', (err) => {
        this.closeReason = (err as NodeJS.ErrnoException).code ?? err.message;
      });
      socket.on('close', this.onClose);
    });
  }

  sendVote(intendedAt: number): void {
    const seq = ++this.seq;
    this.sentAt[seq & this.mask] = intendedAt;
    this.inflight++;
    this.write(voteFrame(this.id, seq, this.opts.pollId));
  }

  tick(now: number): void {
    if (!this.open || now < this.nextHeartbeatAt) return;
    this.nextHeartbeatAt = now + this.heartbeatMs * 0.9;
    if (this.heartbeatSentAt >= 0) return; // the last one is still unanswered
    this.heartbeatSentAt = now;
    this.write(`{"type":"heartbeat","queued":${this.inflight}}\n`);
  }

  close(): void {
    this.socket?.destroy();
  }

  private fail(err: Error): void {
    this.closeReason = err.message;
    this.settle?.(err);
    this.socket?.destroy();
  }

  private write(text: string): void {
    if (this.reading) {
      this.out += text;
      return;
    }
    const s = this.socket;
    if (s !== null && !s.destroyed) s.write(text);
  }

  private readonly onRead = (nread: number, buf: Uint8Array): boolean => {
    this.reading = true;
    try {
      const err = this.reader.push(buf as Buffer, nread, this.onAnswerSeq, this.onOther);
      if (err !== null) this.fail(new Error(`bad frame from server: ${err}`));
    } finally {
      this.reading = false;
    }
    if (this.out.length > 0) {
      const text = this.out;
      this.out = '';
      this.write(text);
    }
    return true;
  };

  private readonly onAnswerSeq = (seq: number, ok: boolean): void => {
    this.inflight--;
    this.opts.hooks.onAnswer(this, this.sentAt[seq & this.mask]!, ok);
  };

  private readonly onOther = (m: unknown): void => this.onFrame(m as Frame);

  private onFrame(m: Frame): void {
    switch (m.type) {
      case 'ack':
      case 'reject':
        this.onAnswerSeq(m.seq as number, m.type === 'ack');
        return;
      case 'heartbeat_ack': {
        const now = performance.now();
        if (this.heartbeatSentAt >= 0) this.opts.hooks.onHeartbeatRtt(now - this.heartbeatSentAt);
        this.heartbeatSentAt = -1;
        return;
      }
      case 'challenge':
        this.write(JSON.stringify({ type: 'auth', mac: computeAuthMac(this.opts.secret, this.id, String(m.nonce)) }) + '\n');
        return;
      case 'welcome': {
        this.window = Math.min(this.window, Number(m.window));
        this.heartbeatMs = Number(m.heartbeatMs);
        // Spread the fleet's heartbeats over one interval instead of all at once.
        this.nextHeartbeatAt = performance.now() + Math.random() * this.heartbeatMs * 0.9;
        this.open = true;
        this.settle?.();
        return;
      }
      case 'error':
        this.closeReason = String(m.code);
        return;
      default:
        return; // poll pushes: nothing to do
    }
  }

  private readonly onClose = (): void => {
    const wasOpen = this.open;
    this.open = false;
    this.settle?.(new Error(this.closeReason));
    if (wasOpen) this.opts.hooks.onClose(this, this.closeReason);
  };
}
