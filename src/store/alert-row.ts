import type { AlertKind, AlertRecord } from './model/admin.js';

/** An alert's columns, the same as SQLite and PostgreSQL return them (only plain text and
 *  numbers), and their record mapping. */
export interface AlertRow {
  id: number;
  rule_id: number;
  kind: AlertKind;
  subject: string;
  message: string;
  raised_at: number;
  cleared_at: number | null;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
}

export function alertFromRow(r: AlertRow): AlertRecord {
  return {
    id: r.id,
    ruleId: r.rule_id,
    kind: r.kind,
    subject: r.subject,
    message: r.message,
    raisedAt: r.raised_at,
    clearedAt: r.cleared_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
  };
}
