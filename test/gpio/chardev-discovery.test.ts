import { afterEach, describe, expect, it } from 'vitest';
import {
  listChipPaths, offsetsFromLineNames, pickHeaderChip, requireOffset, scanChips, type ChipScan,
} from '../../src/gpio/chardev/chip-discovery.js';
import { isPivoteError, type PivoteError } from '../../src/protocol/errors.js';
import { FakeChardevKernel, gpioLineNames } from './chardev-fake-addon.js';

function caught(fn: () => unknown): PivoteError {
  try {
    fn();
  } catch (err) {
    if (isPivoteError(err)) return err;
    throw err;
  }
  throw new Error('expected a PivoteError');
}

const chip = (path: string, label: string, lines = 8): ChipScan['chips'][number] => ({
  path, name: path.slice(5), label, lines,
});
const noNames = (): string[] => [];

describe('chardev chip discovery', () => {
  const kernels: FakeChardevKernel[] = [];
  const kernel = (): FakeChardevKernel => {
    const k = new FakeChardevKernel();
    kernels.push(k);
    return k;
  };
  afterEach(() => {
    for (const k of kernels.splice(0)) k.cleanup();
  });

  it('lists gpiochip nodes in numeric order and ignores everything else', () => {
    const k = kernel();
    for (const name of ['gpiochip10', 'gpiochip2', 'gpiochip0']) k.addChip(name, { label: name, lines: 1 });
    k.addChip('gpiochip', { label: 'x', lines: 1 });
    expect(listChipPaths(k.devDir).map((p) => p.slice(k.devDir.length + 1))).toEqual(['gpiochip0', 'gpiochip2', 'gpiochip10']);
    expect(listChipPaths(`${k.devDir}/missing`)).toEqual([]);
  });

  it('finds the Pi 5 header chip by label wherever it is numbered (gpiochip4 before 6.6.45, gpiochip0 after)', () => {
    for (const at of [0, 4]) {
      const chips = [0, 1, 2, 3, 4].map((n) => chip(`/dev/gpiochip${n}`, n === at ? 'pinctrl-rp1' : `gpio-brcmstb@${n}`, n === at ? 54 : 32));
      const found = pickHeaderChip({ chips, denied: [] }, noNames, '/dev');
      expect(found).toMatchObject({ path: `/dev/gpiochip${at}`, label: 'pinctrl-rp1', foundBy: 'label' });
      expect(found.offsetFor(17)).toBe(17);
    }
  });

  it('prefers labels newest Pi first and bounds offsets by the chip size', () => {
    const scan = { chips: [chip('/dev/gpiochip0', 'pinctrl-bcm2835', 54), chip('/dev/gpiochip1', 'pinctrl-bcm2711', 58)], denied: [] };
    const found = pickHeaderChip(scan, noNames, '/dev');
    expect(found.label).toBe('pinctrl-bcm2711');
    expect(found.offsetFor(57)).toBe(57);
    expect(found.offsetFor(58)).toBeUndefined();
    expect(caught(() => requireOffset(found, 58)).code).toBe('PV_GPIO_NO_SUCH_PIN');
  });

  it('falls back to line names GPIO<n>, taking the offset from the name', () => {
    const names = new Map([['/dev/gpiochip1', ['ID_SD', 'ID_SC', ...gpioLineNames(30).slice(2)].map((n, i) => (i === 5 ? '' : n))]]);
    const scan = { chips: [chip('/dev/gpiochip0', 'expander'), chip('/dev/gpiochip1', 'future-pinctrl', 30)], denied: [] };
    const found = pickHeaderChip(scan, (c) => names.get(c.path) ?? [], '/dev');
    expect(found).toMatchObject({ path: '/dev/gpiochip1', foundBy: 'line-names' });
    expect(found.offsetFor(17)).toBe(17);
    expect(found.offsetFor(5)).toBeUndefined(); // unnamed line
    expect(found.offsetFor(0)).toBeUndefined(); // named ID_SD, not GPIO0
    expect(offsetsFromLineNames(['', 'x'])).toBeUndefined();
    expect(offsetsFromLineNames(['', 'GPIO3'])?.get(3)).toBe(1);
  });

  it('uses a configured chip by path, name or label', () => {
    const scan = { chips: [chip('/dev/gpiochip0', 'a'), chip('/dev/gpiochip1', 'b')], denied: [] };
    for (const preferred of ['/dev/gpiochip1', 'gpiochip1', 'b']) {
      expect(pickHeaderChip(scan, noNames, '/dev', preferred)).toMatchObject({ path: '/dev/gpiochip1', foundBy: 'option' });
    }
    expect(caught(() => pickHeaderChip(scan, noNames, '/dev', 'c')).code).toBe('PV_GPIO_UNAVAILABLE');
  });

  it('says PV_GPIO_UNAVAILABLE when there is no gpiochip at all, or none with the header', () => {
    const k = kernel();
    expect(caught(() => scanChips(k.devDir, k.addon)).code).toBe('PV_GPIO_UNAVAILABLE');
    k.addChip('gpiochip0', { label: 'laptop-gpio', lines: 8 });
    const err = caught(() => pickHeaderChip(scanChips(k.devDir, k.addon), noNames, k.devDir));
    expect(err.code).toBe('PV_GPIO_UNAVAILABLE');
    expect(err.message).toContain('laptop-gpio');
  });

  it('says PV_GPIO_PERMISSION with the fix when chips cannot be opened', () => {
    const k = kernel();
    k.addChip('gpiochip0', { label: 'pinctrl-rp1', lines: 54, denied: 'all' });
    const scan = scanChips(k.devDir, k.addon);
    expect(scan.denied).toEqual([`${k.devDir}/gpiochip0`]);
    const err = caught(() => pickHeaderChip(scan, noNames, k.devDir));
    expect(err.code).toBe('PV_GPIO_PERMISSION');
    expect(err.message).toContain('gpio group');
    expect(err.message).toContain('SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"');
  });
});
