import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { PivoteError, isPivoteError } from '../protocol/errors.js';
import type { BurstPolicy, VoteStore } from '../store/types.js';
import { openStore, type OpenStoreOptions } from '../store/open-store.js';
import { retryDelay } from './commit-retry.js';
import type { ServerLimits } from './limits.js';
import { createPivoteServer, type PivoteServer } from './server.js';
import { listenTcp, stopListening } from './tcp.js';
import type { ServerTls } from './tls.js';

export interface StartServerOptions {
  /** A store the caller owns (and closes), or `dbPath` to have one opened and closed here:
   *  an SQLite file path, or a postgres:// URL (src/store/open-store.ts). */
  store?: VoteStore;
  dbPath?: string;
  host: string;
  /** 0 picks a free port (see `address`). */
  port: number;
  logger: Logger;
  limits?: Partial<ServerLimits>;
  burst?: BurstPolicy;
  /** Speak TLS to kiosks (loadServerTls); plaintext TCP when absent. */
  tls?: ServerTls;
  /** A database that does not answer yet (PV_STORE_UNAVAILABLE: restarting, failing over, or
   *  starting with this machine) is waited for this long, trying again with backoff, before
   *  giving up. Default 60 s. */
  storeWaitMs?: number;
}

export interface RunningServer {
  address: AddressInfo;
  core: PivoteServer;
  store: VoteStore;
  /** Whether the kiosk listener accepts connections (for readiness). */
  listening(): boolean;
  /** Rejects (PV_STORE_FAILED) if the database thread of a store opened from `dbPath` dies:
   *  nothing can be stored any more, so the caller should stop the server and exit non-zero.
   *  Never settles otherwise. */
  failure: Promise<never>;
  /** Graceful stop (call it on SIGTERM/SIGINT): stop accepting, answer every accepted vote,
   *  send PV_SERVER_SHUTDOWN and close the connections, write presence; then close the store
   *  if it was opened from `dbPath`. Idempotent. */
  close(): Promise<void>;
}

/** The server core behind a TCP listener: what `pivote server` runs. */
export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  if ((opts.store === undefined) === (opts.dbPath === undefined)) throw new PivoteError('PV_USAGE', 'startServer needs exactly one of store and dbPath');
  const ownsStore = opts.store === undefined;
  let reportFailure: (err: unknown) => void = () => {};
  const failure = new Promise<never>((_, reject) => {
    reportFailure = reject;
  });
  failure.catch(() => {}); // a caller that never awaits it must not see an unhandled rejection
  // The server's own store: SQLite on a thread of its own, so commits do not stop the event
  // loop (src/store/sqlite/worker-store.ts), or PostgreSQL for a postgres:// URL.
  const store = opts.store ?? (await openStoreWaiting(opts.dbPath!, opts.storeWaitMs ?? 60_000, opts.logger, {
    use: 'server',
    logger: opts.logger,
    onFailure: (err) => {
      opts.logger.fatal({ err }, 'the store thread stopped: votes can no longer be stored');
      reportFailure(err);
    },
  }));
  let core: PivoteServer | undefined;
  try {
    core = await createPivoteServer({ store, logger: opts.logger, limits: opts.limits, burst: opts.burst });
    const listener = await listenTcp(core, { host: opts.host, port: opts.port, ...(opts.tls && { tls: opts.tls }) });
    const address = listener.address() as AddressInfo;
    opts.logger.info({ host: address.address, port: address.port, store: store.kind, tls: opts.tls !== undefined }, 'listening for kiosks');
    let closing: Promise<void> | null = null;
    const running = core;
    return {
      address,
      core,
      store,
      failure,
      listening: () => listener.listening,
      close() {
        closing ??= (async () => {
          const listenerClosed = stopListening(listener);
          try {
            await running.close();
            await listenerClosed;
          } finally {
            if (ownsStore) await store.close();
          }
        })();
        return closing;
      },
    };
  } catch (err) {
    await core?.close();
    if (ownsStore) await store.close();
    throw err;
  }
}

/** openStore, waiting (with jittered backoff) up to `waitMs` for a database that does not answer yet. */
async function openStoreWaiting(target: string, waitMs: number, logger: Logger, opts: OpenStoreOptions): Promise<VoteStore> {
  const deadline = Date.now() + waitMs;
  for (let failures = 0; ; ) {
    try {
      const store = await openStore(target, opts);
      if (failures > 0) logger.info({ attempts: failures + 1 }, 'the database answers');
      return store;
    } catch (err) {
      if (!isPivoteError(err, 'PV_STORE_UNAVAILABLE') || Date.now() >= deadline) throw err;
      failures++;
      const delay = Math.min(retryDelay(failures, STORE_WAIT_BACKOFF), Math.max(0, deadline - Date.now()));
      if (failures === 1) logger.warn({ err, waitMs }, 'the database does not answer yet; waiting for it');
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

const STORE_WAIT_BACKOFF = { minMs: 250, maxMs: 5_000 };
