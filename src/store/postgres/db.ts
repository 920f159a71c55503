import type pg from 'pg';
import type { StoreChange } from '../types.js';
import { CHANGE_CHANNEL, encodeChange } from './changes.js';
import { inTransaction, query, type Durability, type TxContext } from './connection.js';

/** A change that a commit announces (the listener's own `listening` / `listener-lost` are not). */
export type Notice = Exclude<StoreChange, { kind: 'listening' } | { kind: 'listener-lost' }>;

/**
 * What the query modules (kiosks.ts, polls.ts, results.ts, vote-batch.ts) run their statements
 * through: one pool, transactions of a chosen durability, reads, and a closed check.
 */
export class PgDb {
  constructor(
    readonly pool: pg.Pool,
    readonly ctx: TxContext,
    private readonly isClosed: () => boolean,
  ) {}

  tx<T>(durability: Durability, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    this.check();
    return inTransaction(this.pool, durability, this.ctx, fn);
  }

  read<R extends pg.QueryResultRow>(text: string | pg.QueryConfig, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    this.check();
    return query<R>(this.pool, this.ctx, typeof text === 'string' ? { text, values } : text);
  }

  check(): void {
    if (this.isClosed()) throw new Error('store is closed');
  }
}

/** The origin of every connection a store's pool opens (see tagOrigin). */
const originOfClient = new WeakMap<pg.ClientBase, string>();

/** Marks every connection `pool` opens from now on as `origin`'s: what they NOTIFY says so. */
export function tagOrigin(pool: pg.Pool, origin: string): void {
  pool.on('connect', (client) => originOfClient.set(client, origin));
}

/** NOTIFY inside the caller's transaction: delivered on commit, dropped on rollback. */
export async function notify(c: pg.ClientBase, change: Notice): Promise<void> {
  await c.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, encodeChange(change, originOfClient.get(c))]);
}
