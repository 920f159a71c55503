import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SYSFS_GPIO_ROOT } from './sysfs-chips.js';

/**
 * Reads what GPIO access this machine offers. Every path is injectable so the tests are the
 * same on a laptop, in CI and on a Pi.
 */

export const DEFAULT_MODEL_PATHS = ['/proc/device-tree/model', '/sys/firmware/devicetree/base/model'];
export const DEFAULT_DEV_DIR = '/dev';

export interface ProbeOptions {
  sysfsRoot?: string;
  devDir?: string;
  modelPaths?: readonly string[];
  isRoot?: () => boolean;
}

export type SysfsAccess = 'ok' | 'no-access' | 'absent';

export interface PlatformFacts {
  /** Device-tree model, e.g. "Raspberry Pi 4 Model B Rev 1.5"; undefined on a PC. */
  model: string | undefined;
  /** Character devices found, e.g. ["gpiochip0", "gpiochip4"]. */
  gpiochips: string[];
  sysfs: SysfsAccess;
  isRoot: boolean;
}

export function defaultIsRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The board model from the device tree (NUL-terminated there), or undefined. */
export function readBoardModel(modelPaths: readonly string[] = DEFAULT_MODEL_PATHS): string | undefined {
  for (const path of modelPaths) {
    try {
      const model = readFileSync(path, 'utf8').replace(/\0/g, '').trim();
      if (model !== '') return model;
    } catch {
      // try the next location
    }
  }
  return undefined;
}

export function isRaspberryPi(model: string | undefined): boolean {
  return model?.includes('Raspberry Pi') ?? false;
}

export function isRaspberryPi5(model: string | undefined): boolean {
  return /Raspberry Pi (5|500)\b|Compute Module 5/.test(model ?? '');
}

export function listGpiochips(devDir: string = DEFAULT_DEV_DIR): string[] {
  try {
    return readdirSync(devDir).filter((n) => /^gpiochip\d+$/.test(n)).sort();
  } catch {
    return [];
  }
}

/** Same test as onoff's `Gpio.accessible` (can we open export for writing?), but on any root. */
export function sysfsAccess(sysfsRoot: string = DEFAULT_SYSFS_GPIO_ROOT): SysfsAccess {
  const exportPath = join(sysfsRoot, 'export');
  if (!existsSync(exportPath)) return 'absent';
  try {
    accessSync(exportPath, constants.W_OK);
    return 'ok';
  } catch {
    return 'no-access';
  }
}

export function probePlatform(options: ProbeOptions = {}): PlatformFacts {
  return {
    model: readBoardModel(options.modelPaths),
    gpiochips: listGpiochips(options.devDir),
    sysfs: sysfsAccess(options.sysfsRoot),
    isRoot: (options.isRoot ?? defaultIsRoot)(),
  };
}
