import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadChardevAddon } from '../../src/gpio/chardev/addon.js';
import { UAPI } from './chardev-fake-addon.js';

/**
 * The real native addon, on this machine, without GPIO hardware: its constants come from the
 * kernel header, and its errors carry errno names. Edges and requests are tested in the VM.
 */

const built = existsSync(fileURLToPath(new URL('../../native/gpio-chardev/build/Release/gpio_chardev.node', import.meta.url)));
const skip = process.platform !== 'linux'
  ? `the addon exists only on Linux (this is ${process.platform})`
  : !built ? 'native/gpio-chardev is not built (npm install builds it)' : undefined;

describe.skipIf(skip !== undefined)(`native gpio-chardev addon${skip === undefined ? '' : ` — SKIPPED: ${skip}`}`, () => {
  it('exports the uAPI v2 constants of linux/gpio.h', () => {
    expect(loadChardevAddon().constants).toEqual(UAPI);
  });

  it('throws errors whose code is the errno name', () => {
    const addon = loadChardevAddon();
    expect(() => addon.chipInfo('/nonexistent/gpiochip0')).toThrow(expect.objectContaining({ code: 'ENOENT', syscall: 'open' }));
    expect(() => addon.chipInfo('/dev/null')).toThrow(expect.objectContaining({ code: 'ENOTTY', syscall: 'ioctl GPIO_GET_CHIPINFO_IOCTL' }));
    expect(() => addon.requestLines('/dev/null', { offsets: [0], flags: UAPI.FLAG_INPUT })).toThrow(
      expect.objectContaining({ code: 'ENOTTY', path: '/dev/null' }),
    );
  });

  it('validates its arguments instead of passing garbage to the kernel', () => {
    const addon = loadChardevAddon();
    const invalid = expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' });
    expect(() => addon.requestLines('/dev/null', { offsets: [], flags: 0 })).toThrow(invalid);
    expect(() => addon.requestLines('/dev/null', { offsets: Array.from({ length: 65 }, (_, i) => i), flags: 0 })).toThrow(invalid);
    expect(() => addon.requestLines('/dev/null', { offsets: [-1], flags: 0 })).toThrow(invalid);
    expect(() => addon.setValues(0, 1 as unknown as bigint, 0n)).toThrow(invalid);
    expect(() => addon.watch(0, 'x' as unknown as () => void)).toThrow(invalid);
  });
});
