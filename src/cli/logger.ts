import { createRequire } from 'node:module';
import { pino, type Level, type Logger } from 'pino';
import type { PrettyOptions, PrettyStream } from 'pino-pretty';
import { PivoteError } from '../protocol/errors.js';

export const LOG_LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

export function parseLogLevel(value: string): Level {
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as Level;
  throw new PivoteError('PV_USAGE', `--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`);
}

export interface CliLoggerOptions {
  level: Level;
  /** Pretty, coloured lines for a person; JSON lines (one object each) for journald and tools. */
  pretty: boolean;
  /** Where the lines go; defaults to stdout. */
  fd?: number;
  name?: string;
}

/**
 * pino-pretty (and colorette, dateformat, …) costs about 1 MB of RSS and start-up time on a Pi
 * Zero; a kiosk under systemd logs JSON and never needs it. It is CommonJS, so a synchronous
 * require keeps createCliLogger synchronous for its callers.
 */
function loadPretty(): (options: PrettyOptions) => PrettyStream {
  return createRequire(import.meta.url)('pino-pretty') as (options: PrettyOptions) => PrettyStream;
}

/** The process's root logger. Everything below the CLI gets it (or a child) passed in. */
export function createCliLogger(opts: CliLoggerOptions): Logger {
  const fd = opts.fd ?? 1;
  const base = { level: opts.level, ...(opts.name ? { name: opts.name } : {}) };
  if (opts.pretty) {
    const pretty = loadPretty();
    return pino(base, pretty({ destination: fd, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
  }
  return pino(base, pino.destination({ dest: fd, sync: true }));
}
