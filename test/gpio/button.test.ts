import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  Button, createButton, MockGpio, type GpioLogger, type HoldEvent, type NoiseEvent, type PressEvent, type ReleaseEvent,
} from '../../src/gpio/index.js';

interface Recorded {
  presses: PressEvent[];
  releases: ReleaseEvent[];
  holds: HoldEvent[];
  noise: NoiseEvent[];
}

function record(button: Button): Recorded {
  const r: Recorded = { presses: [], releases: [], holds: [], noise: [] };
  button.on('press', (e) => r.presses.push(e));
  button.on('release', (e) => r.releases.push(e));
  button.on('hold', (e) => r.holds.push(e));
  button.on('noise', (e) => r.noise.push(e));
  return r;
}

describe('Button (mock backend, fake timers)', () => {
  let mock: MockGpio;
  let warnings: string[];
  let logger: GpioLogger;

  beforeEach(() => {
    vi.useFakeTimers();
    mock = new MockGpio();
    warnings = [];
    logger = { warn: (_obj, msg) => warnings.push(msg) };
  });

  afterEach(async () => {
    await mock.close();
    const leaked = vi.getTimerCount(); // every test disposes its buttons: nothing may be left
    vi.clearAllTimers();
    vi.useRealTimers();
    expect(leaked).toBe(0);
  });

  it('a bounce of five edges within 8 ms is ONE press, reported at the first edge without delay', async () => {
    const button = createButton(mock, 'GPIO17', { logger });
    const r = record(button);
    vi.advanceTimersByTime(100);
    mock.bounce(17, [0, 1, 0, 1, 0], 1.5); // pressed (to GND), bouncing for 6 ms
    await mock.settle();
    expect(r.presses).toEqual([{ timestampNs: 100_000_000n }]); // before any timer advanced
    await vi.advanceTimersByTimeAsync(8);
    await vi.advanceTimersByTimeAsync(100);
    expect(r.presses).toHaveLength(1);
    expect(r.releases).toHaveLength(0);
    expect(button.isPressed).toBe(true);

    mock.bounce(17, [1, 0, 1, 0, 1], 1.5); // let go, bouncing again
    await vi.advanceTimersByTimeAsync(100);
    expect(r.presses).toHaveLength(1);
    expect(r.releases).toEqual([{ timestampNs: 208_000_000n, heldMs: 108 }]);
    expect(warnings).toEqual([]);
    button.dispose();
  });

  it('presses slower than the window are all counted', async () => {
    const button = createButton(mock, 17, { debounceMs: 30 });
    const r = record(button);
    for (let i = 0; i < 3; i++) {
      mock.pin(17).press();
      await vi.advanceTimersByTimeAsync(50);
      mock.pin(17).release();
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(r.presses).toHaveLength(3);
    expect(r.releases).toHaveLength(3);
    button.dispose();
  });

  it('a tap shorter than the window still yields its release, stamped when it happened', async () => {
    const button = createButton(mock, 17);
    const r = record(button);
    mock.pin(17).press();
    await vi.advanceTimersByTimeAsync(10);
    mock.pin(17).release();
    await vi.advanceTimersByTimeAsync(5);
    expect(r.releases).toEqual([]); // still inside the 30 ms window
    await vi.advanceTimersByTimeAsync(30);
    expect(r.releases).toEqual([{ timestampNs: 10_000_000n, heldMs: 10 }]);
    button.dispose();
  });

  it('the debounce window is configurable', async () => {
    const button = createButton(mock, 17, { debounceMs: 5 });
    const r = record(button);
    mock.bounce(17, [0, 1, 0, 1, 0], 10); // edges 10 ms apart: real presses with a 5 ms window
    await vi.advanceTimersByTimeAsync(100);
    expect(r.presses).toHaveLength(3);
    expect(r.releases).toHaveLength(2);
    button.dispose();
  });

  it('fires hold after holdMs (default 2000) while still pressed, and not after an early release', async () => {
    const button = createButton(mock, 17);
    const r = record(button);
    mock.pin(17).press();
    await vi.advanceTimersByTimeAsync(1999);
    expect(r.holds).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.holds).toEqual([{ pressedAtNs: 0n, heldMs: 2000 }]);
    mock.pin(17).release();
    await vi.advanceTimersByTimeAsync(100);

    const quick = createButton(mock, 22, { holdMs: 500 });
    const q = record(quick);
    mock.pin(22).press();
    await vi.advanceTimersByTimeAsync(400);
    mock.pin(22).release();
    await vi.advanceTimersByTimeAsync(1000);
    expect(q.holds).toEqual([]);
    expect(q.releases).toHaveLength(1);
    button.dispose();
    quick.dispose();
  });

  it('warns when the button reads pressed at startup, and does not invent a press or release', async () => {
    mock.pin(17).drive(0); // stuck to ground
    const button = createButton(mock, 17, { logger });
    const r = record(button);
    expect(warnings[0]).toContain('reads pressed at startup');
    mock.pin(17).release();
    await vi.advanceTimersByTimeAsync(100);
    expect(r.presses).toEqual([]);
    expect(r.releases).toEqual([]);
    button.dispose();
  });

  it('reports a floating, noisy input once, with the config.txt hint', async () => {
    const button = createButton(mock, 17, { logger, noiseEdges: 50, noiseWindowMs: 1000 });
    const r = record(button);
    const levels = Array.from({ length: 120 }, (_, i) => (i % 2 === 0 ? 0 : 1) as 0 | 1);
    mock.bounce(17, levels, 5); // 100 Hz toggling, like mains hum on a floating pin
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.noise).toHaveLength(1);
    expect(warnings.join()).toContain('noisy');
    button.dispose();
  });

  it('dispose frees the pin and leaves no timers behind', async () => {
    const button = createButton(mock, 17);
    record(button);
    mock.pin(17).press();
    await mock.settle();
    expect(vi.getTimerCount()).toBe(2); // debounce window + hold
    button.dispose();
    button.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(mock.pin(17).mode).toBe('free');
  });

  it('wraps a line from any backend: pulls up and inverts by default', () => {
    const button = createButton(mock, 'BOARD11');
    expect(button.bcm).toBe(17);
    expect(mock.pin(17).level).toBe(1); // pull-up
    expect(button.isPressed).toBe(false);
    button.dispose();
  });
});
