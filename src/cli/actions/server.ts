import { PivoteError } from '../../protocol/errors.js';
import { startServer } from '../../server/run-server.js';
import { loadServerTls } from '../../server/tls.js';
import type { ServerOptions } from '../commands/server.js';
import { createCliLogger, parseLogLevel } from '../logger.js';
import { waitForStopSignal } from '../signals.js';

/** `pivote server`, loaded only when that command runs (see ../commands/server.ts). */

/** Node's listen errors become one clear line instead of a stack trace. */
function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === 'EADDRINUSE') return new PivoteError('PV_LISTEN_FAILED', `port ${port} on ${host} is already in use`, { host, port }, { cause: err });
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new PivoteError('PV_LISTEN_FAILED', `${host} is not an address of this machine`, { host, port }, { cause: err });
  if (code === 'EACCES') return new PivoteError('PV_LISTEN_FAILED', `not allowed to listen on port ${port} (ports below 1024 need privileges)`, { host, port }, { cause: err });
  return err;
}

export async function runServer(opts: ServerOptions): Promise<void> {
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
  let signal: NodeJS.Signals;
  try {
    signal = await Promise.race([waitForStopSignal(), running.failure]);
  } catch (err) {
    // The store thread died: nothing can be stored, so stop and exit non-zero (systemd
    // restarts the unit). Kiosks keep their unacknowledged votes and resend them.
    await running.close();
    throw err;
  }
  logger.info({ signal }, 'stopping: answering votes in flight, then closing');
  await running.close();
  logger.info('stopped');
}
