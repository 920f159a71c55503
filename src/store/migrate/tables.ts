import { encodeText } from '../postgres/text-codec.js';

/**
 * What `pivote db migrate` copies, table by table, from an SQLite deployment to PostgreSQL: the
 * SQLite columns read, the PostgreSQL columns written (with the types of their arrays), the key
 * a row is found by, and which columns must match when the row is already there. Pure data and
 * conversions; sqlite-to-postgres.ts runs them.
 *
 * Rows already in the target are never overwritten: a server may have changed them since (a
 * poll closed, a kiosk re-keyed). Only what never changes is compared ("same"): a row under the
 * same key that differs there is a different deployment's, and the copy stops.
 */

export interface CopiedColumn {
  /** Column name, the same in both engines. */
  name: string;
  /** PostgreSQL type of the column's array parameter. */
  pgType: string;
}

export interface TableSpec {
  table: string;
  /** SELECT of the SQLite rows, in the order they are copied. */
  select: string;
  columns: CopiedColumn[];
  /** Columns a row is found by (the ON CONFLICT target). */
  key: string[];
  /** Columns that must be equal when the row is already in the target. */
  same: string[];
  /** Ids kept as they are (identity columns: OVERRIDING SYSTEM VALUE, then the sequence moved past them). */
  identity?: string;
  /** An SQLite row (column name → value) as the PostgreSQL values, in `columns` order. */
  convert(row: Record<string, unknown>): unknown[];
}

const col = (name: string, pgType: string): CopiedColumn => ({ name, pgType });
const bool = (v: unknown): boolean => v === 1 || v === true;
const json = (v: unknown): unknown => (v === null ? null : (JSON.parse(v as string) as unknown));
const text = (v: unknown): string | null => (v === null ? null : encodeText(v as string));

export const TABLES: readonly TableSpec[] = [
  {
    table: 'kiosks',
    select: `SELECT id, name, location, secret, secret_version, created_at, revoked_at, removed_at, last_seen_at, connected_at,
               software, queued, buttons, id_conflict_at, id_conflict_addresses FROM kiosks ORDER BY id`,
    columns: [
      col('id', 'text'), col('name', 'text'), col('location', 'text'), col('secret', 'text'), col('secret_version', 'int4'),
      col('created_at', 'int8'), col('revoked_at', 'int8'), col('removed_at', 'int8'), col('last_seen_at', 'int8'),
      col('connected_at', 'int8'), col('software', 'text'), col('queued', 'int8'), col('buttons', 'int4'),
      col('id_conflict_at', 'int8'), col('id_conflict_addresses', 'text'),
    ],
    key: ['id'],
    // A kiosk may be renamed, re-keyed, revoked or even removed and made anew later: its id is all
    // that identifies it.
    same: [],
    convert: (r) => [
      r.id, r.name, r.location, r.secret, r.secret_version, r.created_at, r.revoked_at, r.removed_at, r.last_seen_at,
      r.connected_at, text(r.software), r.queued, r.buttons, r.id_conflict_at,
      // text[] is built from JSON in the statement: arrays of arrays must be rectangular.
      r.id_conflict_addresses,
    ],
  },
  {
    table: 'polls',
    select: 'SELECT id, question, options, state, created_at, opened_at, closed_at, opens_at, closes_at, public_results FROM polls ORDER BY id',
    columns: [
      col('id', 'int4'), col('question', 'text'), col('options', 'text'), col('state', 'text'), col('created_at', 'int8'),
      col('opened_at', 'int8'), col('closed_at', 'int8'), col('opens_at', 'int8'), col('closes_at', 'int8'), col('public_results', 'text'),
    ],
    key: ['id'],
    same: ['question', 'options', 'created_at'],
    identity: 'id',
    convert: (r) => [r.id, r.question, r.options, r.state, r.created_at, r.opened_at, r.closed_at, r.opens_at, r.closes_at, r.public_results],
  },
  {
    table: 'votes',
    select: 'SELECT kiosk_id, vote_id, seq, poll_id, button, pressed_at, received_at, clock_unknown, flagged FROM votes ORDER BY rowid',
    columns: [
      col('kiosk_id', 'text'), col('vote_id', 'text'), col('seq', 'int8'), col('poll_id', 'int4'), col('button', 'int2'),
      col('pressed_at', 'int8'), col('received_at', 'int8'), col('clock_unknown', 'bool'), col('flagged', 'bool'),
    ],
    key: ['kiosk_id', 'vote_id'],
    // A vote never changes: every column must match.
    same: ['seq', 'poll_id', 'button', 'pressed_at', 'received_at', 'clock_unknown', 'flagged'],
    convert: (r) => [r.kiosk_id, text(r.vote_id), r.seq, r.poll_id, r.button, r.pressed_at, r.received_at, bool(r.clock_unknown), bool(r.flagged)],
  },
  {
    table: 'audit',
    select: 'SELECT id, at, actor, action, subject, details FROM audit ORDER BY id',
    columns: [col('id', 'int8'), col('at', 'int8'), col('actor', 'text'), col('action', 'text'), col('subject', 'text'), col('details', 'text')],
    key: ['id'],
    same: ['at', 'actor', 'action'],
    identity: 'id',
    convert: (r) => [r.id, r.at, r.actor, r.action, r.subject, r.details],
  },
  {
    table: 'alert_rules',
    select: 'SELECT id, kind, params, enabled, created_at FROM alert_rules ORDER BY id',
    columns: [col('id', 'int4'), col('kind', 'text'), col('params', 'text'), col('enabled', 'bool'), col('created_at', 'int8')],
    key: ['id'],
    same: ['kind', 'created_at'],
    identity: 'id',
    convert: (r) => [r.id, r.kind, r.params, bool(r.enabled), r.created_at],
  },
  {
    table: 'alerts',
    select: 'SELECT id, rule_id, kind, subject, message, raised_at, cleared_at, acknowledged_at, acknowledged_by FROM alerts ORDER BY id',
    columns: [
      col('id', 'int4'), col('rule_id', 'int4'), col('kind', 'text'), col('subject', 'text'), col('message', 'text'),
      col('raised_at', 'int8'), col('cleared_at', 'int8'), col('acknowledged_at', 'int8'), col('acknowledged_by', 'text'),
    ],
    key: ['id'],
    same: ['rule_id', 'subject', 'raised_at'],
    identity: 'id',
    convert: (r) => [r.id, r.rule_id, r.kind, r.subject, r.message, r.raised_at, r.cleared_at, r.acknowledged_at, r.acknowledged_by],
  },
];

/** How a column's text parameter becomes its PostgreSQL value (JSON kept as text in SQLite). */
const FROM_TEXT: Record<string, Record<string, string>> = {
  kiosks: { id_conflict_addresses: "(SELECT array_agg(a) FROM json_array_elements_text(u.id_conflict_addresses::json) a)" },
  polls: { options: '(SELECT array_agg(o) FROM json_array_elements_text(u.options::json) o)' },
  audit: { details: 'u.details::json' },
  alert_rules: { params: 'u.params::json' },
};

/**
 * One statement per batch: insert the rows not yet there (keeping ids), and count, of those
 * already there, the ones whose unchanging columns match. The INSERT's own rows are not visible
 * to the count (one snapshot), so copied + same = batch size exactly when nothing conflicts.
 */
export function copyStatement(spec: TableSpec): string {
  const names = spec.columns.map((c) => c.name);
  const params = spec.columns.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(', ');
  const values = names.map((n) => FROM_TEXT[spec.table]?.[n] ?? `u.${n}`).join(', ');
  const overriding = spec.identity ? ' OVERRIDING SYSTEM VALUE' : '';
  const keyMatch = spec.key.map((k) => `t.${k} = u.${k}`);
  const options = spec.table === 'polls' ? { options: `t.options = ${FROM_TEXT.polls!.options}` } : {};
  const sameMatch = spec.same.map((s) => (options as Record<string, string>)[s] ?? `t.${s} IS NOT DISTINCT FROM u.${s}`);
  return `WITH u AS (SELECT * FROM unnest(${params}) AS u (${names.join(', ')})),
    ins AS (INSERT INTO ${spec.table} (${names.join(', ')})${overriding} SELECT ${values} FROM u
            ON CONFLICT (${spec.key.join(', ')}) DO NOTHING RETURNING 1)
    SELECT (SELECT count(*) FROM ins)::int AS copied,
           (SELECT count(*) FROM u JOIN ${spec.table} t ON ${[...keyMatch, ...sameMatch].join(' AND ')})::int AS same`;
}

/** Moves an identity column's sequence past the ids copied, never back (ids are not reused). */
export function identityStatement(spec: TableSpec): string | undefined {
  if (!spec.identity) return undefined;
  const seq = `pg_get_serial_sequence('${spec.table}', '${spec.identity}')`;
  return `SELECT setval(${seq}, v) FROM (SELECT GREATEST((SELECT max(${spec.identity}) FROM ${spec.table}), pg_sequence_last_value(${seq}::regclass)) AS v) x
    WHERE v IS NOT NULL`;
}
