import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { computeAuthMac } from '../../src/protocol/auth.js';
import { missedDeadline } from '../../src/server/deadlines.js';
import { DEFAULT_LIMITS, idleTimeoutMs, resolveLimits } from '../../src/server/limits.js';
import { startFixture, type Fixture } from './helpers/fixture.js';

// setImmediate stays real: the group committer and stream plumbing run on it; the deadlines run
// on setInterval and performance.now, which the tests drive.
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

describe('missedDeadline (pure)', () => {
  const limits = resolveLimits();
  const base = { connectedAt: 0, lastReceivedAt: 0, frameStartedAt: -1, authenticated: false };
  it('auth deadline counts from connect', () => {
    expect(missedDeadline(base, limits.authTimeoutMs - 1, limits)).toBeNull();
    expect(missedDeadline(base, limits.authTimeoutMs, limits)).toBe('PV_AUTH_TIMEOUT');
    expect(missedDeadline({ ...base, authenticated: true, lastReceivedAt: 20_000 }, 20_001, limits)).toBeNull();
  });
  it('frame deadline counts from the first byte of the partial frame, whatever trickles after', () => {
    const s = { ...base, authenticated: true, frameStartedAt: 100, lastReceivedAt: 10_099 };
    expect(missedDeadline(s, 100 + limits.frameTimeoutMs - 1, limits)).toBeNull();
    expect(missedDeadline(s, 100 + limits.frameTimeoutMs, limits)).toBe('PV_FRAME_TIMEOUT');
  });
  it('idle deadline is idleHeartbeats x heartbeatMs since the last byte', () => {
    expect(idleTimeoutMs(limits)).toBe(3 * DEFAULT_LIMITS.heartbeatMs);
    const s = { ...base, authenticated: true, lastReceivedAt: 1_000 };
    expect(missedDeadline(s, 1_000 + idleTimeoutMs(limits) - 1, limits)).toBeNull();
    expect(missedDeadline(s, 1_000 + idleTimeoutMs(limits), limits)).toBe('PV_IDLE_TIMEOUT');
  });
});

describe('deadlines on a live connection', () => {
  it('no welcome within authTimeoutMs -> PV_AUTH_TIMEOUT', async () => {
    f = await startFixture();
    const k = f.connect();
    await k.hello('k1'); // hello alone is not authentication
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.authTimeoutMs - 500);
    expect(k.isEnded).toBe(false);
    await vi.advanceTimersByTimeAsync(500 + DEFAULT_LIMITS.deadlineSweepMs);
    await k.expectClosedWith('PV_AUTH_TIMEOUT');
  });

  it('a frame trickled one byte per second -> PV_FRAME_TIMEOUT', async () => {
    f = await startFixture();
    const k = await f.kiosk('k1');
    const frame = JSON.stringify({ type: 'heartbeat', queued: 0 });
    let sent = 0;
    for (; sent < frame.length && !k.isEnded && sent < 30; sent++) {
      k.sendRaw(frame[sent]!);
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(sent).toBeLessThanOrEqual(Math.ceil(DEFAULT_LIMITS.frameTimeoutMs / 1_000) + 1);
    await k.expectClosedWith('PV_FRAME_TIMEOUT');
  });

  it('completing frames resets the frame deadline', async () => {
    f = await startFixture();
    const k = await f.kiosk('k1');
    const frame = JSON.stringify({ type: 'heartbeat', queued: 0 }) + '\n';
    for (let i = 0; i < 4; i++) {
      k.sendRaw(frame.slice(0, 5));
      await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.frameTimeoutMs - 1_000);
      k.sendRaw(frame.slice(5));
      await k.expect('heartbeat_ack');
    }
    expect(k.isEnded).toBe(false);
  });

  it('silence for 3 x heartbeatMs -> PV_IDLE_TIMEOUT; heartbeats keep it alive', async () => {
    f = await startFixture();
    const quiet = await f.kiosk('k1');
    const chatty = await f.kiosk('k2');
    for (let i = 0; i < 6; i++) {
      chatty.send({ type: 'heartbeat', queued: i });
      await chatty.expect('heartbeat_ack');
      await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.heartbeatMs);
    }
    await quiet.expectClosedWith('PV_IDLE_TIMEOUT');
    expect(chatty.isEnded).toBe(false);
  });

  it('beyond maxConnections -> PV_TOO_MANY_CONNECTIONS at once; others unaffected', async () => {
    f = await startFixture({ limits: { maxConnections: 2 } });
    const a = f.connect();
    const b = f.connect();
    const c = f.connect();
    await c.expectClosedWith('PV_TOO_MANY_CONNECTIONS');
    await expect(a.hello('k1')).resolves.toMatchObject({ type: 'challenge' });
    await expect(b.hello('k2')).resolves.toMatchObject({ type: 'challenge' });
    expect(f.server.stats().connections).toBe(2);
  });

  it('a peer that never reads its error frame is destroyed after the grace', async () => {
    f = await startFixture();
    const k = f.connect(64);
    k.stream.pause();
    k.stream.removeAllListeners('data');
    k.sendRaw('x'.repeat(100) + '\n');
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.closeGraceMs - 10);
    expect(f.server.stats().connections).toBe(1); // ended, but the error frame is still unread
    await vi.advanceTimersByTimeAsync(20);
    expect(f.server.stats().connections).toBe(0);
  });
});

describe('authentication deadline applies to a slow store answer too', () => {
  it('store answering after the deadline does not resurrect the session', async () => {
    f = await startFixture();
    const original = f.store.getKiosk.bind(f.store);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    f.store.getKiosk = async (id) => {
      await gate;
      return original(id);
    };
    const k = f.connect();
    const c = await k.hello('k1');
    k.send({ type: 'auth', mac: computeAuthMac(f.secrets.get('k1')!, 'k1', c.nonce) });
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.authTimeoutMs + DEFAULT_LIMITS.deadlineSweepMs);
    release();
    await k.expectClosedWith('PV_AUTH_TIMEOUT');
    expect(f.server.stats().authenticated).toBe(0);
  });
});
