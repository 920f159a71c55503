import type { AlertRecord, AlertRule, AuditEntry, KioskRecord, PollRecord, PublicResults, StoredVote } from '../store/types.js';
import { isKioskOnline } from '../store/types.js';

/**
 * What the admin interface answers: JSON-ready shapes (times as ISO strings in UTC), the same
 * from the local store as over HTTP (docs/API.md). Pure mapping from store records.
 */

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A kiosk counts as online while connected and heard from within this window (3 heartbeats). */
export const ONLINE_STALE_MS = 45_000;

export interface PollView {
  id: number;
  question: string;
  options: string[];
  state: PollRecord['state'];
  createdAt: string;
  openedAt: string | null;
  closedAt: string | null;
  opensAt: string | null;
  closesAt: string | null;
  publicResults: PublicResults;
  /** Kiosks that reported fewer buttons than this poll has options. */
  kiosksShort: { id: string; buttons: number }[];
}

export function pollView(p: PollRecord, kiosks: readonly KioskRecord[] = []): PollView {
  return {
    id: p.id,
    question: p.question,
    options: [...p.options],
    state: p.state,
    createdAt: iso(p.createdAt)!,
    openedAt: iso(p.openedAt),
    closedAt: iso(p.closedAt),
    opensAt: iso(p.opensAt),
    closesAt: iso(p.closesAt),
    publicResults: p.publicResults,
    kiosksShort: kiosksShort(p, kiosks),
  };
}

/** Kiosks (not revoked) whose reported buttons cannot reach every option of the poll. */
export function kiosksShort(p: Pick<PollRecord, 'options'>, kiosks: readonly KioskRecord[]): { id: string; buttons: number }[] {
  return kiosks
    .filter((k) => k.revokedAt === null && k.buttons !== null && k.buttons < p.options.length)
    .map((k) => ({ id: k.id, buttons: k.buttons! }));
}

export interface KioskView {
  id: string;
  name: string;
  location: string;
  online: boolean;
  onlineSince: string | null;
  offlineSince: string | null;
  lastSeenAt: string | null;
  software: string | null;
  queued: number;
  buttons: number | null;
  votesToday: number;
  revoked: boolean;
  revokedAt: string | null;
  createdAt: string;
  idConflict: { at: string; addresses: string[] } | null;
}

export function kioskView(k: KioskRecord, now: number, votesToday = 0): KioskView {
  const online = isKioskOnline(k, now, ONLINE_STALE_MS);
  return {
    id: k.id,
    name: k.name,
    location: k.location,
    online,
    onlineSince: online ? iso(k.connectedAt) : null,
    // Offline since the last time it was heard from; never seen: null.
    offlineSince: online ? null : iso(k.lastSeenAt),
    lastSeenAt: iso(k.lastSeenAt),
    software: k.software,
    queued: k.queued,
    buttons: k.buttons,
    votesToday,
    revoked: k.revokedAt !== null,
    revokedAt: iso(k.revokedAt),
    createdAt: iso(k.createdAt)!,
    idConflict: k.idConflict && { at: iso(k.idConflict.at)!, addresses: [...k.idConflict.addresses] },
  };
}

/** A kiosk with a secret that was just made: shown once, with the config lines to paste. */
export interface KioskWithSecret {
  kiosk: KioskView;
  secret: string;
  /** The kiosk config file's lines for this kiosk (hardware/kiosk.example.json has the rest). */
  config: { server: string; kioskId: string; secret: string };
}

export interface AlertRuleView {
  id: number;
  kind: AlertRule['kind'];
  params: Record<string, number>;
  enabled: boolean;
  createdAt: string;
}

export function alertRuleView(r: AlertRule): AlertRuleView {
  return { id: r.id, kind: r.kind, params: { ...r.params }, enabled: r.enabled, createdAt: iso(r.createdAt)! };
}

export interface AlertView {
  id: number;
  ruleId: number;
  kind: AlertRecord['kind'];
  subject: string;
  message: string;
  raisedAt: string;
  clearedAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}

export function alertView(a: AlertRecord): AlertView {
  return {
    id: a.id,
    ruleId: a.ruleId,
    kind: a.kind,
    subject: a.subject,
    message: a.message,
    raisedAt: iso(a.raisedAt)!,
    clearedAt: iso(a.clearedAt),
    acknowledgedAt: iso(a.acknowledgedAt),
    acknowledgedBy: a.acknowledgedBy,
  };
}

export interface AuditView {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown> | null;
}

export function auditView(e: AuditEntry): AuditView {
  return { id: e.id, at: iso(e.at)!, actor: e.actor, action: e.action, subject: e.subject, details: e.details };
}

/** One exported vote row (CSV columns in snake_case, JSON lines in camelCase). */
export interface VoteExportRow {
  kioskId: string;
  voteId: string;
  seq: number;
  pollId: number;
  button: number;
  option: string;
  pressedAt: string;
  receivedAt: string;
  clockUnknown: boolean;
  flagged: boolean;
}

export function voteExportRow(v: StoredVote, option: string): VoteExportRow {
  return {
    kioskId: v.kioskId,
    voteId: v.voteId,
    seq: v.seq,
    pollId: v.pollId,
    button: v.button,
    option,
    pressedAt: iso(v.pressedAt)!,
    receivedAt: iso(v.receivedAt)!,
    clockUnknown: v.clockUnknown,
    flagged: v.flagged,
  };
}
