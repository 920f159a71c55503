import { afterEach, describe, expect, it } from 'vitest';
import { pickBcmChip, readSysfsChips, resolveSysfsNumber, sysfsNumberFor } from '../../src/gpio/index.js';
import { isPivoteError } from '../../src/protocol/errors.js';
import { FakeMachine, PI3, PI4_KERNEL_6_6, PI4_OLD_KERNEL, PI5 } from './fake-sysfs.js';

describe('sysfs GPIO number resolution against fake trees', () => {
  const machines: FakeMachine[] = [];
  const machine = (): FakeMachine => {
    const m = new FakeMachine();
    machines.push(m);
    return m;
  };
  afterEach(() => {
    for (const m of machines.splice(0)) m.cleanup();
  });

  it.each([
    ['Pi 4, old kernel (base 0)', PI4_OLD_KERNEL, 'pinctrl-bcm2711', 17],
    ['Pi 4, kernel 6.6+ (base 512)', PI4_KERNEL_6_6, 'pinctrl-bcm2711', 529],
    ['Pi 5 (base 571, picked by label among brcmstb chips)', PI5, 'pinctrl-rp1', 588],
    ['Pi 3 (pinctrl-bcm2835)', PI3, 'pinctrl-bcm2835', 17],
  ] as const)('%s: BCM17 → sysfs %i', (_title, chips, label, expected) => {
    const m = machine().withSysfs(chips);
    const resolved = resolveSysfsNumber(17, m.sysfsRoot);
    expect(resolved.chip.label).toBe(label);
    expect(resolved.sysfsNumber).toBe(expected);
  });

  it('reads base, label and ngpio of every chip', () => {
    const m = machine().withSysfs(PI5);
    expect(readSysfsChips(m.sysfsRoot).map((c) => [c.base, c.label, c.ngpio])).toEqual(
      PI5.map((c) => [c.base, c.label, c.ngpio]),
    );
  });

  it('fails clearly when no chip has a Raspberry Pi label', () => {
    let thrown: unknown;
    try {
      pickBcmChip([{ name: 'gpiochip0', base: 0, ngpio: 8, label: 'INT34C5:00' }]);
    } catch (err) {
      thrown = err;
    }
    expect(isPivoteError(thrown, 'PV_GPIO_UNAVAILABLE')).toBe(true);
    expect((thrown as Error).message).toContain('gpiochip0=INT34C5:00');
  });

  it('fails with PV_GPIO_UNAVAILABLE when the sysfs root does not exist', () => {
    const m = machine();
    expect(() => readSysfsChips(m.sysfsRoot)).toThrow(expect.objectContaining({ code: 'PV_GPIO_UNAVAILABLE' }));
  });

  it('refuses a line beyond the chip', () => {
    expect(() => sysfsNumberFor(60, { name: 'gpiochip512', base: 512, ngpio: 58, label: 'pinctrl-bcm2711' })).toThrow(
      expect.objectContaining({ code: 'PV_GPIO_NO_SUCH_PIN' }),
    );
  });
});
