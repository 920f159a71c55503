import type { AlertKind, AlertRule, AuditEntry } from '../model/admin.js';
export { alertFromRow, type AlertRow } from '../alert-row.js';
import type { KioskRecord } from '../model/kiosks.js';
import type { PollRecord, PollState, PublicResults } from '../model/polls.js';
import type { ExportedVote, StoredVote } from '../model/votes.js';

/** Column shapes as better-sqlite3 returns them (booleans are 0/1, lists JSON) and their mapping. */

export interface KioskRow {
  id: string;
  name: string;
  location: string;
  secret: string;
  secret_version: number;
  created_at: number;
  revoked_at: number | null;
  removed_at: number | null;
  last_seen_at: number | null;
  connected_at: number | null;
  software: string | null;
  queued: number;
  buttons: number | null;
  connected: number;
  id_conflict_at: number | null;
  id_conflict_addresses: string | null;
}

export interface PollRow {
  id: number;
  question: string;
  options: string;
  state: PollState;
  created_at: number;
  opened_at: number | null;
  closed_at: number | null;
  opens_at: number | null;
  closes_at: number | null;
  public_results: PublicResults;
}

export interface VoteRow {
  kiosk_id: string;
  vote_id: string;
  seq: number;
  poll_id: number;
  button: number;
  pressed_at: number;
  received_at: number;
  clock_unknown: number;
  flagged: number;
}

/** Content that must match for a repeated (kiosk_id, vote_id) to be a duplicate. */
export interface VoteContentRow {
  poll_id: number;
  button: number;
  seq: number;
  flagged: number;
}

export interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  subject: string | null;
  details: string | null;
}

export interface AlertRuleRow {
  id: number;
  kind: AlertKind;
  params: string;
  enabled: number;
  created_at: number;
}

export function kioskFromRow(r: KioskRow): KioskRecord {
  return {
    id: r.id,
    name: r.name,
    location: r.location,
    secret: r.secret,
    secretVersion: r.secret_version,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    lastSeenAt: r.last_seen_at,
    connectedAt: r.connected_at,
    software: r.software,
    queued: r.queued,
    buttons: r.buttons,
    connected: r.connected === 1,
    idConflict: r.id_conflict_at === null ? null : { at: r.id_conflict_at, addresses: JSON.parse(r.id_conflict_addresses ?? '[]') as string[] },
  };
}

export function pollFromRow(r: PollRow): PollRecord {
  return {
    id: r.id,
    question: r.question,
    options: JSON.parse(r.options) as string[],
    state: r.state,
    createdAt: r.created_at,
    openedAt: r.opened_at,
    closedAt: r.closed_at,
    opensAt: r.opens_at,
    closesAt: r.closes_at,
    publicResults: r.public_results,
  };
}

export function voteFromRow(r: VoteRow): StoredVote {
  return {
    kioskId: r.kiosk_id,
    voteId: r.vote_id,
    seq: r.seq,
    pollId: r.poll_id,
    button: r.button,
    pressedAt: r.pressed_at,
    receivedAt: r.received_at,
    clockUnknown: r.clock_unknown === 1,
    flagged: r.flagged === 1,
  };
}

export function exportedVoteFromRow(r: VoteRow & { position: number }): ExportedVote {
  return { ...voteFromRow(r), position: r.position };
}

export function auditFromRow(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
  };
}

export function alertRuleFromRow(r: AlertRuleRow): AlertRule {
  return { id: r.id, kind: r.kind, params: JSON.parse(r.params) as Record<string, number>, enabled: r.enabled === 1, createdAt: r.created_at };
}
