import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { computeAuthMac } from '../../src/protocol/auth.js';
import { DEFAULT_LIMITS } from '../../src/server/limits.js';
import { MemoryVoteStore } from '../../src/store/memory/memory-store.js';
import type { PresenceUpdate } from '../../src/store/types.js';
import { startFixture, type Fixture } from './helpers/fixture.js';

const FAKE = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] as const;

let f: Fixture | undefined;
beforeEach(() => {
  vi.useFakeTimers({ toFake: [...FAKE] });
});
afterEach(async () => {
  vi.useRealTimers();
  await f?.teardown();
  f = undefined;
});

describe('poll push', () => {
  it('a poll opened and closed behind the server\'s back reaches every kiosk within the watch interval', async () => {
    f = await startFixture({ poll: null });
    const a = await f.kiosk('k1');
    const b = await f.kiosk('k2');
    const poll = await f.store.openPoll('Lunch?', ['pizza', 'salad', 'soup'], Date.now());
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.pollWatchMs);
    for (const k of [a, b]) {
      expect(await k.expect('poll')).toEqual({
        type: 'poll',
        poll: { id: poll.id, question: 'Lunch?', options: ['pizza', 'salad', 'soup'], openedAt: poll.openedAt },
      });
    }
    await f.store.closePoll(Date.now());
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.pollWatchMs);
    for (const k of [a, b]) expect(await k.expect('poll')).toEqual({ type: 'poll', poll: null });
  });

  it('a poll replaced between two checks is pushed as the new poll', async () => {
    f = await startFixture();
    const k = await f.kiosk('k1');
    await f.store.closePoll(Date.now());
    const second = await f.store.openPoll('Second?', ['a', 'b'], Date.now());
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.pollWatchMs);
    expect(await k.expect('poll')).toMatchObject({ poll: { id: second.id } });
  });

  it('nothing is pushed while the poll is unchanged', async () => {
    f = await startFixture();
    const k = await f.kiosk('k1');
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.pollWatchMs * 10);
    expect(k.unread).toEqual([]);
  });

  it('pollChanged() pushes at once, without waiting for the interval', async () => {
    f = await startFixture({ poll: null, limits: { pollWatchMs: 3_600_000 } });
    const k = await f.kiosk('k1');
    const poll = await f.store.openPoll('Now?', ['y', 'n'], Date.now());
    await f.server.pollChanged();
    expect(await k.expect('poll')).toMatchObject({ poll: { id: poll.id } });
  });

  it('a kiosk connecting after the change gets the new poll in welcome', async () => {
    f = await startFixture({ poll: null });
    const poll = await f.store.openPoll('Later?', ['y', 'n'], Date.now());
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.pollWatchMs);
    const k = f.connect();
    const welcome = await k.handshake('k1', f.secrets.get('k1')!);
    expect(welcome.poll?.id).toBe(poll.id);
  });

  it('a failing getOpenPoll is logged and retried', async () => {
    f = await startFixture({ poll: null });
    const k = await f.kiosk('k1');
    const real = f.store.getOpenPoll.bind(f.store);
    f.store.getOpenPoll = () => Promise.reject(new Error('busy'));
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.pollWatchMs * 2);
    expect(f.lines.some((l) => (l.err as { message?: string } | undefined)?.message === 'busy')).toBe(true);
    f.store.getOpenPoll = real;
    await f.store.openPoll('Q?', ['a', 'b'], Date.now());
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.pollWatchMs);
    expect(await k.expect('poll')).toMatchObject({ poll: { question: 'Q?' } });
  });
});

describe('revocation while connected', () => {
  it('a kiosk revoked by another process is dropped within the check interval; others stay', async () => {
    f = await startFixture();
    const a = await f.kiosk('k1');
    const b = await f.kiosk('k2');
    await f.store.revokeKiosk('k1', Date.now());
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.accessCheckMs);
    await a.expectClosedWith('PV_KIOSK_REVOKED');
    b.send({ type: 'heartbeat', queued: 0 });
    await b.expect('heartbeat_ack');
    // and it cannot come back
    const again = f.connect();
    const c = await again.hello('k1');
    again.send({ type: 'auth', mac: computeAuthMac(f.secrets.get('k1')!, 'k1', c.nonce) });
    await again.expectClosedWith('PV_KIOSK_REVOKED');
  });
});

describe('presence', () => {
  class CountingStore extends MemoryVoteStore {
    presenceCalls: PresenceUpdate[][] = [];
    override updatePresence(u: readonly PresenceUpdate[]): Promise<void> {
      this.presenceCalls.push([...u]);
      return super.updatePresence(u);
    }
  }

  it('clears stale connected flags at start', async () => {
    const store = new CountingStore();
    await store.addKiosk({ id: 'ghost', name: 'g', location: 'l', secret: 's', createdAt: 0 });
    await store.updatePresence([{ kioskId: 'ghost', lastSeenAt: 1, connected: true }]);
    f = await startFixture({ store });
    expect((await store.getKiosk('ghost'))?.connected).toBe(false);
  });

  it('connect is written promptly, heartbeats in one batch per flush interval, disconnect promptly', async () => {
    const store = new CountingStore();
    f = await startFixture({ store });
    const k = await f.kiosk('k1');
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.presencePromptMs);
    expect(await store.getKiosk('k1')).toMatchObject({ connected: true, software: 'test/1', queued: 0 });
    const callsAfterConnect = store.presenceCalls.length;

    for (let q = 1; q <= 20; q++) {
      k.send({ type: 'heartbeat', queued: q });
      await k.expect('heartbeat_ack');
    }
    expect(store.presenceCalls.length).toBe(callsAfterConnect); // not one write per heartbeat
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.presenceFlushMs);
    expect(store.presenceCalls.length).toBe(callsAfterConnect + 1);
    expect(store.presenceCalls.at(-1)).toEqual([
      { kioskId: 'k1', lastSeenAt: Date.now() - DEFAULT_LIMITS.presenceFlushMs, connectedAt: expect.any(Number), software: 'test/1', queued: 20, connected: true, buttons: null },
    ]);
    expect((await store.getKiosk('k1'))?.queued).toBe(20);

    k.close();
    await k.ended;
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.presencePromptMs);
    expect((await store.getKiosk('k1'))?.connected).toBe(false);
  });

  it('many kiosks connecting at once are written in one call', async () => {
    const store = new CountingStore();
    const ids = Array.from({ length: 30 }, (_, i) => `k${i}`);
    f = await startFixture({ store, kiosks: ids });
    await Promise.all(ids.map((id) => f!.kiosk(id)));
    const before = store.presenceCalls.length;
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.presencePromptMs);
    expect(store.presenceCalls.length).toBe(before + 1);
    expect(store.presenceCalls.at(-1)).toHaveLength(30);
  });

  it('a failed presence write is retried with the same data', async () => {
    const store = new CountingStore();
    f = await startFixture({ store });
    const real = store.updatePresence.bind(store);
    store.updatePresence = () => Promise.reject(new Error('locked'));
    await f.kiosk('k1');
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.presencePromptMs);
    expect((await store.getKiosk('k1'))?.connected).toBe(false);
    store.updatePresence = real;
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.presenceFlushMs);
    expect((await store.getKiosk('k1'))?.connected).toBe(true);
  });
});
