import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openGpioBackend, resolveSysfsNumber } from '../../../src/gpio/index.js';
import { BOARDS } from '../sim/boards.js';
import type { GpioSimDevice } from '../sim/gpio-sim.js';
import { createBoard } from './vm-env.js';

/**
 * Since kernel 6.6 sysfs GPIO numbers are not BCM numbers: the header chip's base is 512 on a
 * Pi 4 and a current Pi 5, and 571 on a Pi 5 before 6.6.45. Resolved against the kernel's own
 * /sys/class/gpio, and checked through onoff, which exports the resolved number.
 */

describe('sysfs base resolution on a real kernel (gpio-sim)', () => {
  let dev: GpioSimDevice | undefined;
  afterEach(() => {
    dev?.dispose();
    dev = undefined;
  });

  for (const board of BOARDS) {
    it(`${board.name}: BCM 17 is sysfs GPIO ${board.expect.sysfsBase + 17}`, async () => {
      const sim = createBoard(board);
      dev = sim.dev;
      expect(sim.header.sysfsBase).toBe(board.expect.sysfsBase);
      const resolved = resolveSysfsNumber(17);
      expect(resolved).toMatchObject({ sysfsNumber: board.expect.sysfsBase + 17, chip: { label: board.headerLabel } });

      const onoff = await openGpioBackend('onoff');
      try {
        const out = onoff.requestOutput(17, { initial: 1 });
        expect(existsSync(`/sys/class/gpio/gpio${board.expect.sysfsBase + 17}`)).toBe(true);
        expect(sim.dev.level(sim.header, 17)).toBe(1);
        out.release();
        expect(existsSync(`/sys/class/gpio/gpio${board.expect.sysfsBase + 17}`)).toBe(false);
      } finally {
        await onoff.close();
      }
    });
  }
});
