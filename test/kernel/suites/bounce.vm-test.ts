import { afterEach, describe, expect, it } from 'vitest';
import { createButton, type Button, type EdgeEvent, type GpioBackend } from '../../../src/gpio/index.js';
import { PI4, PI5 } from '../sim/boards.js';
import type { GpioSimDevice, SimChip } from '../sim/gpio-sim.js';
import { createBoard, openReal, REAL_BACKENDS, sleep, SETTLE_MS } from './vm-env.js';

/**
 * Contact bounce through the real kernel: several level flips within a few milliseconds on a
 * button wired to GND with a pull-up. The backend passes the raw edges on (as many as the
 * kernel saw); the Button turns each bouncy press and release into exactly one event.
 */

const PRESS: (0 | 1)[] = [0, 1, 0, 1, 0, 1, 0];
const RELEASE: (0 | 1)[] = [1, 0, 1, 0, 1];
const GAP_US = 300;
/**
 * Longer than the 30 ms default: under TCG emulation on a busy CI host a 7-flip burst has taken
 * up to ~60 ms of wall time, and the point here is a burst inside one window, not the window size.
 */
const DEBOUNCE_MS = 200;

for (const board of [PI4, PI5]) {
  for (const kind of REAL_BACKENDS) {
    describe(`bounce: ${kind} on a simulated ${board.name}`, () => {
      let sim: { dev: GpioSimDevice; header: SimChip } | undefined;
      let gpio: GpioBackend | undefined;
      let button: Button | undefined;
      afterEach(async () => {
        button?.dispose();
        await gpio?.close();
        sim?.dev.dispose();
        button = undefined;
        gpio = undefined;
        sim = undefined;
      });

      it('a bouncing press and release give one press and one release', async () => {
        sim = createBoard(board);
        const { dev, header } = sim;
        dev.setLevel(header, 17, 1); // the external pull-up, for sysfs which cannot set one
        gpio = await openReal(kind);
        button = createButton(gpio, 'GPIO17', { debounceMs: DEBOUNCE_MS, holdMs: 0 });
        const presses: bigint[] = [];
        const releases: number[] = [];
        button.on('press', (e) => presses.push(e.timestampNs));
        button.on('release', (e) => releases.push(e.heldMs));

        const t0 = process.hrtime.bigint();
        dev.bounce(header, 17, PRESS, GAP_US);
        const burstMs = Number(process.hrtime.bigint() - t0) / 1e6;
        await sleep(3 * DEBOUNCE_MS);
        expect(presses).toHaveLength(1);
        expect(presses[0]).toBeGreaterThanOrEqual(t0);
        dev.bounce(header, 17, RELEASE, GAP_US);
        await sleep(3 * DEBOUNCE_MS + SETTLE_MS);
        expect(presses).toHaveLength(1);
        expect(releases).toHaveLength(1);
        expect(burstMs, 'the bounce must fit in the debounce window for this test to mean anything').toBeLessThan(DEBOUNCE_MS);
      });

      if (kind === 'chardev') {
        it('the kernel reports the bounce as separate edges with increasing timestamps', async () => {
          sim = createBoard(board);
          const { dev, header } = sim;
          gpio = await openReal(kind);
          const events: EdgeEvent[] = [];
          gpio.requestInput(17, { edge: 'both', pull: 'up', activeLow: true }).onEdge((e) => events.push(e));
          dev.bounce(header, 17, PRESS, GAP_US);
          await sleep(SETTLE_MS);
          // gpio-sim merges flips that come too close on a busy emulated machine; two edges still show
          // the kernel reporting the bounce rather than one clean press.
          expect(events.length).toBeGreaterThanOrEqual(2);
          expect(events.at(-1)?.value).toBe(1); // settled pressed (electrical 0, active-low)
          const stamps = events.map((e) => e.timestampNs);
          expect(stamps.every((t, i) => i === 0 || t > (stamps[i - 1] as bigint))).toBe(true);
          // The kernel stamps the burst itself, not our reading of it: the span stays inside the
          // debounce window even when the emulated machine is slow to deliver (no tighter timing
          // bound here: CI machines are shared and TCG is slow).
          expect(Number((stamps.at(-1) as bigint) - (stamps[0] as bigint)) / 1e6).toBeLessThan(DEBOUNCE_MS);
        });
      }
    });
  }
}
