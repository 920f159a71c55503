import type { Led } from './led.js';
import { STATUS_PATTERNS, type LedPattern, type StatusState } from './led-patterns.js';

/**
 * The kiosk's connection-status LED: one pattern per state (see STATUS_PATTERNS), plus short
 * feedback flashes after which the state pattern resumes.
 */
export class StatusLed {
  private current: StatusState | undefined;
  private flashing = false;

  constructor(private readonly led: Led) {}

  get state(): StatusState | undefined {
    return this.current;
  }

  set(state: StatusState): void {
    if (state === this.current && !this.flashing) return; // keep a blink's phase steady
    this.current = state;
    this.flashing = false;
    this.led.play(STATUS_PATTERNS[state]);
  }

  /**
   * Plays a finite pattern (e.g. FEEDBACK_PATTERNS.confirmed), then returns to the state pattern.
   * A steady or 'forever' pattern never finishes, so it stays until the next `set`.
   */
  flash(pattern: LedPattern): void {
    this.flashing = true;
    this.led.play(pattern, () => {
      this.flashing = false;
      if (this.current !== undefined) this.led.play(STATUS_PATTERNS[this.current]);
    });
  }

  dispose(): void {
    this.led.dispose();
  }
}
