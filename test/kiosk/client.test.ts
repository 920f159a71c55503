import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ErrorCode } from '../../src/protocol/errors.js';
import type { PollInfo } from '../../src/protocol/messages.js';
import { KioskClient, type ConnectionStatus, type KioskClientOptions } from '../../src/kiosk/connection/client.js';
import type { KioskClock } from '../../src/kiosk/clock/clock.js';
import { Outbox } from '../../src/kiosk/outbox/outbox.js';
import { FakeServer, flush } from './fake-server.js';

const SECRET = 'kiosk-secret-for-tests';
const poll: PollInfo = { id: 4, question: 'Lunch?', options: ['soup', 'salad', 'pie'], openedAt: 1 };

let server: FakeServer;
let outbox: Outbox;
let client: KioskClient | undefined;
let statuses: ConnectionStatus[];
const clock: KioskClock = { nowMs: () => Date.now(), bootId: 'boot-test' };

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now: 1_000_000 });
  server = new FakeServer();
  outbox = new Outbox(':memory:');
  statuses = [];
});

afterEach(async () => {
  if (client) {
    const stopping = client.stop();
    server.closeAll();
    await vi.advanceTimersByTimeAsync(2000);
    await stopping;
  }
  client = undefined;
  outbox.close();
  vi.useRealTimers();
});

function startClient(options: Partial<KioskClientOptions> = {}): KioskClient {
  client = new KioskClient({
    servers: [{ host: 'tally', port: 7700 }],
    connect: server.connect,
    identity: { kioskId: 'hall-1', secret: SECRET, software: 'pivote/test' },
    queue: outbox,
    clock,
    // Middle of the jitter range, so delays are predictable: ceiling / 2.
    backoff: { baseMs: 500, capMs: 30_000, random: () => 0.5 },
    slowBackoff: { baseMs: 30_000, capMs: 300_000, minMs: 15_000, random: () => 0 },
    ...options,
  });
  client.on('status', (s) => statuses.push(s));
  client.start();
  return client;
}

function press(button: number, ageMs = 0) {
  return outbox.append({ button, pollId: poll.id, pressedMonoMs: clock.nowMs() - ageMs, bootId: clock.bootId });
}

describe('KioskClient', () => {
  it('authenticates with a MAC the server verifies, goes online and applies the welcome poll', async () => {
    const c = startClient();
    const polls: (PollInfo | null)[] = [];
    c.on('poll', (p) => polls.push(p));
    const conn = await server.connection(0);
    expect(await conn.handshake({ secret: SECRET, poll })).toBe('welcomed');
    await flush();
    expect(statuses).toEqual(['connecting', 'online']);
    expect(c.status).toBe('online');
    expect(polls).toEqual([poll]);
    expect(c.poll).toEqual(poll);
  });

  it('says in hello how many buttons it has, and leaves the field out when not told (as older kiosks do)', async () => {
    startClient({ identity: { kioskId: 'hall-1', secret: SECRET, software: 'pivote/test', buttons: 3 } });
    expect(await (await server.connection(0)).expect('hello')).toEqual({ type: 'hello', v: 1, kioskId: 'hall-1', software: 'pivote/test', buttons: 3 });
    await client!.stop();
    startClient();
    expect(await (await server.connection(1)).expect('hello')).toEqual({ type: 'hello', v: 1, kioskId: 'hall-1', software: 'pivote/test' });
  });

  it('sends pending votes in seq order with their age, and new ones as they are appended', async () => {
    const a = press(1, 5000);
    const b = press(2, 3000);
    const c = startClient();
    const conn = await server.connection(0);
    await conn.handshake({ secret: SECRET });
    await conn.expect('heartbeat');
    expect(await conn.expect('vote')).toEqual({ type: 'vote', voteId: a.voteId, seq: 1, pollId: 4, button: 1, ageMs: 5000 });
    expect(await conn.expect('vote')).toMatchObject({ voteId: b.voteId, seq: 2, ageMs: 3000 });
    await vi.advanceTimersByTimeAsync(700);
    const n = press(3);
    c.voteAppended();
    expect(await conn.expect('vote')).toMatchObject({ voteId: n.voteId, seq: 3, button: 3, ageMs: 0 });
  });

  it('sends a vote stored during another boot with ageMs null', async () => {
    outbox.append({ button: 1, pollId: 4, pressedMonoMs: 10, bootId: 'boot-before-power-cut' });
    startClient();
    const conn = await server.connection(0);
    await conn.handshake({ secret: SECRET });
    await conn.expect('heartbeat');
    expect(await conn.expect('vote')).toMatchObject({ seq: 1, ageMs: null });
  });

  it('on ack marks the vote acked and emits acked; on reject marks it rejected and emits rejected', async () => {
    const a = press(1);
    const b = press(2);
    const c = startClient();
    const acked: [string, string, boolean][] = [];
    const rejected: [string, ErrorCode][] = [];
    c.on('acked', (...args) => acked.push(args));
    c.on('rejected', (...args) => rejected.push(args));
    const conn = await server.connection(0);
    await conn.handshake({ secret: SECRET });
    await conn.expect('heartbeat');
    await conn.expect('vote');
    await conn.expect('vote');
    conn.send({ type: 'ack', voteId: a.voteId, seq: 1, status: 'stored', flagged: true });
    conn.send({ type: 'reject', voteId: b.voteId, seq: 2, code: 'PV_POLL_CLOSED', message: 'closed' });
    await flush();
    expect(acked).toEqual([[a.voteId, 'stored', true]]);
    expect(rejected).toEqual([[b.voteId, 'PV_POLL_CLOSED']]);
    expect(outbox.get(a.voteId)).toMatchObject({ state: 'acked', outcome: 'stored', flagged: true });
    expect(outbox.get(b.voteId)).toMatchObject({ state: 'rejected', outcome: 'PV_POLL_CLOSED' });
    expect(outbox.pendingCount()).toBe(0);
  });

  it('after a reconnect resends every unacknowledged vote in seq order, and only those', async () => {
    const votes = [press(1), press(2), press(3), press(1)];
    startClient();
    const first = await server.connection(0);
    await first.handshake({ secret: SECRET });
    await first.expect('heartbeat');
    for (let i = 0; i < 4; i++) await first.expect('vote');
    first.send({ type: 'ack', voteId: votes[1]!.voteId, seq: 2, status: 'stored', flagged: false });
    await flush();
    first.reset();
    await flush();
    expect(statuses.at(-1)).toBe('offline');

    await vi.advanceTimersByTimeAsync(250); // first retry: half of the 500 ms ceiling
    const second = await server.connection(1);
    await second.handshake({ secret: SECRET });
    await second.expect('heartbeat');
    const resent = [await second.expect('vote'), await second.expect('vote'), await second.expect('vote')];
    expect(resent.map((v) => v.seq)).toEqual([1, 3, 4]);
    expect(resent.map((v) => v.voteId)).toEqual([votes[0]!.voteId, votes[2]!.voteId, votes[3]!.voteId]);
    await flush();
    expect(second.unread()).toEqual([]);
  });

  it('keeps at most welcome.window votes in flight, sending more as acks come back', async () => {
    const votes = Array.from({ length: 5 }, (_, i) => press((i % 3) + 1));
    startClient();
    const conn = await server.connection(0);
    await conn.handshake({ secret: SECRET, window: 2 });
    await conn.expect('heartbeat');
    expect((await conn.expect('vote')).seq).toBe(1);
    expect((await conn.expect('vote')).seq).toBe(2);
    await flush();
    expect(conn.unread()).toEqual([]);
    conn.send({ type: 'ack', voteId: votes[0]!.voteId, seq: 1, status: 'stored', flagged: false });
    expect((await conn.expect('vote')).seq).toBe(3);
    await flush();
    expect(conn.unread()).toEqual([]);
    conn.send({ type: 'reject', voteId: votes[2]!.voteId, seq: 3, code: 'PV_BAD_BUTTON', message: 'no' });
    expect((await conn.expect('vote')).seq).toBe(4);
    await flush();
    expect(conn.unread()).toEqual([]);
  });

  it('applies its own in-flight cap when the server offers a larger window', async () => {
    for (let i = 0; i < 6; i++) press(1);
    startClient({ maxInFlight: 3 });
    const conn = await server.connection(0);
    await conn.handshake({ secret: SECRET, window: 100 });
    await flush();
    expect(conn.unread().filter((m) => m.type === 'vote').map((m) => m.type === 'vote' && m.seq)).toEqual([1, 2, 3]);
  });

  it('sends heartbeats every heartbeatMs with the outbox queue depth', async () => {
    press(1);
    press(2);
    const c = startClient();
    const conn = await server.connection(0);
    await conn.handshake({ secret: SECRET, heartbeatMs: 1000 });
    expect(await conn.expect('heartbeat')).toEqual({ type: 'heartbeat', queued: 2 });
    await conn.expect('vote');
    await conn.expect('vote');
    conn.send({ type: 'heartbeat_ack', serverTime: 1 });
    press(3);
    c.voteAppended();
    await conn.expect('vote');
    await vi.advanceTimersByTimeAsync(999);
    expect(conn.unread()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await conn.expect('heartbeat')).toEqual({ type: 'heartbeat', queued: 3 });
  });

  it('applies a pushed poll at once', async () => {
    const c = startClient();
    const polls: (PollInfo | null)[] = [];
    c.on('poll', (p) => polls.push(p));
    const conn = await server.connection(0);
    await conn.handshake({ secret: SECRET, poll: null });
    await flush();
    conn.send({ type: 'poll', poll });
    await flush();
    conn.send({ type: 'poll', poll: null });
    await flush();
    expect(polls).toEqual([null, poll, null]);
    expect(c.poll).toBeNull();
  });

  it('treats a server silent for 3 x heartbeatMs as dead and reconnects after a backoff', async () => {
    startClient();
    const conn = await server.connection(0);
    await conn.handshake({ secret: SECRET, heartbeatMs: 1000 });
    await flush();
    expect(statuses).toEqual(['connecting', 'online']);
    // The server answers nothing more, not even heartbeats.
    await vi.advanceTimersByTimeAsync(2999);
    expect(conn.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(conn.endedByKiosk).toBe(true);
    expect(statuses.at(-1)).toBe('offline');
    await vi.advanceTimersByTimeAsync(249);
    expect(server.connections).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const again = await server.connection(1);
    expect(statuses.at(-1)).toBe('connecting');
    expect(await again.handshake({ secret: SECRET })).toBe('welcomed');
  });

  it('a server that answers heartbeats is not considered silent', async () => {
    startClient();
    const conn = await server.connection(0);
    await conn.handshake({ secret: SECRET, heartbeatMs: 1000 });
    for (let i = 0; i < 10; i++) {
      await conn.expect('heartbeat');
      conn.send({ type: 'heartbeat_ack', serverTime: i });
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(conn.closed).toBe(false);
    expect(server.connections).toHaveLength(1);
  });

  it('backs off exponentially while the server stays down, and resets after a welcome', async () => {
    server.down.add('tally:7700');
    startClient();
    await flush();
    expect(server.attempts).toHaveLength(1);
    // Ceilings 500, 1000, 2000, 4000 with random 0.5: retries after 250, 500, 1000, 2000 ms.
    for (const delay of [250, 500, 1000, 2000]) {
      const before = server.attempts.length;
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(server.attempts).toHaveLength(before);
      await vi.advanceTimersByTimeAsync(1);
      await flush();
      expect(server.attempts).toHaveLength(before + 1);
    }
    server.down.clear();
    await vi.advanceTimersByTimeAsync(4000);
    const conn = await server.connection(0);
    await conn.handshake({ secret: SECRET });
    await flush();
    conn.end();
    await flush();
    const before = server.attempts.length;
    await vi.advanceTimersByTimeAsync(250);
    expect(server.attempts).toHaveLength(before + 1);
  });

  it('fails over to the next server when one refuses connections', async () => {
    server.down.add('primary:7700');
    startClient({ servers: [{ host: 'primary', port: 7700 }, { host: 'backup', port: 7701 }] });
    await flush();
    await vi.advanceTimersByTimeAsync(250);
    const conn = await server.connection(0);
    expect(conn.server).toEqual({ host: 'backup', port: 7701 });
    expect(server.attempts.map((a) => a.host)).toEqual(['primary', 'backup']);
    await conn.handshake({ secret: SECRET });
    await flush();
    expect(client?.status).toBe('online');
  });

  it('on PV_AUTH_FAILED shows error and keeps retrying slowly until the secret is fixed', async () => {
    startClient({ identity: { kioskId: 'hall-1', secret: 'wrong', software: 'pivote/test' } });
    const first = await server.connection(0);
    expect(await first.handshake({ secret: SECRET })).toBe('refused');
    await flush();
    expect(statuses).toEqual(['connecting', 'error']);
    // Slow backoff: at least 15 s, nothing before.
    await vi.advanceTimersByTimeAsync(14_999);
    expect(server.connections).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const second = await server.connection(1);
    expect(await second.handshake({ secret: SECRET })).toBe('refused');
    await flush();
    // Still error through the retry (no flicker to "connecting"), and still slow.
    expect(statuses).toEqual(['connecting', 'error']);
    await vi.advanceTimersByTimeAsync(14_999);
    expect(server.connections).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    // The organiser re-registers the kiosk with the secret it has.
    const third = await server.connection(2);
    expect(await third.handshake({ secret: 'wrong' })).toBe('welcomed');
    await flush();
    expect(statuses).toEqual(['connecting', 'error', 'online']);
  });

  it('on PV_KIOSK_REVOKED after welcome shows error and retries slowly', async () => {
    startClient();
    const conn = await server.connection(0);
    await conn.handshake({ secret: SECRET });
    await flush();
    conn.refuse('PV_KIOSK_REVOKED', 'revoked');
    await flush();
    expect(statuses).toEqual(['connecting', 'online', 'error']);
    await vi.advanceTimersByTimeAsync(14_999);
    expect(server.connections).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await server.connection(1);
  });

  it('on PV_SERVER_SHUTDOWN goes offline and reconnects quickly', async () => {
    startClient();
    const conn = await server.connection(0);
    await conn.handshake({ secret: SECRET });
    await flush();
    conn.refuse('PV_SERVER_SHUTDOWN', 'bye');
    await flush();
    expect(statuses.at(-1)).toBe('offline');
    await vi.advanceTimersByTimeAsync(250);
    await server.connection(1);
  });

  it('gives up on a handshake that does not finish in time and tries again', async () => {
    startClient({ handshakeTimeoutMs: 5000 });
    const conn = await server.connection(0);
    await conn.expect('hello'); // and never answer
    await vi.advanceTimersByTimeAsync(5000);
    await flush();
    expect(conn.endedByKiosk).toBe(true);
    expect(statuses).toEqual(['connecting', 'offline']);
    await vi.advanceTimersByTimeAsync(250);
    await server.connection(1);
  });

  it('drops a connection whose server sends garbage, and reconnects', async () => {
    startClient();
    const conn = await server.connection(0);
    await conn.handshake({ secret: SECRET });
    await flush();
    conn.sendRaw('this is not json\n');
    await flush();
    expect(statuses.at(-1)).toBe('offline');
    await vi.advanceTimersByTimeAsync(250);
    await server.connection(1);
  });

  it('stop() closes the connection cleanly and never reconnects', async () => {
    const c = startClient();
    const conn = await server.connection(0);
    await conn.handshake({ secret: SECRET });
    await flush();
    await c.stop();
    expect(conn.endedByKiosk).toBe(true);
    expect(conn.closed).toBe(true);
    expect(c.status).toBe('offline');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(server.attempts).toHaveLength(1);
    client = undefined;
  });

  it('stop() during a backoff wait cancels the pending attempt', async () => {
    server.down.add('tally:7700');
    const c = startClient();
    await flush();
    await c.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(server.attempts).toHaveLength(1);
    client = undefined;
  });
});
