import { FEEDBACK_PATTERNS, type Led, type LedPattern, type LedStep, type StatusLed } from '../../gpio/index.js';
import type { KioskFeedback } from './feedback.js';
import type { ConnectionStatus } from '../connection/status.js';
import { systemTimers, type TimerHandle, type Timers } from '../clock/timers.js';

/**
 * KioskFeedback on real (or mock) LEDs: option LED i belongs to button i, plus a status LED.
 *
 * Idle, the LEDs of the open poll's options are lit. An answer to a press is shown on the
 * pressed button's LED while the other option LEDs go dark, framed by short dark pauses, so the
 * voter sees the pattern even on an LED that was already lit; then the idle display returns.
 */

type FinitePattern = Extract<LedPattern, { kind: 'cycle' }> & { readonly repeat: number };

/** Which pattern answers which outcome on the pressed button's LED. */
export const OPTION_FEEDBACK_PATTERNS = {
  confirmed: FEEDBACK_PATTERNS.confirmed,
  savedOffline: FEEDBACK_PATTERNS.savedOffline,
  notAccepted: FEEDBACK_PATTERNS.refused,
} as const satisfies Record<string, FinitePattern>;

/** Dark pause before and after an answer pattern. */
export const FOCUS_GAP_MS = 150;

/**
 * A reconnect attempt to a server that is down fails within milliseconds; showing "connecting"
 * for each one would restart the status LED every retry and the slow "offline" blink would never
 * be seen. So "connecting" shows only once an attempt has lasted this long.
 */
export const CONNECTING_SHOW_AFTER_MS = 500;

export interface LedFeedbackOptions {
  /** Option LEDs in button order. */
  options: readonly Led[];
  status: StatusLed;
  focusGapMs?: number;
  connectingShowAfterMs?: number;
  timers?: Timers;
}

/** The pattern framed by dark pauses and unrolled, so it plays once as one Led command. */
export function framedPattern(pattern: FinitePattern, gapMs: number = FOCUS_GAP_MS): FinitePattern {
  const gap: LedStep[] = gapMs > 0 ? [{ on: false, ms: gapMs }] : [];
  const body: LedStep[] = [];
  for (let i = 0; i < pattern.repeat; i++) body.push(...pattern.steps);
  return { ...pattern, steps: [...gap, ...body, ...gap], repeat: 1 };
}

export class LedFeedback implements KioskFeedback {
  private readonly leds: readonly Led[];
  private readonly statusLed: StatusLed;
  private readonly gapMs: number;
  private readonly connectingAfterMs: number;
  private readonly timers: Timers;
  private connectingTimer: TimerHandle | undefined;
  private count = 0;
  /** The button whose LED plays an answer right now (others are dark meanwhile). */
  private active: number | undefined;
  private disposed = false;

  constructor(options: LedFeedbackOptions) {
    this.leds = options.options;
    this.statusLed = options.status;
    this.gapMs = options.focusGapMs ?? FOCUS_GAP_MS;
    this.connectingAfterMs = options.connectingShowAfterMs ?? CONNECTING_SHOW_AFTER_MS;
    this.timers = options.timers ?? systemTimers;
  }

  /** How many option LEDs the idle display lights. */
  get optionCount(): number {
    return this.count;
  }

  showOptions(count: number): void {
    this.count = count;
    // During an answer the display is focused on the pressed LED; it returns when the answer ends.
    if (this.active === undefined) this.showIdle();
  }

  confirmed(button: number): void {
    this.answer(button, OPTION_FEEDBACK_PATTERNS.confirmed);
  }

  savedOffline(button: number): void {
    this.answer(button, OPTION_FEEDBACK_PATTERNS.savedOffline);
  }

  notAccepted(button: number): void {
    this.answer(button, OPTION_FEEDBACK_PATTERNS.notAccepted);
  }

  status(status: ConnectionStatus): void {
    if (this.disposed) return;
    this.cancelConnecting();
    // From "online" (or at start) a connection attempt is news; after a failure it is routine.
    const routine = this.statusLed.state === 'offline' || this.statusLed.state === 'error';
    if (status === 'connecting' && routine && this.connectingAfterMs > 0) {
      this.connectingTimer = this.timers.setTimeout(() => {
        this.connectingTimer = undefined;
        if (!this.disposed) this.statusLed.set('connecting');
      }, this.connectingAfterMs);
      return;
    }
    this.statusLed.set(status);
  }

  /** Every LED off and its line released. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.cancelConnecting();
    for (const led of this.leds) led.dispose();
    this.statusLed.dispose();
  }

  private answer(button: number, pattern: FinitePattern): void {
    if (this.disposed) return;
    const led = this.leds[button - 1];
    if (led === undefined) return; // config validation gives every button an LED
    this.leds.forEach((other, i) => {
      if (i !== button - 1) other.off();
    });
    this.active = button;
    led.play(framedPattern(pattern, this.gapMs), () => {
      if (this.active !== button) return;
      this.active = undefined;
      this.showIdle();
    });
  }

  private cancelConnecting(): void {
    if (this.connectingTimer !== undefined) this.timers.clearTimeout(this.connectingTimer);
    this.connectingTimer = undefined;
  }

  private showIdle(): void {
    if (this.disposed) return;
    this.leds.forEach((led, i) => (i < this.count ? led.on() : led.off()));
  }
}
