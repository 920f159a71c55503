import type { Command } from 'commander';
import { PivoteError } from '../../protocol/errors.js';
import { DEFAULT_BURST, DEFAULT_LIMITS } from '../../server/limits.js';
import { startServer } from '../../server/run-server.js';
import { loadServerTls } from '../../server/tls.js';
import type { CliContext } from '../context.js';
import { DEFAULT_DB_PATH } from '../db.js';
import { createCliLogger, parseLogLevel } from '../logger.js';
import { waitForStopSignal } from '../signals.js';

export const DEFAULT_PORT = 7070;

interface ServerOptions {
  host: string;
  port: number;
  db: string;
  logLevel: string;
  maxConnections: number;
  heartbeatMs: number;
  burstWindow: number;
  burstMax: number;
  tlsCert?: string;
  tlsKey?: string;
  authTimeoutMs: number;
  frameTimeoutMs: number;
}

function positiveInt(name: string, min = 1, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new PivoteError('PV_USAGE', `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

/** Node's listen errors become one clear line instead of a stack trace. */
function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === 'EADDRINUSE') return new PivoteError('PV_LISTEN_FAILED', `port ${port} on ${host} is already in use`, { host, port }, { cause: err });
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new PivoteError('PV_LISTEN_FAILED', `${host} is not an address of this machine`, { host, port }, { cause: err });
  if (code === 'EACCES') return new PivoteError('PV_LISTEN_FAILED', `not allowed to listen on port ${port} (ports below 1024 need privileges)`, { host, port }, { cause: err });
  return err;
}

export function registerServer(program: Command, _ctx: CliContext): void {
  program
    .command('server')
    .description('run the central server that kiosks report to (stops cleanly on SIGTERM/SIGINT)')
    .option('--host <address>', 'address to listen on (0.0.0.0 = every interface)', '0.0.0.0')
    .option('--port <n>', 'TCP port (0 = any free port, printed in the log)', positiveInt('--port', 0, 65535), DEFAULT_PORT)
    .option('--db <path>', 'pivote database file (created if missing)', DEFAULT_DB_PATH)
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
    .option('--max-connections <n>', 'connections held at once', positiveInt('--max-connections'), DEFAULT_LIMITS.maxConnections)
    .option('--heartbeat-ms <ms>', 'heartbeat interval asked of kiosks; silent for 3x this = dropped', positiveInt('--heartbeat-ms', 1000, 3_600_000), DEFAULT_LIMITS.heartbeatMs)
    .option('--burst-window <ms>', 'repeated-press window: votes of one kiosk within it count toward --burst-max', positiveInt('--burst-window'), DEFAULT_BURST.windowMs)
    .option('--burst-max <n>', 'votes a kiosk may have within --burst-window before the next is flagged', positiveInt('--burst-max'), DEFAULT_BURST.maxVotes)
    .option('--tls-cert <file>', 'speak TLS to kiosks with this PEM certificate (chain); needs --tls-key (see docs/TLS.md)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--auth-timeout-ms <ms>', 'advanced: a connection must authenticate (TLS handshake included) within this', positiveInt('--auth-timeout-ms', 100, 3_600_000), DEFAULT_LIMITS.authTimeoutMs)
    .option('--frame-timeout-ms <ms>', 'advanced: a started frame must be completed within this (slow senders)', positiveInt('--frame-timeout-ms', 100, 3_600_000), DEFAULT_LIMITS.frameTimeoutMs)
    .addHelpText(
      'after',
      '\nLogs are JSON lines on stdout (pretty when stdout is a terminal).\n' +
        'Register kiosks with `pivote fleet add`, open a poll with `pivote poll open`; both work while the server runs.\n',
    )
    .action(async (opts: ServerOptions) => {
      const level = parseLogLevel(opts.logLevel);
      if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
        throw new PivoteError('PV_USAGE', '--tls-cert and --tls-key go together: give both for TLS, or neither for plain TCP');
      }
      // Before listening, so a bad certificate is one clear error line and no half-started server.
      const tls = opts.tlsCert !== undefined && opts.tlsKey !== undefined ? loadServerTls({ certPath: opts.tlsCert, keyPath: opts.tlsKey }) : undefined;
      const logger = createCliLogger({ level, pretty: process.stdout.isTTY === true, name: 'pivote-server' });
      const running = await startServer({
        dbPath: opts.db,
        host: opts.host,
        port: opts.port,
        logger,
        limits: { maxConnections: opts.maxConnections, heartbeatMs: opts.heartbeatMs, authTimeoutMs: opts.authTimeoutMs, frameTimeoutMs: opts.frameTimeoutMs },
        burst: { windowMs: opts.burstWindow, maxVotes: opts.burstMax },
        ...(tls && { tls }),
      }).catch((err: unknown) => {
        throw listenError(err, opts.host, opts.port);
      });
      const signal = await waitForStopSignal();
      logger.info({ signal }, 'stopping: answering votes in flight, then closing');
      await running.close();
      logger.info('stopped');
    });
}
