import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRng } from './random.js';
import { countFaults, DEFAULT_SCHEDULE_OPTIONS, FAULT_KINDS, faultKindsFor, generateSchedule, holdMsByKiosk, LONG_DOWN_MS, maxHoldMs, type Action } from './schedule.js';

const SEEDS = Array.from({ length: 200 }, (_, i) => i * 7919 + 1);

describe('createRng', () => {
  it('is a pure function of its seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(50);
    const c = createRng(43);
    expect(c.next()).not.toBe(xs[0]);
  });

  it('int stays within its inclusive bounds and reaches both ends', () => {
    const rng = createRng(7);
    const seen = new Set(Array.from({ length: 500 }, () => rng.int(3, 6)));
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
    expect(() => rng.int(2, 1)).toThrow(RangeError);
  });
});

describe('generateSchedule', () => {
  it('gives the same schedule for the same seed, and a different one for another seed', () => {
    expect(generateSchedule(1234)).toEqual(generateSchedule(1234));
    expect(generateSchedule(1235).actions).not.toEqual(generateSchedule(1234).actions);
  });

  it('keeps every action inside the fault phase, sorted by time, with valid kiosks and buttons', () => {
    for (const seed of SEEDS) {
      const { actions, options } = generateSchedule(seed);
      const times = actions.map((a) => a.atMs);
      expect(times).toEqual([...times].sort((x, y) => x - y));
      for (const a of actions) {
        expect(a.atMs).toBeGreaterThanOrEqual(0);
        expect(a.atMs).toBeLessThan(options.durationMs);
        if ('kiosk' in a) expect(a.kiosk).toBeGreaterThanOrEqual(0);
        if ('kiosk' in a) expect(a.kiosk).toBeLessThan(options.kiosks);
        if (a.kind === 'press') expect(a.button).toBeGreaterThanOrEqual(1);
        if (a.kind === 'press') expect(a.button).toBeLessThanOrEqual(options.buttons);
        // Restarts are due within the phase, so the drain starts with every process up.
        if (a.kind === 'killServer' || a.kind === 'killKiosk') expect(a.atMs + a.downMs).toBeLessThanOrEqual(options.durationMs);
        if (a.kind === 'cutAfterAck') expect(a.keepFraction).toBeLessThan(1);
      }
    }
  });

  it('never overlaps two server kills, nor two kills of one kiosk, nor presses on a kiosk that is down', () => {
    for (const seed of SEEDS) {
      const { actions, options } = generateSchedule(seed);
      const downs = (pick: (a: Action) => boolean) =>
        actions.filter(pick).map((a) => ({ from: a.atMs, to: a.atMs + (a as { downMs: number }).downMs }));
      const disjoint = (ws: { from: number; to: number }[]) => ws.every((w, i) => ws.slice(i + 1).every((v) => v.from > w.to || v.to < w.from));
      expect(disjoint(downs((a) => a.kind === 'killServer'))).toBe(true);
      for (let k = 0; k < options.kiosks; k++) {
        const kioskDowns = downs((a) => a.kind === 'killKiosk' && a.kiosk === k);
        expect(disjoint(kioskDowns)).toBe(true);
        const presses = actions.filter((a) => a.kind === 'press' && a.kiosk === k);
        for (const p of presses) expect(kioskDowns.some((w) => p.atMs >= w.from && p.atMs <= w.to)).toBe(false);
      }
    }
  });

  it('spaces one kiosk\'s presses by at least the minimum gap, so the kiosk lockout drops none', () => {
    for (const seed of SEEDS.slice(0, 50)) {
      const { actions, options } = generateSchedule(seed);
      for (let k = 0; k < options.kiosks; k++) {
        const t = actions.filter((a) => a.kind === 'press' && a.kiosk === k).map((a) => a.atMs);
        for (let i = 1; i < t.length; i++) expect(t[i]! - t[i - 1]!).toBeGreaterThanOrEqual(options.pressGapMs[0]);
      }
    }
  });

  it('across seeds, injects every kind of fault, long server outages, and poll rotations while the server is down', () => {
    const totals = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<string, number>;
    let longDowns = 0;
    let rotationsWhileDown = 0;
    for (const seed of SEEDS) {
      const s = generateSchedule(seed);
      for (const [k, n] of Object.entries(countFaults(s))) totals[k]! += n;
      const downs = s.actions.flatMap((a) => (a.kind === 'killServer' ? [a] : []));
      longDowns += downs.filter((a) => a.downMs >= LONG_DOWN_MS[0]).length;
      rotationsWhileDown += s.actions.filter((a) => a.kind === 'rotatePoll' && downs.some((d) => a.atMs > d.atMs && a.atMs + a.gapMs < d.atMs + d.downMs)).length;
      expect(s.actions.filter((a) => a.kind === 'press').length).toBeGreaterThan(30);
    }
    for (const kind of faultKindsFor(1)) expect(totals[kind], kind).toBeGreaterThan(SEEDS.length / 2);
    // One server on SQLite: no database to stop or cut.
    expect(totals.restartDb! + totals.cutDb!).toBe(0);
    expect(longDowns).toBeGreaterThan(SEEDS.length / 5);
    expect(rotationsWhileDown).toBeGreaterThan(SEEDS.length / 10);
  });

  it('with several servers: kills any one of them, one at a time; stops and cuts the database, never while a server restarts or a poll rotates', () => {
    const totals = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<string, number>;
    const killed = new Set<number>();
    for (const seed of SEEDS) {
      const s = generateSchedule(seed, { servers: 3 });
      for (const [k, n] of Object.entries(countFaults(s))) totals[k]! += n;
      const downs = s.actions.flatMap((a) => (a.kind === 'killServer' ? [{ from: a.atMs, to: a.atMs + a.downMs, server: a.server }] : []));
      for (const d of downs) killed.add(d.server);
      for (const [i, a] of downs.entries()) for (const b of downs.slice(i + 1)) expect(a.to <= b.from || b.to <= a.from).toBe(true);
      const dbDowns = s.actions.flatMap((a) => (a.kind === 'restartDb' ? [{ from: a.atMs, to: a.atMs + a.downMs }] : []));
      const overlaps = (x: { from: number; to: number }, y: { from: number; to: number }) => x.from < y.to && y.from < x.to;
      for (const d of dbDowns) {
        expect(downs.some((w) => overlaps(w, d))).toBe(false);
        expect(s.actions.some((a) => a.kind === 'rotatePoll' && overlaps({ from: a.atMs, to: a.atMs + a.gapMs }, d))).toBe(false);
      }
      for (const c of s.actions) {
        if (c.kind !== 'cutDb') continue;
        expect(downs.some((w) => w.server === c.server && overlaps(w, { from: c.atMs, to: c.atMs + c.forMs }))).toBe(false);
      }
    }
    for (const kind of faultKindsFor(3)) expect(totals[kind], kind).toBeGreaterThan(SEEDS.length / 3);
    expect([...killed].sort()).toEqual([0, 1, 2]);
  });

  it('a single-server schedule is the same as before clusters existed (recorded seeds replay)', () => {
    // Digests of the actions the generator made for these seeds before it knew of clusters.
    const digest = (seed: number) =>
      createHash('sha256').update(JSON.stringify(generateSchedule(seed).actions.map(({ ...a }) => (delete (a as { server?: number }).server, a)))).digest('hex').slice(0, 16);
    expect([1, 3, 7, 20, 12345].map(digest)).toEqual(['0ce8940233cd3afc', '8b635a08ab75a15e', 'feff3d64a3272da9', '5f1a4053a7dfcc31', '6bc94bc830401039']);
    expect(generateSchedule(7).actions.every((a) => a.kind !== 'killServer' || a.server === 0)).toBe(true);
  });

  it('scales fault counts with the duration and honours overrides', () => {
    const short = SEEDS.map((seed) => generateSchedule(seed, { durationMs: 5000, kiosks: 3 }));
    const long = SEEDS.map((seed) => generateSchedule(seed, { durationMs: 20_000 }));
    const cuts = (ss: typeof short) => ss.reduce((n, s) => n + countFaults(s).cut, 0);
    expect(cuts(long)).toBeGreaterThan(cuts(short) * 2.5);
    expect(short.every((s) => s.actions.every((a) => !('kiosk' in a) || a.kiosk < 3))).toBe(true);
    expect(generateSchedule(1, { faultsPer10s: { ...DEFAULT_SCHEDULE_OPTIONS.faultsPer10s, killServer: [0, 0] } }).actions.some((a) => a.kind === 'killServer')).toBe(false);
  });

  it('refuses options that cannot make a sensible schedule', () => {
    expect(() => generateSchedule(1, { kiosks: 0 })).toThrow(RangeError);
    expect(() => generateSchedule(1, { durationMs: 1000 })).toThrow(RangeError);
    expect(() => generateSchedule(1, { pressGapMs: [100, 50] })).toThrow(RangeError);
  });

  it('maxHoldMs bounds the hold on the worst link: its stalls added up plus its largest latency', () => {
    expect(maxHoldMs({ actions: [
      { atMs: 0, kind: 'stall', kiosk: 0, forMs: 700 },
      { atMs: 500, kind: 'stall', kiosk: 0, forMs: 300 },
      { atMs: 0, kind: 'delay', kiosk: 0, latencyMs: 200, forMs: 5000 },
      { atMs: 0, kind: 'delay', kiosk: 1, latencyMs: 900, forMs: 5000 },
      { atMs: 0, kind: 'press', kiosk: 0, button: 1 },
    ] })).toBe(1200);
    expect(maxHoldMs({ actions: [] })).toBe(0);
    expect([...holdMsByKiosk({ actions: [
      { atMs: 0, kind: 'stall', kiosk: 2, forMs: 700 },
      { atMs: 0, kind: 'delay', kiosk: 1, latencyMs: 50, forMs: 5000 },
    ] })].sort()).toEqual([[1, 50], [2, 700]]);
  });
});
