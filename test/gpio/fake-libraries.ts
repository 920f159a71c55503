import type { Bit, OnoffModule, PigpioModule } from '../../src/gpio/index.js';

/** Stand-ins for onoff and pigpio that record calls, so backend logic is tested on any machine. */

type OnoffCallback = (err: Error | null | undefined, value: number) => void;

export interface FakeOnoffGpio {
  sysfsNumber: number;
  direction: string;
  edge: string | undefined;
  options: Record<string, unknown> | undefined;
  value: Bit;
  writes: Bit[];
  watchers: OnoffCallback[];
  unexported: boolean;
}

export function fakeOnoff(options: { accessible?: boolean; failWith?: Record<number, string> } = {}): {
  module: OnoffModule;
  created: FakeOnoffGpio[];
} {
  const created: FakeOnoffGpio[] = [];
  class Gpio {
    static accessible = options.accessible ?? true;
    readonly state: FakeOnoffGpio;
    constructor(n: number, direction: string, edge?: string, opts?: Record<string, unknown>) {
      const errno = options.failWith?.[n];
      if (errno !== undefined) throw Object.assign(new Error(`${errno}, write`), { code: errno });
      this.state = { sysfsNumber: n, direction, edge, options: opts, value: direction === 'high' ? 1 : 0, writes: [], watchers: [], unexported: false };
      created.push(this.state);
    }
    readSync(): number {
      return this.state.value;
    }
    writeSync(v: Bit): void {
      this.state.value = v;
      this.state.writes.push(v);
    }
    watch(cb: OnoffCallback): void {
      this.state.watchers.push(cb);
    }
    unwatchAll(): void {
      this.state.watchers = [];
    }
    unexport(): void {
      this.state.unexported = true;
    }
  }
  return { module: { Gpio } as unknown as OnoffModule, created };
}

export interface FakePigpioGpio {
  bcm: number;
  options: { mode?: number; pullUpDown?: number } | undefined;
  level: number;
  writes: number[];
  glitchUs: number | undefined;
  alertEnabled: boolean;
  alert: ((level: number, tick: number) => void) | undefined;
}

export function fakePigpio(options: { initializeThrows?: boolean } = {}): {
  module: PigpioModule;
  created: FakePigpioGpio[];
  calls: string[];
  setTick(tick: number): void;
} {
  const created: FakePigpioGpio[] = [];
  const calls: string[] = [];
  let tick = 0;
  class Gpio {
    static INPUT = 0;
    static OUTPUT = 1;
    static PUD_OFF = 0;
    static PUD_DOWN = 1;
    static PUD_UP = 2;
    readonly s: FakePigpioGpio;
    constructor(bcm: number, opts?: { mode?: number; pullUpDown?: number }) {
      this.s = { bcm, options: opts, level: opts?.pullUpDown === 2 ? 1 : 0, writes: [], glitchUs: undefined, alertEnabled: false, alert: undefined };
      created.push(this.s);
    }
    digitalRead(): number { return this.s.level; }
    digitalWrite(level: number): this { this.s.level = level; this.s.writes.push(level); return this; }
    glitchFilter(us: number): this { this.s.glitchUs = us; return this; }
    enableAlert(): this { this.s.alertEnabled = true; return this; }
    disableAlert(): this { this.s.alertEnabled = false; return this; }
    on(_event: 'alert', listener: (level: number, tick: number) => void): this { this.s.alert = listener; return this; }
    removeAllListeners(): this { this.s.alert = undefined; return this; }
  }
  const module: PigpioModule = {
    Gpio: Gpio as unknown as PigpioModule['Gpio'],
    DISABLE_FIFO_IF: 1,
    DISABLE_SOCK_IF: 2,
    configureInterfaces: (flags) => calls.push(`configureInterfaces(${flags})`),
    initialize: () => {
      calls.push('initialize');
      if (options.initializeThrows) throw new Error('pigpio error -1 in gpioInitialise');
    },
    terminate: () => calls.push('terminate'),
    getTick: () => tick,
  };
  return { module, created, calls, setTick: (t) => { tick = t; } };
}
