import type pg from 'pg';
import { PivoteError } from '../../protocol/errors.js';
import { guard, inTransaction, type TxContext } from './connection.js';

/**
 * Identifying and migrating a pivote PostgreSQL database. Several servers may start at once
 * against one database: the migration runs in a transaction under an advisory lock, and each
 * starter decides what to do only after it holds the lock, so exactly one of them migrates and
 * the others find the schema current.
 *
 * pivote's tables live in the connection's current schema (normally `public`); give pivote a
 * database (or a schema, through `options=-c search_path=...` in the URL) of its own.
 */

/** The version this code writes; a database with a larger one was written by a newer pivote. */
export const PG_SCHEMA_VERSION = 1;
/** Advisory lock class of every lock pivote takes: the ASCII bytes 'PVOT', as in SQLite's application_id. */
export const PIVOTE_LOCK_CLASS = 0x50564f54;
const MIGRATION_LOCK = 1;
/** Second key of the advisory lock that makes one schedule pass at a time across servers. */
export const SCHEDULE_LOCK = 2;

/**
 * migrations[i] takes a database from version i to i + 1. Never edit a shipped entry.
 * Ids use COLLATE "C" (byte order), so listings sort as SQLite's BINARY collation does. The
 * indexes and what each serves are explained in docs/SCALING.md (with EXPLAIN output).
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE pivote_meta (
    key   text COLLATE "C" PRIMARY KEY,
    value text NOT NULL
  );
  CREATE TABLE pivote_migrations (
    version    integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
  );
  -- Bumped in the same transaction as every change of a kiosk's access (add, revoke, reactivate,
  -- rotate, remove), so a server that sees it move re-reads the access list.
  INSERT INTO pivote_meta (key, value) VALUES ('kiosk_access_version', '1');

  CREATE TABLE kiosks (
    id                    text COLLATE "C" PRIMARY KEY,
    name                  text NOT NULL,
    location              text NOT NULL,
    secret                text NOT NULL,
    secret_version        integer NOT NULL DEFAULT 1,
    created_at            bigint NOT NULL,
    revoked_at            bigint,
    removed_at            bigint,
    last_seen_at          bigint,
    connected_at          bigint,
    software              text,
    queued                bigint NOT NULL DEFAULT 0,
    buttons               integer,
    connected             boolean NOT NULL DEFAULT false,
    id_conflict_at        bigint,
    id_conflict_addresses text[],
    -- Fencing: which server holds the kiosk's one live connection, and since which claim.
    claim_epoch           bigint NOT NULL DEFAULT 0,
    claim_server          text
  );

  -- options: option i (1-based) is button i. Identity values are never handed out twice, so a
  -- deleted draft's id is not reused.
  CREATE TABLE polls (
    id             integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    question       text NOT NULL,
    options        text[] NOT NULL,
    state          text NOT NULL CHECK (state IN ('draft', 'open', 'closed')),
    created_at     bigint NOT NULL,
    opened_at      bigint,
    closed_at      bigint,
    opens_at       bigint,
    closes_at      bigint,
    public_results text NOT NULL DEFAULT 'never' CHECK (public_results IN ('never', 'always', 'after-close')),
    CHECK ((state = 'draft') = (opened_at IS NULL))
  );
  -- At most one open poll, even when two servers race to open one.
  CREATE UNIQUE INDEX polls_one_open ON polls (state) WHERE state = 'open';
  -- The scheduler's question every second: which draft is due first.
  CREATE INDEX polls_due ON polls (opens_at) WHERE state = 'draft' AND opens_at IS NOT NULL;

  -- row_id is storage order (exports page on it; "the last N votes" read it backwards);
  -- (kiosk_id, vote_id) is the exactly-once guarantee.
  CREATE TABLE votes (
    row_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kiosk_id      text COLLATE "C" NOT NULL REFERENCES kiosks (id),
    vote_id       text COLLATE "C" NOT NULL,
    seq           bigint NOT NULL,
    poll_id       integer NOT NULL REFERENCES polls (id),
    button        smallint NOT NULL,
    pressed_at    bigint NOT NULL,
    received_at   bigint NOT NULL,
    clock_unknown boolean NOT NULL,
    flagged       boolean NOT NULL,
    CONSTRAINT votes_key UNIQUE (kiosk_id, vote_id)
  );
  -- Burst rule: one kiosk's presses in a time range, read as an index range; also a kiosk's
  -- votes since a time.
  CREATE INDEX votes_kiosk_pressed ON votes (kiosk_id, pressed_at);
  -- Results: WHERE poll_id = ? AND flagged <= ? GROUP BY button, as an index-only scan.
  CREATE INDEX votes_poll ON votes (poll_id, button, flagged);
  -- The flagged-burst alert, every few seconds: flagged presses since a time (few rows).
  CREATE INDEX votes_flagged ON votes (pressed_at) WHERE flagged;

  CREATE TABLE audit (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      bigint NOT NULL,
    actor   text NOT NULL,
    action  text NOT NULL,
    subject text,
    details json
  );

  CREATE TABLE alert_rules (
    id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text NOT NULL,
    params     json NOT NULL,
    enabled    boolean NOT NULL,
    created_at bigint NOT NULL
  );

  CREATE TABLE alerts (
    id              integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule_id         integer NOT NULL,
    kind            text NOT NULL,
    subject         text NOT NULL,
    message         text NOT NULL,
    raised_at       bigint NOT NULL,
    cleared_at      bigint,
    acknowledged_at bigint,
    acknowledged_by text
  );
  -- One uncleared alert per rule and subject, whichever server raises it.
  CREATE UNIQUE INDEX alerts_one_up ON alerts (rule_id, subject) WHERE cleared_at IS NULL;
  `,
];

interface Identity {
  schema: string | null;
  encoding: string;
  objects: number;
  hasMeta: boolean;
  application?: string;
  version?: number;
}

async function readIdentity(c: pg.ClientBase): Promise<Identity> {
  const { rows } = await c.query<{ schema: string | null; encoding: string; objects: number; has_meta: boolean }>(
    `SELECT current_schema() AS schema, current_setting('server_encoding') AS encoding,
       (SELECT count(*) FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace
         WHERE n.nspname = current_schema() AND cl.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')) AS objects,
       to_regclass(format('%I.pivote_meta', current_schema())) IS NOT NULL AS has_meta`,
  );
  const row = rows[0]!;
  const id: Identity = { schema: row.schema, encoding: row.encoding, objects: row.objects, hasMeta: row.has_meta };
  if (id.hasMeta) {
    const meta = await c.query<{ key: string; value: string }>("SELECT key, value FROM pivote_meta WHERE key IN ('application', 'schema_version')");
    const get = (k: string) => meta.rows.find((r) => r.key === k)?.value;
    id.application = get('application');
    id.version = Number(get('schema_version') ?? NaN);
  }
  return id;
}

/** Throws unless the database is pivote's (or empty, when we may create the schema) and not too new. */
function checkIdentity(id: Identity, target: string, readonly: boolean, create: boolean): void {
  if (id.schema === null) {
    throw new PivoteError('PV_NOT_A_PIVOTE_DB', `${target}: the connection has no current schema to keep pivote's tables in (check search_path)`, { target });
  }
  if (id.encoding !== 'UTF8') {
    throw new PivoteError('PV_NOT_A_PIVOTE_DB', `${target} uses the ${id.encoding} encoding; pivote needs a UTF8 database (CREATE DATABASE ... ENCODING 'UTF8')`, { target });
  }
  if (id.objects === 0) {
    if (readonly || !create) throw new PivoteError('PV_NOT_A_PIVOTE_DB', `${target} is an empty database (no pivote tables yet)`, { target });
    return;
  }
  if (!id.hasMeta || id.application !== 'pivote' || !Number.isInteger(id.version)) {
    throw new PivoteError('PV_NOT_A_PIVOTE_DB', `${target} holds tables of another application in schema ${id.schema}`, { target, schema: id.schema });
  }
  const version = id.version as number;
  if (version > PG_SCHEMA_VERSION) {
    throw new PivoteError('PV_DB_TOO_NEW', `${target} has schema version ${version}; this pivote knows up to ${PG_SCHEMA_VERSION}`, {
      target,
      schemaVersion: version,
    });
  }
  if (readonly && version < PG_SCHEMA_VERSION) {
    throw new PivoteError('PV_NOT_A_PIVOTE_DB', `${target} needs an upgrade; open it once without read-only`, { target });
  }
}

/**
 * Makes the database current: checks what it is, then (unless read-only) creates or upgrades the
 * schema, once, under the migration lock. Returns the version found before migrating.
 */
export async function prepareDatabase(pool: pg.Pool, ctx: TxContext, mode: { readonly: boolean; create: boolean }, now: number): Promise<number> {
  if (mode.readonly) {
    const c = guard(await pool.connect());
    try {
      const id = await readIdentity(c);
      checkIdentity(id, ctx.target, true, false);
      return id.version ?? 0;
    } finally {
      c.release();
    }
  }
  return inTransaction(pool, 'durable', ctx, async (c) => {
    // Released at COMMIT; a second starter waits here, then reads the migrated identity.
    await c.query('SELECT pg_advisory_xact_lock($1, $2)', [PIVOTE_LOCK_CLASS, MIGRATION_LOCK]);
    const id = await readIdentity(c);
    checkIdentity(id, ctx.target, false, mode.create);
    const from = id.version ?? 0;
    for (let v = from; v < PG_SCHEMA_VERSION; v++) {
      await c.query(MIGRATIONS[v] as string);
      await c.query('INSERT INTO pivote_migrations (version) VALUES ($1)', [v + 1]);
    }
    if (from < PG_SCHEMA_VERSION) {
      const upsert = 'INSERT INTO pivote_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value';
      await c.query(upsert, ['application', 'pivote']);
      await c.query(upsert, ['schema_version', String(PG_SCHEMA_VERSION)]);
      await c.query('INSERT INTO pivote_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', ['created_at', new Date(now).toISOString()]);
    }
    return from;
  });
}
