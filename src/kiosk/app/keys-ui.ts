import { formatServerAddress } from '../transport/server-address.js';
import { systemTimers, type TimerHandle, type Timers } from '../clock/timers.js';
import type { FeedbackCommand } from '../feedback/feedback.js';
import type { KioskApp } from './kiosk-app.js';
import {
  describeFeedback, ENTER_SCREEN, keyActions, LEAVE_SCREEN, renderKeysScreen, toTerminalFrame, type KeysScreenState,
} from './keys-screen.js';

/**
 * `pivote kiosk --gpio mock --keys`: number keys press the mock buttons, the terminal shows the
 * LEDs as the kiosk drives them. A key goes through the mock pin (press, release ~100 ms later),
 * so the real Button debounce, lockout and outbox path run exactly as on a Pi.
 */

/** The parts of a TTY read stream the UI uses (process.stdin). */
export interface KeysInput {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  setEncoding(encoding: BufferEncoding): unknown;
  on(event: 'data', listener: (chunk: string) => void): unknown;
  off(event: 'data', listener: (chunk: string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export interface KeysUiOptions {
  app: KioskApp;
  input: KeysInput;
  write: (text: string) => void;
  onQuit: () => void;
  logFile?: string;
  color?: boolean;
  timers?: Timers;
  /** Redraw at least this often (queued count, connection text). Default 250 ms. */
  refreshMs?: number;
  pressMs?: number;
}

export interface KeysUi {
  /** Call on every LED change; redraws are coalesced. */
  ledChanged(): void;
  /** Call with what the kiosk shows the voter (KioskAppDeps.onFeedback): the screen says it in words. */
  feedback(command: FeedbackCommand): void;
  /** Restores the terminal. Idempotent. */
  stop(): void;
}

export const KEY_PRESS_MS = 100;
const COALESCE_MS = 15;

export function startKeysUi(options: KeysUiOptions): KeysUi {
  const { app, input, write } = options;
  const mock = app.mock;
  if (!mock) throw new Error('--keys needs the mock GPIO backend');
  const timers = options.timers ?? systemTimers;
  const releases = new Map<number, TimerHandle>();
  let message = '';
  let pending: TimerHandle | undefined;
  let refresh: TimerHandle | undefined;
  let stopped = false;

  const state = (): KeysScreenState => ({
    kioskId: app.config.kioskId,
    server: app.config.servers.map(formatServerAddress).join(', '),
    backend: app.backend.name,
    connection: app.client.status,
    refusedWith: app.client.status === 'error' ? app.client.statusDetail?.code : undefined,
    // The client learns the poll from every welcome: undefined means no welcome yet.
    reachedServer: app.client.poll !== undefined,
    poll: app.runtime.state.poll,
    leds: app.pins.leds.map((bcm) => mock.isOn(bcm)),
    statusLit: mock.isOn(app.pins.status),
    queued: app.outbox.pendingCount(),
    message,
    logFile: options.logFile,
    color: options.color ?? true,
  });

  const draw = (): void => {
    pending = undefined;
    if (!stopped) write(toTerminalFrame(renderKeysScreen(state())));
  };
  const schedule = (): void => {
    if (pending === undefined && !stopped) pending = timers.setTimeout(draw, COALESCE_MS);
  };
  const tick = (): void => {
    draw();
    if (!stopped) refresh = timers.setTimeout(tick, options.refreshMs ?? 250);
  };

  const press = (button: number): void => {
    const bcm = app.pins.buttons[button - 1];
    if (bcm === undefined) return;
    const pin = mock.pin(bcm);
    message = `${button}: pressed…`;
    pin.press();
    const previous = releases.get(bcm);
    if (previous !== undefined) timers.clearTimeout(previous);
    releases.set(
      bcm,
      timers.setTimeout(() => {
        releases.delete(bcm);
        if (!stopped) pin.release();
      }, options.pressMs ?? KEY_PRESS_MS),
    );
    schedule();
  };

  const onData = (chunk: string): void => {
    for (const action of keyActions(chunk, app.pins.buttons.length)) {
      if (action.type === 'quit') {
        options.onQuit();
        return;
      }
      if (action.type === 'press') press(action.button);
    }
  };

  input.setRawMode?.(true);
  input.setEncoding('utf8');
  input.on('data', onData);
  input.resume();
  write(ENTER_SCREEN);
  tick();

  return {
    ledChanged: schedule,
    feedback(command) {
      const text = describeFeedback(command, app.runtime.state.poll);
      if (text === undefined) return;
      message = text;
      schedule();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      for (const t of [pending, refresh, ...releases.values()]) if (t !== undefined) timers.clearTimeout(t);
      releases.clear();
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      write(LEAVE_SCREEN);
    },
  };
}
