import type { AlertKind, AlertRule, AuditEntry } from '../model/admin.js';
export { alertFromRow, type AlertRow } from '../alert-row.js';
import type { KioskRecord } from '../model/kiosks.js';
import type { PollRecord, PollState, PublicResults } from '../model/polls.js';
import type { ExportedVote, StoredVote } from '../model/votes.js';
import { decodeText } from './text-codec.js';

/** Column shapes as node-postgres returns them (int8 parsed to number, see connection.ts; json
 *  and arrays parsed) and their record mapping. */

export interface KioskRow {
  id: string;
  name: string;
  location: string;
  secret: string;
  secret_version: number;
  created_at: number;
  revoked_at: number | null;
  last_seen_at: number | null;
  connected_at: number | null;
  software: string | null;
  queued: number;
  buttons: number | null;
  connected: boolean;
  id_conflict_at: number | null;
  id_conflict_addresses: string[] | null;
}

export interface PollRow {
  id: number;
  question: string;
  options: string[];
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
  clock_unknown: boolean;
  flagged: boolean;
}

export interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown> | null;
}

export interface AlertRuleRow {
  id: number;
  kind: AlertKind;
  params: Record<string, number>;
  enabled: boolean;
  created_at: number;
}

export const KIOSK_COLUMNS =
  'id, name, location, secret, secret_version, created_at, revoked_at, last_seen_at, connected_at, software, queued, buttons, connected, id_conflict_at, id_conflict_addresses';
export const POLL_COLUMNS = 'id, question, options, state, created_at, opened_at, closed_at, opens_at, closes_at, public_results';
export const VOTE_COLUMNS = 'kiosk_id, vote_id, seq, poll_id, button, pressed_at, received_at, clock_unknown, flagged';

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
    software: r.software === null ? null : decodeText(r.software),
    queued: r.queued,
    buttons: r.buttons,
    connected: r.connected,
    idConflict: r.id_conflict_at === null ? null : { at: r.id_conflict_at, addresses: r.id_conflict_addresses ?? [] },
  };
}

export function pollFromRow(r: PollRow): PollRecord {
  return {
    id: r.id,
    question: r.question,
    options: r.options,
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
    voteId: decodeText(r.vote_id),
    seq: r.seq,
    pollId: r.poll_id,
    button: r.button,
    pressedAt: r.pressed_at,
    receivedAt: r.received_at,
    clockUnknown: r.clock_unknown,
    flagged: r.flagged,
  };
}

export function exportedVoteFromRow(r: VoteRow & { position: number }): ExportedVote {
  return { ...voteFromRow(r), position: r.position };
}

export function auditFromRow(r: AuditRow): AuditEntry {
  return { id: r.id, at: r.at, actor: r.actor, action: r.action, subject: r.subject, details: r.details };
}

export function alertRuleFromRow(r: AlertRuleRow): AlertRule {
  return { id: r.id, kind: r.kind, params: r.params, enabled: r.enabled, createdAt: r.created_at };
}
