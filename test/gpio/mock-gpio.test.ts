import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MockGpio, type EdgeEvent } from '../../src/gpio/index.js';
import { isPivoteError } from '../../src/protocol/errors.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isPivoteError(err) ? err.code : `not a PivoteError: ${String(err)}`;
  }
  return undefined;
}

describe('MockGpio simulator', () => {
  let mock: MockGpio;

  beforeEach(() => {
    vi.useFakeTimers();
    mock = new MockGpio(); // after useFakeTimers: its clock is the faked hrtime
  });

  afterEach(async () => {
    await mock.close();
    const leaked = vi.getTimerCount(); // close() cancels scripted bounce and glitch timers
    vi.clearAllTimers();
    vi.useRealTimers();
    expect(leaked).toBe(0);
  });

  describe('levels', () => {
    it('reads the pull level when nothing drives the pin', () => {
      expect(mock.requestInput(5, { pull: 'up' }).read()).toBe(1);
      expect(mock.requestInput(6, { pull: 'down' }).read()).toBe(0);
      expect(mock.requestInput(13, { pull: 'none' }).read()).toBe(0);
    });

    it('lets an undriven, unpulled input float to the configured level', async () => {
      const floaty = new MockGpio({ floatingLevel: 1 });
      expect(floaty.requestInput(13).read()).toBe(1);
      await floaty.close();
    });

    it('returns to the pull level when the external drive floats', () => {
      const line = mock.requestInput(5, { pull: 'up' });
      mock.pin(5).drive(0);
      expect(line.read()).toBe(0);
      mock.pin(5).float();
      expect(line.read()).toBe(1);
    });

    it('press()/release() drive the level that reads pressed on an active-low or active-high input', () => {
      const low = mock.requestInput(5, { pull: 'up', activeLow: true });
      const high = mock.requestInput(6, { pull: 'down' });
      expect([low.read(), high.read()]).toEqual([0, 0]);
      mock.pin(5).press();
      mock.pin(6).press();
      expect([mock.pin(5).level, mock.pin(6).level]).toEqual([0, 1]);
      expect([low.read(), high.read()]).toEqual([1, 1]);
      mock.pin(5).release();
      mock.pin(6).release();
      expect([low.read(), high.read()]).toEqual([0, 0]);
    });

    it('reports how each pin is held', () => {
      mock.requestInput(5);
      mock.requestOutput(6);
      expect([mock.pin(5).mode, mock.pin(6).mode, mock.pin(13).mode]).toEqual(['input', 'output', 'free']);
      expect(mock.claimedPins).toEqual([5, 6]);
    });
  });

  describe('edges', () => {
    it('delivers asynchronously, in order, stamped with the time of the change', async () => {
      const line = mock.requestInput(17, { pull: 'up', activeLow: true });
      const events: EdgeEvent[] = [];
      line.onEdge((e) => events.push(e));
      mock.pin(17).press();
      vi.advanceTimersByTime(3);
      mock.pin(17).release();
      expect(events).toEqual([]); // not synchronous
      await mock.settle();
      expect(events).toEqual([
        { value: 1, timestampNs: 0n },
        { value: 0, timestampNs: 3_000_000n },
      ]);
    });

    it('uses an injected clock', async () => {
      let now = 42n;
      const clocked = new MockGpio({ clock: () => now });
      const events: EdgeEvent[] = [];
      clocked.requestInput(17).onEdge((e) => events.push(e));
      now = 99n;
      clocked.pin(17).drive(1);
      await clocked.settle();
      expect(events).toEqual([{ value: 1, timestampNs: 99n }]);
      await clocked.close();
    });

    it('reports no edge when the level does not change', async () => {
      const events: EdgeEvent[] = [];
      mock.requestInput(17, { pull: 'up' }).onEdge((e) => events.push(e));
      mock.pin(17).drive(1);
      await mock.settle();
      expect(events).toEqual([]);
    });

    it('plays scripted contact bounce: five edges within 8 ms', async () => {
      const events: EdgeEvent[] = [];
      mock.requestInput(17, { pull: 'up', edge: 'both' }).onEdge((e) => events.push(e));
      mock.bounce(17, [0, 1, 0, 1, 0], 1.5);
      await vi.advanceTimersByTimeAsync(8);
      expect(events.map((e) => e.value)).toEqual([0, 1, 0, 1, 0]);
      const spanNs = (events[4]?.timestampNs ?? 0n) - (events[0]?.timestampNs ?? 0n);
      expect(spanNs).toBe(6_000_000n);
    });

    it('cancels a scripted bounce still pending when closed', async () => {
      mock.requestInput(17, { pull: 'up' });
      mock.bounce(17, [0, 1, 0, 1, 0], 5);
      await mock.close();
      expect(vi.getTimerCount()).toBe(0);
    });

    it('glitch filter (debounceUs) reports only a level that stayed steady, stamped when it began', async () => {
      const events: EdgeEvent[] = [];
      mock.requestInput(17, { pull: 'up', debounceUs: 5000 }).onEdge((e) => events.push(e));
      mock.bounce(17, [0, 1, 0, 1, 0], 1); // settles at 0 after 4 ms
      await vi.advanceTimersByTimeAsync(8);
      expect(events).toEqual([]); // 4 + 5 ms not yet elapsed
      await vi.advanceTimersByTimeAsync(2);
      expect(events).toEqual([{ value: 0, timestampNs: 4_000_000n }]);
    });

    it('drops events for a line released before delivery', async () => {
      const line = mock.requestInput(17);
      const events: EdgeEvent[] = [];
      line.onEdge((e) => events.push(e));
      mock.pin(17).drive(1);
      line.release();
      await mock.settle();
      expect(events).toEqual([]);
    });
  });

  describe('errors', () => {
    it('refuses a pin claimed twice, naming the holder', () => {
      mock.requestInput(17, { label: 'button 1' });
      let message = '';
      try {
        mock.requestOutput(17);
      } catch (err) {
        message = (err as Error).message;
        expect(isPivoteError(err, 'PV_GPIO_BUSY')).toBe(true);
      }
      expect(message).toContain('GPIO17 (pin 11)');
      expect(message).toContain('button 1');
    });

    it('refuses nonexistent and reserved pins', () => {
      expect(codeOf(() => mock.requestInput(28))).toBe('PV_GPIO_NO_SUCH_PIN');
      expect(codeOf(() => mock.requestInput(1.5))).toBe('PV_GPIO_NO_SUCH_PIN');
      expect(codeOf(() => mock.requestOutput(1))).toBe('PV_GPIO_RESERVED');
      expect(codeOf(() => mock.pin(99))).toBe('PV_GPIO_NO_SUCH_PIN');
    });

    it('simulates a pin held by an overlay as EBUSY naming the pin and the cause', async () => {
      const held = new MockGpio({ heldByOverlay: { 8: 'spi0-2cs overlay' } });
      let thrown: unknown;
      try {
        held.requestOutput(8);
      } catch (err) {
        thrown = err;
      }
      expect(isPivoteError(thrown, 'PV_GPIO_BUSY')).toBe(true);
      expect((thrown as Error).message).toMatch(/GPIO8 \(pin 24\).*spi0-2cs overlay.*SPI/);
      expect(held.claimedPins).toEqual([]); // a failed claim holds nothing
      await held.close();
    });

    it('simulates EACCES as PV_GPIO_PERMISSION', () => {
      mock.denyAccess(22);
      expect(codeOf(() => mock.requestInput(22))).toBe('PV_GPIO_PERMISSION');
    });

    it('refuses requests after close', async () => {
      await mock.close();
      expect(codeOf(() => mock.requestInput(17))).toBe('PV_GPIO_RELEASED');
    });
  });

  describe('output history', () => {
    it('records every change with its time, and the initial level', () => {
      const led = mock.requestOutput(18, { initial: 0 });
      vi.advanceTimersByTime(10);
      led.write(1);
      led.write(1); // no change, no entry
      vi.advanceTimersByTime(5);
      led.write(0);
      expect(mock.history(18)).toEqual([
        { atMs: 0, value: 0 },
        { atMs: 10, value: 1 },
        { atMs: 15, value: 0 },
      ]);
    });

    it('records logical values for an active-low LED, and leaves it off on release', () => {
      const led = mock.requestOutput(18, { activeLow: true, initial: 1 });
      expect(mock.isOn(18)).toBe(true);
      expect(mock.pin(18).level).toBe(0);
      led.release();
      expect(mock.isOn(18)).toBe(false);
      expect(mock.pin(18).level).toBe(1); // electrically high = an active-low LED is dark
    });

    it('clearHistory restarts the history at the current value', () => {
      const led = mock.requestOutput(18, { initial: 1 });
      vi.advanceTimersByTime(100);
      mock.clearHistory();
      vi.advanceTimersByTime(20);
      led.write(0);
      expect(mock.history(18)).toEqual([
        { atMs: 0, value: 1 },
        { atMs: 20, value: 0 },
      ]);
    });

    it('measures a blink period and matches a pattern', () => {
      const led = mock.requestOutput(18);
      for (let i = 0; i < 4; i++) {
        led.write(1);
        vi.advanceTimersByTime(100);
        led.write(0);
        vi.advanceTimersByTime(300);
      }
      expect(mock.blinkPeriodMs(18)).toBe(400);
      expect(mock.matchesPattern(18, [{ value: 1, ms: 100 }, { value: 0, ms: 300 }], { minCycles: 3 })).toBe(true);
      expect(mock.matchesPattern(18, [{ value: 1, ms: 100 }, { value: 0, ms: 200 }])).toBe(false);
      expect(mock.matchesPattern(18, [{ value: 1, ms: 100 }, { value: 0, ms: 300 }], { minCycles: 5 })).toBe(false);
    });
  });
});
