import Database from 'better-sqlite3';
import { PivoteError } from '../../protocol/errors.js';

/**
 * Opening, identifying and migrating a pivote SQLite file. Several processes (the server and
 * CLI commands) share one file, so every check that decides whether to write runs again inside
 * an IMMEDIATE transaction, and waits on the busy timeout instead of failing at once.
 */

/** `PRAGMA application_id` of every pivote database: the ASCII bytes 'PVOT'. */
export const PIVOTE_APPLICATION_ID = 0x50564f54;
/** `PRAGMA user_version` this code writes. A file with a larger one was written by a newer pivote. */
export const SCHEMA_VERSION = 1;
/** How long a statement waits for another process's write lock before SQLITE_BUSY. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
/** WAL pages between automatic checkpoints (SQLite's default is 1000). */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

export interface SqliteOpenOptions {
  /** Open without write access (CLI listings). The file must exist and be a pivote database. */
  readonly?: boolean;
  busyTimeoutMs?: number;
}

/** migrations[i] takes a database from user_version i to i + 1. Never edit a shipped entry. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS kiosks (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    location     TEXT NOT NULL,
    secret       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_seen_at INTEGER,
    software     TEXT,
    queued       INTEGER NOT NULL DEFAULT 0,
    connected    INTEGER NOT NULL DEFAULT 0 CHECK (connected IN (0, 1))
  );

  -- options: JSON array of labels; option i (1-based) is button i.
  CREATE TABLE IF NOT EXISTS polls (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    question  TEXT NOT NULL,
    options   TEXT NOT NULL,
    state     TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    opened_at INTEGER NOT NULL,
    closed_at INTEGER
  );
  -- At most one open poll, even when two processes race to open one.
  CREATE UNIQUE INDEX IF NOT EXISTS polls_one_open ON polls (state) WHERE state = 'open';

  -- A rowid table: inserts append; the (kiosk_id, vote_id) key is the exactly-once guarantee.
  CREATE TABLE IF NOT EXISTS votes (
    kiosk_id      TEXT NOT NULL REFERENCES kiosks (id),
    vote_id       TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    poll_id       INTEGER NOT NULL REFERENCES polls (id),
    button        INTEGER NOT NULL,
    pressed_at    INTEGER NOT NULL,
    received_at   INTEGER NOT NULL,
    clock_unknown INTEGER NOT NULL CHECK (clock_unknown IN (0, 1)),
    flagged       INTEGER NOT NULL CHECK (flagged IN (0, 1)),
    PRIMARY KEY (kiosk_id, vote_id)
  );
  -- Burst check: COUNT of one kiosk's presses in a time range.
  CREATE INDEX IF NOT EXISTS votes_kiosk_pressed ON votes (kiosk_id, pressed_at);
  -- Results: covers WHERE poll_id = ? AND flagged <= ? GROUP BY button without touching rows.
  CREATE INDEX IF NOT EXISTS votes_poll ON votes (poll_id, button, flagged);
  `,
];

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
    db = new Database(path, { readonly, fileMustExist: readonly, timeout: opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  } catch (err) {
    const reason = readonly && sqliteCode(err) === 'SQLITE_CANTOPEN' ? 'no such database' : (err as Error).message;
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
