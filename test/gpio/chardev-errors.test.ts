import { describe, expect, it } from 'vitest';
import { chardevLineError, UDEV_RULE } from '../../src/gpio/chardev/chardev-errors.js';
import { PivoteError } from '../../src/protocol/errors.js';

const ctx = { bcm: 17, chipPath: '/dev/gpiochip0', offset: 17, action: 'requesting the line' };
const sysErr = (code: string): Error => Object.assign(new Error(`${code}: ioctl`), { code });

describe('chardev errors name the line and the fix', () => {
  it.each([
    ['EBUSY', 'PV_GPIO_BUSY'],
    ['EACCES', 'PV_GPIO_PERMISSION'],
    ['EPERM', 'PV_GPIO_PERMISSION'],
    ['ENOENT', 'PV_GPIO_UNAVAILABLE'],
    ['ENODEV', 'PV_GPIO_UNAVAILABLE'],
    ['EINVAL', 'PV_GPIO_NO_SUCH_PIN'],
    ['EIO', 'PV_GPIO_UNAVAILABLE'],
  ])('%s → %s, naming GPIO17 and the chip', (errno, code) => {
    const err = chardevLineError(sysErr(errno), ctx);
    expect(err.code).toBe(code);
    expect(err.message).toContain('GPIO17');
    expect(err.details).toMatchObject({ bcm: 17 });
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('names the current holder of a busy line', () => {
    const err = chardevLineError(sysErr('EBUSY'), { ...ctx, consumer: 'pigpiod' });
    expect(err.message).toContain('"pigpiod" holds it');
    expect(err.details).toMatchObject({ consumer: 'pigpiod', chip: '/dev/gpiochip0', offset: 17 });
  });

  it('gives the gpio group and the udev rule for permission errors', () => {
    const err = chardevLineError(sysErr('EACCES'), ctx);
    expect(err.message).toContain('gpio group');
    expect(err.message).toContain(UDEV_RULE);
    expect(UDEV_RULE).toBe('SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"');
  });

  it('passes catalog errors through unchanged', () => {
    const original = new PivoteError('PV_GPIO_RELEASED', 'x');
    expect(chardevLineError(original, ctx)).toBe(original);
  });
});
