import { hostname } from 'node:os';
import { TokenSource, ensureTokenFile } from '../../admin/admin-token.js';
import { checkTimeZone } from '../../admin/zoned-time.js';
import { PivoteError } from '../../protocol/errors.js';
import { startServer, type RunningServer } from '../../server/run-server.js';
import { loadServerTls, type ServerTls } from '../../server/tls.js';
import { dbTarget, tokenPathFor } from '../admin-target.js';
import type { CliContext } from '../context.js';
import { createCliLogger, parseLogLevel } from '../logger.js';
import type { ServerOptions } from '../options.js';
import { waitForStopSignal } from '../signals.js';

/** `pivote server`, loaded only when that command runs (see ../commands/server.ts). */

/** Node's listen errors become one clear line instead of a stack trace. */
function listenError(err: unknown, what: string, host: string, port: number): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === 'EADDRINUSE') return new PivoteError('PV_LISTEN_FAILED', `${what} port ${port} on ${host} is already in use`, { host, port }, { cause: err });
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new PivoteError('PV_LISTEN_FAILED', `${host} is not an address of this machine`, { host, port }, { cause: err });
  if (code === 'EACCES') return new PivoteError('PV_LISTEN_FAILED', `not allowed to listen on ${what} port ${port} (ports below 1024 need privileges)`, { host, port }, { cause: err });
  return err;
}

function kioskAddress(host: string, port: number): string {
  return `${host === '0.0.0.0' || host === '::' ? hostname() : host}:${port}`;
}

export async function runServer(ctx: CliContext, given: ServerOptions): Promise<void> {
  const opts = { ...given, db: dbTarget(given, ctx) };
  const level = parseLogLevel(opts.logLevel);
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
    throw new PivoteError('PV_USAGE', '--tls-cert and --tls-key go together: give both for TLS, or neither for plain TCP');
  }
  if (opts.tz !== undefined) checkTimeZone(opts.tz);
  // Before listening, so a bad certificate or token file is one clear error line and no half-started server.
  const tls: ServerTls | undefined = opts.tlsCert !== undefined && opts.tlsKey !== undefined ? loadServerTls({ certPath: opts.tlsCert, keyPath: opts.tlsKey }) : undefined;
  const tokenPath = opts.http ? tokenPathFor(opts) : undefined;
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
    throw listenError(err, 'the kiosk', opts.host, opts.port);
  });
  let frontDoor: { close(): Promise<void> } | undefined;
  try {
    if (tokenPath !== undefined) frontDoor = await openFrontDoor(ctx, opts, running, tokenPath, logger, tls);
  } catch (err) {
    await running.close();
    throw err;
  }
  let signal: NodeJS.Signals;
  try {
    signal = await Promise.race([waitForStopSignal(), running.failure]);
  } catch (err) {
    // The store thread died: nothing can be stored, so stop and exit non-zero (systemd
    // restarts the unit). Kiosks keep their unacknowledged votes and resend them.
    await frontDoor?.close();
    await running.close();
    throw err;
  }
  logger.info({ signal }, 'stopping: answering votes in flight, then closing');
  await frontDoor?.close();
  await running.close();
  logger.info('stopped');
}

async function openFrontDoor(
  ctx: CliContext,
  opts: ServerOptions,
  running: RunningServer,
  tokenPath: string,
  logger: ReturnType<typeof createCliLogger>,
  tls: ServerTls | undefined,
): Promise<{ close(): Promise<void> }> {
  const { token, created } = ensureTokenFile(tokenPath);
  if (created) {
    // Shown once, on stderr so log collectors of stdout do not keep it; `pivote admin-token show` prints it again.
    ctx.stderr(`Admin token for the dashboard and the HTTP API (shown once; kept in ${tokenPath}, mode 0600):\n  ${token}\n`);
  }
  const { startFrontDoor } = await import('../../http/front-door.js');
  const httpHost = opts.httpHost ?? opts.host;
  const door = await startFrontDoor({
    core: running.core,
    store: running.store,
    logger,
    host: httpHost,
    port: opts.httpPort,
    tokens: new TokenSource(tokenPath),
    kioskServer: kioskAddress(opts.host, running.address.port),
    kioskPort: running.address.port,
    kioskListenerUp: () => running.listening(),
    ...(tls && { tls: { cert: tls.cert, key: tls.key } }),
    ...(opts.tz && { timeZone: opts.tz }),
  }).catch((err: unknown) => {
    throw listenError(err, 'the HTTP', httpHost, opts.httpPort);
  });
  logger.info({ url: door.url, tokenFile: tokenPath }, 'dashboard and HTTP API listening');
  return door;
}
