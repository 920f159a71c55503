import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  chooseAutoBackend, MockGpio, openGpioBackend, parseBackendKind, probePlatform, type PlatformFacts,
} from '../../src/gpio/index.js';
import { loadOptionalModule } from '../../src/gpio/backends/load-optional.js';
import { isPivoteError, type PivoteError } from '../../src/protocol/errors.js';
import { FakeMachine, PI4_KERNEL_6_6 } from './fake-sysfs.js';
import { fakeOnoff, fakePigpio } from './fake-libraries.js';
import { FakeChardevKernel } from './chardev-fake-addon.js';
import { loadChardevAddon as loadChardevAddonFrom } from '../../src/gpio/chardev/addon.js';

async function rejection(promise: Promise<unknown>): Promise<PivoteError> {
  try {
    await promise;
  } catch (err) {
    if (isPivoteError(err)) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

const X86: PlatformFacts = { model: undefined, gpiochips: [], sysfs: 'absent', isRoot: false };
const PI4 = 'Raspberry Pi 4 Model B Rev 1.5';
const PI5 = 'Raspberry Pi 5 Model B Rev 1.0';

describe('openGpioBackend', () => {
  const machines: FakeMachine[] = [];
  const machine = (): FakeMachine => {
    const m = new FakeMachine();
    machines.push(m);
    return m;
  };
  afterEach(() => {
    for (const m of machines.splice(0)) m.cleanup();
  });

  it('auto on a machine without GPIO (this x86 box) fails, naming --gpio mock, never falling back to mock', async () => {
    const m = machine(); // empty: no /dev/gpiochip*, no sysfs, no device tree
    const err = await rejection(openGpioBackend('auto', m.probeOptions()));
    expect(err.code).toBe('PV_GPIO_UNAVAILABLE');
    expect(err.message).toContain('--gpio mock');
    expect(err.message).toContain('not a Raspberry Pi');
  });

  it('auto on a current Pi 5 (gpiochip only) picks chardev', async () => {
    const kernel = new FakeChardevKernel();
    kernel.addChip('gpiochip0', { label: 'pinctrl-rp1', lines: 54 });
    try {
      const m = machine().withModel(PI5);
      const backend = await openGpioBackend('auto', { ...m.probeOptions(), devDir: kernel.devDir, loadChardevAddon: () => kernel.addon });
      expect(backend.name).toBe('chardev');
      await backend.close();
    } finally {
      kernel.cleanup();
    }
  });

  it('auto on a Pi 5 whose chardev addon did not build fails saying so, naming --gpio mock', async () => {
    const m = machine().withGpiochips('gpiochip0', 'gpiochip4').withModel(PI5);
    const loadChardevAddon = () => loadChardevAddonFrom(['/nonexistent/addon.js']);
    const err = await rejection(openGpioBackend('auto', { ...m.probeOptions(true), loadChardevAddon }));
    expect(err.code).toBe('PV_GPIO_UNAVAILABLE');
    expect(err.message).toContain('chardev addon (@pivote/gpio-chardev) did not build');
    expect(err.message).toContain('Raspberry Pi 5');
    expect(err.message).toContain('--gpio mock');
  });

  it('auto picks onoff when sysfs is writable, resolving the chip from the tree', async () => {
    const m = machine().withSysfs(PI4_KERNEL_6_6).withModel(PI4);
    const onoff = fakeOnoff();
    const backend = await openGpioBackend('auto', { ...m.probeOptions(), loadOnoff: async () => onoff.module });
    expect(backend.name).toBe('onoff');
    backend.requestInput(17);
    expect(onoff.created[0]?.sysfsNumber).toBe(529);
    await backend.close();
  });

  it('auto picks pigpio on a Pi 4 without sysfs when root', async () => {
    const m = machine().withModel(PI4);
    const pigpio = fakePigpio();
    const backend = await openGpioBackend('auto', { ...m.probeOptions(true), loadPigpio: async () => pigpio.module });
    expect(backend.name).toBe('pigpio');
    await backend.close();
  });

  it('chardev without its addon says PV_GPIO_UNAVAILABLE and why', async () => {
    const err = await rejection(openGpioBackend('chardev', { loadChardevAddon: () => loadChardevAddonFrom(['/nonexistent/addon.js']) }));
    expect(err.code).toBe('PV_GPIO_UNAVAILABLE');
    expect(err.message).toContain('@pivote/gpio-chardev');
  });

  it('mock opens the simulator, with the given clock', async () => {
    const backend = await openGpioBackend('mock', { clock: () => 7n });
    expect(backend).toBeInstanceOf(MockGpio);
    expect(backend.name).toBe('mock');
    await backend.close();
  });

  it('pigpio refuses a Pi 5, a non-root user and a PC before loading the library', async () => {
    const loadPigpio = vi.fn(async () => fakePigpio().module);
    const pi5 = machine().withModel(PI5);
    const pi4 = machine().withModel(PI4);
    const pc = machine();
    const e1 = await rejection(openGpioBackend('pigpio', { ...pi5.probeOptions(true), loadPigpio }));
    const e2 = await rejection(openGpioBackend('pigpio', { ...pi4.probeOptions(false), loadPigpio }));
    const e3 = await rejection(openGpioBackend('pigpio', { ...pc.probeOptions(true), loadPigpio }));
    expect([e1.code, e2.code, e3.code]).toEqual(['PV_GPIO_UNAVAILABLE', 'PV_GPIO_UNAVAILABLE', 'PV_GPIO_UNAVAILABLE']);
    expect(e1.message).toContain('Raspberry Pi 5');
    expect(e2.message).toContain('root');
    expect(e3.message).toContain('--gpio mock');
    expect(loadPigpio).not.toHaveBeenCalled();
  });

  it('onoff fails clearly where sysfs GPIO is gone', async () => {
    const m = machine();
    const err = await rejection(openGpioBackend('onoff', { sysfsRoot: m.sysfsRoot, loadOnoff: async () => fakeOnoff({ accessible: false }).module }));
    expect(err.code).toBe('PV_GPIO_UNAVAILABLE');
    expect(err.message).toContain('sysfs GPIO');
  });

  it('turns a missing optional dependency into PV_GPIO_UNAVAILABLE with the reason', async () => {
    const err = await rejection(loadOptionalModule('pivote-no-such-optional-gpio-lib', 'onoff'));
    expect(err.code).toBe('PV_GPIO_UNAVAILABLE');
    expect(err.message).toContain('not installed');
  });
});

describe('chooseAutoBackend (pure)', () => {
  it('prefers chardev once it is built, whenever /dev/gpiochip* exists', () => {
    const facts: PlatformFacts = { model: PI4, gpiochips: ['gpiochip0'], sysfs: 'ok', isRoot: true };
    expect(chooseAutoBackend(facts, true).kind).toBe('chardev');
    expect(chooseAutoBackend(facts, false).kind).toBe('onoff');
  });

  it('reports a sysfs permission problem as PV_GPIO_PERMISSION', () => {
    expect(() => chooseAutoBackend({ ...X86, model: PI4, sysfs: 'no-access' })).toThrow(
      expect.objectContaining({ code: 'PV_GPIO_PERMISSION' }),
    );
  });

  it('never returns mock', () => {
    expect(() => chooseAutoBackend(X86)).toThrow(expect.objectContaining({ code: 'PV_GPIO_UNAVAILABLE' }));
  });
});

describe('probePlatform', () => {
  it('reads the NUL-terminated device-tree model and lists gpiochips', () => {
    const m = new FakeMachine().withModel(PI5).withGpiochips('gpiochip4', 'gpiochip0');
    try {
      expect(probePlatform(m.probeOptions(true))).toEqual({ model: PI5, gpiochips: ['gpiochip0', 'gpiochip4'], sysfs: 'absent', isRoot: true });
    } finally {
      m.cleanup();
    }
  });
});

describe('parseBackendKind', () => {
  it('accepts the known kinds case-insensitively and refuses others', () => {
    expect(parseBackendKind('Mock')).toBe('mock');
    expect(parseBackendKind('auto')).toBe('auto');
    expect(() => parseBackendKind('wiringpi')).toThrow(expect.objectContaining({ code: 'PV_CONFIG_INVALID' }));
  });
});
