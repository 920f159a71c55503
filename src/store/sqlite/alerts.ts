import type { AlertArea } from '../area-store.js';
import type Database from 'better-sqlite3';
import { PivoteError } from '../../protocol/errors.js';
import { validateAlertRule } from '../alert-rules.js';
import type { Actor, AlertParams, AlertRecord, AlertRule, RaiseAlert, AlertKind } from '../model/admin.js';
import type { SqliteAuditLog } from './audit-log.js';
import { alertFromRow, alertRuleFromRow, type AlertRow, type AlertRuleRow } from './rows.js';

type Stmt = Database.Statement<unknown[], unknown>;

/** Alert rules (organiser changes, audited) and the alerts they raise (the server's doing). */
export class SqliteAlerts implements AlertArea {
  private readonly s: Record<string, Stmt>;

  constructor(
    private readonly db: Database.Database,
    private readonly audit: SqliteAuditLog,
  ) {
    const p = (sql: string): Stmt => db.prepare(sql);
    this.s = {
      rules: p('SELECT * FROM alert_rules ORDER BY id'),
      rule: p('SELECT * FROM alert_rules WHERE id = ?'),
      addRule: p('INSERT INTO alert_rules (kind, params, enabled, created_at) VALUES (?, ?, ?, ?) RETURNING *'),
      setRule: p('UPDATE alert_rules SET params = ?, enabled = ? WHERE id = ? RETURNING *'),
      deleteRule: p('DELETE FROM alert_rules WHERE id = ?'),
      clearRule: p('UPDATE alerts SET cleared_at = ? WHERE rule_id = ? AND cleared_at IS NULL'),
      up: p('SELECT * FROM alerts WHERE rule_id = ? AND subject = ? AND cleared_at IS NULL'),
      raise: p(`INSERT INTO alerts (rule_id, kind, subject, message, raised_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (rule_id, subject) WHERE cleared_at IS NULL DO NOTHING RETURNING *`),
      clear: p('UPDATE alerts SET cleared_at = ? WHERE rule_id = ? AND subject = ? AND cleared_at IS NULL RETURNING *'),
      ack: p('UPDATE alerts SET acknowledged_at = coalesce(acknowledged_at, ?), acknowledged_by = coalesce(acknowledged_by, ?) WHERE id = ? RETURNING *'),
      active: p('SELECT * FROM alerts WHERE cleared_at IS NULL OR acknowledged_at IS NULL ORDER BY id DESC LIMIT ?'),
      all: p('SELECT * FROM alerts ORDER BY id DESC LIMIT ?'),
    };
  }

  listRules(): AlertRule[] {
    return (this.s.rules!.all() as AlertRuleRow[]).map(alertRuleFromRow);
  }

  addRule(rule: { kind: AlertKind; params: AlertParams; enabled: boolean }, at: number, actor: Actor): AlertRule {
    const valid = validateAlertRule(rule.kind, rule.params);
    return this.change(() => {
      const added = alertRuleFromRow(this.s.addRule!.get(valid.kind, JSON.stringify(valid.params), rule.enabled ? 1 : 0, at) as AlertRuleRow);
      this.audit.write({ at, actor, action: 'alert-rule.add', subject: String(added.id), details: { kind: added.kind, params: added.params, enabled: added.enabled } });
      return added;
    });
  }

  updateRule(id: number, patch: { params?: AlertParams; enabled?: boolean }, at: number, actor: Actor): AlertRule {
    return this.change(() => {
      const rule = this.requireRule(id);
      const params = patch.params === undefined ? rule.params : validateAlertRule(rule.kind, patch.params).params;
      const enabled = patch.enabled ?? rule.enabled;
      const updated = alertRuleFromRow(this.s.setRule!.get(JSON.stringify(params), enabled ? 1 : 0, id) as AlertRuleRow);
      if (!enabled) this.s.clearRule!.run(at, id);
      this.audit.write({ at, actor, action: 'alert-rule.update', subject: String(id), details: { ...patch } });
      return updated;
    });
  }

  deleteRule(id: number, at: number, actor: Actor): void {
    this.change(() => {
      this.requireRule(id);
      this.s.deleteRule!.run(id);
      this.s.clearRule!.run(at, id);
      this.audit.write({ at, actor, action: 'alert-rule.delete', subject: String(id), details: null });
    });
  }

  raise(a: RaiseAlert): { alert: AlertRecord; raised: boolean } {
    return this.change(() => {
      const rule = this.requireRule(a.ruleId);
      const row = this.s.raise!.get(a.ruleId, rule.kind, a.subject, a.message, a.at) as AlertRow | undefined;
      if (row) return { alert: alertFromRow(row), raised: true };
      return { alert: alertFromRow(this.s.up!.get(a.ruleId, a.subject) as AlertRow), raised: false };
    });
  }

  clear(ruleId: number, subject: string, at: number): AlertRecord | undefined {
    const row = this.s.clear!.get(at, ruleId, subject) as AlertRow | undefined;
    return row && alertFromRow(row);
  }

  acknowledge(id: number, at: number, actor: Actor): AlertRecord {
    return this.change(() => {
      const row = this.s.ack!.get(at, actor, id) as AlertRow | undefined;
      if (!row) throw new PivoteError('PV_ALERT_NOT_FOUND', `no alert with id ${id}`, { alertId: id });
      this.audit.write({ at, actor, action: 'alert.acknowledge', subject: String(id), details: { ruleId: row.rule_id, kind: row.kind, about: row.subject } });
      return alertFromRow(row);
    });
  }

  list(q: { active: boolean; limit: number }): AlertRecord[] {
    return ((q.active ? this.s.active : this.s.all)!.all(q.limit) as AlertRow[]).map(alertFromRow);
  }

  private requireRule(id: number): AlertRule {
    const row = this.s.rule!.get(id) as AlertRuleRow | undefined;
    if (!row) throw new PivoteError('PV_ALERT_NOT_FOUND', `no alert rule with id ${id}`, { ruleId: id });
    return alertRuleFromRow(row);
  }

  private change<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
}
