import type { KioskRecord, PollRecord, StoredVote } from '../types.js';
import { decodeText } from './text-codec.js';

/** Column shapes as node-postgres returns them (int8 parsed to number, see connection.ts). */

export interface KioskRow {
  id: string;
  name: string;
  location: string;
  secret: string;
  created_at: number;
  revoked_at: number | null;
  last_seen_at: number | null;
  software: string | null;
  queued: number;
  connected: boolean;
}

export interface PollRow {
  id: number;
  question: string;
  options: string[];
  state: 'open' | 'closed';
  opened_at: number;
  closed_at: number | null;
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

export const KIOSK_COLUMNS = 'id, name, location, secret, created_at, revoked_at, last_seen_at, software, queued, connected';
export const POLL_COLUMNS = 'id, question, options, state, opened_at, closed_at';
export const VOTE_COLUMNS = 'kiosk_id, vote_id, seq, poll_id, button, pressed_at, received_at, clock_unknown, flagged';

export function kioskFromRow(r: KioskRow): KioskRecord {
  return {
    id: r.id,
    name: r.name,
    location: r.location,
    secret: r.secret,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    lastSeenAt: r.last_seen_at,
    software: r.software === null ? null : decodeText(r.software),
    queued: r.queued,
    connected: r.connected,
  };
}

export function pollFromRow(r: PollRow): PollRecord {
  return { id: r.id, question: r.question, options: r.options, state: r.state, openedAt: r.opened_at, closedAt: r.closed_at };
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
