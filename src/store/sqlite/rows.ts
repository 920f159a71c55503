import type { KioskRecord, PollRecord, StoredVote } from '../types.js';

/** Column shapes as better-sqlite3 returns them (booleans are 0/1) and their record mapping. */

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
  connected: number;
}

export interface PollRow {
  id: number;
  question: string;
  options: string;
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

export function kioskFromRow(r: KioskRow): KioskRecord {
  return {
    id: r.id,
    name: r.name,
    location: r.location,
    secret: r.secret,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    lastSeenAt: r.last_seen_at,
    software: r.software,
    queued: r.queued,
    connected: r.connected === 1,
  };
}

export function pollFromRow(r: PollRow): PollRecord {
  return {
    id: r.id,
    question: r.question,
    options: JSON.parse(r.options) as string[],
    state: r.state,
    openedAt: r.opened_at,
    closedAt: r.closed_at,
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
