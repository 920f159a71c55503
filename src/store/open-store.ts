import type { Logger } from 'pino';
import type { PivoteError } from '../protocol/errors.js';
import type { PostgresConnectionOptions } from './postgres/connection.js';
import type { VoteStore } from './types.js';

/**
 * One place that turns a `--db` value into a store: a `postgres://` or `postgresql://` URL opens
 * the PostgreSQL engine (several servers, one database), anything else is an SQLite file path.
 * Each engine is imported only when chosen, so a command on SQLite never loads `pg` and one on
 * PostgreSQL never loads the SQLite addon.
 */

export interface OpenStoreOptions {
  /**
   * `server`: SQLite runs on a thread of its own, so commits do not stop the event loop.
   * `cli`: one short command; SQLite in the calling thread.
   * (PostgreSQL is asynchronous I/O either way; `cli` only keeps its pool small.)
   */
  use: 'server' | 'cli';
  /** Open without write access (listings): the database must exist and be current. */
  readonly?: boolean;
  /** Make the database when it is new or empty (default). Commands pass false: a mistyped --db
   *  must be an error (PV_NOT_A_PIVOTE_DB), never a second, empty database. */
  create?: boolean;
  logger?: Logger;
  /** SQLite on its thread: told once if the thread dies (PV_STORE_FAILED). PostgreSQL never
   *  fails for good: an unreachable database is PV_STORE_UNAVAILABLE, per call, until it returns. */
  onFailure?: (err: PivoteError) => void;
  /** PostgreSQL pool and timeouts (defaults suit a server). */
  postgres?: Omit<PostgresConnectionOptions, 'readonly' | 'logger'>;
}

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

export function isPostgresUrl(target: string): boolean {
  return POSTGRES_URL.test(target);
}

/**
 * Opens the store `target` names, creating or upgrading its schema unless read-only.
 * Throws PV_NOT_A_PIVOTE_DB, PV_DB_TOO_NEW, or (PostgreSQL) PV_STORE_UNAVAILABLE.
 */
export async function openStore(target: string, opts: OpenStoreOptions): Promise<VoteStore> {
  const readonly = opts.readonly ?? false;
  if (isPostgresUrl(target)) {
    const { openPostgresVoteStore } = await import('./postgres/postgres-store.js');
    return openPostgresVoteStore(target, {
      ...(opts.use === 'cli' && { poolSize: 2 }),
      ...opts.postgres,
      readonly,
      ...(opts.create === false && { create: false }),
      ...(opts.logger && { logger: opts.logger }),
    });
  }
  if (opts.use === 'server') {
    const { openSqliteVoteStoreInWorker } = await import('./sqlite/worker-store.js');
    return openSqliteVoteStoreInWorker(target, { readonly, ...(opts.create === false && { create: false }), ...(opts.onFailure && { onFailure: opts.onFailure }) });
  }
  const { openSqliteVoteStore } = await import('./sqlite/sqlite-store.js');
  return openSqliteVoteStore(target, { readonly, ...(opts.create === false && { create: false }) });
}
