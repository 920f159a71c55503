import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createLed, FEEDBACK_PATTERNS, matchesPattern, MockGpio, patternSteps, STATUS_PATTERNS, StatusLed, type StatusState,
} from '../../src/gpio/index.js';

describe('Led and StatusLed (mock backend, fake timers)', () => {
  let mock: MockGpio;

  beforeEach(() => {
    vi.useFakeTimers();
    mock = new MockGpio();
  });

  afterEach(async () => {
    await mock.close();
    const leaked = vi.getTimerCount(); // every pattern was cancelled or finished
    vi.clearAllTimers();
    vi.useRealTimers();
    expect(leaked).toBe(0);
  });

  it('blinks 100/100, read back from the mock history', () => {
    const led = createLed(mock, 'GPIO18');
    led.blink({ onMs: 100, offMs: 100 });
    vi.advanceTimersByTime(1000);
    expect(mock.blinkPeriodMs(18)).toBe(200);
    expect(mock.matchesPattern(18, [{ value: 1, ms: 100 }, { value: 0, ms: 100 }], { minCycles: 4 })).toBe(true);
    led.dispose();
  });

  it('blinks a given number of times, then stays off and reports done', () => {
    const led = createLed(mock, 18);
    const done = vi.fn();
    led.blink({ onMs: 50, offMs: 150, count: 3 }, done);
    vi.advanceTimersByTime(10_000);
    expect(mock.history(18).filter((e) => e.value === 1)).toHaveLength(3);
    expect(mock.isOn(18)).toBe(false);
    expect(done).toHaveBeenCalledOnce();
    expect(vi.getTimerCount()).toBe(0);
    led.dispose();
  });

  it('a new command cancels the running pattern', () => {
    const led = createLed(mock, 18);
    led.blink({ onMs: 100, offMs: 100 });
    vi.advanceTimersByTime(150); // mid-"off"
    led.on();
    expect(led.activePattern).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(mock.isOn(18)).toBe(true);
    expect(mock.history(18).at(-1)).toEqual({ atMs: 150, value: 1 });
    led.dispose();
  });

  it('dispose leaves the LED off and frees the pin, also for an active-low LED', () => {
    const led = createLed(mock, 18, { activeLow: true });
    led.blink({ onMs: 100, offMs: 100 });
    vi.advanceTimersByTime(50);
    led.dispose();
    expect(mock.isOn(18)).toBe(false);
    expect(mock.pin(18).level).toBe(1);
    expect(mock.pin(18).mode).toBe('free');
  });

  it('refuses a pattern with a non-positive duration', () => {
    const led = createLed(mock, 18);
    expect(() => led.blink({ onMs: 0, offMs: 100 })).toThrow(expect.objectContaining({ code: 'PV_CONFIG_INVALID' }));
    led.dispose();
  });

  it('stops quietly when the backend closes under a running pattern', async () => {
    const led = createLed(mock, 18);
    led.blink({ onMs: 100, offMs: 100 });
    await mock.close();
    expect(() => vi.advanceTimersByTime(500)).not.toThrow();
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each(['connecting', 'offline', 'error'] as const)('status %s plays its documented pattern', (state: StatusState) => {
    const status = new StatusLed(createLed(mock, 18));
    status.set(state);
    vi.advanceTimersByTime(6000);
    expect(mock.matchesPattern(18, patternSteps(STATUS_PATTERNS[state]), { minCycles: 2 })).toBe(true);
    status.dispose();
  });

  it('status patterns are distinct, and online is steady on', () => {
    const status = new StatusLed(createLed(mock, 18));
    status.set('online');
    vi.advanceTimersByTime(5000);
    expect(mock.history(18)).toEqual([{ atMs: 0, value: 0 }, { atMs: 0, value: 1 }]);
    const shapes = Object.values(STATUS_PATTERNS).map((p) => JSON.stringify(patternSteps(p)));
    expect(new Set(shapes).size).toBe(4);
    status.dispose();
  });

  it('setting the same state again keeps the blink phase', () => {
    const status = new StatusLed(createLed(mock, 18));
    status.set('connecting');
    vi.advanceTimersByTime(150);
    status.set('connecting');
    vi.advanceTimersByTime(1000);
    expect(mock.matchesPattern(18, patternSteps(STATUS_PATTERNS.connecting), { minCycles: 5 })).toBe(true);
    status.dispose();
  });

  it('a feedback flash plays once, then the state pattern resumes', () => {
    const status = new StatusLed(createLed(mock, 18));
    status.set('offline');
    vi.advanceTimersByTime(2500); // on for 1000..., now in the second "on"
    mock.clearHistory();
    status.flash(FEEDBACK_PATTERNS.confirmed);
    vi.advanceTimersByTime(1200 + 2000 * 2);
    const h = mock.history(18);
    expect(h.slice(0, 3)).toEqual([
      { atMs: 0, value: 1 }, // was on; the flash keeps it on for 1200 ms
      { atMs: 1200, value: 0 }, // flash done
      { atMs: 1200, value: 1 }, // offline pattern restarts
    ]);
    expect(matchesPattern(h.slice(2), patternSteps(STATUS_PATTERNS.offline), { minCycles: 2 })).toBe(true);
    status.dispose();
  });
});
