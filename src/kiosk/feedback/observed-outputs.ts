import type { Bit, GpioBackend, OutputLine, OutputOptions } from '../../gpio/index.js';

/**
 * A GpioBackend decorator that reports every change of an output's logical level. The terminal
 * UI (`--keys`) redraws on it, `--mock-control` streams it to tests, and unit tests log it next
 * to outbox writes to check ordering. It works with every backend, so what is drawn is exactly
 * what the LED driver was told, not a model of it.
 */

export interface OutputChange {
  bcm: number;
  /** Logical level after the change (1 = LED lit). */
  value: Bit;
}

export function observeOutputs(backend: GpioBackend, onChange: (change: OutputChange) => void): GpioBackend {
  const report = (change: OutputChange): void => {
    try {
      onChange(change);
    } catch {
      // An observer is a display; a bug in it must never stop an LED (or a vote) from working.
    }
  };
  return {
    get name() {
      return backend.name;
    },
    requestInput: (bcm, options) => backend.requestInput(bcm, options),
    requestOutput: (bcm, options?: OutputOptions): OutputLine => {
      const line = backend.requestOutput(bcm, options);
      let last: Bit = line.read();
      report({ bcm, value: last });
      const changed = (): void => {
        let now: Bit;
        try {
          now = line.read();
        } catch {
          now = 0; // released: the backend drove it inactive
        }
        if (now === last) return;
        last = now;
        report({ bcm, value: now });
      };
      return {
        bcm: line.bcm,
        write(value) {
          line.write(value);
          changed();
        },
        read: () => line.read(),
        release() {
          line.release();
          changed();
        },
      };
    },
    close: () => backend.close(),
  };
}
