import type { AlertArea, AuditArea } from '../area-store.js';
import { PivoteError } from '../../protocol/errors.js';
import { validateAlertRule } from '../alert-rules.js';
import type { Actor, AlertKind, AlertParams, AlertRecord, AlertRule, AuditEntry, NewAuditEntry, RaiseAlert } from '../model/admin.js';

/** The memory engine's audit log. */
export class MemoryAuditLog implements AuditArea {
  private readonly entries: AuditEntry[] = [];

  write(e: NewAuditEntry): AuditEntry {
    const entry: AuditEntry = { ...e, id: this.entries.length + 1, details: e.details === null ? null : structuredClone(e.details) };
    this.entries.push(entry);
    return structuredClone(entry);
  }

  list(q: { limit: number; beforeId?: number }): AuditEntry[] {
    const older = q.beforeId === undefined ? this.entries : this.entries.filter((e) => e.id < q.beforeId!);
    return older.slice(-q.limit).reverse().map((e) => structuredClone(e));
  }
}

/** The memory engine's alert rules and alerts; same answers as SQLite's. */
export class MemoryAlerts implements AlertArea {
  private readonly rules = new Map<number, AlertRule>();
  private readonly alerts: AlertRecord[] = [];
  private nextRuleId = 1;

  constructor(private readonly audit: MemoryAuditLog) {}

  listRules(): AlertRule[] {
    return [...this.rules.values()].map((r) => structuredClone(r));
  }

  addRule(rule: { kind: AlertKind; params: AlertParams; enabled: boolean }, at: number, actor: Actor): AlertRule {
    const valid = validateAlertRule(rule.kind, rule.params);
    const added: AlertRule = { id: this.nextRuleId++, kind: valid.kind, params: valid.params, enabled: rule.enabled, createdAt: at };
    this.rules.set(added.id, added);
    this.audit.write({ at, actor, action: 'alert-rule.add', subject: String(added.id), details: { kind: added.kind, params: added.params, enabled: added.enabled } });
    return structuredClone(added);
  }

  updateRule(id: number, patch: { params?: AlertParams; enabled?: boolean }, at: number, actor: Actor): AlertRule {
    const rule = this.requireRule(id);
    const params = patch.params === undefined ? rule.params : validateAlertRule(rule.kind, patch.params).params;
    rule.params = params;
    rule.enabled = patch.enabled ?? rule.enabled;
    if (!rule.enabled) this.clearRule(id, at);
    this.audit.write({ at, actor, action: 'alert-rule.update', subject: String(id), details: { ...patch } });
    return structuredClone(rule);
  }

  deleteRule(id: number, at: number, actor: Actor): void {
    this.requireRule(id);
    this.rules.delete(id);
    this.clearRule(id, at);
    this.audit.write({ at, actor, action: 'alert-rule.delete', subject: String(id), details: null });
  }

  raise(a: RaiseAlert): { alert: AlertRecord; raised: boolean } {
    const rule = this.requireRule(a.ruleId);
    const up = this.up(a.ruleId, a.subject);
    if (up) return { alert: { ...up }, raised: false };
    const alert: AlertRecord = {
      id: this.alerts.length + 1, ruleId: a.ruleId, kind: rule.kind, subject: a.subject, message: a.message,
      raisedAt: a.at, clearedAt: null, acknowledgedAt: null, acknowledgedBy: null,
    };
    this.alerts.push(alert);
    return { alert: { ...alert }, raised: true };
  }

  clear(ruleId: number, subject: string, at: number): AlertRecord | undefined {
    const up = this.up(ruleId, subject);
    if (!up) return undefined;
    up.clearedAt = at;
    return { ...up };
  }

  acknowledge(id: number, at: number, actor: Actor): AlertRecord {
    const alert = this.alerts[id - 1];
    if (!alert) throw new PivoteError('PV_ALERT_NOT_FOUND', `no alert with id ${id}`, { alertId: id });
    alert.acknowledgedAt ??= at;
    alert.acknowledgedBy ??= actor;
    this.audit.write({ at, actor, action: 'alert.acknowledge', subject: String(id), details: { ruleId: alert.ruleId, kind: alert.kind, about: alert.subject } });
    return { ...alert };
  }

  list(q: { active: boolean; limit: number }): AlertRecord[] {
    const chosen = q.active ? this.alerts.filter((a) => a.clearedAt === null || a.acknowledgedAt === null) : this.alerts;
    return chosen.slice(-q.limit).reverse().map((a) => ({ ...a }));
  }

  private up(ruleId: number, subject: string): AlertRecord | undefined {
    return this.alerts.find((a) => a.ruleId === ruleId && a.subject === subject && a.clearedAt === null);
  }

  private clearRule(ruleId: number, at: number): void {
    for (const a of this.alerts) if (a.ruleId === ruleId && a.clearedAt === null) a.clearedAt = at;
  }

  private requireRule(id: number): AlertRule {
    const rule = this.rules.get(id);
    if (!rule) throw new PivoteError('PV_ALERT_NOT_FOUND', `no alert rule with id ${id}`, { ruleId: id });
    return rule;
  }
}
