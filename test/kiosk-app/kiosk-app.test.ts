import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FEEDBACK_PATTERNS, MockGpio, type GpioBackend } from '../../src/gpio/index.js';
import type { PollInfo } from '../../src/protocol/messages.js';
import { newSecret } from '../../src/protocol/auth.js';
import { startKiosk, type KioskApp, type KioskAppConfig, type KioskAppDeps } from '../../src/kiosk/app/kiosk-app.js';
import { Outbox, outboxPath } from '../../src/kiosk/outbox/outbox.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { MemoryVoteStore } from '../../src/store/memory/memory-store.js';
import { playsPattern } from './led-match.js';
import { ledChangesBeforeAppend, type OrderEvent } from './ordering.js';
import { waitFor } from './wait.js';

/** startKiosk with the mock backend against a real in-process server over loopback TCP. */

const BUTTONS = [5, 6, 13, 19];
const LEDS = [17, 27, 22, 23];
const STATUS = 24;
const silent = pino({ level: 'silent' });

let dirs: string[] = [];
let apps: KioskApp[] = [];
let servers: RunningServer[] = [];
let listeners: Server[] = [];

afterEach(async () => {
  for (const app of apps) await app.stop();
  for (const s of servers) await s.close();
  for (const l of listeners) await new Promise<void>((resolve) => l.close(() => resolve()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  apps = [];
  servers = [];
  listeners = [];
  dirs = [];
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pivote-app-'));
  dirs.push(dir);
  return dir;
}

async function serverWithKiosk(kioskId: string, options: string[] | null = ['yes', 'no', 'maybe']) {
  const store = new MemoryVoteStore();
  const secret = newSecret();
  await store.addKiosk({ id: kioskId, name: kioskId, location: 'test', secret, createdAt: Date.now() });
  if (options) await store.openPoll('Question?', options, Date.now());
  const server = await startServer({ store, host: '127.0.0.1', port: 0, logger: silent });
  servers.push(server);
  return { store, secret, server, port: server.address.port };
}

function config(kioskId: string, secret: string, port: number, dataDir: string): KioskAppConfig {
  return {
    servers: [{ host: '127.0.0.1', port }],
    kioskId,
    secret,
    secretFile: undefined,
    buttons: BUTTONS.map((b) => `GPIO${b}`),
    leds: LEDS.map((l) => `GPIO${l}`),
    statusLed: `GPIO${STATUS}`,
    debounceMs: 20,
    lockoutMs: 300,
    holdMs: undefined,
    dataDir,
    gpio: 'mock',
    tls: undefined,
    heartbeatMs: undefined,
  };
}

async function start(cfg: KioskAppConfig, deps: Partial<KioskAppDeps> = {}): Promise<KioskApp> {
  const app = await startKiosk(cfg, { logger: silent, backoff: { baseMs: 50, capMs: 200 }, ...deps });
  apps.push(app);
  return app;
}

function mockOf(app: KioskApp): MockGpio {
  if (!app.mock) throw new Error('expected the mock backend');
  return app.mock;
}

async function press(app: KioskApp, button: number): Promise<void> {
  const mock = mockOf(app);
  const bcm = app.pins.buttons[button - 1]!;
  mock.pin(bcm).press();
  await mock.settle();
  await new Promise((resolve) => setTimeout(resolve, 60));
  mock.pin(bcm).release();
  await mock.settle();
}

/** A port nothing listens on: bound, then closed. */
async function deadPort(): Promise<number> {
  const l = createServer();
  await new Promise<void>((resolve) => l.listen(0, '127.0.0.1', () => resolve()));
  const port = (l.address() as { port: number }).port;
  await new Promise<void>((resolve) => l.close(() => resolve()));
  return port;
}

describe('startKiosk', () => {
  it('press -> stored by the server -> the pressed LED plays "confirmed"', async () => {
    const { store, secret, port } = await serverWithKiosk('app-1');
    const app = await start(config('app-1', secret, port, tempDir()));
    const mock = mockOf(app);
    await waitFor(() => app.client.status === 'online' && mock.isOn(LEDS[2]!), 'online with 3 options lit');
    expect(LEDS.map((p) => mock.isOn(p))).toEqual([true, true, true, false]);
    expect(mock.isOn(STATUS)).toBe(true);

    const before = mock.history(LEDS[1]!).at(-1)!.atMs;
    await press(app, 2);
    await waitFor(() => playsPattern(mock.history(LEDS[1]!), FEEDBACK_PATTERNS.confirmed, { fromMs: before, toleranceMs: 100 }), 'confirmed pattern', 5000);
    const votes = await store.listVotes();
    expect(votes.map((v) => ({ kioskId: v.kioskId, button: v.button, seq: v.seq }))).toEqual([{ kioskId: 'app-1', button: 2, seq: 1 }]);
    expect(app.outbox.counts()).toEqual({ pending: 0, acked: 1, rejected: 0 });
  });

  it('writes the press to the outbox before any option LED changes (online: confirmed)', async () => {
    const { secret, port } = await serverWithKiosk('app-2');
    const log: OrderEvent[] = [];
    const app = await start(config('app-2', secret, port, tempDir()), {
      onLedChange: (c) => log.push({ kind: 'led', led: c.led, value: c.value }),
      openOutbox: (path) => {
        const outbox = new Outbox(path);
        const append = outbox.append.bind(outbox);
        outbox.append = (p) => {
          const vote = append(p);
          log.push({ kind: 'append', button: p.button });
          return vote;
        };
        return outbox;
      },
    });
    await waitFor(() => app.client.status === 'online' && mockOf(app).isOn(LEDS[0]!), 'online');
    log.length = 0;
    log.push({ kind: 'press', button: 3 });
    await press(app, 3);
    await waitFor(() => app.outbox.counts().acked === 1, 'ack');
    await waitFor(() => log.some((e) => e.kind === 'led' && e.led === 3 && e.value === 1), 'LED 3 answer');

    // Not vacuous: the press was appended, and LEDs did change afterwards.
    expect(log.filter((e) => e.kind === 'append')).toEqual([{ kind: 'append', button: 3 }]);
    expect(log.filter((e) => e.kind === 'led' && e.led !== 'status').length).toBeGreaterThan(0);
    expect(ledChangesBeforeAppend(log)).toEqual([]);
  });

  it('offline with a cached poll: the press is stored and shown as "saved", after the append', async () => {
    const dataDir = tempDir();
    const poll: PollInfo = { id: 7, question: 'Cached?', options: ['a', 'b'], openedAt: 1 };
    const seed = new Outbox(outboxPath(dataDir));
    seed.saveLastPoll(poll);
    seed.close();

    const log: OrderEvent[] = [];
    const app = await start(config('app-3', 'x'.repeat(32), await deadPort(), dataDir), {
      onLedChange: (c) => log.push({ kind: 'led', led: c.led, value: c.value }),
      onRecorded: (v) => log.push({ kind: 'append', button: v.button }),
    });
    const mock = mockOf(app);
    await waitFor(() => app.client.status === 'offline', 'offline');
    expect(LEDS.map((p) => mock.isOn(p))).toEqual([true, true, false, false]);
    log.length = 0;
    const before = mock.history(LEDS[0]!).at(-1)!.atMs;
    log.push({ kind: 'press', button: 1 });
    await press(app, 1);
    await waitFor(
      () => playsPattern(mock.history(LEDS[0]!), FEEDBACK_PATTERNS.savedOffline, { fromMs: before, toleranceMs: 100 }),
      'saved pattern',
      6000,
    );
    expect(app.outbox.pending().map((v) => ({ button: v.button, pollId: v.pollId }))).toEqual([{ button: 1, pollId: 7 }]);
    expect(ledChangesBeforeAppend(log)).toEqual([]);
  });

  it('no poll open: a press is not recorded and shows "not accepted"', async () => {
    const { secret, port } = await serverWithKiosk('app-4', null);
    const app = await start(config('app-4', secret, port, tempDir()));
    const mock = mockOf(app);
    await waitFor(() => app.client.status === 'online', 'online');
    expect(LEDS.map((p) => mock.isOn(p))).toEqual([false, false, false, false]);
    await press(app, 4);
    await waitFor(() => playsPattern(mock.history(LEDS[3]!), FEEDBACK_PATTERNS.refused, { toleranceMs: 100 }), 'refused pattern', 5000);
    expect(app.outbox.counts()).toEqual({ pending: 0, acked: 0, rejected: 0 });
  });

  it('stop(): LEDs off, every line released, backend and outbox closed; idempotent', async () => {
    const { secret, port } = await serverWithKiosk('app-5');
    const app = await start(config('app-5', secret, port, tempDir()));
    const mock = mockOf(app);
    await waitFor(() => app.client.status === 'online' && mock.isOn(LEDS[0]!), 'online');
    expect(mock.claimedPins.sort((a, b) => a - b)).toEqual([...BUTTONS, ...LEDS, STATUS].sort((a, b) => a - b));
    await Promise.all([app.stop(), app.stop()]);
    expect(mock.claimedPins).toEqual([]);
    for (const pin of [...LEDS, STATUS]) expect(mock.isOn(pin)).toBe(false);
    expect(() => app.outbox.pendingCount()).toThrow();
    await app.stop();
  });

  it('a busy pin fails the start with PV_GPIO_BUSY and leaves nothing claimed or open', async () => {
    const mock = new MockGpio({ heldByOverlay: { 13: 'spi0 overlay (simulated)' } });
    let outbox: Outbox | undefined;
    const attempt = startKiosk(config('app-6', 'x'.repeat(32), await deadPort(), tempDir()), {
      logger: silent,
      openBackend: async (): Promise<GpioBackend> => mock,
      openOutbox: (path) => (outbox = new Outbox(path)),
    });
    await expect(attempt).rejects.toMatchObject({ code: 'PV_GPIO_BUSY' });
    expect(mock.claimedPins).toEqual([]);
    expect(() => outbox!.pendingCount()).toThrow(); // closed
  });

  it('prunes the outbox at start', async () => {
    let prunes = 0;
    await start(config('app-8', 'x'.repeat(32), await deadPort(), tempDir()), {
      openOutbox: (path) => {
        const outbox = new Outbox(path);
        const prune = outbox.prune.bind(outbox);
        outbox.prune = () => {
          prunes++;
          return prune();
        };
        return outbox;
      },
    });
    expect(prunes).toBe(1);
  });
});

describe('the ordering check itself', () => {
  it('flags an LED change between a press and its append', () => {
    const bad: OrderEvent[] = [
      { kind: 'press', button: 2 },
      { kind: 'led', led: 2, value: 1 },
      { kind: 'append', button: 2 },
    ];
    expect(ledChangesBeforeAppend(bad)).toHaveLength(1);
    const good: OrderEvent[] = [
      { kind: 'press', button: 2 },
      { kind: 'led', led: 'status', value: 1 },
      { kind: 'append', button: 2 },
      { kind: 'led', led: 2, value: 0 },
    ];
    expect(ledChangesBeforeAppend(good)).toEqual([]);
  });
});
