import type Database from 'better-sqlite3';
import type pg from 'pg';
import { PivoteError } from '../../protocol/errors.js';
import { createPool, query, type TxContext } from '../postgres/connection.js';
import { redactUrl, toStoreError } from '../postgres/errors.js';
import { prepareDatabase } from '../postgres/schema.js';
import { decodeText } from '../postgres/text-codec.js';
import { openPivoteDatabase } from '../sqlite/schema.js';
import type { MigrateOptions, MigrateResult, TableCount } from './sqlite-to-postgres.js';

/**
 * The reverse of sqlite-to-postgres.ts, for a small deployment (a pilot, an archive, a copy to
 * look at on a laptop): a PostgreSQL database into an SQLite file, in one SQLite transaction,
 * ids, times and flags kept, idempotent and checked by counts as the other direction is. The
 * PostgreSQL side is read in one REPEATABLE READ snapshot; the whole copy is held in one SQLite
 * transaction, so it suits databases that fit comfortably on the machine running it.
 */

interface ReverseTable {
  table: string;
  /** PostgreSQL SELECT giving the SQLite columns, already in SQLite's types and order. */
  select: string;
  columns: string[];
  key: string[];
  /** Columns that must match when the row is already in the file (as in tables.ts). */
  same: string[];
  /** Kiosk-chosen strings stored escaped in PostgreSQL (text-codec.ts). */
  decode?: string[];
}

const b = (c: string) => `CASE WHEN ${c} THEN 1 ELSE 0 END AS ${c}`;

const REVERSE: readonly ReverseTable[] = [
  {
    table: 'kiosks',
    select: `SELECT id, name, location, secret, secret_version, created_at, revoked_at, removed_at, last_seen_at, connected_at, software, queued,
               buttons, 0 AS connected, id_conflict_at, array_to_json(id_conflict_addresses)::text AS id_conflict_addresses FROM kiosks ORDER BY id`,
    columns: ['id', 'name', 'location', 'secret', 'secret_version', 'created_at', 'revoked_at', 'removed_at', 'last_seen_at', 'connected_at', 'software', 'queued', 'buttons', 'connected', 'id_conflict_at', 'id_conflict_addresses'],
    key: ['id'],
    same: [],
    decode: ['software'],
  },
  {
    table: 'polls',
    select: `SELECT id, question, array_to_json(options)::text AS options, state, created_at, opened_at, closed_at, opens_at, closes_at, public_results
             FROM polls ORDER BY id`,
    columns: ['id', 'question', 'options', 'state', 'created_at', 'opened_at', 'closed_at', 'opens_at', 'closes_at', 'public_results'],
    key: ['id'],
    same: ['question', 'options', 'created_at'],
  },
  {
    table: 'votes',
    select: `SELECT kiosk_id, vote_id, seq, poll_id, button, pressed_at, received_at, ${b('clock_unknown')}, ${b('flagged')} FROM votes ORDER BY row_id`,
    columns: ['kiosk_id', 'vote_id', 'seq', 'poll_id', 'button', 'pressed_at', 'received_at', 'clock_unknown', 'flagged'],
    key: ['kiosk_id', 'vote_id'],
    same: ['seq', 'poll_id', 'button', 'pressed_at', 'received_at', 'clock_unknown', 'flagged'],
    decode: ['vote_id'],
  },
  {
    table: 'audit',
    select: 'SELECT id, at, actor, action, subject, details::text AS details FROM audit ORDER BY id',
    columns: ['id', 'at', 'actor', 'action', 'subject', 'details'],
    key: ['id'],
    same: ['at', 'actor', 'action'],
  },
  {
    table: 'alert_rules',
    select: `SELECT id, kind, params::text AS params, ${b('enabled')}, created_at FROM alert_rules ORDER BY id`,
    columns: ['id', 'kind', 'params', 'enabled', 'created_at'],
    key: ['id'],
    same: ['kind', 'created_at'],
  },
  {
    table: 'alerts',
    select: 'SELECT id, rule_id, kind, subject, message, raised_at, cleared_at, acknowledged_at, acknowledged_by FROM alerts ORDER BY id',
    columns: ['id', 'rule_id', 'kind', 'subject', 'message', 'raised_at', 'cleared_at', 'acknowledged_at', 'acknowledged_by'],
    key: ['id'],
    same: ['rule_id', 'subject', 'raised_at'],
  },
];

const MIGRATED_FROM = 'migrated_from_postgres';

export async function migratePostgresToSqlite(opts: MigrateOptions): Promise<MigrateResult> {
  const pool = createPool(opts.from, { poolSize: 1, readonly: true });
  const ctx: TxContext = { target: redactUrl(opts.from), writable: false };
  const target = openPivoteDatabase(opts.to, { create: true });
  try {
    await prepareDatabase(pool, ctx, { readonly: true, create: false }, opts.now).catch((err: unknown) => {
      throw toStoreError(err, ctx);
    });
    const sourceId = (await query<{ value: string }>(pool, ctx, { text: "SELECT value FROM pivote_meta WHERE key = 'created_at'" })).rows[0]?.value ?? null;
    refuseOtherDeployment(target, opts.to, sourceId);
    const client = await pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      target.exec('BEGIN IMMEDIATE');
      try {
        const tables: TableCount[] = [];
        for (const spec of REVERSE) tables.push(await copyTable(client, target, spec, opts));
        target.prepare("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'kiosk_access_version'").run();
        target.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
          .run(MIGRATED_FROM, JSON.stringify({ postgresCreatedAt: sourceId, from: ctx.target, at: new Date(opts.now).toISOString() }));
        target.exec('COMMIT');
        return { from: ctx.target, to: opts.to, tables, nothingCopied: tables.every((t) => t.copied === 0) };
      } catch (err) {
        if (target.inTransaction) target.exec('ROLLBACK');
        throw err;
      } finally {
        await client.query('COMMIT').catch(() => undefined);
      }
    } finally {
      client.release();
    }
  } catch (err) {
    throw toStoreError(err, ctx);
  } finally {
    target.close();
    await pool.end();
  }
}

function refuseOtherDeployment(target: Database.Database, path: string, sourceId: string | null): void {
  const marker = target.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(MIGRATED_FROM) as string | undefined;
  if (marker !== undefined && (JSON.parse(marker) as { postgresCreatedAt: string | null }).postgresCreatedAt === sourceId) return;
  const n = target.prepare('SELECT (SELECT count(*) FROM kiosks) + (SELECT count(*) FROM polls) + (SELECT count(*) FROM votes) + (SELECT count(*) FROM alert_rules)').pluck().get() as number;
  if (n === 0) return;
  throw new PivoteError('PV_MIGRATE_TARGET_IN_USE', `${path} already holds ${marker === undefined ? 'kiosks, polls or votes of its own' : 'a copy of another database'}; nothing was copied`, { target: path });
}

async function copyTable(source: pg.ClientBase, target: Database.Database, spec: ReverseTable, opts: MigrateOptions): Promise<TableCount> {
  const cols = spec.columns;
  const insert = target.prepare(`INSERT INTO ${spec.table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`);
  const keyWhere = spec.key.map((k) => `${k} = ?`).join(' AND ');
  const sameWhere = spec.same.map((c) => `${c} IS ?`).join(' AND ');
  const identical = target.prepare(`SELECT count(*) FROM ${spec.table} WHERE ${keyWhere}${sameWhere ? ` AND ${sameWhere}` : ''}`).pluck();
  const { rows } = await source.query<Record<string, unknown>>(spec.select);
  let copied = 0;
  let alreadyThere = 0;
  for (const row of rows) {
    for (const c of spec.decode ?? []) if (typeof row[c] === 'string') row[c] = decodeText(row[c] as string);
    if (insert.run(...cols.map((c) => row[c])).changes === 1) copied++;
    else if ((identical.get(...spec.key.map((k) => row[k]), ...spec.same.map((c) => row[c])) as number) === 1) alreadyThere++;
    else throw new PivoteError('PV_MIGRATE_CONFLICT', `a ${spec.table} row of the PostgreSQL database is in ${opts.to} with different content; nothing was copied`, { table: spec.table });
  }
  opts.onProgress?.(spec.table, rows.length, rows.length);
  const total = target.prepare(`SELECT count(*) FROM ${spec.table}`).pluck().get() as number;
  return { table: spec.table, source: rows.length, copied, alreadyThere, target: total };
}
