import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { FEEDBACK_PATTERNS, parsePin, type Bit, type GpioBackend } from '../../../src/gpio/index.js';
import { openSqliteVoteStore } from '../../../src/store/sqlite/sqlite-store.js';
import type { StoredVote } from '../../../src/store/types.js';
import { PI4, PI5 } from '../sim/boards.js';
import { GpioValueTrace } from '../sim/gpio-trace.js';
import type { GpioSimDevice, SimChip } from '../sim/gpio-sim.js';
import {
  assertBuildFresh, killPivotes, pivoteJson, RealKiosk, runPivote, startVmServer, watchAnswer, type LedSample,
} from './kiosk-vm.js';
import { createBoard, openReal, REAL_BACKENDS, sleep } from './vm-env.js';

/**
 * The whole system on a real kernel: `pivote server` and `pivote kiosk --gpio chardev|onoff`,
 * both inside the VM on its loopback, the kiosk's buttons and LEDs on gpio-sim lines laid out
 * like a Pi 4 or a Pi 5 with the default wiring. A press is driven electrically (gpio-sim pull),
 * the tally is read with `pivote results`, the LEDs with gpio-sim's line values, and what the
 * kiosk drove on its way out with the kernel's gpio_value trace.
 */

/** The default wiring, as shipped in the example config (hardware/README.md). */
const DEFAULT_WIRING = JSON.parse(readFileSync(new URL('../../../hardware/kiosk.example.json', import.meta.url), 'utf8')) as {
  buttons: string[];
  leds: string[];
  statusLed: string;
};
const BUTTONS = DEFAULT_WIRING.buttons.map((p) => parsePin(p)); // 5, 6, 13, 19
const LEDS = DEFAULT_WIRING.leds.map((p) => parsePin(p)); // 17, 27, 22, 23
const STATUS = parsePin(DEFAULT_WIRING.statusLed); // 24
const OPTIONS = ['red', 'green', 'blue', 'yellow'];

/**
 * Longer than the 30 ms default: under TCG on a busy host a 7-flip burst has taken up to ~60 ms
 * of wall time (see bounce.vm-test.ts). The point is a burst inside one window.
 */
const DEBOUNCE_MS = 150;
const PRESS_FLIPS: Bit[] = [0, 1, 0, 1, 0, 1, 0];
const RELEASE_FLIPS: Bit[] = [1, 0, 1, 0, 1];
const GAP_US = 300;
/**
 * "Confirmed" lights the LED once for 1200 ms, "saved, will send" for 400 ms at a time: a lit
 * stretch of at least 3/4 of the former (sampling and TCG jitter) can only be "confirmed".
 */
const longestOn = (steps: readonly { on: boolean; ms: number }[]): number => Math.max(...steps.filter((s) => s.on).map((s) => s.ms));
const CONFIRMED_MIN_MS = 0.75 * longestOn(FEEDBACK_PATTERNS.confirmed.steps);
const CONFIRMED_MAX_MS = 2.5 * longestOn(FEEDBACK_PATTERNS.confirmed.steps);
const ANSWER_WAIT_MS = 15_000;

interface Results {
  total: number;
  options: { button: number; count: number }[];
}

it('kiosk end-to-end: a lit stretch of CONFIRMED_MIN_MS can only be "confirmed"', () => {
  expect(CONFIRMED_MIN_MS).toBeGreaterThan(longestOn(FEEDBACK_PATTERNS.savedOffline.steps));
  expect(CONFIRMED_MIN_MS).toBeGreaterThan(longestOn(FEEDBACK_PATTERNS.refused.steps));
});

for (const [boardId, board] of [['pi4', PI4], ['pi5', PI5]] as const) {
  for (const kind of REAL_BACKENDS) {
    describe(`kiosk end-to-end: ${kind} on a simulated ${board.name}`, () => {
      let sim: { dev: GpioSimDevice; header: SimChip } | undefined;
      let trace: GpioValueTrace | undefined;
      let gpio: GpioBackend | undefined;
      let dir: string | undefined;
      afterEach(async () => {
        await killPivotes();
        trace?.stop();
        await gpio?.close();
        sim?.dev.dispose();
        if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
        sim = undefined;
        trace = undefined;
        gpio = undefined;
        dir = undefined;
      });

      it('press -> stored once, confirmed on its LED; a bounce is one vote; SIGTERM -> exit 0, LEDs off, lines free', async () => {
        assertBuildFresh();
        sim = createBoard(board);
        const { dev, header } = sim;
        const base = header.sysfsBase;
        if (base === undefined) throw new Error(`no sysfs base for ${header.label}`);
        for (const b of BUTTONS) dev.setLevel(header, b, 1); // the external pull-ups (sysfs cannot set them)
        const read = (): LedSample => ({
          atMs: performance.now(),
          options: LEDS.map((l) => dev.level(header, l)),
          status: dev.level(header, STATUS),
        });

        // The server on a fresh database in tmpfs; then the kiosk registered and a poll opened.
        dir = mkdtempSync(join(tmpdir(), 'pivote-kiosk-e2e-'));
        const db = join(dir, 'pivote.db');
        const server = await startVmServer(db);
        const kioskId = `vm-${kind}-${boardId}`;
        // Side by side (each node start costs ~3 s under TCG); SQLite's busy timeout orders the writes.
        const [added, opened] = await Promise.all([
          pivoteJson<{ id: string; secret: string }>(['fleet', 'add', kioskId, '--db', db, '--format', 'json']),
          runOk(['poll', 'open', '--db', db, '--question', 'Which colour?', ...OPTIONS.flatMap((o) => ['--option', o])]),
        ]);
        expect(opened).toMatch(/Opened poll 1/);

        const configPath = join(dir, 'kiosk.json');
        writeFileSync(
          configPath,
          JSON.stringify({
            server: [`127.0.0.1:${server.port}`],
            kioskId,
            secret: added.secret,
            buttons: DEFAULT_WIRING.buttons,
            leds: DEFAULT_WIRING.leds,
            statusLed: DEFAULT_WIRING.statusLed,
            debounceMs: DEBOUNCE_MS,
            dataDir: join(dir, 'kiosk'),
            gpio: 'auto', // overridden by --gpio, as a user would
          }),
        );

        trace = new GpioValueTrace();
        trace.start();
        const kiosk = RealKiosk.start(configPath, kind);
        const opening = await kiosk.until(() => kiosk.logged('GPIO backend open')[0], 'the GPIO backend to open');
        expect(opening.backend, 'the backend asked for, never a fallback').toBe(kind);
        await kiosk.until(() => kiosk.logged('online').length > 0, 'the kiosk to come online');
        await kiosk.until(() => {
          const s = read();
          return s.status === 1 && s.options.every((v) => v === 1);
        }, 'the status LED on and the four option LEDs lit');

        // A clean press of button 2: stored once, and LED 2 plays "confirmed" (only shown after the ack).
        const [answer] = await Promise.all([watchAnswer(read, 2, ANSWER_WAIT_MS), press(dev, header, BUTTONS[1]!, 300)]);
        expect(answer.litAloneMs, 'LED 2 lit alone as long as "confirmed" lasts').toBeGreaterThanOrEqual(CONFIRMED_MIN_MS);
        expect(answer.litAloneMs).toBeLessThanOrEqual(CONFIRMED_MAX_MS);
        expect(answer.samples.every((s) => s.status === 1), 'the status LED stays on while online').toBe(true);
        expect(kiosk.logged('vote recorded').map((l) => l.button)).toEqual([2]);
        // The stored row itself (one `pivote results` per scenario, at the end: each costs ~4 s of
        // node start-up under TCG, and the budget for the whole of test:kernel is five minutes).
        expect((await storedVotes(db)).map((v) => ({ kioskId: v.kioskId, button: v.button, seq: v.seq, flagged: v.flagged }))).toEqual([
          { kioskId, button: 2, seq: 1, flagged: false },
        ]);

        // A bouncing press and release of button 3: one vote, and no second press swallowed by the lockout.
        const t0 = process.hrtime.bigint();
        dev.bounce(header, BUTTONS[2]!, PRESS_FLIPS, GAP_US);
        const burstMs = Number(process.hrtime.bigint() - t0) / 1e6;
        const [bounced] = await Promise.all([
          watchAnswer(read, 3, ANSWER_WAIT_MS),
          (async () => {
            await sleep(2 * DEBOUNCE_MS);
            dev.bounce(header, BUTTONS[2]!, RELEASE_FLIPS, GAP_US);
          })(),
        ]);
        expect(burstMs, 'the bounce must fit in the debounce window for this test to mean anything').toBeLessThan(DEBOUNCE_MS);
        expect(bounced.litAloneMs).toBeGreaterThanOrEqual(CONFIRMED_MIN_MS);
        expect(kiosk.logged('vote recorded').map((l) => l.button)).toEqual([2, 3]);
        expect(kiosk.logged('pressDuringLockout'), 'a bounce edge taken for a second press').toEqual([]);
        const tally = await pivoteJson<Results>(['results', '--db', db, '--format', 'json']);
        expect(tally.total).toBe(2);
        expect(tally.options.map((o) => o.count), 'one vote for button 2 and one for button 3').toEqual([0, 1, 1, 0]);

        // SIGTERM: exit 0, every LED driven off before its line was let go, every line free again.
        expect(await kiosk.stop('SIGTERM')).toEqual({ code: 0, signal: null });
        expect(kiosk.logs.filter((l) => (l.level ?? 0) >= 50), 'no error logs').toEqual([]);
        const outputs = [...LEDS, STATUS];
        const setOnes = new Set(trace.events().filter((e) => e.op === 'set' && e.value === 1).map((e) => e.gpio));
        expect(outputs.filter((l) => !setOnes.has(base + l)), 'every LED was lit at some point (else "off" means nothing)').toEqual([]);
        const last = trace.lastSet(outputs.map((l) => base + l));
        expect(outputs.map((l) => [l, last.get(base + l)]), 'last value the kiosk set on each LED').toEqual(outputs.map((l) => [l, 0]));
        trace.stop();
        expect(outputs.map((l) => dev.level(header, l))).toEqual(outputs.map(() => 0));

        gpio = await openReal(kind);
        for (const b of BUTTONS) gpio.requestInput(b, { edge: 'both', pull: 'up', activeLow: true });
        for (const l of outputs) gpio.requestOutput(l, { initial: 0 });
        await gpio.close();
        gpio = undefined;

        expect(await server.stop()).toBe(0);
      }, 120_000);
    });
  }
}

/** Holds the button down (electrically low) for `ms`, then lets go. */
async function press(dev: GpioSimDevice, header: SimChip, bcm: number, ms: number): Promise<void> {
  dev.setLevel(header, bcm, 0);
  await sleep(ms);
  dev.setLevel(header, bcm, 1);
}

async function storedVotes(db: string): Promise<StoredVote[]> {
  const store = openSqliteVoteStore(db, { readonly: true });
  try {
    return await store.listVotes();
  } finally {
    await store.close();
  }
}

async function runOk(args: string[]): Promise<string> {
  const r = await runPivote(args);
  if (r.code !== 0) throw new Error(`pivote ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
