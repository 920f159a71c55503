import { afterAll, beforeAll, describe } from 'vitest';
import { describeGpioBackendContract } from '../../gpio/contract.js';
import { BOARDS } from '../sim/boards.js';
import type { GpioSimDevice, SimChip } from '../sim/gpio-sim.js';
import { createBoard, openReal, REAL_BACKENDS, simDriver } from './vm-env.js';

/**
 * The GpioBackend contract (test/gpio/contract.ts) against Linux's own GPIO code: for the
 * chardev and onoff backends, on each simulated board layout, with gpio-sim as the world
 * outside the pins. BCM 17 is the input, BCM 27 the output.
 */

for (const board of BOARDS) {
  for (const kind of REAL_BACKENDS) {
    describe(`simulated ${board.name}`, () => {
      let sim: { dev: GpioSimDevice; header: SimChip } | undefined;
      beforeAll(() => {
        sim = createBoard(board);
      });
      afterAll(() => {
        sim?.dev.dispose();
      });
      const get = (): { dev: GpioSimDevice; header: SimChip } => {
        if (sim === undefined) throw new Error('gpio-sim board not created');
        return sim;
      };
      describeGpioBackendContract(kind, () => openReal(kind), async () => simDriver(get, { input: 17, output: 27 }));
    });
  }
}
