import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ConnectionStatus } from '../connection/status.js';
import { systemTimers, type TimerHandle, type Timers } from '../clock/timers.js';
import type { KioskApp, LedChange } from './kiosk-app.js';

/**
 * `pivote kiosk --gpio mock --mock-control`: lets a test drive a kiosk *process* through its mock
 * GPIO. Commands arrive one per line on stdin; events leave as one JSON object per line (on
 * stdout; the kiosk's logs then go to stderr).
 *
 * Commands:  press N   (button N down, up again after ~100 ms: the real Button/debounce path)
 *            down N | up N   (hold / let go)
 *            stats           (outbox counts and connection status)
 *            quit            (same as SIGTERM)
 * Events:    {"type":"ready","kioskId":…,"buttons":[bcm…],"leds":[bcm…],"status":bcm}
 *            {"type":"led","led":1|"status","bcm":17,"value":0|1,"atMs":…}   (every LED change)
 *            {"type":"connection","status":"online"|…}
 *            {"type":"ok","command":"press 1"}   (for press: sent once the press was handled)
 *            {"type":"stats","pending":0,"acked":1,"rejected":0,"connection":"online","pollId":3}
 *            {"type":"error","message":…}
 */

export type ControlCommand =
  | { type: 'press' | 'down' | 'up'; button: number }
  | { type: 'stats' }
  | { type: 'quit' };

export type ControlEvent =
  | { type: 'ready'; kioskId: string; buttons: number[]; leds: number[]; status: number }
  | ({ type: 'led' } & LedChange)
  | { type: 'connection'; status: ConnectionStatus }
  | { type: 'ok'; command: string }
  | { type: 'stats'; pending: number; acked: number; rejected: number; connection: ConnectionStatus; pollId: number | null }
  | { type: 'error'; message: string };

export const CONTROL_PRESS_MS = 100;

export function parseControlCommand(line: string): ControlCommand | { type: 'invalid'; reason: string } {
  const words = line.trim().split(/\s+/);
  const [verb, arg] = words;
  if ((verb === 'stats' || verb === 'quit') && words.length === 1) return { type: verb };
  if ((verb === 'press' || verb === 'down' || verb === 'up') && words.length === 2 && arg !== undefined && /^\d+$/.test(arg)) {
    return { type: verb, button: Number(arg) };
  }
  return { type: 'invalid', reason: `unknown command ${JSON.stringify(line.trim())}; use press N, down N, up N, stats or quit` };
}

export interface MockControlOptions {
  app: KioskApp;
  input: Readable;
  emit: (event: ControlEvent) => void;
  /** `quit` was received. */
  onQuit: () => void;
  pressMs?: number;
  timers?: Timers;
}

export interface MockControl {
  stop(): void;
}

export function startMockControl(options: MockControlOptions): MockControl {
  const { app, emit } = options;
  const mock = app.mock;
  if (!mock) throw new Error('mock control needs the mock GPIO backend');
  const timers = options.timers ?? systemTimers;
  const releases = new Set<TimerHandle>();
  let stopped = false;

  const onStatus = (status: ConnectionStatus): void => emit({ type: 'connection', status });
  app.client.on('status', onStatus);
  emit({ type: 'ready', kioskId: app.config.kioskId, buttons: app.pins.buttons, leds: app.pins.leds, status: app.pins.status });
  emit({ type: 'connection', status: app.client.status });

  const handle = async (line: string): Promise<void> => {
    if (line.trim() === '') return;
    const command = parseControlCommand(line);
    if (command.type === 'invalid') return emit({ type: 'error', message: command.reason });
    if (command.type === 'quit') {
      emit({ type: 'ok', command: 'quit' });
      options.onQuit();
      return;
    }
    if (command.type === 'stats') {
      const counts = app.outbox.counts();
      emit({ type: 'stats', ...counts, connection: app.client.status, pollId: app.runtime.state.poll?.id ?? null });
      return;
    }
    const bcm = app.pins.buttons[command.button - 1];
    if (bcm === undefined) return emit({ type: 'error', message: `no button ${command.button}; this kiosk has ${app.pins.buttons.length}` });
    const pin = mock.pin(bcm);
    if (command.type === 'up') pin.release();
    else pin.press();
    await mock.settle(); // the edge reached the Button, so the press has been handled
    if (command.type === 'press') {
      const timer = timers.setTimeout(() => {
        releases.delete(timer);
        if (!stopped) pin.release();
      }, options.pressMs ?? CONTROL_PRESS_MS);
      releases.add(timer);
    }
    emit({ type: 'ok', command: line.trim() });
  };

  const rl = createInterface({ input: options.input, crlfDelay: Infinity });
  // One command at a time, in order, even though handling awaits.
  let chain = Promise.resolve();
  rl.on('line', (line) => {
    chain = chain.then(() => (stopped ? undefined : handle(line))).catch((err: unknown) => {
      emit({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    });
  });

  return {
    stop() {
      if (stopped) return;
      stopped = true;
      app.client.off('status', onStatus);
      for (const t of releases) timers.clearTimeout(t);
      releases.clear();
      rl.close();
    },
  };
}

/** One JSON line per event. */
export function formatControlEvent(event: ControlEvent): string {
  return `${JSON.stringify(event)}\n`;
}
