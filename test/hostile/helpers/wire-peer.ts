import type { Duplex } from 'node:stream';
import { computeAuthMac } from '../../../src/protocol/auth.js';
import { FrameDecoder, encodeFrame } from '../../../src/protocol/codec.js';
import { MAX_SERVER_FRAME_BYTES, PROTOCOL_VERSION, type ServerMessage } from '../../../src/protocol/messages.js';
import { parseServerMessage } from '../../../src/protocol/validate.js';

/**
 * The kiosk end of any connection (in-memory pair, TCP, TLS) for hostile tests. Unlike TestKiosk
 * it never throws on what the server sends: it records every frame, and any it cannot decode or
 * validate, for the test to assert on afterwards.
 */
export class WirePeer {
  readonly received: ServerMessage[] = [];
  readonly badFrames: unknown[] = [];
  isEnded = false;
  readonly ended: Promise<void>;
  private readonly decoder = new FrameDecoder(MAX_SERVER_FRAME_BYTES);

  constructor(readonly kioskEnd: Duplex) {
    let resolveEnded!: () => void;
    this.ended = new Promise((r) => (resolveEnded = r));
    const onEnd = (): void => {
      this.isEnded = true;
      resolveEnded();
    };
    kioskEnd.on('data', this.onData);
    kioskEnd.on('end', onEnd);
    kioskEnd.on('close', onEnd);
    kioskEnd.on('error', () => {
      /* a reset is an outcome, asserted through `ended` */
    });
  }

  private readonly onData = (chunk: Buffer): void => {
    for (const frame of this.decoder.push(chunk)) {
      if (!frame.ok) {
        this.badFrames.push(frame.error);
        continue;
      }
      try {
        this.received.push(parseServerMessage(frame.value));
      } catch (err) {
        this.badFrames.push(err);
      }
    }
  };

  /** From now on the peer reads nothing: what the server sends backs up (its backpressure is tested). */
  stopReading(): void {
    this.kioskEnd.off('data', this.onData);
    this.kioskEnd.pause();
  }

  write(bytes: Buffer | string): void {
    if (!this.kioskEnd.destroyed && !this.kioskEnd.writableEnded) this.kioskEnd.write(bytes);
  }

  send(message: object): void {
    this.write(encodeFrame(message));
  }

  of<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.received.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }

  get errors(): Extract<ServerMessage, { type: 'error' }>[] {
    return this.of('error');
  }

  async hello(kioskId: string, timeoutMs?: number): Promise<string> {
    this.send({ type: 'hello', v: PROTOCOL_VERSION, kioskId, software: 'fuzz/1' });
    await until(() => this.of('challenge').length > 0 || this.isEnded, 'challenge', timeoutMs);
    const challenge = this.of('challenge')[0];
    if (!challenge) throw new Error(`no challenge: ${JSON.stringify(this.received)}`);
    return challenge.nonce;
  }

  async handshake(kioskId: string, secret: string, timeoutMs?: number): Promise<void> {
    const nonce = await this.hello(kioskId, timeoutMs);
    this.send({ type: 'auth', mac: computeAuthMac(secret, kioskId, nonce) });
    await until(() => this.of('welcome').length > 0 || this.isEnded, 'welcome', timeoutMs);
    if (this.of('welcome').length === 0) throw new Error(`not welcomed: ${JSON.stringify(this.received)}`);
  }

  close(): void {
    this.kioskEnd.destroy();
  }
}

/** Lets pending I/O callbacks, promise jobs and setImmediate work (the group committer) run. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Waits until `cond()` holds, giving the event loop turns; throws after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((r) => setTimeout(r, 1));
  }
}
