import { mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { Command, Option } from 'commander';
import type { Level, Logger } from 'pino';
import { parseBackendKind, type BackendKind } from '../../gpio/index.js';
import { isPivoteError, PivoteError } from '../../protocol/errors.js';
import { startKiosk, type KioskApp, type KioskAppConfig } from '../../kiosk/app/kiosk-app.js';
import { startKeysUi, type KeysInput, type KeysUi } from '../../kiosk/app/keys-ui.js';
import { formatControlEvent, startMockControl, type MockControl } from '../../kiosk/app/mock-control.js';
import { loadKioskConfig, validateKioskConfig } from '../../kiosk/config.js';
import type { CliContext } from '../context.js';
import { createCliLogger, parseLogLevel } from '../logger.js';
import { waitForStopSignal } from '../signals.js';

/**
 * `pivote kiosk`: runs one kiosk until SIGTERM/SIGINT (or `q` in --keys mode), then turns the
 * LEDs off, releases every line and closes the outbox, and exits 0.
 */

/** The wiring of hardware/README.md, used when the kiosk is given by flags instead of a file. */
export const DEFAULT_WIRING = {
  buttons: ['GPIO5', 'GPIO6', 'GPIO13', 'GPIO19'],
  leds: ['GPIO17', 'GPIO27', 'GPIO22', 'GPIO23'],
  statusLed: 'GPIO24',
} as const;

export interface KioskCommandOptions {
  config?: string;
  gpio?: BackendKind;
  keys?: boolean;
  logLevel: string;
  server?: string[];
  kioskId?: string;
  secret?: string;
  dataDir?: string;
  mockControl?: boolean;
  reconnectMaxMs?: number;
}

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

function parseGpioFlag(value: string): BackendKind {
  try {
    return parseBackendKind(value);
  } catch (err) {
    throw new PivoteError('PV_USAGE', `--gpio: ${(err as Error).message}`, { value });
  }
}

function positiveInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new PivoteError('PV_USAGE', `${flag} must be a positive whole number; got "${value}"`);
    return n;
  };
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

const FLAG_OF_KEY: Record<string, string> = { server: '--server', kioskId: '--kiosk-id', secret: '--secret', dataDir: '--data-dir' };

/** The config from --config, or from --server/--kiosk-id/--secret with the default wiring. */
export function resolveKioskConfig(opts: KioskCommandOptions): KioskAppConfig {
  const byFlags = opts.server !== undefined || opts.kioskId !== undefined || opts.secret !== undefined;
  if (opts.config !== undefined && byFlags) {
    throw new PivoteError('PV_USAGE', 'give either --config FILE or --server/--kiosk-id/--secret, not both');
  }
  if (opts.config !== undefined) {
    const loaded = loadKioskConfig(opts.config);
    return opts.dataDir === undefined ? loaded : { ...loaded, dataDir: resolve(opts.dataDir) };
  }
  if (!byFlags) {
    throw new PivoteError('PV_USAGE', 'give --config FILE, or --server HOST:PORT --kiosk-id ID --secret S to run with the default wiring');
  }
  const raw = {
    server: opts.server,
    kioskId: opts.kioskId,
    secret: opts.secret,
    ...DEFAULT_WIRING,
    dataDir: opts.dataDir ?? `pivote-kiosk-${opts.kioskId ?? 'data'}`,
    gpio: 'auto',
  };
  try {
    const config = validateKioskConfig(raw);
    return { ...config, secret: config.secret as string, dataDir: resolve(config.dataDir) };
  } catch (err) {
    // Name the flag, not the config key the flags were turned into.
    const key = isPivoteError(err) ? err.details?.key : undefined;
    const flag = typeof key === 'string' ? FLAG_OF_KEY[key] : undefined;
    if (isPivoteError(err) && flag !== undefined) {
      throw new PivoteError(err.code, `${flag}: ${err.message.replace(/^config key "[^"]+" /, '')}`, { ...err.details, flag });
    }
    throw err;
  }
}

export async function runKiosk(opts: KioskCommandOptions, ctx: CliContext, io: KioskProcessIo, software: string): Promise<void> {
  const level = parseLogLevel(opts.logLevel);
  const config = resolveKioskConfig(opts);
  const gpio = opts.gpio ?? config.gpio;
  if (opts.keys && opts.mockControl) throw new PivoteError('PV_USAGE', '--keys and --mock-control cannot be used together');
  if ((opts.keys || opts.mockControl) && gpio !== 'mock') {
    throw new PivoteError('PV_USAGE', `${opts.keys ? '--keys' : '--mock-control'} presses simulated buttons: add --gpio mock`);
  }
  if (opts.keys && !io.stdin.isTTY) throw new PivoteError('PV_USAGE', '--keys needs an interactive terminal on stdin');

  // Logs must not break the screen (--keys) or the event stream (--mock-control).
  let logFile: string | undefined;
  let logger: Logger;
  if (opts.keys) {
    mkdirSync(config.dataDir, { recursive: true });
    logFile = join(config.dataDir, 'kiosk.log');
    logger = io.logTo({ file: logFile }, level, false);
  } else if (opts.mockControl) {
    logger = io.logTo('stderr', level, false);
  } else {
    logger = io.logTo('stdout', level, io.stdoutIsTty);
  }

  let requestStop!: (why: string) => void;
  const stopRequested = new Promise<string>((resolve) => (requestStop = resolve));
  let onLed: (() => void) | undefined;

  let app: KioskApp;
  try {
    app = await startKiosk(config, {
      logger,
      gpio,
      software,
      // After the backend is open: pigpio replaces signal handlers installed before it starts.
      onBackendOpen: () => io.onStopSignal((signal) => requestStop(signal)),
      ...(opts.mockControl && { onLedChange: (change) => ctx.stdout(formatControlEvent({ type: 'led', ...change })) }),
      ...(opts.keys && { onLedChange: () => onLed?.() }),
      ...(opts.reconnectMaxMs !== undefined && { backoff: { baseMs: Math.min(500, opts.reconnectMaxMs), capMs: opts.reconnectMaxMs } }),
    });
  } catch (err) {
    logger.error({ err }, 'kiosk could not start');
    throw err;
  }

  let ui: KeysUi | undefined;
  let control: MockControl | undefined;
  try {
    if (opts.keys) {
      ui = startKeysUi({ app, input: io.stdin, write: ctx.stdout, onQuit: () => requestStop('quit'), logFile, color: true });
      onLed = () => ui?.ledChanged();
    } else if (opts.mockControl) {
      control = startMockControl({ app, input: io.stdin, emit: (e) => ctx.stdout(formatControlEvent(e)), onQuit: () => requestStop('quit') });
    }
    const why = await stopRequested;
    logger.info({ reason: why }, 'stop requested');
  } finally {
    ui?.stop();
    control?.stop();
    await app.stop();
    if (opts.keys || opts.mockControl) io.stdin.pause();
    logger.info('kiosk stopped');
  }
}

export function registerKiosk(program: Command, ctx: CliContext, io: () => KioskProcessIo = processKioskIo): void {
  program
    .command('kiosk')
    .description('run a vote kiosk: GPIO buttons and LEDs, durable outbox, connection to the server')
    .option('--config <file>', 'kiosk config file (see hardware/kiosk.example.json)')
    .option('--gpio <backend>', 'GPIO backend: auto, chardev, onoff, pigpio or mock (overrides the config)', parseGpioFlag)
    .option('--keys', 'with --gpio mock: press buttons with the number keys and watch the LEDs in the terminal')
    .option('--server <host:port>', 'without --config: the server (repeat for failover)', collect)
    .option('--kiosk-id <id>', 'without --config: the kiosk id registered with `pivote fleet add`')
    .option('--secret <secret>', 'without --config: the kiosk secret shown by `pivote fleet add`')
    .option('--data-dir <dir>', 'folder for the outbox (default with flags: ./pivote-kiosk-<id>; overrides the config)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
    .addOption(
      new Option('--mock-control', 'for tests: with --gpio mock, read "press N" lines on stdin and print LED changes as JSON lines on stdout (logs go to stderr)'),
    )
    .addOption(new Option('--reconnect-max-ms <ms>', 'for tests: cap the reconnect backoff').argParser(positiveInt('--reconnect-max-ms')))
    .addHelpText(
      'after',
      `
Without a config file (laptop try-out, default wiring GPIO5/6/13/19 buttons, GPIO17/27/22/23 LEDs,
GPIO24 status):
  pivote kiosk --gpio mock --keys --server 127.0.0.1:7070 --kiosk-id laptop-1 --secret <secret>
On a Pi:
  pivote kiosk --config /etc/pivote/kiosk.json
Logs are JSON on stdout (pretty on a terminal); with --keys they go to <data-dir>/kiosk.log.`,
    )
    .action(async (opts: KioskCommandOptions, cmd: Command) => {
      const version = cmd.parent?.version() ?? '0.0.0';
      await runKiosk(opts, ctx, io(), `pivote/${version}`);
    });
}
