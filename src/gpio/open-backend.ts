import { PivoteError } from '../protocol/errors.js';
import { openOnoffBackend, type OnoffModule } from './backends/onoff-backend.js';
import { openPigpioBackend, type PigpioModule } from './backends/pigpio-backend.js';
import { chooseAutoBackend } from './choose-backend.js';
import { chardevAddonProblem, openChardevBackend, type ChardevAddon } from './chardev/index.js';
import { MockGpio, type MockGpioOptions } from './mock/mock-gpio.js';
import { probePlatform } from './platform-probe.js';
import type { BackendKind, Clock, GpioBackend, GpioLogger } from './types.js';

export interface OpenGpioOptions {
  logger?: GpioLogger;
  /** Monotonic ns clock for edge timestamps. Default process.hrtime.bigint. */
  clock?: Clock;
  /** Options for `mock` (timers, overlay-held pins, …). */
  mock?: MockGpioOptions;
  /** Detection paths, injectable so tests are deterministic on any machine. */
  sysfsRoot?: string;
  devDir?: string;
  modelPaths?: readonly string[];
  isRoot?: () => boolean;
  /** Tests inject fake libraries here. */
  loadOnoff?: () => Promise<OnoffModule>;
  loadPigpio?: () => Promise<PigpioModule>;
  loadChardevAddon?: () => ChardevAddon;
}

/**
 * The one way to get a GPIO backend. `auto` probes the machine and picks a real backend, or
 * fails with PV_GPIO_UNAVAILABLE naming `--gpio mock`; it never falls back to the mock.
 * With pigpio, open the backend before installing signal handlers (see openPigpioBackend).
 */
export async function openGpioBackend(kind: 'mock', options?: OpenGpioOptions): Promise<MockGpio>;
export async function openGpioBackend(kind: BackendKind, options?: OpenGpioOptions): Promise<GpioBackend>;
export async function openGpioBackend(kind: BackendKind, options: OpenGpioOptions = {}): Promise<GpioBackend> {
  switch (kind) {
    case 'mock':
      return new MockGpio({ ...(options.clock ? { clock: options.clock } : {}), ...options.mock });
    case 'onoff':
      return openOnoffBackend(options);
    case 'pigpio':
      return openPigpioBackend(options);
    case 'chardev':
      return openChardevBackend({
        ...(options.devDir !== undefined ? { devDir: options.devDir } : {}),
        ...(options.logger !== undefined ? { logger: options.logger } : {}),
        ...(options.loadChardevAddon !== undefined ? { loadAddon: options.loadChardevAddon } : {}),
      });
    case 'auto': {
      const facts = probePlatform(options);
      // The addon is only loaded where there is a chip for it to open.
      const chardevUsable = facts.gpiochips.length > 0 && chardevAddonProblem(options.loadChardevAddon) === undefined;
      const choice = chooseAutoBackend(facts, chardevUsable);
      options.logger?.info?.({ backend: choice.kind, reason: choice.reason }, 'GPIO backend chosen');
      return openGpioBackend(choice.kind, options);
    }
    default: {
      const never: never = kind;
      throw new PivoteError('PV_CONFIG_INVALID', `unknown GPIO backend "${String(never)}"`);
    }
  }
}
