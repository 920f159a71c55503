import type { Duplex } from 'node:stream';
import { computeAuthMac } from '../../../src/protocol/auth.js';
import { FrameDecoder, encodeFrame } from '../../../src/protocol/codec.js';
import type { ErrorCode } from '../../../src/protocol/errors.js';
import { MAX_SERVER_FRAME_BYTES, PROTOCOL_VERSION, type ServerMessage, type WelcomeMessage } from '../../../src/protocol/messages.js';
import { parseServerMessage } from '../../../src/protocol/validate.js';

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/**
 * The kiosk side of a connection for tests: decodes every server frame with the real decoder and
 * validator (so a malformed server frame fails the test), and lets a test await the next one.
 */
export class TestKiosk {
  readonly received: ServerMessage[] = [];
  /** Resolves when the server's side of the stream has ended or the stream closed. */
  readonly ended: Promise<void>;
  isEnded = false;
  private cursor = 0;
  private readonly decoder = new FrameDecoder(MAX_SERVER_FRAME_BYTES);
  private waiter: (() => void) | null = null;
  /** A frame from the server that did not decode or validate: fails the next await. */
  private badFrame: Error | null = null;

  constructor(readonly stream: Duplex) {
    let resolveEnded!: () => void;
    this.ended = new Promise((r) => (resolveEnded = r));
    const onEnd = (): void => {
      this.isEnded = true;
      resolveEnded();
      this.wake();
    };
    stream.on('data', (chunk: Buffer) => {
      try {
        for (const frame of this.decoder.push(chunk)) {
          if (!frame.ok) throw frame.error;
          this.received.push(parseServerMessage(frame.value));
        }
      } catch (err) {
        this.badFrame = err as Error;
      }
      this.wake();
    });
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', () => {
      /* a reset by the server is an outcome tests assert on, not a crash */
    });
  }

  send(message: object): void {
    this.stream.write(encodeFrame(message));
  }

  sendRaw(data: string | Buffer): void {
    this.stream.write(data);
  }

  /** The next message not yet taken; rejects if the stream ends first. */
  async next(): Promise<ServerMessage> {
    for (let i = 0; i < 10_000; i++) {
      if (this.badFrame) throw this.badFrame;
      const m = this.received[this.cursor];
      if (m !== undefined) {
        this.cursor++;
        return m;
      }
      if (this.isEnded) throw new Error('stream ended before the next message');
      await new Promise<void>((r) => (this.waiter = r));
    }
    throw new Error('too many wake-ups without a message');
  }

  async expect<T extends ServerMessage['type']>(type: T): Promise<Of<T>> {
    const m = await this.next();
    if (m.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(m)}`);
    return m as Of<T>;
  }

  /** Next message must be an error with this code, and the server must then close the stream. */
  async expectClosedWith(code: ErrorCode): Promise<void> {
    const m = await this.expect('error');
    if (m.code !== code) throw new Error(`expected error ${code}, got ${m.code} (${m.message})`);
    await this.ended;
  }

  async hello(kioskId: string, v = PROTOCOL_VERSION): Promise<Of<'challenge'>> {
    this.send({ type: 'hello', v, kioskId, software: 'test/1' });
    return this.expect('challenge');
  }

  async handshake(kioskId: string, secret: string): Promise<WelcomeMessage> {
    const challenge = await this.hello(kioskId);
    this.send({ type: 'auth', mac: computeAuthMac(secret, kioskId, challenge.nonce) });
    return this.expect('welcome');
  }

  vote(voteId: string, seq: number, pollId: number | null, button: number, ageMs: number | null = 0): void {
    this.send({ type: 'vote', voteId, seq, pollId, button, ageMs });
  }

  /** Messages received but not yet taken with next(). */
  get unread(): ServerMessage[] {
    return this.received.slice(this.cursor);
  }

  close(): void {
    this.stream.destroy();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}
