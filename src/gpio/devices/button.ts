import { isPivoteError } from '../../protocol/errors.js';
import { configTxtPullLine } from '../config-txt.js';
import { describePin } from '../pin-names.js';
import { monotonicClock, nsToMs, msToNs, systemTimers, type TimerHandle, type Timers } from '../time.js';
import type { Bit, Clock, EdgeEvent, GpioLogger, InputLine } from '../types.js';
import { Listeners } from './listeners.js';

export interface ButtonOptions {
  /** Bounce is ignored for this long after each accepted change. Default 30 ms. */
  debounceMs?: number;
  /** `hold` fires after the button has been down this long; 0 disables. Default 2000 ms. */
  holdMs?: number;
  /** More raw edges than this within `noiseWindowMs` means a floating input. Default 100. */
  noiseEdges?: number;
  noiseWindowMs?: number;
  timers?: Timers;
  /** Must be the backend's clock (timestamps of presses detected late use it). */
  clock?: Clock;
  logger?: GpioLogger;
}

export interface PressEvent {
  /** When the first edge of the press happened (backend clock, ns). */
  timestampNs: bigint;
}
export interface ReleaseEvent extends PressEvent {
  heldMs: number;
}
export interface HoldEvent {
  /** When the press that is being held started. */
  pressedAtNs: bigint;
  heldMs: number;
}
export interface NoiseEvent {
  edges: number;
  windowMs: number;
}

export interface ButtonEvents extends Record<string, unknown> {
  press: PressEvent;
  release: ReleaseEvent;
  hold: HoldEvent;
  /** The input toggles far faster than a finger can: floating or badly wired. */
  noise: NoiseEvent;
}

/**
 * A push button with debounce that reacts on the FIRST edge: the press is reported at once
 * (with the timestamp of that edge) and further edges are ignored for `debounceMs`. After the
 * window the line is read again, so a tap shorter than the window still yields its release.
 * The line must be requested with edge 'both'; the Button owns it and releases it on dispose.
 */
export class Button {
  private readonly events = new Listeners<ButtonEvents>();
  private readonly debounceMs: number;
  private readonly holdMs: number;
  private readonly noiseEdges: number;
  private readonly noiseWindowNs: bigint;
  private readonly timers: Timers;
  private readonly clock: Clock;
  private readonly logger: GpioLogger | undefined;
  private readonly unsubscribe: () => void;
  private stable: Bit;
  private pressedAtNs: bigint | undefined;
  private lockTimer: TimerHandle | undefined;
  private holdTimer: TimerHandle | undefined;
  /** Latest edge seen while locked: the best timestamp for a change found when unlocking. */
  private lastIgnored: EdgeEvent | undefined;
  private recentEdgesNs: bigint[] = [];
  private lastNoiseNs: bigint | undefined;
  private disposed = false;

  constructor(
    private readonly line: InputLine,
    options: ButtonOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 30;
    this.holdMs = options.holdMs ?? 2000;
    this.noiseEdges = options.noiseEdges ?? 100;
    this.noiseWindowNs = msToNs(options.noiseWindowMs ?? 1000);
    this.timers = options.timers ?? systemTimers;
    this.clock = options.clock ?? monotonicClock;
    this.logger = options.logger;
    this.stable = line.read();
    if (this.stable === 1) {
      // Not reported as a press: nobody pressed it at boot. Usually a wiring or pull problem.
      this.logger?.warn(
        { bcm: line.bcm, hint: configTxtPullLine([line.bcm], 'up') },
        `button on ${describePin(line.bcm)} reads pressed at startup: stuck button, wrong activeLow, or a floating input without pull-up`,
      );
    }
    this.unsubscribe = line.onEdge((event) => this.onEdge(event));
  }

  get bcm(): number {
    return this.line.bcm;
  }

  get isPressed(): boolean {
    return this.stable === 1;
  }

  on<E extends keyof ButtonEvents>(event: E, listener: (payload: ButtonEvents[E]) => void): () => void {
    return this.events.on(event, listener);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.unsubscribe();
    this.clearTimer('lockTimer');
    this.clearTimer('holdTimer');
    this.events.clear();
    this.line.release();
  }

  private onEdge(event: EdgeEvent): void {
    if (this.disposed) return;
    this.trackNoise(event.timestampNs);
    if (this.lockTimer !== undefined) {
      this.lastIgnored = event;
      return;
    }
    this.accept(event.value, event.timestampNs);
  }

  private accept(value: Bit, atNs: bigint): void {
    if (value === this.stable) return;
    this.stable = value;
    this.lastIgnored = undefined;
    this.lockTimer = this.timers.setTimeout(() => this.unlock(), this.debounceMs);
    if (value === 1) {
      this.pressedAtNs = atNs;
      if (this.holdMs > 0) this.holdTimer = this.timers.setTimeout(() => this.onHold(atNs), this.holdMs);
      this.events.emit('press', { timestampNs: atNs });
    } else {
      this.clearTimer('holdTimer');
      const pressedAt = this.pressedAtNs;
      this.pressedAtNs = undefined;
      if (pressedAt !== undefined) this.events.emit('release', { timestampNs: atNs, heldMs: nsToMs(atNs - pressedAt) });
    }
  }

  private unlock(): void {
    this.lockTimer = undefined;
    if (this.disposed) return;
    let now: Bit;
    try {
      now = this.line.read();
    } catch (err) {
      if (isPivoteError(err, 'PV_GPIO_RELEASED')) return;
      throw err;
    }
    const seen = this.lastIgnored;
    this.accept(now, seen !== undefined && seen.value === now ? seen.timestampNs : this.clock());
  }

  private onHold(pressedAtNs: bigint): void {
    this.holdTimer = undefined;
    if (this.stable === 1) this.events.emit('hold', { pressedAtNs, heldMs: this.holdMs });
  }

  private trackNoise(atNs: bigint): void {
    const edges = this.recentEdgesNs;
    edges.push(atNs);
    while (edges.length > 0 && atNs - (edges[0] as bigint) > this.noiseWindowNs) edges.shift();
    if (edges.length < this.noiseEdges) return;
    // Warn at most once a minute: a floating pin would otherwise flood the log.
    if (this.lastNoiseNs !== undefined && atNs - this.lastNoiseNs < 60_000_000_000n) return;
    this.lastNoiseNs = atNs;
    const windowMs = nsToMs(this.noiseWindowNs);
    this.logger?.warn(
      { bcm: this.line.bcm, edges: edges.length, windowMs, hint: configTxtPullLine([this.line.bcm], 'up') },
      `button on ${describePin(this.line.bcm)} is noisy (${edges.length} edges in ${windowMs} ms): floating input or loose wire`,
    );
    this.events.emit('noise', { edges: edges.length, windowMs });
  }

  private clearTimer(which: 'lockTimer' | 'holdTimer'): void {
    const handle = this[which];
    if (handle !== undefined) this.timers.clearTimeout(handle);
    this[which] = undefined;
  }
}
