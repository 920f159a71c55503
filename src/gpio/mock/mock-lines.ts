import { releasedError } from '../os-errors.js';
import { applyActiveLow, edgeWanted } from '../line-registry.js';
import type { TimerHandle, Timers } from '../time.js';
import type { Bit, Clock, Edge, EdgeEvent, EdgeListener, InputLine, OutputLine, Pull } from '../types.js';

/**
 * The simulated lines handed out by MockGpio. The simulator (MockGpio) owns the electrical
 * level of each pin; these classes turn level changes into logical values and edge events
 * exactly as a kernel driver would: active-low inversion, edge filtering, optional glitch
 * filter, and asynchronous in-order delivery.
 */

/** What a line needs from the simulator. */
export interface MockWorld {
  readonly clock: Clock;
  readonly timers: Timers;
  /** Electrical level of the pin right now. */
  levelOf(bcm: number): Bit;
  /** Queues a delivery; the simulator counts them so `settle()` can wait. */
  deliver(fn: () => void): void;
  freed(bcm: number): void;
  recordOutput(bcm: number, value: Bit, atNs: bigint): void;
}

export interface MockInputConfig {
  pull: Pull;
  activeLow: boolean;
  edge: Edge;
  debounceUs: number;
}

export class MockInputLine implements InputLine {
  private readonly listeners = new Set<EdgeListener>();
  private released = false;
  /** The logical value last reported (after the glitch filter). */
  private reported: Bit = 0;
  private glitchTimer: TimerHandle | undefined;
  private glitchSinceNs = 0n;

  constructor(
    readonly bcm: number,
    readonly config: MockInputConfig,
    private readonly world: MockWorld,
  ) {}

  /** Takes the current level as the starting point; called once the simulator knows this line's pull. */
  sync(): void {
    this.reported = this.logicalNow();
  }

  read(): Bit {
    if (this.released) throw releasedError(this.bcm);
    return this.logicalNow();
  }

  onEdge(listener: EdgeListener): () => void {
    if (this.released) throw releasedError(this.bcm);
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.cancelGlitchTimer();
    this.listeners.clear();
    this.world.freed(this.bcm);
  }

  /** Called by the simulator after the pin's electrical level may have changed. */
  levelChanged(atNs: bigint): void {
    if (this.released) return;
    const logical = this.logicalNow();
    if (this.config.debounceUs <= 0) {
      if (logical !== this.reported) this.report(logical, atNs);
      return;
    }
    // Glitch filter like pigpio's: a level is reported only once it has been steady for
    // debounceUs, stamped with the time it started being steady. Any change restarts the wait.
    this.cancelGlitchTimer();
    if (logical === this.reported) return;
    this.glitchSinceNs = atNs;
    this.glitchTimer = this.world.timers.setTimeout(() => {
      this.glitchTimer = undefined;
      const steady = this.logicalNow();
      if (steady !== this.reported) this.report(steady, this.glitchSinceNs);
    }, this.config.debounceUs / 1000);
  }

  private report(value: Bit, atNs: bigint): void {
    this.reported = value;
    if (!edgeWanted(this.config.edge, value)) return;
    const event: EdgeEvent = { value, timestampNs: atNs };
    this.world.deliver(() => {
      if (this.released) return;
      for (const listener of [...this.listeners]) listener(event);
    });
  }

  private logicalNow(): Bit {
    return applyActiveLow(this.world.levelOf(this.bcm), this.config.activeLow);
  }

  private cancelGlitchTimer(): void {
    if (this.glitchTimer !== undefined) this.world.timers.clearTimeout(this.glitchTimer);
    this.glitchTimer = undefined;
  }
}

export class MockOutputLine implements OutputLine {
  private released = false;
  private value: Bit;

  constructor(
    readonly bcm: number,
    readonly activeLow: boolean,
    initial: Bit,
    private readonly world: MockWorld,
  ) {
    this.value = initial;
    world.recordOutput(bcm, initial, world.clock());
  }

  /** Electrical level the simulator sees on the pin. */
  get level(): Bit {
    return applyActiveLow(this.value, this.activeLow);
  }

  write(value: Bit): void {
    if (this.released) throw releasedError(this.bcm);
    if (value !== 0 && value !== 1) throw new TypeError(`write(${String(value)}): expected 0 or 1`);
    if (value === this.value) return;
    this.value = value;
    this.world.recordOutput(this.bcm, value, this.world.clock());
  }

  read(): Bit {
    if (this.released) throw releasedError(this.bcm);
    return this.value;
  }

  release(): void {
    if (this.released) return;
    this.write(0);
    this.released = true;
    this.world.freed(this.bcm);
  }
}
