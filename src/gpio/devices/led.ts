import { PivoteError, isPivoteError } from '../../protocol/errors.js';
import { systemTimers, type TimerHandle, type Timers } from '../time.js';
import type { GpioLogger, OutputLine } from '../types.js';
import { blinkPattern, type LedPattern } from './led-patterns.js';

export interface LedOptions {
  /** Default: global timers (so vitest fake timers drive patterns). */
  timers?: Timers;
  logger?: GpioLogger;
}

export interface BlinkOptions {
  onMs: number;
  offMs: number;
  /** Number of flashes; omitted = until the next command. */
  count?: number;
}

/**
 * An LED on an output line. Every command is non-blocking and cancels whatever pattern was
 * running, so callers never have to stop a blink before changing state.
 */
export class Led {
  private readonly timers: Timers;
  private readonly logger: GpioLogger | undefined;
  private timer: TimerHandle | undefined;
  private current: string | undefined;
  private disposed = false;

  constructor(
    private readonly line: OutputLine,
    options: LedOptions = {},
  ) {
    this.timers = options.timers ?? systemTimers;
    this.logger = options.logger;
  }

  get bcm(): number {
    return this.line.bcm;
  }

  get isLit(): boolean {
    return !this.disposed && this.line.read() === 1;
  }

  /** Name of the running pattern, or undefined when steady on/off. */
  get activePattern(): string | undefined {
    return this.current;
  }

  on(): void {
    this.play({ kind: 'steady', name: 'on', description: 'on', on: true });
  }

  off(): void {
    this.play({ kind: 'steady', name: 'off', description: 'off', on: false });
  }

  blink(options: BlinkOptions, onDone?: () => void): void {
    this.play(blinkPattern(options.onMs, options.offMs, options.count), onDone);
  }

  /** Plays a pattern; `onDone` runs when a finite pattern completes (not when it is cancelled). */
  play(pattern: LedPattern, onDone?: () => void): void {
    if (this.disposed) throw new PivoteError('PV_GPIO_RELEASED', `LED on GPIO${this.line.bcm} was disposed`);
    this.cancel();
    if (pattern.kind === 'steady') {
      this.set(pattern.on);
      return;
    }
    validate(pattern);
    this.current = pattern.name;
    const { steps, repeat } = pattern;
    let index = 0;
    let cycle = 0;
    const step = (): void => {
      this.timer = undefined;
      if (index === steps.length) {
        index = 0;
        cycle++;
        if (repeat !== 'forever' && cycle >= repeat) {
          this.current = undefined;
          this.set(false);
          onDone?.();
          return;
        }
      }
      const s = steps[index++];
      if (s === undefined || !this.set(s.on)) return;
      this.timer = this.timers.setTimeout(step, s.ms);
    };
    step();
  }

  /** Leaves the LED off and releases its line. */
  dispose(): void {
    if (this.disposed) return;
    this.cancel();
    try {
      this.line.write(0);
    } catch (err) {
      if (!isPivoteError(err, 'PV_GPIO_RELEASED')) throw err;
    }
    this.disposed = true;
    this.line.release();
  }

  private cancel(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.current = undefined;
  }

  /** Writes the level; false (and the pattern stops) if the line went away, e.g. at shutdown. */
  private set(on: boolean): boolean {
    try {
      this.line.write(on ? 1 : 0);
      return true;
    } catch (err) {
      this.cancel();
      if (!isPivoteError(err, 'PV_GPIO_RELEASED')) {
        this.logger?.warn({ bcm: this.line.bcm, err }, 'LED write failed; pattern stopped');
      }
      return false;
    }
  }
}

function validate(pattern: Extract<LedPattern, { kind: 'cycle' }>): void {
  const badStep = pattern.steps.find((s) => !(Number.isFinite(s.ms) && s.ms > 0));
  const badRepeat = pattern.repeat !== 'forever' && !(Number.isInteger(pattern.repeat) && pattern.repeat > 0);
  if (pattern.steps.length === 0 || badStep !== undefined || badRepeat) {
    throw new PivoteError('PV_CONFIG_INVALID', `LED pattern "${pattern.name}": steps need a duration > 0 ms and repeat a count > 0`, {
      pattern: pattern.name,
    });
  }
}
