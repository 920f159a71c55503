export * from './types.js';
export * from './memory/memory-store.js';
export * from './poll-rules.js';
export { SqliteVoteStore, openSqliteVoteStore } from './sqlite/sqlite-store.js';
export {
  DEFAULT_BUSY_TIMEOUT_MS,
  PIVOTE_APPLICATION_ID,
  SCHEMA_VERSION,
  openPivoteDatabase,
  type SqliteOpenOptions,
} from './sqlite/schema.js';
export { openStore, isPostgresUrl, type OpenStoreOptions } from './open-store.js';
