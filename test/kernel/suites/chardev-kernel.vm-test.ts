import { chmodSync, closeSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { EdgeEvent } from '../../../src/gpio/index.js';
import { loadChardevAddon } from '../../../src/gpio/chardev/addon.js';
import { openChardevBackend, type ChardevBackend } from '../../../src/gpio/chardev/chardev-backend.js';
import { isPivoteError, type PivoteError } from '../../../src/protocol/errors.js';
import { BOARDS, PI4 } from '../sim/boards.js';
import { gpioNames, type GpioSimDevice, type SimChip } from '../sim/gpio-sim.js';
import { createBoard, sleep, EDGE_GAP_MS, SETTLE_MS } from './vm-env.js';

/** What only a real kernel can show about the chardev backend: discovery, bias, debounce, errors. */

const NOBODY = 65534;

async function caught(fn: () => unknown): Promise<PivoteError> {
  try {
    await fn();
  } catch (err) {
    if (isPivoteError(err)) return err;
    throw err;
  }
  throw new Error('expected a PivoteError');
}

/** Runs `fn` with the effective uid of nobody: root would bypass the device permissions. */
async function asNobody<T>(fn: () => Promise<T> | T): Promise<T> {
  process.seteuid?.(NOBODY);
  try {
    return await fn();
  } finally {
    process.seteuid?.(0);
  }
}

describe('chardev backend on a real kernel (gpio-sim)', () => {
  const cleanups: (() => void | Promise<void>)[] = [];
  const board = (b = PI4): { dev: GpioSimDevice; header: SimChip } => {
    const sim = createBoard(b);
    cleanups.push(() => sim.dev.dispose());
    return sim;
  };
  const backend = async (options: Parameters<typeof openChardevBackend>[0] = {}): Promise<ChardevBackend> => {
    const b = await openChardevBackend(options);
    cleanups.unshift(() => b.close());
    return b;
  };
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  for (const b of BOARDS) {
    it(`finds the header chip of a ${b.name} by its label, at ${b.expect.chipName}`, async () => {
      const { dev, header } = board(b);
      expect(header.chipName).toBe(b.expect.chipName);
      const gpio = await backend();
      expect(gpio.chip).toMatchObject({ path: `/dev/${b.expect.chipName}`, label: b.headerLabel, foundBy: 'label' });
      const out = gpio.requestOutput(22, { initial: 1 });
      expect(dev.level(header, 22)).toBe(1);
      out.write(0);
      expect(dev.level(header, 22)).toBe(0);
    });
  }

  it('finds a chip with an unknown label by its line names, mapping GPIO<n> to its offset', async () => {
    // Names shifted by one: BCM n is at offset n + 1, so a label-style offset would be wrong.
    const { dev, header } = board({
      name: 'unknown board', headerLabel: 'some-future-pinctrl', expect: { chipName: 'gpiochip1', sysfsBase: 0 },
      banks: [
        { label: 'unrelated-expander', lines: 8 },
        { label: 'some-future-pinctrl', lines: 30, names: [undefined, ...gpioNames(29)] },
      ],
    });
    const gpio = await backend();
    expect(gpio).toMatchObject({ chip: { label: 'some-future-pinctrl', foundBy: 'line-names' } });
    gpio.requestOutput(5, { initial: 1 });
    expect(dev.level(header, 6)).toBe(1);
    expect(dev.level(header, 5)).toBe(0);
  });

  it('sets the bias in the kernel: pull-up and pull-down move the simulated line', async () => {
    const { dev, header } = board();
    const gpio = await backend();
    const up = gpio.requestInput(17, { pull: 'up' });
    expect(dev.pull(header, 17)).toBe('pull-up');
    expect(up.read()).toBe(1);
    up.release();
    const down = gpio.requestInput(17, { pull: 'down' });
    expect(dev.pull(header, 17)).toBe('pull-down');
    expect(down.read()).toBe(0);
  });

  it('stamps edges with the kernel monotonic clock, the one process.hrtime.bigint() reads', async () => {
    const { dev, header } = board();
    const gpio = await backend();
    const events: EdgeEvent[] = [];
    gpio.requestInput(17, { edge: 'both' }).onEdge((e) => events.push(e));
    const before = process.hrtime.bigint();
    dev.setLevel(header, 17, 1);
    const after = process.hrtime.bigint();
    await sleep(SETTLE_MS);
    expect(events).toHaveLength(1);
    expect(events[0]?.timestampNs).toBeGreaterThanOrEqual(before);
    expect(events[0]?.timestampNs).toBeLessThanOrEqual(after);
  });

  it('debounces in the kernel: a bouncing contact yields one edge with the settled level', async () => {
    const { dev, header } = board();
    const gpio = await backend();
    const events: EdgeEvent[] = [];
    gpio.requestInput(17, { edge: 'both', debounceUs: 20_000 }).onEdge((e) => events.push(e));
    expect(loadChardevAddon().lineInfo(header.devPath)[17]?.debouncePeriodUs).toBe(20_000);
    dev.bounce(header, 17, [1, 0, 1, 0, 1], 400);
    await sleep(20 + SETTLE_MS);
    expect(events.map((e) => e.value)).toEqual([1]);
  });

  it('names the holder when another process holds the line (PV_GPIO_BUSY)', async () => {
    const { header } = board();
    const addon = loadChardevAddon();
    const fd = addon.requestLines(header.devPath, { offsets: [17], consumer: 'other-daemon', flags: addon.constants.FLAG_INPUT });
    try {
      const gpio = await backend();
      const err = await caught(() => gpio.requestInput(17));
      expect(err.code).toBe('PV_GPIO_BUSY');
      expect(err.message).toContain('GPIO17');
      expect(err.message).toContain('other-daemon');
    } finally {
      closeSync(fd);
    }
  });

  it('says which chip cannot be opened and how to fix it when the user lacks permission', async () => {
    const { header } = board();
    expect(statSync(header.devPath).mode & 0o777).toBe(0o600);
    const err = await asNobody(() => caught(() => openChardevBackend()));
    expect(err.code).toBe('PV_GPIO_PERMISSION');
    expect(err.message).toContain(header.devPath);
    expect(err.message).toContain('gpio group');
    expect(err.message).toContain('SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"');
  });

  it('names the line when the chip is readable but requesting lines is not allowed', async () => {
    const { header } = board();
    chmodSync(header.devPath, 0o644); // chip info opens read-only; a request needs read-write
    const gpio = await backend();
    const err = await asNobody(() => caught(() => gpio.requestInput(17)));
    expect(err.code).toBe('PV_GPIO_PERMISSION');
    expect(err.message).toContain('GPIO17');
    expect(err.details).toMatchObject({ bcm: 17, chip: header.devPath, offset: 17, errno: 'EACCES' });
  });

  it('reports a chip that disappeared as PV_GPIO_UNAVAILABLE, and the edge reader stops quietly', async () => {
    const { dev } = board();
    const warnings: string[] = [];
    const gpio = await backend({ logger: { warn: (_obj, msg) => warnings.push(msg) } });
    gpio.requestInput(18, { edge: 'both' });
    dev.dispose();
    await sleep(EDGE_GAP_MS + SETTLE_MS);
    const err = await caught(() => gpio.requestInput(17));
    expect(err.code).toBe('PV_GPIO_UNAVAILABLE');
    expect(warnings).toContain('GPIO edge events stopped');
  });

  it('fails to open with PV_GPIO_UNAVAILABLE when no chip carries the header', async () => {
    board({
      name: 'no header', headerLabel: 'some-expander', expect: { chipName: 'gpiochip0', sysfsBase: 512 },
      banks: [{ label: 'some-expander', lines: 8 }],
    });
    const err = await caught(() => openChardevBackend());
    expect(err.code).toBe('PV_GPIO_UNAVAILABLE');
    expect(err.message).toContain('some-expander');
  });
});
