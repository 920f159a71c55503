/** The audit log and alerts. Times are ms since the Unix epoch on the server's clock. */

/** Who made a change: `cli root@laptop`, `api 10.0.0.7`, `session 10.0.0.7`, `scheduler`… */
export type Actor = string;

export interface AuditEntry {
  id: number;
  at: number;
  actor: Actor;
  /** `poll.open`, `kiosk.rotate-secret`, … */
  action: string;
  /** The poll or kiosk id, as text. */
  subject: string | null;
  details: Record<string, unknown> | null;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export type AlertKind = 'kiosk-offline' | 'option-share' | 'flagged-burst';
export const ALERT_KINDS: readonly AlertKind[] = ['kiosk-offline', 'option-share', 'flagged-burst'];

/** Numbers only: `minutes`, `button`, `above`, `below`, `lastVotes`, `count` (see docs/API.md). */
export type AlertParams = Record<string, number>;

export interface AlertRule {
  id: number;
  kind: AlertKind;
  params: AlertParams;
  enabled: boolean;
  createdAt: number;
}

export interface AlertRecord {
  id: number;
  ruleId: number;
  kind: AlertKind;
  /** What it is about: a kiosk id, a poll id, or `fleet`. */
  subject: string;
  message: string;
  raisedAt: number;
  clearedAt: number | null;
  acknowledgedAt: number | null;
  acknowledgedBy: Actor | null;
}

export interface RaiseAlert {
  ruleId: number;
  subject: string;
  message: string;
  at: number;
}
