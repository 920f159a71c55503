import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPivoteError } from '../../src/protocol/errors.js';
import type { Bit, EdgeEvent, GpioBackend, InputLine } from '../../src/gpio/index.js';

/**
 * The contract every GpioBackend passes. The mock runs it everywhere; real backends run it on
 * a Pi with a loopback jumper (an output wired to an input), and are otherwise skipped with
 * the reason in the suite title — never counted as passed.
 */

export interface ContractDriver {
  /** `input` is what the driver can set electrically; `output` is a free pin. */
  readonly pins: { input: number; output: number };
  setInputLevel(level: Bit): Promise<void>;
  /** Waits until edge events caused so far have been delivered. */
  settle(): Promise<void>;
  /** Electrical level of `pins.output`, when the driver can observe it. */
  readOutputLevel?(): Bit;
  dispose?(): Promise<void>;
}

export interface ContractOptions {
  /** When set, the suite is skipped and this reason shows in its title. */
  skipReason?: string | undefined;
}

function expectCode(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(isPivoteError(thrown), `expected a PivoteError ${code}, got ${String(thrown)}`).toBe(true);
  expect((thrown as { code: string }).code).toBe(code);
}

function collect(line: InputLine): EdgeEvent[] {
  const events: EdgeEvent[] = [];
  line.onEdge((e) => events.push(e));
  return events;
}

export function describeGpioBackendContract(
  name: string,
  makeBackend: () => Promise<GpioBackend>,
  makeDriver: (backend: GpioBackend) => Promise<ContractDriver>,
  options: ContractOptions = {},
): void {
  const title = options.skipReason === undefined
    ? `GpioBackend contract: ${name}`
    : `GpioBackend contract: ${name} — SKIPPED: ${options.skipReason}`;

  describe.skipIf(options.skipReason !== undefined)(title, () => {
    let backend: GpioBackend;
    let driver: ContractDriver;
    let extra: GpioBackend[];

    beforeEach(async () => {
      backend = await makeBackend();
      driver = await makeDriver(backend);
      extra = [];
      await driver.setInputLevel(0);
      await driver.settle();
    });

    afterEach(async () => {
      await backend.close();
      for (const b of extra) await b.close();
      await driver.dispose?.();
    });

    it('reads the electrical level of an input', async () => {
      const input = backend.requestInput(driver.pins.input, { pull: 'none' });
      expect(input.read()).toBe(0);
      await driver.setInputLevel(1);
      expect(input.read()).toBe(1);
    });

    it('inverts an active-low input', async () => {
      const input = backend.requestInput(driver.pins.input, { activeLow: true });
      expect(input.read()).toBe(1);
      await driver.setInputLevel(1);
      expect(input.read()).toBe(0);
    });

    it('writes an output and reads it back, honouring initial and active-low', () => {
      const out = backend.requestOutput(driver.pins.output, { initial: 1 });
      expect(out.read()).toBe(1);
      if (driver.readOutputLevel) expect(driver.readOutputLevel()).toBe(1);
      out.write(0);
      expect(out.read()).toBe(0);
      if (driver.readOutputLevel) expect(driver.readOutputLevel()).toBe(0);
      out.release();
      const inverted = backend.requestOutput(driver.pins.output, { activeLow: true, initial: 0 });
      if (driver.readOutputLevel) expect(driver.readOutputLevel()).toBe(1);
      inverted.write(1);
      expect(inverted.read()).toBe(1);
      if (driver.readOutputLevel) expect(driver.readOutputLevel()).toBe(0);
    });

    it('delivers both edges in order with non-decreasing timestamps', async () => {
      const events = collect(backend.requestInput(driver.pins.input, { edge: 'both' }));
      for (const level of [1, 0, 1] as const) await driver.setInputLevel(level);
      await driver.settle();
      expect(events.map((e) => e.value)).toEqual([1, 0, 1]);
      const stamps = events.map((e) => e.timestampNs);
      expect(stamps.every((t, i) => i === 0 || t >= (stamps[i - 1] as bigint))).toBe(true);
    });

    it('delivers only the requested edge', async () => {
      const events = collect(backend.requestInput(driver.pins.input, { edge: 'rising' }));
      for (const level of [1, 0, 1, 0] as const) await driver.setInputLevel(level);
      await driver.settle();
      expect(events.map((e) => e.value)).toEqual([1, 1]);
    });

    it('filters edges on the logical value of an active-low input', async () => {
      // Logical falling = electrical rising when active-low.
      const events = collect(backend.requestInput(driver.pins.input, { edge: 'falling', activeLow: true }));
      for (const level of [1, 0, 1] as const) await driver.setInputLevel(level);
      await driver.settle();
      expect(events.map((e) => e.value)).toEqual([0, 0]);
    });

    it('stops delivering to an unsubscribed listener', async () => {
      const input = backend.requestInput(driver.pins.input, { edge: 'both' });
      const kept: EdgeEvent[] = [];
      const dropped: EdgeEvent[] = [];
      input.onEdge((e) => kept.push(e));
      const off = input.onEdge((e) => dropped.push(e));
      off();
      await driver.setInputLevel(1);
      await driver.settle();
      expect(kept).toHaveLength(1);
      expect(dropped).toHaveLength(0);
    });

    it('refuses a pin claimed twice with PV_GPIO_BUSY', () => {
      backend.requestInput(driver.pins.input);
      expectCode(() => backend.requestInput(driver.pins.input), 'PV_GPIO_BUSY');
      expectCode(() => backend.requestOutput(driver.pins.input), 'PV_GPIO_BUSY');
      backend.requestOutput(driver.pins.output);
      expectCode(() => backend.requestOutput(driver.pins.output), 'PV_GPIO_BUSY');
    });

    it('refuses pins that do not exist or are reserved', () => {
      expectCode(() => backend.requestInput(40), 'PV_GPIO_NO_SUCH_PIN');
      expectCode(() => backend.requestOutput(-1), 'PV_GPIO_NO_SUCH_PIN');
      expectCode(() => backend.requestInput(0), 'PV_GPIO_RESERVED');
    });

    it('frees the pin on release; a released line refuses use; release is idempotent', async () => {
      const input = backend.requestInput(driver.pins.input);
      const out = backend.requestOutput(driver.pins.output, { initial: 1 });
      input.release();
      out.release();
      out.release();
      if (driver.readOutputLevel) expect(driver.readOutputLevel()).toBe(0); // released LEDs are off
      expectCode(() => input.read(), 'PV_GPIO_RELEASED');
      expectCode(() => input.onEdge(() => undefined), 'PV_GPIO_RELEASED');
      expectCode(() => out.write(1), 'PV_GPIO_RELEASED');
      expectCode(() => out.read(), 'PV_GPIO_RELEASED');
      const again = backend.requestInput(driver.pins.input, { edge: 'both' });
      const events = collect(again);
      await driver.setInputLevel(1);
      await driver.settle();
      expect(again.read()).toBe(1);
      expect(events.map((e) => e.value)).toEqual([1]);
    });

    it('releases every line on close, and the pins can be claimed again', async () => {
      const input = backend.requestInput(driver.pins.input);
      const out = backend.requestOutput(driver.pins.output, { initial: 1 });
      await backend.close();
      await backend.close();
      if (driver.readOutputLevel) expect(driver.readOutputLevel()).toBe(0);
      expectCode(() => input.read(), 'PV_GPIO_RELEASED');
      expectCode(() => out.write(0), 'PV_GPIO_RELEASED');
      expectCode(() => backend.requestInput(driver.pins.input), 'PV_GPIO_RELEASED');
      const next = await makeBackend();
      extra.push(next);
      next.requestInput(driver.pins.input);
      next.requestOutput(driver.pins.output);
    });
  });
}
