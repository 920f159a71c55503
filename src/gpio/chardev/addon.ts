import { createRequire } from 'node:module';
import { PivoteError } from '../../protocol/errors.js';

/**
 * The native part of the chardev backend (native/gpio-chardev, package `@pivote/gpio-chardev`):
 * only the ioctls of the kernel's GPIO uAPI v2. It is an optional dependency that does not build
 * on macOS or Windows, so it is loaded lazily, and only when the chardev backend is opened.
 */

export interface ChardevConstants {
  readonly FLAG_USED: number;
  readonly FLAG_ACTIVE_LOW: number;
  readonly FLAG_INPUT: number;
  readonly FLAG_OUTPUT: number;
  readonly FLAG_EDGE_RISING: number;
  readonly FLAG_EDGE_FALLING: number;
  readonly FLAG_OPEN_DRAIN: number;
  readonly FLAG_OPEN_SOURCE: number;
  readonly FLAG_BIAS_PULL_UP: number;
  readonly FLAG_BIAS_PULL_DOWN: number;
  readonly FLAG_BIAS_DISABLED: number;
  readonly EVENT_RISING_EDGE: number;
  readonly EVENT_FALLING_EDGE: number;
  /** sizeof(struct gpio_v2_line_event): 48. */
  readonly EVENT_SIZE: number;
  readonly LINES_MAX: number;
  readonly MAX_NAME_SIZE: number;
}

export interface ChipInfo {
  /** Kernel device name, e.g. "gpiochip0". */
  name: string;
  /** Driver label, e.g. "pinctrl-rp1". */
  label: string;
  lines: number;
}

export interface LineInfo {
  offset: number;
  /** Line name from the device tree, e.g. "GPIO17"; may be empty. */
  name: string;
  /** Who holds the line; empty when free or when the holder gave no name. */
  consumer: string;
  flags: number;
  debouncePeriodUs: number;
}

export interface LineRequestConfig {
  offsets: number[];
  consumer?: string;
  flags: number;
  debouncePeriodUs?: number;
  /** Bitmap indexed by position in `offsets`; for outputs. */
  outputValues?: bigint;
  eventBufferSize?: number;
}

export interface Watcher {
  close(): void;
}

/** The addon's exports; errors thrown carry `code` = errno name (EBUSY, EACCES, ENOENT, …). */
export interface ChardevAddon {
  readonly constants: ChardevConstants;
  chipInfo(path: string): ChipInfo;
  lineInfo(path: string): LineInfo[];
  /** Returns the O_NONBLOCK, O_CLOEXEC fd of the line request. */
  requestLines(path: string, config: LineRequestConfig): number;
  getValues(fd: number, mask: bigint): bigint;
  setValues(fd: number, mask: bigint, bits: bigint): void;
  /** Calls `onReadable(null)` on the main thread whenever the fd is readable; close before closing the fd. */
  watch(fd: number, onReadable: (errorCode: string | null) => void): Watcher;
}

export const ADDON_PACKAGE = '@pivote/gpio-chardev';

/**
 * Where to look: the installed package first; then the in-tree build, which is what a checkout
 * has after `npm install` (the package is linked from native/gpio-chardev) or after building
 * it by hand, and is the same relative path from src/gpio/chardev and dist/gpio/chardev.
 */
const CANDIDATES = [ADDON_PACKAGE, '../../../native/gpio-chardev/index.js'];

let cached: ChardevAddon | undefined;

/** Loads the addon once; throws PV_GPIO_UNAVAILABLE saying why it is missing and how to get it. */
export function loadChardevAddon(candidates: readonly string[] = CANDIDATES): ChardevAddon {
  if (cached !== undefined && candidates === CANDIDATES) return cached;
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const id of candidates) {
    try {
      const addon = require(id) as ChardevAddon;
      if (typeof addon.requestLines !== 'function' || typeof addon.watch !== 'function') {
        failures.push(`${id}: not the gpio-chardev addon`);
        continue;
      }
      if (candidates === CANDIDATES) cached = addon;
      return addon;
    } catch (err) {
      failures.push(`${id}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  const platform = process.platform === 'linux'
    ? 'it did not build when pivote was installed (it needs a C compiler, make, python3 and the kernel uAPI header ' +
      'linux/gpio.h: sudo apt install python3 make g++ linux-libc-dev, then install pivote again: ' +
      'sudo npm install -g ./pivote-<version>.tgz, or npm install in a checkout)'
    : `the GPIO character device exists only on Linux (this is ${process.platform})`;
  throw new PivoteError(
    'PV_GPIO_UNAVAILABLE',
    `chardev backend unavailable: the native addon ${ADDON_PACKAGE} is not loadable; ${platform}`,
    { backend: 'chardev', tried: failures },
  );
}

/** Why the chardev backend cannot load here, or undefined when it can; for `--gpio auto`. */
export function chardevAddonProblem(load: () => ChardevAddon = loadChardevAddon): string | undefined {
  try {
    load();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
