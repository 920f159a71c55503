import type pg from 'pg';
import { PivoteError } from '../../protocol/errors.js';
import { validateAlertRule } from '../alert-rules.js';
import type { Actor, AlertKind, AlertParams, AlertRecord, AlertRule, RaiseAlert } from '../model/admin.js';
import { writeAudit } from './audit.js';
import { notify, type PgDb } from './db.js';
import { alertFromRow, alertRuleFromRow, type AlertRow, type AlertRuleRow } from './rows.js';

/**
 * Alert rules (organiser changes, audited) and the alerts they raise (the servers' doing). Every
 * server evaluates every rule: the partial unique index alerts_one_up makes one of them raise an
 * alert and the others find it up.
 */

const RULE_COLUMNS = 'id, kind, params, enabled, created_at';
const ALERT_COLUMNS = 'id, rule_id, kind, subject, message, raised_at, cleared_at, acknowledged_at, acknowledged_by';

async function lockRule(c: pg.ClientBase, id: number): Promise<AlertRule> {
  const r = await c.query<AlertRuleRow>(`SELECT ${RULE_COLUMNS} FROM alert_rules WHERE id = $1 FOR UPDATE`, [id]);
  if (!r.rows[0]) throw new PivoteError('PV_ALERT_NOT_FOUND', `no alert rule with id ${id}`, { ruleId: id });
  return alertRuleFromRow(r.rows[0]);
}

async function clearRuleAlerts(c: pg.ClientBase, ruleId: number, at: number): Promise<void> {
  await c.query('UPDATE alerts SET cleared_at = $2 WHERE rule_id = $1 AND cleared_at IS NULL', [ruleId, at]);
}

export async function listAlertRules(db: PgDb): Promise<AlertRule[]> {
  return (await db.read<AlertRuleRow>(`SELECT ${RULE_COLUMNS} FROM alert_rules ORDER BY id`)).rows.map(alertRuleFromRow);
}

export async function addAlertRule(db: PgDb, rule: { kind: AlertKind; params: AlertParams; enabled: boolean }, at: number, actor: Actor): Promise<AlertRule> {
  const valid = validateAlertRule(rule.kind, rule.params);
  db.check();
  return db.tx('durable', async (c) => {
    const r = await c.query<AlertRuleRow>(
      `INSERT INTO alert_rules (kind, params, enabled, created_at) VALUES ($1, $2::json, $3, $4) RETURNING ${RULE_COLUMNS}`,
      [valid.kind, JSON.stringify(valid.params), rule.enabled, at],
    );
    const added = alertRuleFromRow(r.rows[0]!);
    await writeAudit(c, { at, actor, action: 'alert-rule.add', subject: String(added.id), details: { kind: added.kind, params: added.params, enabled: added.enabled } });
    await notify(c, { kind: 'alert-rules' });
    return added;
  });
}

/** Disabling a rule clears its alerts. */
export function updateAlertRule(db: PgDb, id: number, patch: { params?: AlertParams; enabled?: boolean }, at: number, actor: Actor): Promise<AlertRule> {
  return db.tx('durable', async (c) => {
    const rule = await lockRule(c, id);
    const params = patch.params === undefined ? rule.params : validateAlertRule(rule.kind, patch.params).params;
    const enabled = patch.enabled ?? rule.enabled;
    const r = await c.query<AlertRuleRow>(`UPDATE alert_rules SET params = $2::json, enabled = $3 WHERE id = $1 RETURNING ${RULE_COLUMNS}`, [
      id,
      JSON.stringify(params),
      enabled,
    ]);
    if (!enabled) await clearRuleAlerts(c, id, at);
    await writeAudit(c, { at, actor, action: 'alert-rule.update', subject: String(id), details: { ...patch } });
    await notify(c, { kind: 'alert-rules' });
    return alertRuleFromRow(r.rows[0]!);
  });
}

/** Also clears its alerts (which stay listed, with their rule id). */
export async function deleteAlertRule(db: PgDb, id: number, at: number, actor: Actor): Promise<void> {
  await db.tx('durable', async (c) => {
    await lockRule(c, id);
    await c.query('DELETE FROM alert_rules WHERE id = $1', [id]);
    await clearRuleAlerts(c, id, at);
    await writeAudit(c, { at, actor, action: 'alert-rule.delete', subject: String(id), details: null });
    await notify(c, { kind: 'alert-rules' });
  });
}

/** Idempotent per (rule, subject) while up: `raised` false when another server (or an earlier
 *  pass) raised it first. */
export function raiseAlert(db: PgDb, a: RaiseAlert): Promise<{ alert: AlertRecord; raised: boolean }> {
  return db.tx('durable', async (c) => {
    const rule = await c.query<{ kind: AlertKind }>('SELECT kind FROM alert_rules WHERE id = $1 FOR KEY SHARE', [a.ruleId]);
    if (!rule.rows[0]) throw new PivoteError('PV_ALERT_NOT_FOUND', `no alert rule with id ${a.ruleId}`, { ruleId: a.ruleId });
    const r = await c.query<AlertRow>(
      `INSERT INTO alerts (rule_id, kind, subject, message, raised_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (rule_id, subject) WHERE cleared_at IS NULL DO NOTHING RETURNING ${ALERT_COLUMNS}`,
      [a.ruleId, rule.rows[0].kind, a.subject, a.message, a.at],
    );
    if (r.rows[0]) {
      await notify(c, { kind: 'alert', alertId: r.rows[0].id, change: 'raised' });
      return { alert: alertFromRow(r.rows[0]), raised: true };
    }
    const up = await c.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE rule_id = $1 AND subject = $2 AND cleared_at IS NULL`, [a.ruleId, a.subject]);
    return { alert: alertFromRow(up.rows[0]!), raised: false };
  });
}

export async function clearAlert(db: PgDb, ruleId: number, subject: string, at: number): Promise<AlertRecord | undefined> {
  return db.tx('durable', async (c) => {
    const r = await c.query<AlertRow>(
      `UPDATE alerts SET cleared_at = $3 WHERE rule_id = $1 AND subject = $2 AND cleared_at IS NULL RETURNING ${ALERT_COLUMNS}`,
      [ruleId, subject, at],
    );
    if (!r.rows[0]) return undefined;
    await notify(c, { kind: 'alert', alertId: r.rows[0].id, change: 'cleared' });
    return alertFromRow(r.rows[0]);
  });
}

/** Acknowledging twice keeps the first time and person. */
export function acknowledgeAlert(db: PgDb, id: number, at: number, actor: Actor): Promise<AlertRecord> {
  return db.tx('durable', async (c) => {
    const r = await c.query<AlertRow>(
      `UPDATE alerts SET acknowledged_at = coalesce(acknowledged_at, $2), acknowledged_by = coalesce(acknowledged_by, $3) WHERE id = $1
       RETURNING ${ALERT_COLUMNS}`,
      [id, at, actor],
    );
    const row = r.rows[0];
    if (!row) throw new PivoteError('PV_ALERT_NOT_FOUND', `no alert with id ${id}`, { alertId: id });
    await writeAudit(c, { at, actor, action: 'alert.acknowledge', subject: String(id), details: { ruleId: row.rule_id, kind: row.kind, about: row.subject } });
    await notify(c, { kind: 'alert', alertId: id, change: 'acknowledged' });
    return alertFromRow(row);
  });
}

/** Newest first. `active`: not yet both cleared and acknowledged. */
export async function listAlerts(db: PgDb, q: { active: boolean; limit: number }): Promise<AlertRecord[]> {
  const { rows } = await db.read<AlertRow>(
    `SELECT ${ALERT_COLUMNS} FROM alerts WHERE NOT $1 OR cleared_at IS NULL OR acknowledged_at IS NULL ORDER BY id DESC LIMIT $2`,
    [q.active, q.limit],
  );
  return rows.map(alertFromRow);
}
