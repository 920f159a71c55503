import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPigpioBackend, type EdgeEvent } from '../../src/gpio/index.js';
import { isPivoteError } from '../../src/protocol/errors.js';
import { FakeMachine } from './fake-sysfs.js';
import { fakePigpio } from './fake-libraries.js';

describe('pigpio backend, with a fake pigpio module', () => {
  let m: FakeMachine;
  beforeEach(() => {
    m = new FakeMachine().withModel('Raspberry Pi 3 Model B Plus Rev 1.3');
  });
  afterEach(() => m.cleanup());

  const open = (pigpio: ReturnType<typeof fakePigpio>, clock: () => bigint = () => 0n) =>
    openPigpioBackend({ modelPaths: [m.modelPath], isRoot: () => true, clock, loadPigpio: async () => pigpio.module });

  it('disables the socket/FIFO interfaces before initialising, and terminates on close', async () => {
    const pigpio = fakePigpio();
    const backend = await open(pigpio);
    expect(pigpio.calls).toEqual(['configureInterfaces(3)', 'initialize']);
    await backend.close();
    await backend.close();
    expect(pigpio.calls.filter((c) => c === 'terminate')).toHaveLength(1);
  });

  it('keeps the library up until the last backend closes', async () => {
    const pigpio = fakePigpio();
    const a = await open(pigpio);
    const b = await open(pigpio);
    await a.close();
    expect(pigpio.calls).not.toContain('terminate');
    await b.close();
    expect(pigpio.calls).toContain('terminate');
  });

  it('sets the pull and glitch filter, and turns alerts into filtered logical edges', async () => {
    const pigpio = fakePigpio();
    const backend = await open(pigpio, () => 10_000_000n);
    const line = backend.requestInput(17, { pull: 'up', activeLow: true, edge: 'rising', debounceUs: 1000 });
    const g = pigpio.created[0];
    expect(g).toMatchObject({ bcm: 17, options: { mode: 0, pullUpDown: 2 }, glitchUs: 1000, alertEnabled: true });
    expect(line.read()).toBe(0); // pulled up, active-low: released
    const events: EdgeEvent[] = [];
    line.onEdge((e) => events.push(e));
    pigpio.setTick(1000);
    g?.alert?.(0, 900); // pressed (logical rising), 100 µs ago
    g?.alert?.(0, 950); // repeated level: not an edge
    g?.alert?.(1, 990); // released: falling, not requested
    expect(events).toEqual([{ value: 1, timestampNs: 10_000_000n - 100_000n }]);
    await backend.close();
    expect(g?.alertEnabled).toBe(false);
  });

  it('survives the 32-bit tick wrapping around', async () => {
    const pigpio = fakePigpio();
    const backend = await open(pigpio, () => 1_000_000_000n);
    const line = backend.requestInput(17);
    const events: EdgeEvent[] = [];
    line.onEdge((e) => events.push(e));
    pigpio.setTick(5);
    pigpio.created[0]?.alert?.(1, 0xfffffff0);
    expect(events[0]?.timestampNs).toBe(1_000_000_000n - 21_000n);
    await backend.close();
  });

  it('drives the physical level of an active-low output, and leaves it off on release', async () => {
    const pigpio = fakePigpio();
    const backend = await open(pigpio);
    const led = backend.requestOutput(18, { activeLow: true, initial: 1 });
    led.write(0);
    led.write(1);
    led.release();
    expect(pigpio.created[0]?.writes).toEqual([0, 1, 0, 1]);
    await backend.close();
  });

  it('names pigpiod when the library cannot initialise', async () => {
    let thrown: unknown;
    try {
      await open(fakePigpio({ initializeThrows: true }));
    } catch (err) {
      thrown = err;
    }
    expect(isPivoteError(thrown, 'PV_GPIO_UNAVAILABLE')).toBe(true);
    expect((thrown as Error).message).toContain('pigpiod');
  });
});
