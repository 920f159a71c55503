import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../kiosk-app/wait.js';
import { FaultProxy } from './fault-proxy.js';

/**
 * The proxy over real loopback sockets: a stand-in server that records what it receives and
 * writes frames on demand, and a client in the kiosk's place.
 */

interface Upstream {
  port: number;
  received: () => Buffer;
  /** The server side of the latest connection. */
  conn: () => Socket | undefined;
  closed: () => number;
  server: Server;
}

let cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function upstream(): Promise<Upstream> {
  const chunks: Buffer[] = [];
  const conns: Socket[] = [];
  let closed = 0;
  const server = createServer((s) => {
    conns.push(s);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => undefined);
    s.on('close', () => closed++);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => {
    for (const s of conns) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, received: () => Buffer.concat(chunks), conn: () => conns.at(-1), closed: () => closed, server };
}

async function proxyTo(port: number | undefined): Promise<{ proxy: FaultProxy; port: number }> {
  const proxy = new FaultProxy(port, { cutExpiryMs: 500 });
  const listening = await proxy.listen();
  cleanups.push(() => proxy.close());
  return { proxy, port: listening };
}

interface Kiosk {
  socket: Socket;
  received: () => Buffer;
  closed: () => boolean;
}

async function kiosk(port: number): Promise<Kiosk> {
  const socket = connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  let closed = false;
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  cleanups.push(() => void socket.destroy());
  return { socket, received: () => Buffer.concat(chunks), closed: () => closed };
}

const frame = (o: object): string => `${JSON.stringify(o)}\n`;

describe('FaultProxy', () => {
  it('forwards both directions untouched when no fault is armed', async () => {
    const up = await upstream();
    const { port } = await proxyTo(up.port);
    const k = await kiosk(port);
    k.socket.write('hello\n');
    await waitFor(() => up.received().toString() === 'hello\n', 'bytes at the server');
    up.conn()!.write(frame({ type: 'welcome' }) + frame({ type: 'ack', voteId: 'a' }));
    await waitFor(() => k.received().toString() === frame({ type: 'welcome' }) + frame({ type: 'ack', voteId: 'a' }), 'frames at the kiosk');
  });

  it('cuts kiosk -> server after exactly the armed number of bytes, mid-frame, and closes both sides', async () => {
    const up = await upstream();
    const { proxy, port } = await proxyTo(up.port);
    const k = await kiosk(port);
    k.socket.write('0123456789');
    await waitFor(() => up.received().length === 10, 'the first bytes');
    proxy.cutAfter('toServer', 7, false);
    k.socket.write('abcdefghijklmnop');
    await waitFor(() => k.closed() && up.closed() === 1, 'both sides closed');
    expect(up.received().toString()).toBe('0123456789abcdefg');
    expect(proxy.stats).toMatchObject({ cuts: 1, ackCuts: 0 });
  });

  it('cuts as an ack goes by: frames before it pass, a torn prefix of it passes, nothing after', async () => {
    const up = await upstream();
    const { proxy, port } = await proxyTo(up.port);
    const k = await kiosk(port);
    k.socket.write('x');
    await waitFor(() => up.conn() !== undefined && up.received().length === 1, 'connected upstream');
    proxy.cutAtNextAck(0.5, false);
    const poll = frame({ type: 'poll', poll: null });
    const ack = frame({ type: 'ack', voteId: 'v1', seq: 1, status: 'stored', flagged: false });
    up.conn()!.write(poll + ack + frame({ type: 'ack', voteId: 'v2' }));
    await waitFor(() => k.closed(), 'the kiosk side cut');
    expect(k.received().toString()).toBe(poll + ack.slice(0, Math.floor(ack.length * 0.5)));
    await waitFor(() => up.closed() === 1, 'the server side cut too');
    expect(proxy.stats.ackCuts).toBe(1);
  });

  it('an ack cut keeping nothing swallows the whole ack; an armed cut waits for the next connection', async () => {
    const up = await upstream();
    const { proxy, port } = await proxyTo(up.port);
    proxy.cutAtNextAck(0, true);
    const k = await kiosk(port);
    k.socket.write('x');
    await waitFor(() => up.conn() !== undefined, 'connected upstream');
    up.conn()!.write(frame({ type: 'ack', voteId: 'v1' }));
    await waitFor(() => k.closed(), 'the kiosk side cut');
    expect(k.received().length).toBe(0);
  });

  it('stalls both directions, then forwards everything held, in order', async () => {
    const up = await upstream();
    const { proxy, port } = await proxyTo(up.port);
    const k = await kiosk(port);
    k.socket.write('a');
    await waitFor(() => up.received().length === 1, 'connected');
    proxy.stall(400);
    const from = Date.now();
    k.socket.write('b');
    k.socket.write('c');
    up.conn()!.write(frame({ type: 'poll' }));
    await new Promise((r) => setTimeout(r, 200));
    expect(up.received().toString()).toBe('a');
    expect(k.received().length).toBe(0);
    await waitFor(() => up.received().toString() === 'abc' && k.received().length > 0, 'release after the stall');
    expect(Date.now() - from).toBeGreaterThanOrEqual(390);
  });

  it('adds latency while a delay lasts; clearFaults releases what is held and disarms cuts', async () => {
    const up = await upstream();
    const { proxy, port } = await proxyTo(up.port);
    const k = await kiosk(port);
    proxy.delay(300, 5000);
    const from = Date.now();
    k.socket.write('slow');
    await waitFor(() => up.received().toString() === 'slow', 'delayed bytes');
    expect(Date.now() - from).toBeGreaterThanOrEqual(290);
    proxy.cutAfter('toKiosk', 0, false);
    k.socket.write('held');
    proxy.clearFaults();
    await waitFor(() => up.received().toString() === 'slowheld', 'released at once');
    up.conn()!.write('ok\n');
    await waitFor(() => k.received().toString() === 'ok\n', 'no cut after clearFaults');
    expect(proxy.stats.cuts).toBe(0);
  });

  it('refuses connections while the server is down, and follows the server to its new port', async () => {
    const { proxy, port } = await proxyTo(undefined);
    const refused = await kiosk(port);
    await waitFor(() => refused.closed(), 'refused');
    expect(proxy.stats.refused).toBe(1);
    const up = await upstream();
    proxy.setTarget(up.port);
    const k = await kiosk(port);
    k.socket.write('back');
    await waitFor(() => up.received().toString() === 'back', 'forwarded to the new port');
  });

  it('an armed cut that sees no traffic expires', async () => {
    const up = await upstream();
    const { proxy, port } = await proxyTo(up.port);
    proxy.cutAfter('toServer', 0, false);
    await new Promise((r) => setTimeout(r, 600));
    const k = await kiosk(port);
    k.socket.write('late');
    await waitFor(() => up.received().toString() === 'late', 'forwarded');
    expect(k.closed()).toBe(false);
    expect(proxy.stats).toMatchObject({ cuts: 0, expired: 1 });
  });
});
