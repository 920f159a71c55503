import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flaggedBurst, offlineKiosks, optionShare } from '../../src/server/alerts/evaluate.js';
import type { AlertRecord, AlertRule, KioskRecord, PollRecord } from '../../src/store/types.js';
import { DEFAULT_LIMITS } from '../../src/server/limits.js';
import { startFixture, type Fixture } from './helpers/fixture.js';

const FAKE = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] as const;
const rule = (kind: AlertRule['kind'], params: Record<string, number>): AlertRule => ({ id: 1, kind, params, enabled: true, createdAt: 0 });

describe('alert rules, evaluated (pure)', () => {
  const kiosk = (over: Partial<KioskRecord>): KioskRecord => ({
    id: 'k1', name: 'Bar', location: 'Terrace', secret: 's', secretVersion: 1, createdAt: 0, revokedAt: null, lastSeenAt: 0, connectedAt: 0,
    software: null, queued: 0, buttons: null, connected: false, idConflict: null, ...over,
  });

  it('kiosk-offline: only kiosks seen once, not revoked, offline for at least N minutes', () => {
    const now = 10 * 60_000;
    const found = offlineKiosks(rule('kiosk-offline', { minutes: 5 }), [
      kiosk({ id: 'gone-6min', lastSeenAt: now - 6 * 60_000 }),
      kiosk({ id: 'gone-4min', lastSeenAt: now - 4 * 60_000 }),
      kiosk({ id: 'never', lastSeenAt: null }),
      kiosk({ id: 'revoked', lastSeenAt: 0, revokedAt: 1 }),
      kiosk({ id: 'online', lastSeenAt: now - 1_000, connected: true }),
      kiosk({ id: 'stale-flag', lastSeenAt: now - 9 * 60_000, connected: true }),
    ], now, 45_000);
    expect(found.map((f) => f.subject)).toEqual(['kiosk:gone-6min', 'kiosk:stale-flag']);
    expect(found[0]!.message).toBe('kiosk Bar (gone-6min, Terrace) has been offline for 6 min');
  });

  it('option-share: above or below, once the window holds lastVotes votes', () => {
    const poll = { id: 3 } as PollRecord;
    const counts = (a: number, b: number) => [{ button: 1, label: 'Great', count: a }, { button: 2, label: 'Poor', count: b }];
    const r = rule('option-share', { button: 2, above: 30, lastVotes: 10 });
    expect(optionShare(r, poll, counts(5, 4))).toEqual([]); // only 9 votes so far
    expect(optionShare(r, poll, counts(6, 4))).toEqual([{ subject: 'poll:3', message: '"Poor" has 40.0 % of the last 10 votes of poll 3 (above 30 %)' }]);
    expect(optionShare(r, poll, counts(7, 3))).toEqual([]);
    expect(optionShare(rule('option-share', { button: 1, below: 50, lastVotes: 4 }), poll, counts(1, 3))[0]!.message).toContain('(below 50 %)');
  });

  it('flagged-burst: at least count flagged presses', () => {
    expect(flaggedBurst(rule('flagged-burst', { count: 3, minutes: 2 }), 2)).toEqual([]);
    expect(flaggedBurst(rule('flagged-burst', { count: 3, minutes: 2 }), 3)).toEqual([{ subject: 'fleet', message: '3 flagged repeated presses in the last 2 min (threshold 3)' }]);
  });
});

describe('alert engine in a running server (fake timers)', () => {
  let f: Fixture | undefined;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: [...FAKE] });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await f?.teardown();
    f = undefined;
  });

  const changes = (fx: Fixture): { alert: AlertRecord; change: string }[] => {
    const seen: { alert: AlertRecord; change: string }[] = [];
    fx.server.events.on('alert-changed', (e) => seen.push(e));
    return seen;
  };

  it('raises an alert when a kiosk has been offline N minutes, once, and clears it when it is back', async () => {
    f = await startFixture();
    const seen = changes(f);
    const r = await f.store.addAlertRule({ kind: 'kiosk-offline', params: { minutes: 2 }, enabled: true }, Date.now());
    const k = await f.kiosk('k1');
    k.close();
    await k.ended;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(seen).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000 + DEFAULT_LIMITS.alertCheckMs);
    expect(seen.map((s) => `${s.change} ${s.alert.subject}`)).toEqual(['raised kiosk:k1']);
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.alertCheckMs * 3);
    expect(seen).toHaveLength(1); // raised once, not at every evaluation
    expect((await f.store.listAlerts({ active: true, limit: 10 }))[0]).toMatchObject({ ruleId: r.id, subject: 'kiosk:k1', clearedAt: null });
    await f.kiosk('k1');
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.presencePromptMs + DEFAULT_LIMITS.alertCheckMs);
    expect(seen.map((s) => `${s.change} ${s.alert.subject}`)).toEqual(['raised kiosk:k1', 'cleared kiosk:k1']);
  });

  it('raises on an option\'s share of the last votes soon after the votes, and on a burst of flagged presses', async () => {
    f = await startFixture({ burst: { windowMs: 60_000, maxVotes: 2 }, limits: { alertCheckMs: 3_600_000 } });
    const seen = changes(f);
    await f.store.addAlertRule({ kind: 'option-share', params: { button: 2, above: 50, lastVotes: 2 }, enabled: true }, Date.now());
    await f.store.addAlertRule({ kind: 'flagged-burst', params: { count: 2, minutes: 5 }, enabled: true }, Date.now());
    await f.server.alerts.check(); // picks up the new rules (as the admin interface does)
    const poll = (await f.store.getOpenPoll())!;
    const k = await f.kiosk('k1');
    for (let i = 1; i <= 4; i++) {
      k.vote(`v${i}`, i, poll.id, 2);
      await k.expect('ack');
    }
    await vi.advanceTimersByTimeAsync(1_500); // votes bring the evaluation forward (debounced)
    expect(seen.map((s) => `${s.change} ${s.alert.kind} ${s.alert.subject}`).sort()).toEqual([
      'raised flagged-burst fleet',
      `raised option-share poll:${poll.id}`,
    ]);
  });
});
