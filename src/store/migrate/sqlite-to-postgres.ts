import type Database from 'better-sqlite3';
import type pg from 'pg';
import { PivoteError } from '../../protocol/errors.js';
import { createPool, inTransaction, type TxContext } from '../postgres/connection.js';
import { redactUrl, toStoreError } from '../postgres/errors.js';
import { PIVOTE_LOCK_CLASS, prepareDatabase } from '../postgres/schema.js';
import { openPivoteDatabase } from '../sqlite/schema.js';
import { TABLES, copyStatement, identityStatement, type TableSpec } from './tables.js';

/**
 * `pivote db migrate --from pivote.db --to postgres://...`: copies an SQLite deployment into a
 * PostgreSQL database — kiosks (removed ones too: their votes refer to them), polls with their
 * ids, votes with their flags and times, the audit log, alert rules and alerts — in ONE
 * transaction, so a failure leaves the target as it was.
 *
 * Idempotent: rows already in the target are left as they are, and a second run copies nothing
 * (or only what the SQLite deployment stored since). Verified: every batch counts the rows it
 * copied plus the rows already there with the same unchanging content, which must be the whole
 * batch; the totals are checked again before COMMIT. A target that holds another deployment's
 * data is refused (PV_MIGRATE_TARGET_IN_USE), so is one where a key holds different content
 * (PV_MIGRATE_CONFLICT).
 */

export interface TableCount {
  table: string;
  /** Rows in the SQLite database. */
  source: number;
  /** Copied by this run. */
  copied: number;
  /** Already in the target, the same. */
  alreadyThere: number;
  /** Rows in the target after the run (more than `source` if servers added some there). */
  target: number;
}

export interface MigrateResult {
  from: string;
  to: string;
  tables: TableCount[];
  /** True when this run copied nothing (everything was there already). */
  nothingCopied: boolean;
}

export interface MigrateOptions {
  from: string;
  to: string;
  now: number;
  /** Rows per INSERT statement. */
  batchRows?: number;
  onProgress?: (table: string, done: number, total: number) => void;
}

/** Meta key of the target recording which SQLite deployment was copied into it. */
const MIGRATED_FROM = 'migrated_from_sqlite';
/** Second key of the advisory lock: one migration into a database at a time. */
const MIGRATE_LOCK = 3;
const BUMP_ACCESS = "UPDATE pivote_meta SET value = (value::bigint + 1)::text WHERE key = 'kiosk_access_version'";

export async function migrateSqliteToPostgres(opts: MigrateOptions): Promise<MigrateResult> {
  const source = openPivoteDatabase(opts.from, { readonly: true });
  const pool = createPool(opts.to, { poolSize: 1 });
  const ctx: TxContext = { target: redactUrl(opts.to), writable: true };
  try {
    await prepareDatabase(pool, ctx, { readonly: false, create: true }, opts.now).catch((err: unknown) => {
      throw toStoreError(err, ctx);
    });
    const sourceId = source.prepare("SELECT value FROM meta WHERE key = 'created_at'").pluck().get() as string | undefined;
    const marker = JSON.stringify({ sqliteCreatedAt: sourceId ?? null, path: opts.from, at: new Date(opts.now).toISOString() });
    // One read transaction: a consistent snapshot even while a server still writes the file.
    source.exec('BEGIN');
    try {
      const tables = await inTransaction(pool, 'durable', ctx, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1, $2)', [PIVOTE_LOCK_CLASS, MIGRATE_LOCK]);
        await refuseOtherDeployment(c, ctx.target, sourceId ?? null);
        const counts: TableCount[] = [];
        for (const spec of TABLES) counts.push(await copyTable(c, source, spec, opts));
        await c.query(BUMP_ACCESS); // servers already running re-read kiosk access
        await c.query('INSERT INTO pivote_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [MIGRATED_FROM, marker]);
        await checkTotals(c, source, counts);
        return counts;
      });
      return { from: opts.from, to: ctx.target, tables, nothingCopied: tables.every((t) => t.copied === 0) };
    } finally {
      source.exec('COMMIT');
    }
  } finally {
    source.close();
    await pool.end();
  }
}

/** The target must be empty, or hold an earlier copy of this same SQLite deployment. */
async function refuseOtherDeployment(c: pg.ClientBase, target: string, sourceId: string | null): Promise<void> {
  const marker = await c.query<{ value: string }>('SELECT value FROM pivote_meta WHERE key = $1', [MIGRATED_FROM]);
  const from = marker.rows[0] ? (JSON.parse(marker.rows[0].value) as { sqliteCreatedAt: string | null }).sqliteCreatedAt : undefined;
  if (from !== undefined && from === sourceId) return;
  const { rows } = await c.query<{ n: number }>(
    'SELECT (SELECT count(*) FROM kiosks) + (SELECT count(*) FROM polls) + (SELECT count(*) FROM votes) + (SELECT count(*) FROM alert_rules) AS n',
  );
  if ((rows[0]?.n ?? 0) === 0) return;
  const what = from === undefined ? 'kiosks, polls or votes of its own' : 'a copy of another SQLite deployment';
  throw new PivoteError('PV_MIGRATE_TARGET_IN_USE', `${target} already holds ${what}; nothing was copied`, { target });
}

async function copyTable(c: pg.ClientBase, source: Database.Database, spec: TableSpec, opts: MigrateOptions): Promise<TableCount> {
  const total = source.prepare(`SELECT count(*) FROM ${spec.table}`).pluck().get() as number;
  const batchRows = opts.batchRows ?? 5_000;
  const text = copyStatement(spec);
  let copied = 0;
  let alreadyThere = 0;
  let batch: unknown[][] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const columns = spec.columns.map((_, i) => batch.map((row) => row[i]));
    const { rows } = await c.query<{ copied: number; same: number }>(text, columns);
    const r = rows[0]!;
    if (r.copied + r.same !== batch.length) {
      throw new PivoteError(
        'PV_MIGRATE_CONFLICT',
        `${batch.length - r.copied - r.same} ${spec.table} row(s) of the SQLite database are in the target with different content; nothing was copied`,
        { table: spec.table },
      );
    }
    copied += r.copied;
    alreadyThere += r.same;
    opts.onProgress?.(spec.table, copied + alreadyThere, total);
    batch = [];
  };
  for (const row of source.prepare(spec.select).iterate() as IterableIterator<Record<string, unknown>>) {
    batch.push(spec.convert(row));
    if (batch.length >= batchRows) await flush();
  }
  await flush();
  const identity = identityStatement(spec);
  if (identity) await c.query(identity);
  const target = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${spec.table}`)).rows[0]!.n;
  return { table: spec.table, source: total, copied, alreadyThere, target };
}

/** Defence in depth before COMMIT: every table, and the votes of every poll, option and flag,
 *  at least as many in the target as in the source. */
async function checkTotals(c: pg.ClientBase, source: Database.Database, counts: readonly TableCount[]): Promise<void> {
  for (const t of counts) {
    if (t.copied + t.alreadyThere !== t.source || t.target < t.source) {
      throw new PivoteError('PV_MIGRATE_CONFLICT', `${t.table}: ${t.source} rows in the source, ${t.copied + t.alreadyThere} found in the target; nothing was copied`, { table: t.table });
    }
  }
  const group = 'SELECT poll_id, button, flagged, count(*) AS n FROM votes GROUP BY poll_id, button, flagged';
  const key = (r: { poll_id: number; button: number; flagged: unknown }) => `${r.poll_id}/${r.button}/${r.flagged === true || r.flagged === 1}`;
  const target = new Map((await c.query<{ poll_id: number; button: number; flagged: boolean; n: number }>(group)).rows.map((r) => [key(r), Number(r.n)]));
  for (const r of source.prepare(group).all() as { poll_id: number; button: number; flagged: number; n: number }[]) {
    if ((target.get(key(r)) ?? 0) < r.n) {
      throw new PivoteError('PV_MIGRATE_CONFLICT', `poll ${r.poll_id}, button ${r.button}: ${r.n} votes in the source, ${target.get(key(r)) ?? 0} in the target; nothing was copied`, { pollId: r.poll_id });
    }
  }
}
