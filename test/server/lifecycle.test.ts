import { afterEach, describe, expect, it } from 'vitest';
import { MemoryVoteStore } from '../../src/store/memory/memory-store.js';
import type { NewVote, RecordOutcome, BurstPolicy } from '../../src/store/types.js';
import { LEVEL, startFixture, type Fixture } from './helpers/fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.teardown();
  f = undefined;
});

class GatedStore extends MemoryVoteStore {
  gates: (() => void)[] = [];
  held = true;
  override async recordVotes(batch: readonly NewVote[], burst: BurstPolicy): Promise<RecordOutcome[]> {
    if (this.held) await new Promise<void>((r) => this.gates.push(r));
    return super.recordVotes(batch, burst);
  }
  release(): void {
    this.held = false;
    for (const g of this.gates.splice(0)) g();
  }
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('one live connection per kiosk', () => {
  it('a second successful auth replaces the first (PV_REPLACED), and the kiosk stays online', async () => {
    f = await startFixture({ limits: { presencePromptMs: 1 } });
    const first = await f.kiosk('k1');
    const second = await f.kiosk('k1');
    await first.expectClosedWith('PV_REPLACED');
    expect(f.server.stats()).toMatchObject({ connections: 1, authenticated: 1 });
    second.send({ type: 'heartbeat', queued: 0 });
    await second.expect('heartbeat_ack');
    await f.server.presence.flush();
    expect((await f.store.getKiosk('k1'))?.connected).toBe(true);
  });

  it('a failed auth for the same id does not disturb the live connection', async () => {
    f = await startFixture();
    const live = await f.kiosk('k1');
    const impostor = f.connect();
    await impostor.hello('k1');
    impostor.send({ type: 'auth', mac: 'f'.repeat(64) });
    await impostor.expectClosedWith('PV_AUTH_FAILED');
    live.send({ type: 'heartbeat', queued: 0 });
    await live.expect('heartbeat_ack');
  });
});

describe('shutdown', () => {
  it('answers every accepted vote, then PV_SERVER_SHUTDOWN to all, and writes presence offline', async () => {
    const store = new GatedStore();
    f = await startFixture({ store });
    const pollId = (await store.getOpenPoll())!.id;
    const a = await f.kiosk('k1');
    const idle = await f.kiosk('k2');
    for (let i = 1; i <= 5; i++) a.vote(`v${i}`, i, pollId, 1);
    await until(() => store.gates.length === 1, 'the commit to start');
    const closing = f.server.close();
    // a vote sent after shutdown began is not read (the kiosk keeps it and resends elsewhere)
    a.vote('late', 6, pollId, 1);
    const refused = f.connect();
    await refused.expectClosedWith('PV_SERVER_SHUTDOWN');
    store.release();
    await closing;
    const got = a.received.slice(2).map((m) => m.type); // after challenge and welcome
    expect(got).toEqual(['ack', 'ack', 'ack', 'ack', 'ack', 'error']);
    expect(a.received.at(-1)).toMatchObject({ type: 'error', code: 'PV_SERVER_SHUTDOWN' });
    await a.ended;
    await idle.expectClosedWith('PV_SERVER_SHUTDOWN');
    expect((await store.listVotes()).map((v) => v.voteId)).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
    expect((await store.getKiosk('k1'))?.connected).toBe(false);
    expect((await store.getKiosk('k2'))?.connected).toBe(false);
    expect(f.server.stats()).toMatchObject({ connections: 0, authenticated: 0, pendingVotes: 0 });
    await expect(store.listKiosks()).resolves.toHaveLength(2); // the store is not closed
  });

  it('close() is idempotent', async () => {
    f = await startFixture();
    await f.kiosk('k1');
    const p1 = f.server.close();
    const p2 = f.server.close();
    expect(p2).toBe(p1);
    await p1;
  });
});

describe('write backpressure', () => {
  it('stops reading from a peer that does not read, and resumes when it does', async () => {
    f = await startFixture();
    const k = f.connect(256);
    await k.handshake('k1', f.secrets.get('k1')!);
    k.stream.pause();
    const n = 2_000;
    // Ten frames per event-loop turn, as a socket would deliver them (the in-memory pair would
    // otherwise hand the server all of them synchronously, before any answer is written).
    for (let q = 1; q <= n; q++) {
      k.send({ type: 'heartbeat', queued: q });
      if (q % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    await f.server.presence.flush();
    const seen = (await f.store.getKiosk('k1'))!.queued;
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(n / 4); // the server stopped reading long before the end
    k.stream.resume();
    for (let i = 0; i < n; i++) await k.expect('heartbeat_ack');
    await f.server.presence.flush();
    expect((await f.store.getKiosk('k1'))!.queued).toBe(n);
  });

  it('destroys a connection whose unread output exceeds the cap', async () => {
    f = await startFixture({ poll: null, limits: { maxPendingOutputBytes: 4_096, pollWatchMs: 3_600_000 } });
    const k = f.connect(256);
    await k.handshake('k1', f.secrets.get('k1')!);
    const other = await f.kiosk('k2');
    k.stream.pause();
    const long = (c: string): string => c.repeat(100);
    for (let i = 0; i < 20 && !k.isEnded; i++) {
      await f.store.openPoll(`Q${i}?`, [long('a'), long('b'), long('c'), long('d')], Date.now());
      await f.server.pollChanged();
      await f.store.closePoll(Date.now());
      await f.server.pollChanged();
    }
    await until(() => f!.server.stats().connections === 1, 'the slow reader to be dropped');
    expect(f.lines.some((l) => l.level === LEVEL.warn && l.msg.includes('not reading'))).toBe(true);
    expect(other.received.filter((m) => m.type === 'poll')).toHaveLength(40);
  });
});
