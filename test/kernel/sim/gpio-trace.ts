import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bit } from '../../../src/gpio/index.js';

/**
 * The kernel's own record of what was driven onto GPIO lines: the `gpio:gpio_value` trace event
 * (gpiolib emits it for every set and get, whether it came through the character device or
 * sysfs). The test VM's init mounts tracefs.
 *
 * Why not just read gpio-sim: when a line is freed, gpio-sim resets its value to the simulated
 * pull (pull-down unless told otherwise), so a line reads 0 after its process has gone whether
 * or not that process switched it off first. The trace tells the two apart: the last value set
 * before the release is what the LED showed until then.
 */

export const TRACEFS = '/sys/kernel/tracing';
const EVENT_ENABLE = join(TRACEFS, 'events', 'gpio', 'gpio_value', 'enable');

export interface GpioValueEvent {
  /** Seconds, on the trace clock. */
  atS: number;
  /** Global GPIO number: the chip's sysfs base + offset. */
  gpio: number;
  op: 'set' | 'get';
  value: Bit;
}

/** `node-162 [000] .....  11.168649: gpio_value: 529 set 0` */
const LINE = /\s(\d+\.\d+): gpio_value: (\d+) (set|get) (\d+)\s*$/;

export function parseGpioTrace(text: string): GpioValueEvent[] {
  const events: GpioValueEvent[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m === null) continue;
    events.push({ atS: Number(m[1]), gpio: Number(m[2]), op: m[3] as 'set' | 'get', value: m[4] === '0' ? 0 : 1 });
  }
  return events;
}

/** Records gpio_value events from `start()` until `stop()`. One at a time (the trace buffer is global). */
export class GpioValueTrace {
  private running = false;

  static available(): boolean {
    return existsSync(EVENT_ENABLE);
  }

  /** Clears the buffer and enables the event. */
  start(): void {
    if (!GpioValueTrace.available()) {
      throw new Error(`${EVENT_ENABLE} is missing: tracefs is not mounted (the test VM's init mounts it) or the kernel lacks gpio trace events`);
    }
    writeFileSync(join(TRACEFS, 'trace'), ''); // truncating clears the ring buffer
    writeFileSync(EVENT_ENABLE, '1');
    this.running = true;
  }

  /** Everything recorded so far (reading `trace` does not consume it). */
  events(): GpioValueEvent[] {
    return parseGpioTrace(readFileSync(join(TRACEFS, 'trace'), 'utf8'));
  }

  /** The last value set on each of these GPIOs, undefined for a GPIO never set. */
  lastSet(gpios: readonly number[]): Map<number, Bit | undefined> {
    const last = new Map<number, Bit | undefined>(gpios.map((g) => [g, undefined]));
    for (const e of this.events()) if (e.op === 'set' && last.has(e.gpio)) last.set(e.gpio, e.value);
    return last;
  }

  /** Idempotent. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    writeFileSync(EVENT_ENABLE, '0');
  }
}
