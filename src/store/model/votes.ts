import type { ErrorCode } from '../../protocol/errors.js';

/** A vote the server has validated (poll and button checked, press time derived). */
export interface NewVote {
  kioskId: string;
  voteId: string;
  seq: number;
  pollId: number;
  button: number;
  /** Derived press time; see server/vote-rules. */
  pressedAt: number;
  receivedAt: number;
  /** True when the kiosk could not tell the press age (rebooted since), so pressedAt is a bound. */
  clockUnknown: boolean;
}

export interface StoredVote extends NewVote {
  flagged: boolean;
}

/** A stored vote with its place in storage order (export paging). */
export interface ExportedVote extends StoredVote {
  position: number;
}

/**
 * Outcome of recording one vote. `duplicate`: the same (kioskId, voteId) with the same content
 * (pollId, button, seq) was already stored. `integrity`: same key, different content: refused.
 */
export type RecordOutcome =
  | { status: 'stored'; flagged: boolean }
  | { status: 'duplicate'; flagged: boolean }
  | { status: 'integrity'; code: Extract<ErrorCode, 'PV_INTEGRITY'>; message: string };

/**
 * Repeated-press misuse: a vote is flagged when the same kiosk already has `maxVotes` or more
 * stored votes pressed within `windowMs` before it (inclusive). Flagged votes are kept, never
 * deleted, and excluded from results unless asked for.
 */
export interface BurstPolicy {
  windowMs: number;
  maxVotes: number;
}

export interface ResultsQuery {
  pollId: number;
  includeFlagged: boolean;
}

export interface OptionCount {
  button: number;
  label: string;
  count: number;
}

export interface GroupedCount {
  /** Kiosk id, or the hour as an ISO string `2026-11-22T14:00:00.000Z`. */
  key: string;
  button: number;
  count: number;
}

/** Votes per button in one time bucket: `start` is a multiple of the bucket length. */
export interface BucketCount {
  start: number;
  button: number;
  count: number;
}

export interface VotePageQuery {
  pollId?: number;
  includeFlagged: boolean;
  /** Only votes stored after this position (from the previous page). */
  after?: number;
  limit: number;
}

export interface KioskVoteCount {
  kioskId: string;
  count: number;
}

/** Length of the buckets results are grouped in before time zones are applied: every time zone
 *  in use is a whole number of quarter hours off UTC. */
export const BUCKET_MS = 15 * 60_000;
