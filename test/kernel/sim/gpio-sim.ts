import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bit } from '../../../src/gpio/index.js';

/**
 * Drives gpio-sim, the kernel's GPIO simulator, from inside the test VM. A device is configured
 * in configfs (/sys/kernel/config/gpio-sim/<dev>/bankN/{num_lines,label,lineM/name}, then
 * live=1); each bank becomes a /dev/gpiochipN and a /sys/class/gpio/gpiochip<base>.
 * The outside world is simulated per line in /sys/devices/platform/<dev_name>/<chip>/sim_gpioM:
 * writing pull-up/pull-down to `pull` drives an input (edges included), `value` reads back
 * what an output drives.
 */

export const CONFIGFS_ROOT = '/sys/kernel/config/gpio-sim';

export interface BankSpec {
  label: string;
  lines: number;
  /** Line names by offset; undefined entries stay unnamed. */
  names?: readonly (string | undefined)[];
}

export interface SimChip {
  label: string;
  lines: number;
  /** e.g. gpiochip4 */
  chipName: string;
  devPath: string;
  /** Base in /sys/class/gpio (512, 571, …). */
  sysfsBase: number | undefined;
  simDir: string;
}

export function gpioNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `GPIO${i}`);
}

/** The legacy sysfs base of the bank with this label (labels are unique in our layouts). */
function sysfsBaseOf(label: string): number | undefined {
  const root = '/sys/class/gpio';
  for (const entry of existsSync(root) ? readdirSync(root) : []) {
    if (!/^gpiochip\d+$/.test(entry)) continue;
    if (readFileSync(join(root, entry, 'label'), 'utf8').trim() === label) {
      return Number(readFileSync(join(root, entry, 'base'), 'utf8').trim());
    }
  }
  return undefined;
}

export class GpioSimDevice {
  readonly chips: SimChip[] = [];
  private live = false;

  private constructor(
    readonly name: string,
    private readonly banks: readonly BankSpec[],
  ) {}

  /** Creates the device and brings it live; banks register in order, so bases follow that order. */
  static create(name: string, banks: readonly BankSpec[]): GpioSimDevice {
    const dev = new GpioSimDevice(name, banks);
    const dir = join(CONFIGFS_ROOT, name);
    mkdirSync(dir);
    try {
      banks.forEach((bank, i) => {
        const bankDir = join(dir, `bank${i}`);
        mkdirSync(bankDir);
        writeFileSync(join(bankDir, 'num_lines'), String(bank.lines));
        writeFileSync(join(bankDir, 'label'), bank.label);
        bank.names?.forEach((lineName, offset) => {
          if (lineName === undefined) return;
          mkdirSync(join(bankDir, `line${offset}`));
          writeFileSync(join(bankDir, `line${offset}`, 'name'), lineName);
        });
      });
      writeFileSync(join(dir, 'live'), '1');
      dev.live = true;
      const devName = readFileSync(join(dir, 'dev_name'), 'utf8').trim();
      banks.forEach((bank, i) => {
        const chipName = readFileSync(join(dir, `bank${i}`, 'chip_name'), 'utf8').trim();
        dev.chips.push({
          label: bank.label,
          lines: bank.lines,
          chipName,
          devPath: `/dev/${chipName}`,
          sysfsBase: sysfsBaseOf(bank.label),
          simDir: `/sys/devices/platform/${devName}/${chipName}`,
        });
      });
    } catch (err) {
      dev.dispose();
      throw err;
    }
    return dev;
  }

  /** The bank with this label. */
  chip(label: string): SimChip {
    const chip = this.chips.find((c) => c.label === label);
    if (chip === undefined) throw new Error(`gpio-sim device ${this.name} has no bank labelled ${label}`);
    return chip;
  }

  /** Drives an input electrically (through gpio-sim's simulated pull). */
  setLevel(chip: SimChip, offset: number, level: Bit): void {
    writeFileSync(join(chip.simDir, `sim_gpio${offset}`, 'pull'), level === 1 ? 'pull-up' : 'pull-down');
  }

  /** What the line is at electrically: an output's driven level, or an input's pulled level. */
  level(chip: SimChip, offset: number): Bit {
    return readFileSync(join(chip.simDir, `sim_gpio${offset}`, 'value'), 'utf8').trim() === '1' ? 1 : 0;
  }

  pull(chip: SimChip, offset: number): string {
    return readFileSync(join(chip.simDir, `sim_gpio${offset}`, 'pull'), 'utf8').trim();
  }

  /**
   * Contact bounce: the levels in order, `gapUs` apart (busy-waited: a timer cannot do tens of
   * microseconds). Each flip is a real edge for the kernel; the whole burst takes a few ms.
   */
  bounce(chip: SimChip, offset: number, levels: readonly Bit[], gapUs: number): void {
    for (const [i, level] of levels.entries()) {
      if (i > 0) {
        const until = process.hrtime.bigint() + BigInt(gapUs) * 1000n;
        while (process.hrtime.bigint() < until) {
          // busy-wait on purpose
        }
      }
      this.setLevel(chip, offset, level);
    }
  }

  /** Takes the device down and removes its configfs tree. Idempotent. */
  dispose(): void {
    const dir = join(CONFIGFS_ROOT, this.name);
    if (!existsSync(dir)) return;
    if (this.live) {
      writeFileSync(join(dir, 'live'), '0');
      this.live = false;
    }
    this.banks.forEach((bank, i) => {
      const bankDir = join(dir, `bank${i}`);
      bank.names?.forEach((lineName, offset) => {
        if (lineName !== undefined && existsSync(join(bankDir, `line${offset}`))) rmdirSync(join(bankDir, `line${offset}`));
      });
      if (existsSync(bankDir)) rmdirSync(bankDir);
    });
    rmdirSync(dir);
  }
}
