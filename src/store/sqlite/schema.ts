import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { PivoteError } from '../../protocol/errors.js';
import { MIGRATIONS } from './migrations.js';

/**
 * Opening, identifying and migrating a pivote SQLite file. Several processes (the server and
 * CLI commands) share one file, so every check that decides whether to write runs again inside
 * an IMMEDIATE transaction, and waits on the busy timeout instead of failing at once.
 */

/** `PRAGMA application_id` of every pivote database: the ASCII bytes 'PVOT'. */
export const PIVOTE_APPLICATION_ID = 0x50564f54;
/** `PRAGMA user_version` this code writes. A file with a larger one was written by a newer pivote. */
export const SCHEMA_VERSION = MIGRATIONS.length;
/** How long a statement waits for another process's write lock before SQLITE_BUSY. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
/** WAL pages between automatic checkpoints (SQLite's default is 1000). */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

export interface SqliteOpenOptions {
  /** Open without write access (CLI listings). The file must exist and be a pivote database. */
  readonly?: boolean;
  /** Make the database when the path is new (default). CLI commands pass false: a mistyped
   *  --db must be an error, never a second, empty database. */
  create?: boolean;
  busyTimeoutMs?: number;
}


interface Identity {
  applicationId: number;
  userVersion: number;
  objects: number;
}

function readIdentity(db: Database.Database): Identity {
  return {
    applicationId: db.pragma('application_id', { simple: true }) as number,
    userVersion: db.pragma('user_version', { simple: true }) as number,
    objects: db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number,
  };
}

/** Throws unless the file is pivote's (or empty, when we may create it) and not too new. */
function checkIdentity(id: Identity, path: string, readonly: boolean): void {
  const empty = id.applicationId === 0 && id.objects === 0;
  if (empty) {
    if (readonly) throw new PivoteError('PV_NOT_A_PIVOTE_DB', `${path} is an empty database`, { path });
    return;
  }
  if (id.applicationId !== PIVOTE_APPLICATION_ID) {
    throw new PivoteError('PV_NOT_A_PIVOTE_DB', `${path} is an SQLite database of another application`, {
      path,
      applicationId: id.applicationId,
    });
  }
  if (id.userVersion > SCHEMA_VERSION) {
    throw new PivoteError('PV_DB_TOO_NEW', `${path} has schema version ${id.userVersion}; this pivote knows up to ${SCHEMA_VERSION}`, {
      path,
      schemaVersion: id.userVersion,
    });
  }
  if (readonly && id.userVersion < SCHEMA_VERSION) {
    throw new PivoteError('PV_NOT_A_PIVOTE_DB', `${path} needs an upgrade; open it once without read-only`, { path });
  }
}

function migrate(db: Database.Database, path: string, at: number): void {
  // A table rebuild (migration 2) drops a table that votes refer to; with keys on, that would
  // fail. Keys are switched back on by the caller, and checked here before the commit.
  db.pragma('foreign_keys = OFF');
  // IMMEDIATE: take the write lock first, then decide, so two processes creating the same new
  // file do not both run the migrations.
  db.transaction(() => {
    const id = readIdentity(db);
    checkIdentity(id, path, false);
    if (id.userVersion === SCHEMA_VERSION) return;
    db.pragma(`application_id = ${PIVOTE_APPLICATION_ID}`);
    for (let v = id.userVersion; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] as string);
    const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    setMeta.run('application', 'pivote');
    setMeta.run('schema_version', String(SCHEMA_VERSION));
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run('created_at', new Date(at).toISOString());
    const broken = db.pragma('foreign_key_check') as unknown[];
    if (broken.length > 0) throw new Error(`migrating ${path} would break ${broken.length} foreign keys`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Opens `path` as a pivote database: creates it when the path is new or the file empty,
 * refuses other files (PV_NOT_A_PIVOTE_DB) and newer schemas (PV_DB_TOO_NEW), then sets the
 * per-connection pragmas: WAL, synchronous=FULL (a commit is on disk when it returns),
 * foreign keys, busy timeout.
 */
export function openPivoteDatabase(path: string, opts: SqliteOpenOptions = {}, now: () => number = Date.now): Database.Database {
  const readonly = opts.readonly ?? false;
  let db: Database.Database;
  try {
    const mustExist = readonly || opts.create === false;
    db = new Database(path, { readonly, fileMustExist: mustExist, timeout: opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  } catch (err) {
    const missing = sqliteCode(err) === 'SQLITE_CANTOPEN' && !existsSync(path);
    const reason = missing ? 'there is no database at this path' : (err as Error).message;
    throw new PivoteError('PV_NOT_A_PIVOTE_DB', `cannot open ${path}: ${reason}`, { path }, { cause: err });
  }
  try {
    // Peek before writing anything: another application's file must not be switched to WAL.
    checkIdentity(readIdentity(db), path, readonly);
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      migrate(db, path, now());
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // A vote batch from many kiosks dirties index pages all over the file; with the default
    // (1000 pages) nearly every group commit also ran a checkpoint copying them back. Checkpointing
    // every ~40 MB of WAL copies each hot page once for many commits (docs/PERFORMANCE.md:
    // +10 % durable votes/s). Commits still fsync the WAL, so durability is unchanged.
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    return db;
  } catch (err) {
    db.close();
    if (sqliteCode(err) === 'SQLITE_NOTADB') {
      throw new PivoteError('PV_NOT_A_PIVOTE_DB', `${path} is not an SQLite database`, { path }, { cause: err });
    }
    throw err;
  }
}
