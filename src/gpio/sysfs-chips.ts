import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PivoteError } from '../protocol/errors.js';
import { describePin } from './pin-names.js';

/**
 * BCM number → sysfs GPIO number. Since kernel 6.6 (and on every Pi 5) they differ: the header
 * GPIOs live on a chip whose base is 512, 571, … so the base is read from
 * `<sysfsRoot>/gpiochip*\/{base,label,ngpio}`, never hard-coded. The sysfs root is a parameter
 * so tests resolve against fake trees.
 */

export const DEFAULT_SYSFS_GPIO_ROOT = '/sys/class/gpio';

/** Labels of the chip that carries the header GPIOs, newest Pi first. */
export const BCM_CHIP_LABELS = [
  'pinctrl-rp1', // Pi 5 (RP1 south bridge)
  'pinctrl-bcm2711', // Pi 4, Pi 400, CM4
  'pinctrl-bcm2835', // Pi 0-3 (BCM2835/6/7 all use this driver)
] as const;

export interface GpioChipInfo {
  /** Directory name, e.g. "gpiochip512". */
  name: string;
  base: number;
  /** Number of lines, when the file exists. */
  ngpio: number | undefined;
  label: string;
}

/** Reads every `gpiochip*` entry under the sysfs root. Unreadable entries are skipped. */
export function readSysfsChips(sysfsRoot: string = DEFAULT_SYSFS_GPIO_ROOT): GpioChipInfo[] {
  let names: string[];
  try {
    names = readdirSync(sysfsRoot).filter((n) => /^gpiochip\d+$/.test(n));
  } catch (err) {
    throw new PivoteError(
      'PV_GPIO_UNAVAILABLE',
      `cannot list ${sysfsRoot}: sysfs GPIO is absent (kernel 6.12+ removed it) or inaccessible`,
      { sysfsRoot },
      { cause: err },
    );
  }
  const chips: GpioChipInfo[] = [];
  for (const name of names) {
    const read = (file: string): string | undefined => {
      try {
        return readFileSync(join(sysfsRoot, name, file), 'utf8').trim();
      } catch {
        return undefined;
      }
    };
    const base = Number(read('base'));
    const label = read('label');
    const ngpioText = read('ngpio');
    if (!Number.isInteger(base) || label === undefined) continue;
    chips.push({ name, base, label, ngpio: ngpioText === undefined ? undefined : Number(ngpioText) });
  }
  return chips.sort((a, b) => a.base - b.base);
}

/** Picks the chip carrying the header GPIOs by its label (a Pi 5 lists several brcmstb chips too). */
export function pickBcmChip(chips: readonly GpioChipInfo[]): GpioChipInfo {
  for (const label of BCM_CHIP_LABELS) {
    const chip = chips.find((c) => c.label === label);
    if (chip !== undefined) return chip;
  }
  const seen = chips.map((c) => `${c.name}=${c.label}`).join(', ') || 'none';
  throw new PivoteError(
    'PV_GPIO_UNAVAILABLE',
    `no Raspberry Pi GPIO chip in sysfs (looked for labels ${BCM_CHIP_LABELS.join(', ')}; found ${seen})`,
    { chips: chips.map((c) => ({ ...c })) },
  );
}

/** Pure: the sysfs number of a BCM GPIO on the given chip. */
export function sysfsNumberFor(bcm: number, chip: GpioChipInfo): number {
  if (chip.ngpio !== undefined && (bcm < 0 || bcm >= chip.ngpio)) {
    throw new PivoteError('PV_GPIO_NO_SUCH_PIN', `${describePin(bcm)} is outside ${chip.name} (${chip.label}, ${chip.ngpio} lines)`, {
      bcm,
      chip: chip.name,
    });
  }
  return chip.base + bcm;
}

export interface SysfsResolution {
  bcm: number;
  sysfsNumber: number;
  chip: GpioChipInfo;
}

/** Reads the tree and resolves one BCM number. */
export function resolveSysfsNumber(bcm: number, sysfsRoot: string = DEFAULT_SYSFS_GPIO_ROOT): SysfsResolution {
  const chip = pickBcmChip(readSysfsChips(sysfsRoot));
  return { bcm, sysfsNumber: sysfsNumberFor(bcm, chip), chip };
}
