import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { registerSim } from '../../src/cli/commands/sim.js';
import { reportError } from '../../src/cli/errors.js';
import { capacityPerSecond, planPress, seededRandom } from '../../src/kiosk/sim/press-plan.js';
import { provisionSimKiosks } from '../../src/kiosk/sim/provision.js';
import { runSimulation, type SimProgress } from '../../src/kiosk/sim/simulation.js';
import { KioskVisitors, PEOPLE, type VisitorModel } from '../../src/kiosk/sim/visitors.js';
import { DEFAULT_BURST } from '../../src/server/limits.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { MemoryVoteStore } from '../../src/store/memory/memory-store.js';
import { openSqliteVoteStore } from '../../src/store/sqlite/sqlite-store.js';
import { captureContext } from '../cli/helpers.js';
import { AckHoldingProxy } from '../e2e/ack-proxy.js';

const silent = pino({ level: 'silent' });
let dirs: string[] = [];
let servers: RunningServer[] = [];
let proxies: AckHoldingProxy[] = [];

afterEach(async () => {
  for (const p of proxies) await p.close();
  for (const s of servers) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  servers = [];
  proxies = [];
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pivote-sim-test-'));
  dirs.push(dir);
  return dir;
}

/** People ten times faster than PEOPLE, for a server whose repeated-press window is ten times shorter. */
const FAST_PEOPLE: VisitorModel = { minGapMs: 350, meanExtraMs: 50, masherChance: 0, masherPresses: [4, 6], masherPauseMs: [15, 45], afterMasherMs: 1050 };
const FAST_BURST = { windowMs: DEFAULT_BURST.windowMs / 10, maxVotes: DEFAULT_BURST.maxVotes };

/** The server's rule, restated: a press is flagged when its kiosk has maxVotes presses in the window before it. */
function flaggedByRule(times: readonly number[], windowMs: number, maxVotes: number): boolean[] {
  return times.map((t, i) => times.slice(0, i).filter((u) => t - u < windowMs).length >= maxVotes);
}

async function memoryServer(options: string[] | null = ['a', 'b', 'c'], burst = FAST_BURST) {
  const store = new MemoryVoteStore();
  if (options) await store.openPoll('Sim?', options, Date.now());
  const server = await startServer({ store, host: '127.0.0.1', port: 0, logger: silent, burst });
  servers.push(server);
  return { store, server, address: { host: '127.0.0.1', port: server.address.port } };
}

describe('press plan', () => {
  it('the same seed gives the same choices', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const seqA = Array.from({ length: 20 }, () => a());
    expect(Array.from({ length: 20 }, () => b())).toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seededRandom(43)()).not.toBe(seqA[0]);
  });

  it('picks only kiosks whose lockout is over and which know a poll, and a button among its options', () => {
    const random = seededRandom(1);
    const slots = [
      { options: 3, lastPressMs: 900 }, // pressed 100 ms ago: locked
      { options: 0, lastPressMs: undefined }, // no poll
      { options: 2, lastPressMs: 0 }, // free
    ];
    for (let i = 0; i < 50; i++) {
      const plan = planPress(slots, 1000, 500, random);
      expect(plan?.kiosk).toBe(2);
      expect(plan!.button).toBeGreaterThanOrEqual(1);
      expect(plan!.button).toBeLessThanOrEqual(2);
    }
    expect(planPress([{ options: 3, lastPressMs: 900 }], 1000, 500, random)).toBeUndefined();
    expect(capacityPerSecond(3, 1050)).toBeCloseTo(2.857, 3);
  });
});

describe('simulated people (pure schedule)', () => {
  function schedule(model: VisitorModel, seed: number, people: number, lockoutMs = 1000): { atMs: number; masher: boolean }[] {
    const random = seededRandom(seed);
    const kiosk = new KioskVisitors(model, lockoutMs, random, 0);
    return Array.from({ length: people }, () => kiosk.take(4));
  }

  it('ordinary people at one kiosk are never flagged by the default repeated-press rule', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const presses = schedule({ ...PEOPLE, masherChance: 0 }, seed, 500);
      expect(flaggedByRule(presses.map((p) => p.atMs), DEFAULT_BURST.windowMs, DEFAULT_BURST.maxVotes).filter(Boolean)).toEqual([]);
    }
  });

  it('now and then a button-masher, whose presses are flagged; most votes are not', () => {
    const presses = schedule(PEOPLE, 11, 3000);
    const flagged = flaggedByRule(presses.map((p) => p.atMs), DEFAULT_BURST.windowMs, DEFAULT_BURST.maxVotes);
    const nFlagged = flagged.filter(Boolean).length;
    expect(nFlagged).toBeGreaterThan(0);
    expect(nFlagged / presses.length).toBeLessThan(0.15);
    // Only mashers are flagged: never a person who pressed once.
    presses.forEach((p, i) => {
      if (flagged[i]) expect(p.masher).toBe(true);
    });
  });

  it('a masher presses again only after the lockout; people come a few seconds apart', () => {
    const presses = schedule({ ...PEOPLE, masherChance: 0.3 }, 5, 400, 1500);
    for (let i = 1; i < presses.length; i++) {
      const gap = presses[i]!.atMs - presses[i - 1]!.atMs;
      expect(gap).toBeGreaterThan(1500 + PEOPLE.masherPauseMs[0] - 1);
      if (!presses[i]!.masher) expect(gap).toBeGreaterThanOrEqual(PEOPLE.minGapMs);
    }
    expect(presses[0]!.atMs).toBeLessThan(1000); // people are already waiting at the start
  });
});

describe('provisionSimKiosks', () => {
  it('registers sim-1..N once and reuses them with their secrets', async () => {
    const store = new MemoryVoteStore();
    const first = await provisionSimKiosks(store, 2, 1000);
    expect(first.map((k) => k.id)).toEqual(['sim-1', 'sim-2']);
    const again = await provisionSimKiosks(store, 3, 2000);
    expect(again.slice(0, 2)).toEqual(first);
    expect((await store.listKiosks()).map((k) => k.id).sort()).toEqual(['sim-1', 'sim-2', 'sim-3']);
    await store.revokeKiosk('sim-2', 3000);
    await expect(provisionSimKiosks(store, 2, 4000)).rejects.toMatchObject({ code: 'PV_KIOSK_REVOKED' });
  });
});

describe('runSimulation against an in-process server', () => {
  it('presses M votes over N kiosks; every one is stored and acknowledged', async () => {
    const { store, address } = await memoryServer();
    const kiosks = await provisionSimKiosks(store, 3, Date.now());
    const events: SimProgress[] = [];
    const report = await runSimulation(
      { server: address, kiosks, votes: 12, lockoutMs: 150, seed: 7, dataDir: tempDir(), people: FAST_PEOPLE },
      { logger: silent, onProgress: (e) => events.push(e) },
    );
    expect(report).toMatchObject({ kiosks: 3, seed: 7, pressed: 12, recorded: 12, acknowledged: 12, rejected: 0, queued: 0, ok: true });
    const votes = await store.listVotes();
    expect(votes).toHaveLength(12);
    expect(new Set(votes.map((v) => v.kioskId)).size).toBeGreaterThan(1);
    expect(votes.every((v) => v.button >= 1 && v.button <= 3)).toBe(true);
    // Lockout respected: a kiosk's presses are at least the lockout apart.
    for (const k of kiosks) {
      const times = votes.filter((v) => v.kioskId === k.id).map((v) => v.pressedAt).sort((a, b) => a - b);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(150 - 5);
    }
    const kinds = events.map((e) => e.type);
    expect(kinds.filter((k) => k === 'pressed')).toHaveLength(12);
    expect(kinds.filter((k) => k === 'acked')).toHaveLength(12);
    expect(kinds.indexOf('started')).toBeLessThan(kinds.indexOf('pressed'));
    expect(kinds.indexOf('drained')).toBeGreaterThan(kinds.lastIndexOf('acked'));
  }, 30_000);

  it('people vote: the tally keeps moving, most votes are not flagged, a masher\'s are', async () => {
    // The default rule and people, both ten times faster so the test takes seconds.
    const { store, address } = await memoryServer(['a', 'b', 'c', 'd']);
    const kiosks = await provisionSimKiosks(store, 4, Date.now());
    const report = await runSimulation(
      { server: address, kiosks, durationMs: 4000, lockoutMs: 100, seed: 3, dataDir: tempDir(), people: { ...FAST_PEOPLE, masherChance: 0.08 } },
      { logger: silent },
    );
    expect(report.ok).toBe(true);
    const votes = (await store.listVotes()).sort((a, b) => a.receivedAt - b.receivedAt);
    expect(votes).toHaveLength(report.pressed);
    const counted = votes.filter((v) => !v.flagged);
    expect(report.flagged).toBeGreaterThan(0);
    expect(counted.length).toBeGreaterThan(votes.length * 0.7);
    // Counted votes arrive all through the run, not in a first burst: every second has some.
    const start = votes[0]!.receivedAt;
    for (let second = 0; second < 3; second++) {
      expect(counted.some((v) => v.receivedAt - start >= second * 1000 && v.receivedAt - start < (second + 1) * 1000), `second ${second}`).toBe(true);
    }
  }, 30_000);

  it('runs at a rate for a duration', async () => {
    const { store, address } = await memoryServer();
    const kiosks = await provisionSimKiosks(store, 2, Date.now());
    const report = await runSimulation(
      { server: address, kiosks, rate: 10, durationMs: 600, lockoutMs: 100, dataDir: tempDir() },
      { logger: silent },
    );
    expect(report.pressed).toBeGreaterThanOrEqual(5);
    expect(report.pressed).toBeLessThanOrEqual(8);
    expect(report.ok).toBe(true);
    expect(await store.listVotes()).toHaveLength(report.pressed);
  }, 30_000);

  it('stops pressing when aborted, then drains', async () => {
    const { store, address } = await memoryServer();
    const kiosks = await provisionSimKiosks(store, 1, Date.now());
    const abort = new AbortController();
    const report = await runSimulation(
      { server: address, kiosks, rate: 5, lockoutMs: 100, dataDir: tempDir(), signal: abort.signal },
      {
        logger: silent,
        onProgress: (e) => {
          if (e.type === 'pressed' && e.pressed === 2) abort.abort();
        },
      },
    );
    expect(report).toMatchObject({ pressed: 2, acknowledged: 2, ok: true });
  }, 30_000);

  it('aborted while still connecting: no press, an empty report', async () => {
    const kiosks = [{ id: 'sim-1', secret: 'x'.repeat(32) }];
    const abort = new AbortController();
    abort.abort();
    const report = await runSimulation(
      { server: { host: '127.0.0.1', port: 1 }, kiosks, votes: 5, dataDir: tempDir(), signal: abort.signal },
      { logger: silent },
    );
    expect(report).toMatchObject({ pressed: 0, recorded: 0, queued: 0 });
  });

  it('no poll open: PV_NO_OPEN_POLL before any press', async () => {
    const { store, address } = await memoryServer(null);
    const kiosks = await provisionSimKiosks(store, 2, Date.now());
    await expect(runSimulation({ server: address, kiosks, votes: 1, dataDir: tempDir() }, { logger: silent })).rejects.toMatchObject({
      code: 'PV_NO_OPEN_POLL',
    });
  });

  it('a rate the lockouts cannot take is refused up front', async () => {
    const kiosks = [{ id: 'sim-1', secret: 'x'.repeat(32) }];
    await expect(
      runSimulation({ server: { host: '127.0.0.1', port: 1 }, kiosks, rate: 5, lockoutMs: 1000, dataDir: tempDir() }, { logger: silent }),
    ).rejects.toMatchObject({ code: 'PV_USAGE' });
  });

  it('unknown secrets: PV_AUTH_FAILED naming the kiosk', async () => {
    const { address } = await memoryServer();
    const kiosks = [{ id: 'sim-1', secret: 'x'.repeat(32) }];
    await expect(runSimulation({ server: address, kiosks, votes: 1, dataDir: tempDir() }, { logger: silent })).rejects.toMatchObject({
      code: 'PV_AUTH_FAILED',
      details: { kioskId: 'sim-1' },
    });
  });
});

describe('pivote sim (command)', () => {
  async function runSim(args: string[]) {
    const ctx = captureContext(() => Date.now());
    const program = new Command('pivote').exitOverride();
    registerSim(program, ctx, () => new Promise(() => undefined));
    program.commands.forEach((c) => c.exitOverride().configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr }));
    let code = 0;
    try {
      await program.parseAsync(args, { from: 'user' });
    } catch (err) {
      code = reportError(err, ctx);
    }
    return { code, stdout: ctx.out.join(''), stderr: ctx.err.join('') };
  }

  async function sqliteServer() {
    const db = join(tempDir(), 'pivote.db');
    const store = openSqliteVoteStore(db);
    await store.openPoll('CLI sim?', ['x', 'y'], Date.now());
    await store.close();
    const server = await startServer({ dbPath: db, host: '127.0.0.1', port: 0, logger: silent });
    servers.push(server);
    return { db, server };
  }

  it('provisions the kiosks in --db, prints the report as JSON, exits 0; a second run reuses the kiosks', async () => {
    const { db, server } = await sqliteServer();
    const args = ['sim', '--server', `127.0.0.1:${server.address.port}`, '--db', db, '--kiosks', '2', '--votes', '4', '--lockout-ms', '100', '--format', 'json'];
    const first = await runSim(args);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ kiosks: 2, pressed: 4, acknowledged: 4, queued: 0, ok: true });
    const second = await runSim(args.slice(0, -2));
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/acknowledged\s+4/);
    expect((await server.store.listKiosks()).map((k) => k.id).sort()).toEqual(['sim-1', 'sim-2']);
    expect(await server.store.listVotes()).toHaveLength(8);
  }, 30_000);

  it('acks that never come: prints the report, exits 1 with PV_SIM_INCOMPLETE', async () => {
    const { db, server } = await sqliteServer();
    const proxy = new AckHoldingProxy({ host: '127.0.0.1', port: server.address.port });
    proxies.push(proxy);
    proxy.holdAcks = true;
    const port = await proxy.listen();
    const r = await runSim(['sim', '--server', `127.0.0.1:${port}`, '--db', db, '--kiosks', '1', '--votes', '2', '--lockout-ms', '100', '--drain-timeout', '0.5']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/still queued\s+2/);
    expect(r.stderr).toMatch(/^error PV_SIM_INCOMPLETE: /);
  }, 30_000);

  it('needs --votes or --rate', async () => {
    const r = await runSim(['sim', '--server', '127.0.0.1:7070', '--kiosks', '1', '--db', join(tempDir(), 'x.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error PV_USAGE: /);
  });
});
