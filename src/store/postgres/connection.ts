import pg from 'pg';
import type { Logger } from 'pino';
import { isPivoteError } from '../../protocol/errors.js';
import { toStoreError } from './errors.js';

/** Connection settings of the PostgreSQL store; every one has a default that suits a server. */
export interface PostgresConnectionOptions {
  /** Connections in the pool (default 10): vote batches, presence and reads run side by side. */
  poolSize?: number;
  /** Give up connecting after this long (default 5 s): PV_STORE_UNAVAILABLE, not a hang. */
  connectTimeoutMs?: number;
  /** Give up on a query after this long (default 30 s): a silently dead network must not hold a
   *  batch (and the kiosks waiting for its acks) for ever. The connection is then discarded. */
  queryTimeoutMs?: number;
  /** Refuse writes (CLI listings): every transaction is READ ONLY. */
  readonly?: boolean;
  logger?: Logger;
}

export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

/** int8 (count(*), ms timestamps, seq) as a JS number: every value pivote stores is below 2^53. */
const INT8_OID = 20;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

export function clientConfig(url: string, opts: PostgresConnectionOptions): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    query_timeout: opts.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    fallback_application_name: 'pivote',
    types,
  };
}

export function createPool(url: string, opts: PostgresConnectionOptions): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(url, opts), max: opts.poolSize ?? DEFAULT_POOL_SIZE, idleTimeoutMillis: 30_000 });
  // An idle pooled connection that the server closes (restart, failover) emits 'error' on the
  // pool; unhandled, that would end the process. The pool drops the client; the next query
  // opens a new connection or fails with PV_STORE_UNAVAILABLE.
  pool.on('error', (err) => opts.logger?.warn({ err }, 'an idle database connection failed; it is replaced on next use'));
  if (opts.readonly) {
    // Queued before any query of the checkout that triggered the connect.
    pool.on('connect', (client) => {
      client.query('SET default_transaction_read_only = on').catch(() => {});
    });
  }
  return pool;
}

/**
 * durable: the commit is flushed to disk (and to synchronous standbys, if configured) before
 * COMMIT returns, whatever the database's default is: votes, polls, kiosks.
 * soft: presence and connection claims, rewritten continually; a commit lost in a database
 * crash costs nothing, and not waiting for the flush keeps them off the votes' path.
 */
export type Durability = 'durable' | 'soft';

const BEGIN: Record<Durability, string> = {
  durable: 'BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL synchronous_commit = on',
  soft: 'BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL synchronous_commit = off',
};

export interface TxContext {
  target: string;
  writable: boolean;
}

/**
 * Runs `fn` in one transaction on one pooled connection. Failures the database's absence
 * explains become PV_STORE_UNAVAILABLE. An error while COMMIT was under way leaves the outcome
 * unknown (the details say `outcome: 'unknown'`): for votes that is harmless, since a resent
 * vote that did commit is answered `duplicate` by the unique key.
 *
 * A pooled connection may have died while idle (a database restart) without the pool having
 * noticed yet; when BEGIN fails that way nothing has happened, so it is tried once more on a
 * fresh connection.
 */
export async function inTransaction<T>(pool: pg.Pool, durability: Durability, ctx: TxContext, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  try {
    return await attempt(pool, durability, ctx, fn);
  } catch (err) {
    if (!(err instanceof BeginFailed)) throw err;
    try {
      return await attempt(pool, durability, ctx, fn);
    } catch (again) {
      throw again instanceof BeginFailed ? again.mapped : again;
    }
  }
}

/** BEGIN failed because the connection was unusable: retryable, nothing was sent. */
class BeginFailed extends Error {
  constructor(readonly mapped: unknown) {
    super('BEGIN failed');
  }
}

/**
 * The pool listens for errors of idle connections only. A checked-out connection whose socket
 * breaks between two of our queries, or after release(true), would emit 'error' with nobody
 * listening, which ends the process; its next (or current) query fails anyway, and that is
 * what we report.
 */
const guarded = new WeakSet<pg.PoolClient>();
export function guard(client: pg.PoolClient): pg.PoolClient {
  if (!guarded.has(client)) {
    guarded.add(client);
    client.on('error', () => {});
  }
  return client;
}

async function attempt<T>(pool: pg.Pool, durability: Durability, ctx: TxContext, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = guard(await pool.connect());
  } catch (err) {
    throw toStoreError(err, ctx);
  }
  try {
    await client.query(BEGIN[durability]);
  } catch (err) {
    client.release(true);
    const mapped = toStoreError(err, ctx);
    throw isPivoteError(mapped, 'PV_STORE_UNAVAILABLE') ? new BeginFailed(mapped) : mapped;
  }
  let committing = false;
  try {
    const result = await fn(client);
    committing = true;
    const done = await client.query('COMMIT');
    // COMMIT of a transaction that failed earlier answers ROLLBACK, not an error.
    if (done.command !== 'COMMIT') throw new Error(`COMMIT answered ${done.command}: the transaction was rolled back`);
    client.release();
    return result;
  } catch (err) {
    if (committing) {
      client.release(true);
    } else {
      try {
        await client.query('ROLLBACK');
        client.release();
      } catch {
        client.release(true); // the connection is gone or unusable: do not return it to the pool
      }
    }
    throw toStoreError(err, { ...ctx, commitUnknown: committing });
  }
}

/** One statement outside an explicit transaction (reads), tried twice when the connection was
 *  unusable (see inTransaction): a read has no effect to double. */
export async function query<R extends pg.QueryResultRow>(pool: pg.Pool, ctx: TxContext, config: pg.QueryConfig): Promise<pg.QueryResult<R>> {
  try {
    return await pool.query<R>(config);
  } catch (err) {
    const mapped = toStoreError(err, ctx);
    if (!isPivoteError(mapped, 'PV_STORE_UNAVAILABLE')) throw mapped;
  }
  try {
    return await pool.query<R>(config);
  } catch (err) {
    throw toStoreError(err, ctx);
  }
}
