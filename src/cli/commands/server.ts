import type { Command } from 'commander';
import { PivoteError } from '../../protocol/errors.js';
import { DEFAULT_PORT } from '../../protocol/messages.js';
import { DEFAULT_BURST, DEFAULT_LIMITS } from '../../server/limits.js';
import { DEFAULT_DB_PATH } from '../target-options.js';
import type { CliContext } from '../context.js';
import type { ServerOptions } from '../options.js';

/**
 * The `pivote server` command: options and help only. The server itself is in
 * ../actions/server.ts, imported when the command runs, so other commands never load it.
 */

export const DEFAULT_HTTP_PORT = 8080;

function positiveInt(name: string, min = 1, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new PivoteError('PV_USAGE', `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

export function registerServer(program: Command, ctx: CliContext): void {
  program
    .command('server')
    .description('run the central server: kiosks report to it over TCP, organisers use its dashboard and HTTP API (stops cleanly on SIGTERM/SIGINT)')
    .option('--host <address>', 'address to listen on (0.0.0.0 = every interface)', '0.0.0.0')
    .option('--port <n>', 'TCP port for kiosks (0 = any free port, printed in the log)', positiveInt('--port', 0, 65535), DEFAULT_PORT)
    .option('--db <path|url>', 'pivote database: an SQLite file (created if missing) or a postgres:// URL shared by several servers (or PIVOTE_DB_URL)', DEFAULT_DB_PATH)
    .option('--http-port <n>', 'port of the dashboard, HTTP API, /metrics and health checks', positiveInt('--http-port', 0, 65535), DEFAULT_HTTP_PORT)
    .option('--http-host <address>', 'address of the HTTP side (default: --host)')
    .option('--no-http', 'no dashboard, API, metrics or health checks: kiosks only')
    .option('--admin-token-file <file>', 'the admin token file (default: <db>.admin-token beside an SQLite file, made at the first start; required with PostgreSQL)')
    .option('--tz <zone>', "time zone of \"votes today\" and hourly results, e.g. Europe/Paris (default: this machine's)")
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
    .option('--max-connections <n>', 'connections held at once', positiveInt('--max-connections'), DEFAULT_LIMITS.maxConnections)
    .option('--heartbeat-ms <ms>', 'heartbeat interval asked of kiosks; silent for 3x this = dropped', positiveInt('--heartbeat-ms', 1000, 3_600_000), DEFAULT_LIMITS.heartbeatMs)
    .option('--burst-window <ms>', 'repeated-press window: votes of one kiosk within it count toward --burst-max', positiveInt('--burst-window'), DEFAULT_BURST.windowMs)
    .option('--burst-max <n>', 'votes a kiosk may have within --burst-window before the next is flagged', positiveInt('--burst-max'), DEFAULT_BURST.maxVotes)
    .option('--tls-cert <file>', 'speak TLS to kiosks and HTTPS to browsers with this PEM certificate (chain); needs --tls-key (see docs/TLS.md)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--auth-timeout-ms <ms>', 'advanced: a connection must authenticate (TLS handshake included) within this', positiveInt('--auth-timeout-ms', 100, 3_600_000), DEFAULT_LIMITS.authTimeoutMs)
    .option('--frame-timeout-ms <ms>', 'advanced: a started frame must be completed within this (slow senders)', positiveInt('--frame-timeout-ms', 100, 3_600_000), DEFAULT_LIMITS.frameTimeoutMs)
    .addHelpText(
      'after',
      '\nLogs are JSON lines on stdout (pretty when stdout is a terminal).\n' +
        'Open the dashboard at http://<host>:8080 and log in with the admin token (printed at the first start;\n' +
        '`pivote admin-token show` prints it again). From another machine, `pivote poll|fleet|results --url http://<host>:8080`\n' +
        'do what the dashboard does.\n',
    )
    .action(async (opts: ServerOptions) => {
      const { runServer } = await import('../actions/server.js');
      await runServer(ctx, opts);
    });
}
