import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createLed, FEEDBACK_PATTERNS, MockGpio, patternSteps, STATUS_PATTERNS, StatusLed, type Led,
} from '../../src/gpio/index.js';
import { FOCUS_GAP_MS, framedPattern, LedFeedback, OPTION_FEEDBACK_PATTERNS } from '../../src/kiosk/feedback/led-feedback.js';
import { playsPattern, visibleSegments } from './led-match.js';

const LED_PINS = [17, 27, 22, 23];
const STATUS_PIN = 24;

describe('LedFeedback on the mock backend (fake timers)', () => {
  let mock: MockGpio;
  let feedback: LedFeedback;

  beforeEach(() => {
    vi.useFakeTimers();
    mock = new MockGpio();
    const leds: Led[] = LED_PINS.map((p) => createLed(mock, p));
    feedback = new LedFeedback({ options: leds, status: new StatusLed(createLed(mock, STATUS_PIN)) });
  });

  afterEach(async () => {
    feedback.dispose();
    await mock.close();
    const leaked = vi.getTimerCount();
    vi.clearAllTimers();
    vi.useRealTimers();
    expect(leaked).toBe(0);
  });

  const lit = () => LED_PINS.map((p) => mock.isOn(p));

  it('lights the options of the open poll and nothing else', () => {
    feedback.showOptions(3);
    expect(lit()).toEqual([true, true, true, false]);
    feedback.showOptions(2);
    expect(lit()).toEqual([true, true, false, false]);
    feedback.showOptions(0);
    expect(lit()).toEqual([false, false, false, false]);
  });

  it('confirmed: others go dark, the pressed LED plays the confirmed pattern between pauses, then idle returns', () => {
    feedback.showOptions(4);
    vi.advanceTimersByTime(1000);
    mock.clearHistory();
    feedback.confirmed(2);
    expect(lit()).toEqual([false, false, false, false]); // the leading pause
    vi.advanceTimersByTime(10_000);
    const glow = FEEDBACK_PATTERNS.confirmed.steps[0].ms;
    const total = FOCUS_GAP_MS + glow + FOCUS_GAP_MS;
    // The idle "on" before the answer lasted 0 ms after clearHistory, so it is not visible.
    expect(visibleSegments(mock.history(27))).toEqual([
      { value: 0, startMs: 0, durationMs: FOCUS_GAP_MS },
      { value: 1, startMs: FOCUS_GAP_MS, durationMs: glow },
      { value: 0, startMs: FOCUS_GAP_MS + glow, durationMs: FOCUS_GAP_MS },
      { value: 1, startMs: total, durationMs: undefined },
    ]);
    expect(playsPattern(mock.history(27), FEEDBACK_PATTERNS.confirmed)).toBe(true);
    // The other options were dark for the whole answer and came back together with it.
    for (const pin of [17, 22, 23]) {
      expect(visibleSegments(mock.history(pin))).toEqual([
        { value: 0, startMs: 0, durationMs: total },
        { value: 1, startMs: total, durationMs: undefined },
      ]);
    }
    expect(lit()).toEqual([true, true, true, true]);
  });

  it.each([
    ['confirmed', (f: LedFeedback) => f.confirmed(3)],
    ['savedOffline', (f: LedFeedback) => f.savedOffline(3)],
    ['notAccepted', (f: LedFeedback) => f.notAccepted(3)],
  ] as const)('%s plays its own pattern and none of the others', (kind, call) => {
    feedback.showOptions(4);
    mock.clearHistory();
    call(feedback);
    vi.advanceTimersByTime(10_000);
    const history = mock.history(22);
    for (const [other, pattern] of Object.entries(OPTION_FEEDBACK_PATTERNS)) {
      expect(playsPattern(history, pattern), `${kind} history vs ${other} pattern`).toBe(other === kind);
    }
    // Also read with the mock's own matcher, starting at the first "on" of the answer.
    const firstOn = history.findIndex((e, i) => i > 0 && e.value === 1 && e.atMs > 0);
    expect(mock.matchesPattern(22, patternSteps(OPTION_FEEDBACK_PATTERNS[kind]))).toBe(false); // idle "on" comes first
    expect(playsPattern(history.slice(firstOn - 1), OPTION_FEEDBACK_PATTERNS[kind])).toBe(true);
  });

  it('an LED that was dark (not an option) still shows "not accepted"', () => {
    feedback.showOptions(2);
    mock.clearHistory();
    feedback.notAccepted(4);
    vi.advanceTimersByTime(10_000);
    expect(playsPattern(mock.history(23), FEEDBACK_PATTERNS.refused)).toBe(true);
    expect(lit()).toEqual([true, true, false, false]);
  });

  it('a poll change during an answer waits until the answer has played', () => {
    feedback.showOptions(2);
    feedback.savedOffline(1);
    vi.advanceTimersByTime(FOCUS_GAP_MS + 100); // inside the first pulse
    feedback.showOptions(4);
    expect(lit()).toEqual([true, false, false, false]);
    vi.advanceTimersByTime(10_000);
    expect(lit()).toEqual([true, true, true, true]);
    expect(playsPattern(mock.history(17), FEEDBACK_PATTERNS.savedOffline)).toBe(true);
  });

  it('a second answer replaces the first', () => {
    feedback.showOptions(4);
    mock.clearHistory();
    feedback.savedOffline(1);
    vi.advanceTimersByTime(600);
    feedback.confirmed(1);
    vi.advanceTimersByTime(10_000);
    expect(playsPattern(mock.history(17), FEEDBACK_PATTERNS.confirmed, { fromMs: 600 })).toBe(true);
    expect(playsPattern(mock.history(17), FEEDBACK_PATTERNS.savedOffline)).toBe(false);
    expect(lit()).toEqual([true, true, true, true]);
  });

  it.each(['connecting', 'offline', 'error'] as const)('status %s plays its documented pattern', (status) => {
    feedback.status(status);
    vi.advanceTimersByTime(6000);
    expect(mock.matchesPattern(STATUS_PIN, patternSteps(STATUS_PATTERNS[status]), { minCycles: 2 })).toBe(true);
  });

  it('a failed reconnect attempt does not restart the slow offline blink', () => {
    feedback.status('online');
    feedback.status('offline');
    mock.clearHistory();
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(300);
      feedback.status('connecting'); // refused at once, retried 300 ms later
      vi.advanceTimersByTime(5);
      feedback.status('offline');
    }
    vi.advanceTimersByTime(1000);
    expect(mock.matchesPattern(STATUS_PIN, patternSteps(STATUS_PATTERNS.offline), { minCycles: 1 })).toBe(true);
    expect(mock.history(STATUS_PIN).every((e) => e.atMs % 1000 === 0)).toBe(true);
  });

  it('an attempt that lasts shows "connecting"', () => {
    feedback.status('offline');
    feedback.status('connecting');
    vi.advanceTimersByTime(2000);
    mock.clearHistory();
    vi.advanceTimersByTime(1000);
    expect(mock.matchesPattern(STATUS_PIN, patternSteps(STATUS_PATTERNS.connecting), { minCycles: 3 })).toBe(true);
  });

  it('status online is steady on', () => {
    feedback.status('offline');
    feedback.status('online');
    vi.advanceTimersByTime(5000);
    expect(mock.isOn(STATUS_PIN)).toBe(true);
    expect(mock.history(STATUS_PIN).at(-1)?.atMs).toBe(0);
  });

  it('dispose leaves every LED off and every line free, even mid-pattern', () => {
    feedback.showOptions(4);
    feedback.status('connecting');
    feedback.confirmed(1);
    vi.advanceTimersByTime(300);
    feedback.dispose();
    for (const pin of [...LED_PINS, STATUS_PIN]) {
      expect(mock.isOn(pin)).toBe(false);
      expect(mock.pin(pin).mode).toBe('free');
    }
    feedback.confirmed(2); // ignored after dispose, no throw
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('framedPattern', () => {
  it('unrolls the repeats between two pauses and plays once', () => {
    const framed = framedPattern(FEEDBACK_PATTERNS.refused, 100);
    expect(framed.repeat).toBe(1);
    expect(framed.steps).toHaveLength(2 + 2 * FEEDBACK_PATTERNS.refused.repeat);
    expect(framed.steps[0]).toEqual({ on: false, ms: 100 });
    expect(framed.steps.at(-1)).toEqual({ on: false, ms: 100 });
    expect(framedPattern(FEEDBACK_PATTERNS.confirmed, 0).steps).toEqual([{ on: true, ms: 1200 }]);
  });
});
