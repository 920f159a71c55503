import { PivoteError } from '../../protocol/errors.js';
import { LineRegistry, applyActiveLow, edgeWanted, toBit } from '../line-registry.js';
import { gpioErrorFromOs, releasedError } from '../os-errors.js';
import { defaultIsRoot, isRaspberryPi, isRaspberryPi5, readBoardModel } from '../platform-probe.js';
import { monotonicClock } from '../time.js';
import type {
  Bit, Clock, EdgeListener, GpioBackend, GpioLogger, InputLine, InputOptions, OutputLine, OutputOptions,
} from '../types.js';
import { loadOptionalModule } from './load-optional.js';

/** The part of pigpio 3's API this backend uses (see fivdi/pigpio pigpio.d.ts, doc/gpio.md). */
export interface PigpioGpio {
  digitalRead(): number;
  digitalWrite(level: number): unknown;
  glitchFilter(steadyUs: number): unknown;
  enableAlert(): unknown;
  disableAlert(): unknown;
  on(event: 'alert', listener: (level: number, tick: number) => void): unknown;
  removeAllListeners(event?: 'alert'): unknown;
}
export interface PigpioModule {
  Gpio: {
    new (gpio: number, options?: { mode?: number; pullUpDown?: number }): PigpioGpio;
    readonly INPUT: number;
    readonly OUTPUT: number;
    readonly PUD_OFF: number;
    readonly PUD_DOWN: number;
    readonly PUD_UP: number;
  };
  initialize(): void;
  terminate(): void;
  configureInterfaces(flags: number): void;
  readonly DISABLE_FIFO_IF: number;
  readonly DISABLE_SOCK_IF: number;
  /** Microseconds since boot, unsigned 32-bit (wraps every ~72 minutes). */
  getTick(): number;
}

export interface PigpioBackendOptions {
  modelPaths?: readonly string[];
  isRoot?: () => boolean;
  logger?: GpioLogger;
  clock?: Clock;
  /** Tests inject a fake pigpio here. */
  loadPigpio?: () => Promise<PigpioModule>;
}

/** Pure: why pigpio cannot run here, or undefined when it may. */
export function pigpioUnavailableReason(model: string | undefined, isRoot: boolean): string | undefined {
  if (!isRaspberryPi(model)) {
    return `pigpio needs a Raspberry Pi 1-4 (this machine's model: ${model ?? 'unknown, no device tree'}); on a laptop use --gpio mock`;
  }
  if (isRaspberryPi5(model)) {
    return `pigpio does not support the Raspberry Pi 5 (${model ?? ''}): its GPIO sit on the RP1 chip; use --gpio chardev (or onoff on an older kernel)`;
  }
  if (!isRoot) {
    return 'pigpio needs root (it maps /dev/mem and uses DMA): run the kiosk as root, or use --gpio chardev / --gpio onoff';
  }
  return undefined;
}

async function defaultLoadPigpio(): Promise<PigpioModule> {
  const mod = (await loadOptionalModule('pigpio', 'pigpio')) as Partial<PigpioModule>;
  if (typeof mod.Gpio !== 'function' || typeof mod.initialize !== 'function') {
    throw new PivoteError('PV_GPIO_UNAVAILABLE', 'pigpio backend unavailable: the "pigpio" module has no Gpio/initialize');
  }
  return mod as PigpioModule;
}

/**
 * The pigpio C library is one per process: initialise it for the first backend and terminate
 * it when the last one closes, so closing one backend cannot pull the library from another.
 */
const openBackends = new WeakMap<PigpioModule, number>();

/**
 * Opens the pigpio backend. Open it BEFORE installing SIGINT/SIGTERM handlers: initialising the
 * pigpio C library replaces any signal handlers registered earlier (fivdi/pigpio
 * doc/configuration.md, initialize()).
 */
export async function openPigpioBackend(options: PigpioBackendOptions = {}): Promise<GpioBackend> {
  const model = readBoardModel(options.modelPaths);
  const reason = pigpioUnavailableReason(model, (options.isRoot ?? defaultIsRoot)());
  if (reason !== undefined) throw new PivoteError('PV_GPIO_UNAVAILABLE', reason, { model });
  const pigpio = await (options.loadPigpio ?? defaultLoadPigpio)();
  const users = openBackends.get(pigpio) ?? 0;
  if (users > 0) {
    openBackends.set(pigpio, users + 1);
    return new PigpioBackend(pigpio, options.clock ?? monotonicClock, options.logger);
  }
  try {
    // No TCP port 8888 or /dev/pigpio FIFO on a kiosk; they would also clash with pigpiod.
    pigpio.configureInterfaces(pigpio.DISABLE_FIFO_IF | pigpio.DISABLE_SOCK_IF);
    pigpio.initialize();
  } catch (err) {
    throw new PivoteError(
      'PV_GPIO_UNAVAILABLE',
      `pigpio could not initialise (${err instanceof Error ? err.message : String(err)}); ` +
        'is the pigpiod daemon or another pigpio program running? Stop it: sudo systemctl disable --now pigpiod',
      { model },
      { cause: err },
    );
  }
  openBackends.set(pigpio, 1);
  return new PigpioBackend(pigpio, options.clock ?? monotonicClock, options.logger);
}

class PigpioBackend implements GpioBackend {
  readonly name = 'pigpio' as const;
  private readonly registry = new LineRegistry('pigpio');
  private closed = false;

  constructor(
    private readonly pigpio: PigpioModule,
    private readonly clock: Clock,
    private readonly logger: GpioLogger | undefined,
  ) {}

  requestInput(bcm: number, options: InputOptions = {}): InputLine {
    const { activeLow = false, edge = 'both', pull = 'none', debounceUs = 0 } = options;
    const { Gpio } = this.pigpio;
    const pud = pull === 'up' ? Gpio.PUD_UP : pull === 'down' ? Gpio.PUD_DOWN : Gpio.PUD_OFF;
    const gpio = this.open(bcm, options.label, () => {
      const g = new Gpio(bcm, { mode: Gpio.INPUT, pullUpDown: pud });
      // The glitch filter applies to alerts, which is why alerts (not interrupts) are used.
      if (debounceUs > 0) g.glitchFilter(Math.round(debounceUs));
      return g;
    });
    const listeners = new Set<EdgeListener>();
    let released = false;
    let last = applyActiveLow(toBit(gpio.digitalRead()), activeLow);
    gpio.on('alert', (level, tick) => {
      if (released) return;
      const value = applyActiveLow(toBit(level), activeLow);
      if (value === last) return;
      last = value;
      if (!edgeWanted(edge, value)) return;
      for (const listener of [...listeners]) listener({ value, timestampNs: this.tickToClock(tick) });
    });
    gpio.enableAlert();
    const release = (): void => {
      if (released) return;
      released = true;
      listeners.clear();
      this.registry.free(bcm);
      try {
        gpio.disableAlert();
        gpio.removeAllListeners('alert');
      } catch (err) {
        this.logger?.warn({ bcm, err }, 'pigpio: disabling alerts failed');
      }
    };
    this.registry.attach(bcm, release);
    return {
      bcm,
      read: () => {
        if (released) throw releasedError(bcm);
        return applyActiveLow(toBit(gpio.digitalRead()), activeLow);
      },
      onEdge: (listener) => {
        if (released) throw releasedError(bcm);
        listeners.add(listener);
        return () => {
          listeners.delete(listener);
        };
      },
      release,
    };
  }

  requestOutput(bcm: number, options: OutputOptions = {}): OutputLine {
    const { activeLow = false, initial = 0 } = options;
    const { Gpio } = this.pigpio;
    const gpio = this.open(bcm, options.label, () => {
      const g = new Gpio(bcm, { mode: Gpio.OUTPUT });
      g.digitalWrite(applyActiveLow(initial, activeLow));
      return g;
    });
    let value: Bit = initial;
    let released = false;
    const write = (next: Bit): void => {
      if (released) throw releasedError(bcm);
      try {
        gpio.digitalWrite(applyActiveLow(next, activeLow));
      } catch (err) {
        throw gpioErrorFromOs(err, { bcm, backend: 'pigpio', action: 'writing the level' });
      }
      value = next;
    };
    const release = (): void => {
      if (released) return;
      try {
        write(0);
      } finally {
        released = true;
        this.registry.free(bcm);
      }
    };
    this.registry.attach(bcm, release);
    return {
      bcm,
      write,
      read: () => {
        if (released) throw releasedError(bcm);
        return value;
      },
      release,
    };
  }

  async close(): Promise<void> {
    const errors = this.registry.closeAll();
    if (!this.closed) {
      this.closed = true;
      const users = (openBackends.get(this.pigpio) ?? 1) - 1;
      openBackends.set(this.pigpio, users);
      if (users === 0) this.pigpio.terminate();
    }
    if (errors.length > 0) throw errors[0];
  }

  private open(bcm: number, label: string | undefined, create: () => PigpioGpio): PigpioGpio {
    this.registry.claim(bcm, label);
    try {
      return create();
    } catch (err) {
      this.registry.free(bcm);
      throw gpioErrorFromOs(err, { bcm, backend: 'pigpio', action: 'configuring the line' });
    }
  }

  /**
   * pigpio stamps alerts with a 32-bit microsecond tick that wraps every ~72 minutes. Using only
   * the (small) age of the event keeps wrap-around harmless: now - age on our monotonic clock.
   */
  private tickToClock(tick: number): bigint {
    const ageUs = (this.pigpio.getTick() - tick) >>> 0;
    return this.clock() - BigInt(ageUs) * 1000n;
  }
}
