import { duplexPair, type Duplex } from 'node:stream';
import { verifyAuthMac, newNonce } from '../../src/protocol/auth.js';
import { encodeFrame, FrameDecoder } from '../../src/protocol/codec.js';
import {
  MAX_KIOSK_FRAME_BYTES,
  PROTOCOL_VERSION,
  type KioskMessage,
  type PollInfo,
  type ServerMessage,
} from '../../src/protocol/messages.js';
import { parseKioskMessage } from '../../src/protocol/validate.js';
import type { Connector } from '../../src/kiosk/connection/client.js';
import type { ServerAddress } from '../../src/kiosk/transport/server-address.js';

/**
 * A scripted stand-in for the pivote server over in-memory duplex pairs: each time the kiosk
 * connects, the test gets a FakeConnection and plays the server's part message by message.
 */

/** Lets stream callbacks (process.nextTick / microtasks) run; not affected by fake timers. */
export function flush(rounds = 3): Promise<void> {
  return (async () => {
    for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  })();
}

export class FakeConnection {
  readonly server: ServerAddress;
  readonly received: KioskMessage[] = [];
  private readonly side: Duplex;
  private readonly kioskSide: Duplex;
  private readonly decoder = new FrameDecoder(MAX_KIOSK_FRAME_BYTES);
  private readCursor = 0;
  private waiter: (() => void) | undefined;
  endedByKiosk = false;
  closed = false;

  constructor(server: ServerAddress, side: Duplex, kioskSide: Duplex) {
    this.server = server;
    this.side = side;
    this.kioskSide = kioskSide;
    side.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) {
        if (!frame.ok) throw frame.error;
        this.received.push(parseKioskMessage(frame.value));
      }
      this.waiter?.();
    });
    // Like a TCP server without allowHalfOpen: when the kiosk finishes, finish too.
    side.on('end', () => {
      this.endedByKiosk = true;
      side.end();
    });
    side.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    side.on('error', () => undefined);
  }

  /** The next message the kiosk sent that the test has not read yet. */
  async next(): Promise<KioskMessage> {
    for (let i = 0; i < 50; i++) {
      const message = this.received[this.readCursor];
      if (message !== undefined) {
        this.readCursor += 1;
        return message;
      }
      if (this.closed) throw new Error('connection closed while waiting for a message');
      await Promise.race([new Promise<void>((resolve) => (this.waiter = resolve)), flush(1)]);
    }
    throw new Error(`no message from the kiosk; got so far: ${JSON.stringify(this.received)}`);
  }

  async expect<T extends KioskMessage['type']>(type: T): Promise<Extract<KioskMessage, { type: T }>> {
    const message = await this.next();
    if (message.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(message)}`);
    return message as Extract<KioskMessage, { type: T }>;
  }

  /** Messages received and not read yet, without waiting. */
  unread(): KioskMessage[] {
    const out = this.received.slice(this.readCursor);
    this.readCursor = this.received.length;
    return out;
  }

  send(message: ServerMessage): void {
    this.side.write(encodeFrame(message));
  }

  sendRaw(text: string): void {
    this.side.write(text);
  }

  /** Sends an error frame and closes, as the real server does. */
  refuse(code: Extract<ServerMessage, { type: 'error' }>['code'], message = 'refused'): void {
    this.send({ type: 'error', code, message });
    this.side.end();
  }

  /** Half-closes politely (server shutdown). */
  end(): void {
    this.side.end();
  }

  /** The link dies abruptly (RST): both ends see an error. */
  reset(): void {
    this.side.destroy();
    this.kioskSide.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
  }

  /** Plays the server's half of the handshake, verifying the kiosk's MAC with `secret`. */
  async handshake(options: {
    secret: string;
    window?: number;
    heartbeatMs?: number;
    poll?: PollInfo | null;
  }): Promise<'welcomed' | 'refused'> {
    const hello = await this.expect('hello');
    if (hello.v !== PROTOCOL_VERSION) throw new Error(`kiosk sent protocol ${hello.v}`);
    const nonce = newNonce();
    this.send({ type: 'challenge', v: PROTOCOL_VERSION, nonce, serverTime: 1_700_000_000_000 });
    const auth = await this.expect('auth');
    if (!verifyAuthMac(options.secret, hello.kioskId, nonce, auth.mac)) {
      this.refuse('PV_AUTH_FAILED', 'bad mac');
      return 'refused';
    }
    this.send({
      type: 'welcome',
      kioskId: hello.kioskId,
      window: options.window ?? 16,
      heartbeatMs: options.heartbeatMs ?? 60_000,
      poll: options.poll ?? null,
      serverTime: 1_700_000_000_000,
    });
    return 'welcomed';
  }
}

export class FakeServer {
  readonly connections: FakeConnection[] = [];
  /** Attempts to these addresses fail like a refused TCP connect. */
  readonly down = new Set<string>();
  /** Every attempt, refused or not, in order. */
  readonly attempts: ServerAddress[] = [];

  readonly connect: Connector = (server) => {
    this.attempts.push(server);
    const [kioskSide, serverSide] = duplexPair();
    if (this.down.has(`${server.host}:${server.port}`)) {
      process.nextTick(() => kioskSide.destroy(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })));
      serverSide.destroy();
      return kioskSide;
    }
    this.connections.push(new FakeConnection(server, serverSide, kioskSide));
    return kioskSide;
  };

  /** The n-th accepted connection (0-based), waiting for it to appear. */
  async connection(n: number): Promise<FakeConnection> {
    for (let i = 0; i < 50; i++) {
      const conn = this.connections[n];
      if (conn) return conn;
      await flush(1);
    }
    throw new Error(`connection ${n} never came; ${this.connections.length} so far`);
  }

  closeAll(): void {
    for (const c of this.connections) if (!c.closed) c.reset();
  }
}
