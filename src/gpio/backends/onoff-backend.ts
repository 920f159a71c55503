import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PivoteError } from '../../protocol/errors.js';
import { pullNotSetMessage } from '../config-txt.js';
import { LineRegistry, applyActiveLow, edgeWanted, toBit } from '../line-registry.js';
import { gpioErrorFromOs, releasedError } from '../os-errors.js';
import { sysfsAccess } from '../platform-probe.js';
import { DEFAULT_SYSFS_GPIO_ROOT, pickBcmChip, readSysfsChips, sysfsNumberFor, type GpioChipInfo } from '../sysfs-chips.js';
import { monotonicClock } from '../time.js';
import type {
  Bit, Clock, EdgeListener, GpioBackend, GpioLogger, InputLine, InputOptions, OutputLine, OutputOptions, Pull,
} from '../types.js';
import { loadOptionalModule } from './load-optional.js';

/** The part of onoff 6's API this backend uses (see fivdi/onoff onoff.d.ts). */
export interface OnoffGpio {
  readSync(): number;
  writeSync(value: Bit): void;
  watch(callback: (err: Error | null | undefined, value: number) => void): void;
  unwatchAll(): void;
  unexport(): void;
}
export interface OnoffModule {
  Gpio: {
    new (
      gpio: number,
      direction: 'in' | 'out' | 'high' | 'low',
      edge?: 'none' | 'rising' | 'falling' | 'both',
      options?: { debounceTimeout?: number; activeLow?: boolean; reconfigureDirection?: boolean },
    ): OnoffGpio;
    readonly accessible: boolean;
  };
}

export interface OnoffBackendOptions {
  /** Only used to find the chip base and to diagnose; onoff itself always uses /sys/class/gpio. */
  sysfsRoot?: string;
  logger?: GpioLogger;
  clock?: Clock;
  /** Tests inject a fake onoff here. */
  loadOnoff?: () => Promise<OnoffModule>;
}

async function defaultLoadOnoff(): Promise<OnoffModule> {
  const mod = (await loadOptionalModule('onoff', 'onoff')) as Partial<OnoffModule>;
  if (typeof mod.Gpio !== 'function') {
    throw new PivoteError('PV_GPIO_UNAVAILABLE', 'onoff backend unavailable: the "onoff" module has no Gpio class');
  }
  return mod as OnoffModule;
}

/** Opens the sysfs backend: checks sysfs exists, resolves the chip base once, hands out lines. */
export async function openOnoffBackend(options: OnoffBackendOptions = {}): Promise<GpioBackend> {
  const sysfsRoot = options.sysfsRoot ?? DEFAULT_SYSFS_GPIO_ROOT;
  const onoff = await (options.loadOnoff ?? defaultLoadOnoff)();
  if (!onoff.Gpio.accessible) {
    const access = sysfsAccess(sysfsRoot);
    if (access === 'no-access') {
      throw new PivoteError('PV_GPIO_PERMISSION', `cannot write ${join(sysfsRoot, 'export')}: this user may not use sysfs GPIO`, { sysfsRoot });
    }
    throw new PivoteError(
      'PV_GPIO_UNAVAILABLE',
      `sysfs GPIO (${sysfsRoot}) is not available: current Raspberry Pi OS kernels removed it; ` +
        'use the chardev backend, or --gpio mock on a machine without GPIO',
      { sysfsRoot },
    );
  }
  const chip = pickBcmChip(readSysfsChips(sysfsRoot));
  options.logger?.info?.({ chip: chip.name, label: chip.label, base: chip.base }, 'sysfs GPIO chip resolved');
  return new OnoffBackend(onoff, chip, sysfsRoot, options.clock ?? monotonicClock, options.logger);
}

class OnoffBackend implements GpioBackend {
  readonly name = 'onoff' as const;
  private readonly registry = new LineRegistry('onoff');
  private pendingPullWarning = new Map<Pull, number[]>();

  constructor(
    private readonly onoff: OnoffModule,
    private readonly chip: GpioChipInfo,
    private readonly sysfsRoot: string,
    private readonly clock: Clock,
    private readonly logger: GpioLogger | undefined,
  ) {}

  requestInput(bcm: number, options: InputOptions = {}): InputLine {
    const { activeLow = false, edge = 'both', pull = 'none', debounceUs = 0 } = options;
    const gpio = this.open(bcm, options.label, (n) =>
      // onoff's debounceTimeout is a trailing debounce in ms; it is only used when asked for.
      new this.onoff.Gpio(n, 'in', edge, { activeLow, debounceTimeout: Math.ceil(debounceUs / 1000) }),
    );
    if (pull !== 'none') this.warnPullNotSet(bcm, pull);

    const listeners = new Set<EdgeListener>();
    let released = false;
    // sysfs applies active_low itself, so onoff's values are already logical.
    gpio.watch((err, value) => {
      if (released) return;
      if (err) {
        this.logger?.warn({ bcm, err }, 'sysfs GPIO edge error');
        return;
      }
      const event = { value: toBit(value), timestampNs: this.clock() };
      if (!edgeWanted(edge, event.value)) return;
      for (const listener of [...listeners]) listener(event);
    });
    const release = (): void => {
      if (released) return;
      released = true;
      listeners.clear();
      this.unexport(bcm, gpio);
    };
    this.registry.attach(bcm, release);
    return {
      bcm,
      read: () => {
        if (released) throw releasedError(bcm);
        return toBit(gpio.readSync());
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
    // Writing "high"/"low" to sysfs `direction` sets the *raw* level (the kernel ignores
    // active_low there), so the logical initial value is inverted here for active-low LEDs.
    const direction = applyActiveLow(initial, activeLow) === 1 ? 'high' : 'low';
    const gpio = this.open(bcm, options.label, (n) => new this.onoff.Gpio(n, direction, undefined, { activeLow }));
    let value: Bit = initial;
    let released = false;
    const write = (next: Bit): void => {
      if (released) throw releasedError(bcm);
      try {
        gpio.writeSync(next);
      } catch (err) {
        throw gpioErrorFromOs(err, { bcm, backend: 'onoff', action: 'writing the value' });
      }
      value = next;
    };
    const release = (): void => {
      if (released) return;
      try {
        write(0);
      } finally {
        released = true;
        this.unexport(bcm, gpio);
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
    if (errors.length > 0) throw errors[0];
  }

  private open(bcm: number, label: string | undefined, create: (sysfsNumber: number) => OnoffGpio): OnoffGpio {
    this.registry.claim(bcm, label);
    try {
      const sysfsNumber = sysfsNumberFor(bcm, this.chip);
      if (existsSync(join(this.sysfsRoot, `gpio${sysfsNumber}`))) {
        // onoff silently reuses an exported line; say so, since another program may be using it.
        this.logger?.warn({ bcm, sysfsNumber }, 'GPIO was already exported (a previous run, or another program); reusing it');
      }
      try {
        return create(sysfsNumber);
      } catch (err) {
        throw gpioErrorFromOs(err, { bcm, backend: 'onoff', action: `exporting sysfs GPIO ${sysfsNumber}`, sysfsNumber });
      }
    } catch (err) {
      this.registry.free(bcm);
      throw err;
    }
  }

  private unexport(bcm: number, gpio: OnoffGpio): void {
    this.registry.free(bcm);
    try {
      gpio.unwatchAll();
      gpio.unexport();
    } catch (err) {
      this.logger?.warn({ bcm, err }, 'unexporting sysfs GPIO failed');
    }
  }

  /** Batched per tick so a kiosk claiming all its buttons gets one config.txt line to copy. */
  private warnPullNotSet(bcm: number, pull: Pull): void {
    const first = this.pendingPullWarning.size === 0;
    const pins = this.pendingPullWarning.get(pull) ?? [];
    pins.push(bcm);
    this.pendingPullWarning.set(pull, pins);
    if (!first) return;
    queueMicrotask(() => {
      const pending = this.pendingPullWarning;
      this.pendingPullWarning = new Map();
      for (const [p, bcms] of pending) {
        this.logger?.warn({ pins: bcms, pull: p, backend: 'onoff' }, pullNotSetMessage('onoff (sysfs)', bcms, p));
      }
    });
  }
}
