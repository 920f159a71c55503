import { existsSync } from 'node:fs';
import { openGpioBackend, type Bit, type GpioBackend } from '../../../src/gpio/index.js';
import { openChardevBackend } from '../../../src/gpio/chardev/chardev-backend.js';
import type { ContractDriver } from '../../gpio/contract.js';
import { GpioSimDevice, CONFIGFS_ROOT, type SimChip } from '../sim/gpio-sim.js';
import type { SimBoard } from '../sim/boards.js';

/** Shared set-up of the in-VM suites: the guard, the backends under test, the gpio-sim driver. */

export function assertInTestVm(): void {
  if (!existsSync(CONFIGFS_ROOT)) {
    throw new Error(`${CONFIGFS_ROOT} is missing: these suites run inside the test VM, via npm run test:kernel`);
  }
}

export type RealBackend = 'chardev' | 'onoff';
export const REAL_BACKENDS: readonly RealBackend[] = ['chardev', 'onoff'];

export async function openReal(kind: RealBackend): Promise<GpioBackend> {
  return kind === 'chardev' ? openChardevBackend() : openGpioBackend('onoff');
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Lets the kernel run its edge handling (irq_work, then the threaded handler) and the event
 * loop poll. gpio-sim coalesces two flips that land before its irq_work runs, so every level
 * change waits a little before the next one. Generous, because TCG emulation is slow.
 */
export const EDGE_GAP_MS = 25;
export const SETTLE_MS = 60;

let counter = 0;
export function createBoard(board: SimBoard): { dev: GpioSimDevice; header: SimChip } {
  assertInTestVm();
  const dev = GpioSimDevice.create(`pivote-${process.pid}-${counter++}`, board.banks);
  try {
    return { dev, header: dev.chip(board.headerLabel) };
  } catch (err) {
    dev.dispose(); // a leftover chip would shift every later chip number and sysfs base
    throw err;
  }
}

/** A contract driver that is gpio-sim: inputs driven through the simulated pull, outputs read back. */
export function simDriver(
  get: () => { dev: GpioSimDevice; header: SimChip },
  pins: { input: number; output: number },
): ContractDriver {
  return {
    pins,
    setInputLevel: async (level: Bit) => {
      const { dev, header } = get();
      dev.setLevel(header, pins.input, level);
      await sleep(EDGE_GAP_MS);
    },
    settle: () => sleep(SETTLE_MS),
    readOutputLevel: () => {
      const { dev, header } = get();
      return dev.level(header, pins.output);
    },
  };
}
