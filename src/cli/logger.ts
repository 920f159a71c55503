import { pino, type Level, type Logger } from 'pino';
import pretty from 'pino-pretty';
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

/** The process's root logger. Everything below the CLI gets it (or a child) passed in. */
export function createCliLogger(opts: CliLoggerOptions): Logger {
  const fd = opts.fd ?? 1;
  const base = { level: opts.level, ...(opts.name ? { name: opts.name } : {}) };
  if (opts.pretty) {
    return pino(base, pretty({ destination: fd, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
  }
  return pino(base, pino.destination({ dest: fd, sync: true }));
}
