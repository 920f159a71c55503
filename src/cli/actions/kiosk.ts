import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Level, Logger } from 'pino';
import { isPivoteError, PivoteError } from '../../protocol/errors.js';
import { inDataDir } from '../../kiosk/os-errors.js';
import { startKiosk, type KioskApp } from '../../kiosk/app/kiosk-app.js';
import type { KeysInput, KeysUi } from '../../kiosk/app/keys-ui.js';
import type { MockControl } from '../../kiosk/app/mock-control.js';
import type { CliContext } from '../context.js';
import { resolveKioskConfig, type KioskCommandOptions } from '../kiosk-config.js';
import { createCliLogger, parseLogLevel } from '../logger.js';
import { waitForStopSignal } from '../signals.js';

/**
 * `pivote kiosk`: runs one kiosk until SIGTERM/SIGINT (or `q` in --keys mode), then turns the
 * LEDs off, releases every line and closes the outbox, and exits 0. Loaded only when that
 * command runs (see ../commands/kiosk.ts).
 */

/** What the command needs from the process, injectable so tests need no real signals or TTY. */
export interface KioskProcessIo {
  stdin: KeysInput & Readable;
  stdoutIsTty: boolean;
  /** Installs the SIGINT/SIGTERM handlers; the first signal calls `handler`. */
  onStopSignal(handler: (signal: string) => void): void;
  logTo(target: 'stdout' | 'stderr' | { file: string }, level: Level, pretty: boolean): Logger;
}

export function processKioskIo(): KioskProcessIo {
  return {
    stdin: process.stdin,
    stdoutIsTty: process.stdout.isTTY === true,
    onStopSignal(handler) {
      void waitForStopSignal().then(handler);
    },
    logTo(target, level, pretty) {
      const fd = target === 'stdout' ? 1 : target === 'stderr' ? 2 : openSync(target.file, 'a');
      return createCliLogger({ level, pretty: pretty && fd === 1, fd, name: 'pivote-kiosk' });
    },
  };
}

export async function runKiosk(opts: KioskCommandOptions, ctx: CliContext, io: KioskProcessIo, software: string): Promise<void> {
  const level = parseLogLevel(opts.logLevel);
  const config = resolveKioskConfig(opts, { env: ctx.env });
  const gpio = opts.gpio ?? config.gpio;
  if (opts.keys && opts.mockControl) throw new PivoteError('PV_USAGE', '--keys and --mock-control cannot be used together');
  if ((opts.keys || opts.mockControl) && gpio !== 'mock') {
    throw new PivoteError('PV_USAGE', `${opts.keys ? '--keys' : '--mock-control'} presses simulated buttons: add --gpio mock`);
  }
  if (opts.keys && !io.stdin.isTTY) throw new PivoteError('PV_USAGE', '--keys needs an interactive terminal on stdin');

  // The terminal UI and the test control pipe are loaded only when asked for: a kiosk under
  // systemd needs neither (nor node:readline).
  const keysUi = opts.keys ? await import('../../kiosk/app/keys-ui.js') : undefined;
  const mockControl = opts.mockControl ? await import('../../kiosk/app/mock-control.js') : undefined;

  // Logs must not break the screen (--keys) or the event stream (--mock-control).
  let logFile: string | undefined;
  let logger: Logger;
  if (opts.keys) {
    const file = join(config.dataDir, 'kiosk.log');
    logger = inDataDir(config.dataDir, 'write the kiosk log in', () => {
      mkdirSync(config.dataDir, { recursive: true });
      return io.logTo({ file }, level, false);
    });
    logFile = file;
  } else if (opts.mockControl) {
    logger = io.logTo('stderr', level, false);
  } else {
    logger = io.logTo('stdout', level, io.stdoutIsTty);
  }

  let requestStop!: (why: string) => void;
  const stopRequested = new Promise<string>((resolve) => (requestStop = resolve));
  let onLed: (() => void) | undefined;
  let ui: KeysUi | undefined;

  let app: KioskApp;
  try {
    app = await startKiosk(config, {
      logger,
      gpio,
      software,
      // After the backend is open: pigpio replaces signal handlers installed before it starts.
      onBackendOpen: () => io.onStopSignal((signal) => requestStop(signal)),
      ...(mockControl && { onLedChange: (change) => ctx.stdout(mockControl.formatControlEvent({ type: 'led', ...change })) }),
      ...(opts.keys && { onLedChange: () => onLed?.(), onFeedback: (command) => ui?.feedback(command) }),
      ...(opts.reconnectMaxMs !== undefined && { backoff: { baseMs: Math.min(500, opts.reconnectMaxMs), capMs: opts.reconnectMaxMs } }),
    });
  } catch (err) {
    // An expected failure (no GPIO, a reserved pin, a folder it may not write) is printed once by
    // the CLI as `error PV_…` and its hint; only a bug gets its stack logged.
    if (isPivoteError(err)) logger.error({ code: err.code, reason: err.message }, 'kiosk could not start');
    else logger.error({ err }, 'kiosk could not start');
    throw err;
  }

  let control: MockControl | undefined;
  try {
    if (keysUi) {
      ui = keysUi.startKeysUi({ app, input: io.stdin, write: ctx.stdout, onQuit: () => requestStop('quit'), logFile, color: true });
      onLed = () => ui?.ledChanged();
    } else if (mockControl) {
      control = mockControl.startMockControl({ app, input: io.stdin, emit: (e) => ctx.stdout(mockControl.formatControlEvent(e)), onQuit: () => requestStop('quit') });
    }
    const why = await stopRequested;
    logger.info({ reason: why }, 'stop requested');
  } finally {
    ui?.stop();
    control?.stop();
    const { queued } = await app.stop();
    if (opts.keys || opts.mockControl) io.stdin.pause();
    logger.info({ queued }, queued > 0 ? 'kiosk stopped; votes not yet sent are kept and sent at the next start' : 'kiosk stopped');
    if (opts.keys && queued > 0) ctx.stdout(`${queuedSentence(queued)}\nThey are kept in ${config.dataDir} and will be sent the next time this kiosk starts.\n`);
  }
}

/** "1 vote was not sent yet." / "3 votes were not sent yet." */
export function queuedSentence(queued: number): string {
  return queued === 1 ? '1 vote was not sent to the server yet.' : `${queued} votes were not sent to the server yet.`;
}
