import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { newNonce, verifyAuthMac } from '../../src/protocol/auth.js';
import { encodeFrame, FrameDecoder } from '../../src/protocol/codec.js';
import { MAX_KIOSK_FRAME_BYTES, PROTOCOL_VERSION, type KioskMessage } from '../../src/protocol/messages.js';
import { parseKioskMessage } from '../../src/protocol/validate.js';
import { KioskClient } from '../../src/kiosk/connection/client.js';
import { createSystemClock } from '../../src/kiosk/clock/clock.js';
import { tcpConnector } from '../../src/kiosk/transport/connectors.js';
import { Outbox } from '../../src/kiosk/outbox/outbox.js';

/** The client over real loopback TCP, against a minimal server that acks every vote. */

const SECRET = 'tcp-secret';
let server: Server | undefined;
let client: KioskClient | undefined;
let outbox: Outbox | undefined;
const sockets = new Set<Socket>();

afterEach(async () => {
  await client?.stop();
  for (const s of sockets) s.destroy();
  sockets.clear();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  outbox?.close();
  server = client = outbox = undefined;
});

function startServer(onVote: (m: Extract<KioskMessage, { type: 'vote' }>) => void): Promise<number> {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const decoder = new FrameDecoder(MAX_KIOSK_FRAME_BYTES);
    const nonce = newNonce();
    let kioskId = '';
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk)) {
        if (!frame.ok) {
          socket.destroy();
          return;
        }
        const m = parseKioskMessage(frame.value);
        if (m.type === 'hello') {
          kioskId = m.kioskId;
          socket.write(encodeFrame({ type: 'challenge', v: PROTOCOL_VERSION, nonce, serverTime: Date.now() }));
        } else if (m.type === 'auth') {
          if (!verifyAuthMac(SECRET, kioskId, nonce, m.mac)) {
            socket.end(encodeFrame({ type: 'error', code: 'PV_AUTH_FAILED', message: 'no' }));
            return;
          }
          socket.write(encodeFrame({ type: 'welcome', kioskId, window: 4, heartbeatMs: 30_000, poll: null, serverTime: Date.now() }));
        } else if (m.type === 'vote') {
          onVote(m);
          socket.write(encodeFrame({ type: 'ack', voteId: m.voteId, seq: m.seq, status: 'stored', flagged: false }));
        } else if (m.type === 'heartbeat') {
          socket.write(encodeFrame({ type: 'heartbeat_ack', serverTime: Date.now() }));
        }
      }
    });
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => server!.listen(0, '127.0.0.1', () => resolve((server!.address() as AddressInfo).port)));
}

describe('KioskClient over loopback TCP', () => {
  it('delivers queued votes and records the acks', async () => {
    const received: number[] = [];
    const port = await startServer((v) => received.push(v.seq));
    const clock = createSystemClock();
    outbox = new Outbox(':memory:');
    for (let b = 1; b <= 6; b++) outbox.append({ button: (b % 3) + 1, pollId: 1, pressedMonoMs: clock.nowMs(), bootId: clock.bootId });

    client = new KioskClient({
      servers: [{ host: '127.0.0.1', port }],
      connect: tcpConnector(),
      identity: { kioskId: 'tcp-1', secret: SECRET, software: 'pivote/test' },
      queue: outbox,
      clock,
    });
    const allAcked = new Promise<void>((resolve) => {
      let n = 0;
      client!.on('acked', () => {
        if (++n === 6) resolve();
      });
    });
    client.start();
    await allAcked;
    expect(received).toEqual([1, 2, 3, 4, 5, 6]);
    expect(outbox.pendingCount()).toBe(0);
    expect(client.status).toBe('online');
  });

  it('reports offline when nothing listens, and keeps trying', async () => {
    const port = await startServer(() => undefined);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    outbox = new Outbox(':memory:');
    client = new KioskClient({
      servers: [{ host: '127.0.0.1', port }],
      connect: tcpConnector(),
      identity: { kioskId: 'tcp-2', secret: SECRET, software: 'pivote/test' },
      queue: outbox,
      clock: createSystemClock(),
      backoff: { baseMs: 20, capMs: 40 },
    });
    const statuses: string[] = [];
    const twoFailures = new Promise<void>((resolve) => {
      client!.on('status', (s) => {
        statuses.push(s);
        if (statuses.filter((x) => x === 'offline').length === 2) resolve();
      });
    });
    client.start();
    await twoFailures;
    expect(statuses.slice(0, 4)).toEqual(['connecting', 'offline', 'connecting', 'offline']);
  });
});
