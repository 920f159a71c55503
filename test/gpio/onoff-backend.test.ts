import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openOnoffBackend, type EdgeEvent, type GpioBackend, type GpioLogger } from '../../src/gpio/index.js';
import { isPivoteError } from '../../src/protocol/errors.js';
import { FakeMachine, PI4_KERNEL_6_6, PI5 } from './fake-sysfs.js';
import { fakeOnoff } from './fake-libraries.js';

function recordingLogger(): GpioLogger & { warnings: { obj: Record<string, unknown>; msg: string }[] } {
  const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
  return { warnings, warn: (obj, msg) => warnings.push({ obj, msg }) };
}

function thrownBy(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a throw');
}

describe('onoff (sysfs) backend, with a fake onoff module', () => {
  let m: FakeMachine;
  let backend: GpioBackend | undefined;

  beforeEach(() => {
    m = new FakeMachine();
  });
  afterEach(async () => {
    await backend?.close();
    backend = undefined;
    m.cleanup();
  });

  it('exports the sysfs number for the BCM pin, with edge, active-low and no debounce by default', async () => {
    m.withSysfs(PI5);
    const onoff = fakeOnoff();
    backend = await openOnoffBackend({ sysfsRoot: m.sysfsRoot, loadOnoff: async () => onoff.module });
    backend.requestInput(17, { edge: 'falling', activeLow: true });
    expect(onoff.created[0]).toMatchObject({ sysfsNumber: 588, direction: 'in', edge: 'falling', options: { activeLow: true, debounceTimeout: 0 } });
  });

  it('sets the raw initial level of an output: sysfs "high"/"low" ignore active_low', async () => {
    m.withSysfs(PI4_KERNEL_6_6);
    const onoff = fakeOnoff();
    backend = await openOnoffBackend({ sysfsRoot: m.sysfsRoot, loadOnoff: async () => onoff.module });
    backend.requestOutput(18, { activeLow: true, initial: 1 }); // lit active-low LED = pin low
    backend.requestOutput(23, { activeLow: true, initial: 0 });
    backend.requestOutput(24, { initial: 1 });
    expect(onoff.created.map((g) => [g.sysfsNumber, g.direction, g.options?.['activeLow']])).toEqual([
      [530, 'low', true], [535, 'high', true], [536, 'high', false],
    ]);
  });

  it('maps EBUSY to PV_GPIO_BUSY naming the pin and the likely overlay, and holds nothing afterwards', async () => {
    m.withSysfs(PI4_KERNEL_6_6);
    const onoff = fakeOnoff({ failWith: { 520: 'EBUSY' } }); // BCM 8 = SPI0 CE0
    backend = await openOnoffBackend({ sysfsRoot: m.sysfsRoot, loadOnoff: async () => onoff.module });
    const b = backend;
    const err = thrownBy(() => b.requestOutput(8));
    expect(isPivoteError(err, 'PV_GPIO_BUSY')).toBe(true);
    expect(err.message).toContain('GPIO8 (pin 24)');
    expect(err.message).toContain('SPI');
    // The failed claim was undone: a retry reaches the OS again rather than "claimed in this process".
    expect(thrownBy(() => b.requestOutput(8)).message).toContain('EBUSY');
  });

  it('maps EACCES to PV_GPIO_PERMISSION', async () => {
    m.withSysfs(PI4_KERNEL_6_6);
    backend = await openOnoffBackend({ sysfsRoot: m.sysfsRoot, loadOnoff: async () => fakeOnoff({ failWith: { 529: 'EACCES' } }).module });
    const b = backend;
    expect(thrownBy(() => b.requestInput(17)).code).toBe('PV_GPIO_PERMISSION');
  });

  it('warns once per batch that pulls cannot be set, quoting the config.txt line', async () => {
    m.withSysfs(PI4_KERNEL_6_6);
    const logger = recordingLogger();
    backend = await openOnoffBackend({ sysfsRoot: m.sysfsRoot, logger, loadOnoff: async () => fakeOnoff().module });
    for (const bcm of [19, 5, 13, 6]) backend.requestInput(bcm, { pull: 'up', activeLow: true });
    backend.requestInput(26, { pull: 'none' });
    await Promise.resolve();
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]?.msg).toContain('gpio=5,6,13,19=ip,pu');
  });

  it('warns when a line was already exported by someone else', async () => {
    m.withSysfs(PI4_KERNEL_6_6, { exported: [529] });
    const logger = recordingLogger();
    backend = await openOnoffBackend({ sysfsRoot: m.sysfsRoot, logger, loadOnoff: async () => fakeOnoff().module });
    backend.requestInput(17);
    expect(logger.warnings.map((w) => w.msg).join()).toContain('already exported');
  });

  it('delivers watch callbacks as edge events stamped on the injected clock, logging errors', async () => {
    m.withSysfs(PI4_KERNEL_6_6);
    const onoff = fakeOnoff();
    const logger = recordingLogger();
    backend = await openOnoffBackend({ sysfsRoot: m.sysfsRoot, logger, clock: () => 1234n, loadOnoff: async () => onoff.module });
    const line = backend.requestInput(17, { edge: 'both' });
    const events: EdgeEvent[] = [];
    line.onEdge((e) => events.push(e));
    const watch = onoff.created[0]?.watchers[0];
    watch?.(null, 1);
    watch?.(new Error('EIO'), 0);
    expect(events).toEqual([{ value: 1, timestampNs: 1234n }]);
    expect(logger.warnings).toHaveLength(1);
  });

  it('turns outputs off and unexports on release and close', async () => {
    m.withSysfs(PI4_KERNEL_6_6);
    const onoff = fakeOnoff();
    backend = await openOnoffBackend({ sysfsRoot: m.sysfsRoot, loadOnoff: async () => onoff.module });
    const led = backend.requestOutput(18, { initial: 1 });
    backend.requestInput(17);
    led.write(1);
    await backend.close();
    expect(onoff.created.map((g) => g.unexported)).toEqual([true, true]);
    expect(onoff.created[0]?.writes.at(-1)).toBe(0);
    expect(onoff.created[1]?.watchers).toEqual([]);
  });

  it('passes a requested glitch filter to onoff as debounceTimeout in ms', async () => {
    m.withSysfs(PI4_KERNEL_6_6);
    const onoff = fakeOnoff();
    backend = await openOnoffBackend({ sysfsRoot: m.sysfsRoot, loadOnoff: async () => onoff.module });
    backend.requestInput(17, { debounceUs: 2500 });
    expect(onoff.created[0]?.options?.['debounceTimeout']).toBe(3);
  });
});
