import net from 'node:net';
import { voteFrame, type BenchClient } from './client.js';
import type { MqttClientOptions } from './mqtt-client.js';

/**
 * A minimal MQTT 3.1.1 publisher (CONNECT, PUBLISH QoS 1, PUBACK, PINGREQ) with the same economy
 * as the pivote bench client: one string/Buffer per message, send times in a ring by packet id.
 * mqtt.js costs its process several times more CPU per message than our pivote client does
 * (writev per packet, stores, timers), so on a small machine the load generator, not the broker,
 * limits an mqtt.js run. This client takes the client library out of the comparison.
 */

const PINGREQ = Buffer.from([0xc0, 0x00]);

function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

function utf8Field(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const out = Buffer.alloc(2 + b.length);
  out.writeUInt16BE(b.length, 0);
  b.copy(out, 2);
  return out;
}

export function connectPacket(clientId: string, keepaliveS: number): Buffer {
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, keepaliveS >> 8, keepaliveS & 0xff]);
  const payload = utf8Field(clientId);
  return Buffer.concat([Buffer.from([0x10, ...remainingLength(variable.length + payload.length)]), variable, payload]);
}

export function publishPacket(topic: Buffer, packetId: number, payload: string): Buffer {
  const body = Buffer.byteLength(payload);
  const len = topic.length + 2 + body;
  const header = remainingLength(len);
  const out = Buffer.allocUnsafe(1 + header.length + len);
  let o = 0;
  out[o++] = 0x32; // PUBLISH, QoS 1
  for (const b of header) out[o++] = b;
  o += topic.copy(out, o);
  out.writeUInt16BE(packetId, o);
  o += 2;
  out.write(payload, o, 'utf8');
  return out;
}

/** As for the mqtt.js client, without the module: this one speaks MQTT itself. */
export type LeanMqttOptions = Omit<MqttClientOptions, 'mqtt'>;

export class LeanMqttBenchClient implements BenchClient {
  readonly id: string;
  readonly index: number;
  readonly window: number;
  inflight = 0;
  open = false;
  private socket: net.Socket | null = null;
  private seq = 0;
  private packetId = 0;
  private readonly topic: Buffer;
  private readonly sentAt = new Float64Array(65_536);
  private pending: Buffer[] = [];
  private flushScheduled = false;
  private tail: Buffer | null = null;
  private nextPingAt = Infinity;
  private settle: ((err?: Error) => void) | null = null;

  constructor(private readonly opts: LeanMqttOptions) {
    this.id = opts.kioskId;
    this.index = opts.index;
    this.window = opts.window;
    this.topic = utf8Field(`pivote/votes/${opts.kioskId}`);
  }

  connect(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error('CONNACK timed out')), timeoutMs);
      this.settle = (err) => {
        clearTimeout(timer);
        this.settle = null;
        if (err) reject(err);
        else resolve();
      };
      const socket = net.createConnection({ host: this.opts.host, port: this.opts.port, noDelay: true });
      this.socket = socket;
      socket.on('connect', () => socket.write(connectPacket(this.id, this.opts.keepaliveS)));
      socket.on('data', this.onData);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        const wasOpen = this.open;
        this.open = false;
        this.settle?.(new Error('closed'));
        if (wasOpen) this.opts.hooks.onClose(this, 'closed');
      });
    });
  }

  sendVote(intendedAt: number): void {
    this.packetId = (this.packetId % 65_535) + 1; // 1..65535
    this.sentAt[this.packetId] = intendedAt;
    this.inflight++;
    this.push(publishPacket(this.topic, this.packetId, voteFrame(this.id, ++this.seq, this.opts.pollId)));
  }

  tick(now: number): void {
    if (!this.open || now < this.nextPingAt) return;
    this.nextPingAt = now + this.opts.keepaliveS * 1000 * 0.9;
    this.push(PINGREQ);
  }

  close(): void {
    this.socket?.destroy();
  }

  private fail(err: Error): void {
    this.settle?.(err);
    this.socket?.destroy();
  }

  private push(b: Buffer): void {
    this.pending.push(b);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const s = this.socket;
    if (s === null || s.destroyed || this.pending.length === 0) return;
    s.write(this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending));
    this.pending = [];
  };

  private readonly onData = (chunk: Buffer): void => {
    const buf = this.tail ? Buffer.concat([this.tail, chunk]) : chunk;
    this.tail = null;
    let o = 0;
    // Every packet we expect (CONNACK, PUBACK, PINGRESP) has a one-byte remaining length.
    while (buf.length - o >= 2) {
      const type = buf[o]! >> 4;
      const len = buf[o + 1]!;
      if (len > 127) {
        this.fail(new Error('unexpected large packet from broker'));
        return;
      }
      if (buf.length - o < 2 + len) break;
      if (type === 4 && len === 2) {
        const id = buf.readUInt16BE(o + 2);
        this.inflight--;
        this.opts.hooks.onAnswer(this, this.sentAt[id]!, true);
      } else if (type === 2) {
        if (buf[o + 3] !== 0) {
          this.fail(new Error(`CONNACK refused: ${buf[o + 3]}`));
          return;
        }
        this.open = true;
        this.nextPingAt = performance.now() + Math.random() * this.opts.keepaliveS * 900;
        this.settle?.();
      }
      o += 2 + len;
    }
    if (o < buf.length) this.tail = Buffer.from(buf.subarray(o));
  };
}
