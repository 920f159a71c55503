import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PivoteError } from '../../protocol/errors.js';
import { describePin } from '../pin-names.js';
import { BCM_CHIP_LABELS } from '../sysfs-chips.js';
import type { ChardevAddon, ChipInfo } from './addon.js';
import { errnoOf, noChipsError, noHeaderChipError } from './chardev-errors.js';

/**
 * Finds the GPIO chip that carries the 40-pin header by what it is, never by its number: the
 * Pi 5's chip moved from gpiochip4 to gpiochip0 in kernel 6.6.45, and any overlay can add
 * chips in front of it. First by driver label (offset = BCM number), then, for boards whose
 * label we do not know, by line names `GPIO<n>` (offset from the name).
 */

export const DEFAULT_DEV_DIR = '/dev';

export interface ChipEntry extends ChipInfo {
  /** e.g. /dev/gpiochip0 */
  path: string;
}

export interface HeaderChip extends ChipEntry {
  /** How it was recognised, for the log. */
  foundBy: 'label' | 'line-names' | 'option';
  /** The line offset of a BCM GPIO on this chip, or undefined when it has none. */
  offsetFor(bcm: number): number | undefined;
}

export interface ChipScan {
  chips: ChipEntry[];
  /** Paths that exist but could not be opened (EACCES/EPERM). */
  denied: string[];
}

/** `gpiochipN` entries of the dev dir, in numeric order. */
export function listChipPaths(devDir: string = DEFAULT_DEV_DIR): string[] {
  let names: string[];
  try {
    names = readdirSync(devDir).filter((n) => /^gpiochip\d+$/.test(n));
  } catch {
    return [];
  }
  return names.sort((a, b) => Number(a.slice(8)) - Number(b.slice(8))).map((n) => join(devDir, n));
}

/** Reads every chip's info; chips that refuse us are listed so the error can say so. */
export function scanChips(devDir: string, addon: Pick<ChardevAddon, 'chipInfo'>): ChipScan {
  const paths = listChipPaths(devDir);
  if (paths.length === 0) throw noChipsError(devDir);
  const chips: ChipEntry[] = [];
  const denied: string[] = [];
  for (const path of paths) {
    try {
      chips.push({ path, ...addon.chipInfo(path) });
    } catch (err) {
      const errno = errnoOf(err);
      if (errno === 'EACCES' || errno === 'EPERM') denied.push(path);
      // Anything else (ENODEV of a chip being removed, ENOTTY of a stray node) is not our chip.
    }
  }
  return { chips, denied };
}

function byOffset(chip: ChipEntry, foundBy: HeaderChip['foundBy']): HeaderChip {
  return { ...chip, foundBy, offsetFor: (bcm) => (Number.isInteger(bcm) && bcm >= 0 && bcm < chip.lines ? bcm : undefined) };
}

/** BCM number → offset, from line names like "GPIO17"; undefined when the chip has none. */
export function offsetsFromLineNames(names: readonly string[]): Map<number, number> | undefined {
  const map = new Map<number, number>();
  names.forEach((name, offset) => {
    const m = /^GPIO(\d+)$/.exec(name);
    if (m !== null && !map.has(Number(m[1]))) map.set(Number(m[1]), offset);
  });
  return map.size === 0 ? undefined : map;
}

/**
 * Pure choice of the header chip. `lineNames(chip)` is only called when no label matches.
 * `preferred` (a path, chip name or label from the configuration) overrides the search.
 */
export function pickHeaderChip(
  scan: ChipScan,
  lineNames: (chip: ChipEntry) => readonly string[],
  devDir: string,
  preferred?: string,
): HeaderChip {
  if (preferred !== undefined) {
    const chip = scan.chips.find((c) => c.path === preferred || c.name === preferred || c.label === preferred);
    if (chip !== undefined) return byOffset(chip, 'option');
    throw noHeaderChipError(devDir, scan.chips, scan.denied, `the configured chip "${preferred}"`);
  }
  for (const label of BCM_CHIP_LABELS) {
    const chip = scan.chips.find((c) => c.label === label);
    if (chip !== undefined) return byOffset(chip, 'label');
  }
  let best: { chip: ChipEntry; map: Map<number, number> } | undefined;
  for (const chip of scan.chips) {
    let map: Map<number, number> | undefined;
    try {
      map = offsetsFromLineNames(lineNames(chip));
    } catch {
      continue;
    }
    if (map !== undefined && (best === undefined || map.size > best.map.size)) best = { chip, map };
  }
  if (best !== undefined) {
    const { chip, map } = best;
    return { ...chip, foundBy: 'line-names', offsetFor: (bcm) => map.get(bcm) };
  }
  throw noHeaderChipError(devDir, scan.chips, scan.denied, `labels ${BCM_CHIP_LABELS.join(', ')} or lines named GPIO<n>`);
}

/** The offset of a BCM GPIO, or PV_GPIO_NO_SUCH_PIN naming the chip. */
export function requireOffset(chip: HeaderChip, bcm: number): number {
  const offset = chip.offsetFor(bcm);
  if (offset === undefined) {
    throw new PivoteError(
      'PV_GPIO_NO_SUCH_PIN',
      `${describePin(bcm)} is not on ${chip.path} (${chip.label}, ${chip.lines} lines, found by ${chip.foundBy})`,
      { bcm, chip: chip.path, label: chip.label },
    );
  }
  return offset;
}
