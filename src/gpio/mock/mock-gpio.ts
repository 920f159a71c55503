import { PivoteError } from '../../protocol/errors.js';
import { LineRegistry, toBit } from '../line-registry.js';
import { gpioErrorFromOs, likelyHolder } from '../os-errors.js';
import { headerPinForBcm } from '../pin-names.js';
import { monotonicClock, nsToMs, systemTimers, type TimerHandle, type Timers } from '../time.js';
import type { Bit, Clock, GpioBackend, InputLine, InputOptions, OutputLine, OutputOptions } from '../types.js';
import { MockInputLine, MockOutputLine, type MockWorld } from './mock-lines.js';
import {
  blinkPeriodMs, matchesPattern, type HistoryEntry, type MatchOptions, type PatternStep,
} from './output-history.js';

export interface MockGpioOptions {
  /** Default `process.hrtime.bigint`, which vitest's fake timers also fake. */
  clock?: Clock;
  /** Used for scripted bounce and the glitch filter. Default: global timers, looked up lazily. */
  timers?: Timers;
  /** Pins an overlay holds (bcm → why), answering EBUSY like a real Pi. */
  heldByOverlay?: Record<number, string>;
  /** Level an undriven input with no pull reads. Default 0. */
  floatingLevel?: Bit;
}

/** Test-side handle on one simulated pin: what is wired to it from the outside. */
export interface MockPin {
  readonly bcm: number;
  /** Drive the pin electrically (a switch to GND is drive(0)). */
  drive(level: Bit): void;
  /** Stop driving; the pin then reads its pull level (or floats). */
  float(): void;
  /** Drive the level that reads as logical 1 on the claimed input (0 if unclaimed: button to GND). */
  press(): void;
  /** Drive the opposite of press(). */
  release(): void;
  /** Electrical level now. */
  readonly level: Bit;
  /** Whether this process holds the pin, and how. */
  readonly mode: 'input' | 'output' | 'free';
}

interface PinState {
  driven: Bit | undefined;
  input: MockInputLine | undefined;
  output: MockOutputLine | undefined;
  osError: { errno: string; reason: string } | undefined;
  /** Level a released output leaves on the pin: the hardware keeps driving it until reclaimed. */
  residual: Bit | undefined;
  history: { ns: bigint; value: Bit }[];
}

/**
 * A full GPIO simulator that is also a GpioBackend: pull levels, active-low, edge filtering,
 * scripted contact bounce, asynchronous in-order events, and a timestamped output history.
 * Edges are delivered on microtasks (not faked by vitest), so `await mock.settle()` or any
 * `await vi.advanceTimersByTimeAsync(...)` delivers them, with real or fake timers alike.
 */
export class MockGpio implements GpioBackend {
  readonly name = 'mock' as const;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly floatingLevel: Bit;
  private readonly registry = new LineRegistry('mock');
  private readonly pins = new Map<number, PinState>();
  private readonly scriptTimers = new Set<TimerHandle>();
  private inFlight = 0;
  private originNs: bigint;
  private readonly world: MockWorld;

  constructor(options: MockGpioOptions = {}) {
    this.clock = options.clock ?? monotonicClock;
    this.timers = options.timers ?? systemTimers;
    this.floatingLevel = options.floatingLevel ?? 0;
    this.originNs = this.clock();
    for (const [bcm, reason] of Object.entries(options.heldByOverlay ?? {})) this.holdByOverlay(Number(bcm), reason);
    this.world = {
      clock: this.clock,
      timers: this.timers,
      levelOf: (bcm) => this.levelOf(bcm),
      deliver: (fn) => {
        this.inFlight++;
        queueMicrotask(() => {
          this.inFlight--;
          fn();
        });
      },
      freed: (bcm) => {
        const state = this.state(bcm);
        state.residual = state.output?.level;
        state.input = undefined;
        state.output = undefined;
        this.registry.free(bcm);
      },
      recordOutput: (bcm, value, ns) => this.state(bcm).history.push({ ns, value }),
    };
  }

  // ---- GpioBackend ----

  requestInput(bcm: number, options: InputOptions = {}): InputLine {
    this.claim(bcm, options.label);
    const line = new MockInputLine(bcm, {
      pull: options.pull ?? 'none',
      activeLow: options.activeLow ?? false,
      edge: options.edge ?? 'both',
      debounceUs: options.debounceUs ?? 0,
    }, this.world);
    this.state(bcm).input = line;
    line.sync();
    this.registry.attach(bcm, () => line.release());
    return line;
  }

  requestOutput(bcm: number, options: OutputOptions = {}): OutputLine {
    this.claim(bcm, options.label);
    const line = new MockOutputLine(bcm, options.activeLow ?? false, options.initial ?? 0, this.world);
    this.state(bcm).output = line;
    this.registry.attach(bcm, () => line.release());
    return line;
  }

  async close(): Promise<void> {
    for (const handle of this.scriptTimers) this.timers.clearTimeout(handle);
    this.scriptTimers.clear();
    const errors = this.registry.closeAll();
    if (errors.length > 0) throw errors[0];
  }

  // ---- driving the simulation (tests) ----

  pin(bcm: number): MockPin {
    if (headerPinForBcm(bcm) === undefined) {
      throw new PivoteError('PV_GPIO_NO_SUCH_PIN', `mock: GPIO${bcm} is not on the header`, { bcm });
    }
    const drive = (level: Bit | undefined): void => this.setDrive(bcm, level);
    const pressedLevel = (): Bit => (this.state(bcm).input?.config.activeLow ?? true) ? 0 : 1;
    const self = this;
    return {
      bcm,
      drive: (level) => drive(toBit(level)),
      float: () => drive(undefined),
      press: () => drive(pressedLevel()),
      release: () => drive(pressedLevel() === 1 ? 0 : 1),
      get level() { return self.levelOf(bcm); },
      get mode() {
        const s = self.state(bcm);
        return s.input !== undefined ? 'input' : s.output !== undefined ? 'output' : 'free';
      },
    };
  }

  /**
   * Scripted contact bounce: drives `levels` (electrical) one after another, the first now and
   * each next one `spacingMs` later on the injected timers. With fake timers, advance by
   * `(levels.length - 1) * spacingMs` to play it all.
   */
  bounce(bcm: number, levels: readonly Bit[], spacingMs = 1): void {
    const pin = this.pin(bcm);
    levels.forEach((level, i) => {
      if (i === 0) {
        pin.drive(level);
        return;
      }
      const handle = this.timers.setTimeout(() => {
        this.scriptTimers.delete(handle);
        pin.drive(level);
      }, i * spacingMs);
      this.scriptTimers.add(handle);
    });
  }

  /** Makes requests for this pin fail with EBUSY, as when an overlay owns it. */
  holdByOverlay(bcm: number, reason: string = likelyHolder(bcm)): void {
    this.state(bcm).osError = { errno: 'EBUSY', reason };
  }

  /** Makes requests for this pin fail with EACCES (user not in the gpio group). */
  denyAccess(bcm: number): void {
    this.state(bcm).osError = { errno: 'EACCES', reason: 'permission denied' };
  }

  /** Resolves once every edge event queued so far has been delivered. */
  async settle(): Promise<void> {
    while (this.inFlight > 0) await new Promise<void>((resolve) => queueMicrotask(resolve));
  }

  get claimedPins(): number[] {
    return this.registry.claimedPins;
  }

  // ---- output history (LED assertions) ----

  history(bcm: number): HistoryEntry[] {
    return this.state(bcm).history.map((e) => ({ atMs: nsToMs(e.ns - this.originNs), value: e.value }));
  }

  /** Forgets past changes; each pin's history restarts at atMs 0 with its current value. */
  clearHistory(): void {
    const now = this.clock();
    this.originNs = now;
    for (const state of this.pins.values()) {
      const last = state.history[state.history.length - 1];
      state.history = last === undefined ? [] : [{ ns: now, value: last.value }];
    }
  }

  /** Logical value last written to the pin as an output (false if never an output). */
  isOn(bcm: number): boolean {
    const history = this.state(bcm).history;
    return history[history.length - 1]?.value === 1;
  }

  blinkPeriodMs(bcm: number): number | undefined {
    return blinkPeriodMs(this.history(bcm));
  }

  matchesPattern(bcm: number, steps: readonly PatternStep[], options?: MatchOptions): boolean {
    return matchesPattern(this.history(bcm), steps, options);
  }

  // ---- internals ----

  private claim(bcm: number, label: string | undefined): void {
    this.registry.claim(bcm, label);
    const state = this.state(bcm);
    state.residual = undefined;
    const osError = state.osError;
    if (osError !== undefined) {
      this.registry.free(bcm);
      const err = Object.assign(new Error(`${osError.errno}: ${osError.reason}`), { code: osError.errno });
      throw gpioErrorFromOs(err, { bcm, backend: 'mock', action: `claiming the line (simulated: ${osError.reason})` });
    }
  }

  private state(bcm: number): PinState {
    let state = this.pins.get(bcm);
    if (state === undefined) {
      state = { driven: undefined, input: undefined, output: undefined, osError: undefined, residual: undefined, history: [] };
      this.pins.set(bcm, state);
    }
    return state;
  }

  private levelOf(bcm: number): Bit {
    const s = this.state(bcm);
    if (s.output !== undefined) return s.output.level;
    if (s.driven !== undefined) return s.driven;
    if (s.residual !== undefined) return s.residual;
    const pull = s.input?.config.pull ?? 'none';
    return pull === 'up' ? 1 : pull === 'down' ? 0 : this.floatingLevel;
  }

  private setDrive(bcm: number, level: Bit | undefined): void {
    const state = this.state(bcm);
    state.driven = level;
    state.input?.levelChanged(this.clock());
  }
}
