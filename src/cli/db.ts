import type { Command } from 'commander';
import type { SqliteVoteStore } from '../store/sqlite/sqlite-store.js';

import { DEFAULT_DB_PATH } from './target-options.js';
export { DEFAULT_DB_PATH };

/** Every command that touches the database takes `--db PATH`. */
export function addDbOption(cmd: Command, mode: 'read' | 'write'): Command {
  const what = mode === 'write' ? 'pivote database file (created if missing)' : 'pivote database file';
  return cmd.option('--db <path>', what, DEFAULT_DB_PATH);
}

/**
 * Opens the database for one command and always closes it. Listing commands open read-only, so
 * a mistyped --db is reported (PV_NOT_A_PIVOTE_DB) instead of creating an empty database.
 * The store (and better-sqlite3) is imported here, not at the top, so commands that never open
 * a database (`pivote kiosk`, `--help`) do not load it.
 */
export async function withStore<T>(path: string, mode: 'read' | 'write', fn: (store: SqliteVoteStore) => Promise<T>): Promise<T> {
  const { openSqliteVoteStore } = await import('../store/sqlite/sqlite-store.js');
  const store = openSqliteVoteStore(path, { readonly: mode === 'read' });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
