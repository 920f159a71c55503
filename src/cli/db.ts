import type { Command } from 'commander';
import { openSqliteVoteStore, type SqliteVoteStore } from '../store/sqlite-store.js';

export const DEFAULT_DB_PATH = 'pivote.db';

/** Every command that touches the database takes `--db PATH`. */
export function addDbOption(cmd: Command, mode: 'read' | 'write'): Command {
  const what = mode === 'write' ? 'pivote database file (created if missing)' : 'pivote database file';
  return cmd.option('--db <path>', what, DEFAULT_DB_PATH);
}

/**
 * Opens the database for one command and always closes it. Listing commands open read-only, so
 * a mistyped --db is reported (PV_NOT_A_PIVOTE_DB) instead of creating an empty database.
 */
export async function withStore<T>(path: string, mode: 'read' | 'write', fn: (store: SqliteVoteStore) => Promise<T>): Promise<T> {
  const store = openSqliteVoteStore(path, { readonly: mode === 'read' });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
