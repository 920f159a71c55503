import { PivoteError } from '../protocol/errors.js';
import { MAX_KIOSK_FRAME_BYTES } from '../protocol/messages.js';
import type { BurstPolicy } from '../store/types.js';

/**
 * Every number the server enforces, in one place: docs/PROTOCOL.md is written from this file, and
 * tests shrink these to make deadlines and limits reachable. Times are milliseconds.
 */
export interface ServerLimits {
  /** Largest frame a kiosk may send (newline included); enforced before the frame is buffered. */
  maxFrameBytes: number;
  /** Connections held at once; the next one gets PV_TOO_MANY_CONNECTIONS and is closed. */
  maxConnections: number;
  /** From connect to `welcome`; otherwise PV_AUTH_TIMEOUT. */
  authTimeoutMs: number;
  /** A started frame must be completed within this; otherwise PV_FRAME_TIMEOUT (slow senders). */
  frameTimeoutMs: number;
  /** Sent in `welcome`; a connection silent for `idleHeartbeats` x this gets PV_IDLE_TIMEOUT. */
  heartbeatMs: number;
  idleHeartbeats: number;
  /** Unanswered votes one connection may have; sent in `welcome`. One more: PV_WINDOW_EXCEEDED. */
  window: number;
  /** Most votes in one store transaction; a full batch is committed without waiting for the tick. */
  maxBatch: number;
  /** Commits handed to the store at once: a second full batch waits in the store's thread
   *  while the first commits, so the thread never idles while acks are sent. */
  maxCommitsInFlight: number;
  /** Valid votes waiting for or in a commit, over all connections, before the server stops
   *  reading from its connections until half of them are answered (a database that is down
   *  must not make it hold votes without bound; the kiosks keep theirs meanwhile). */
  maxPendingVotes: number;
  /** Output queued to a reader that does not read; beyond it the connection is destroyed. */
  maxPendingOutputBytes: number;
  /** After an `error` frame and end(): how long the peer gets to close before we destroy. */
  closeGraceMs: number;
  /** How often deadlines are checked (one sweep over all connections, not a timer each). */
  deadlineSweepMs: number;
  /** How often the open poll is re-read so a change made by another process is pushed. */
  pollWatchMs: number;
  /** How often kiosk access (revoked, removed, new secret) is re-read so such a kiosk is dropped. */
  accessCheckMs: number;
  /** How often the organisers' alert rules are evaluated (votes bring it forward). */
  alertCheckMs: number;
  /** How often the poll schedule (opensAt / closesAt) is acted on. */
  scheduleCheckMs: number;
  /** Several servers on one database: how often the claims of the kiosks held here are re-read,
   *  so a connection another server took over is dropped even if its notification was lost. */
  claimCheckMs: number;
  /** Several servers on one database: how often the presence other servers wrote is re-read
   *  for the live dashboard (a crashed server's kiosks turn offline by it). */
  remotePresenceMs: number;
  /** Presence (last seen, queued, software) is written in one batch this often. */
  presenceFlushMs: number;
  /** Connect/disconnect are written this soon so online/offline shows promptly (coalesced). */
  presencePromptMs: number;
}

export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxFrameBytes: MAX_KIOSK_FRAME_BYTES,
  maxConnections: 20_000,
  authTimeoutMs: 10_000,
  frameTimeoutMs: 10_000,
  heartbeatMs: 15_000,
  idleHeartbeats: 3,
  window: 64,
  maxBatch: 1_000,
  maxCommitsInFlight: 2,
  maxPendingVotes: 100_000,
  maxPendingOutputBytes: 256 * 1024,
  closeGraceMs: 1_000,
  deadlineSweepMs: 250,
  pollWatchMs: 500,
  accessCheckMs: 1_000,
  scheduleCheckMs: 1_000,
  alertCheckMs: 5_000,
  claimCheckMs: 2_000,
  remotePresenceMs: 5_000,
  presenceFlushMs: 2_000,
  presencePromptMs: 50,
});

/**
 * Repeated-press misuse: a vote is flagged when its kiosk already has 3 stored votes pressed in the
 * 10 s before it, i.e. the 4th press within 10 s. The kiosk's 1.5 s lockout already makes a double
 * press one vote; four voters stepping up one after another take longer than 10 s, one person
 * hammering the buttons does not. Flagged votes are kept and can be included in results.
 */
export const DEFAULT_BURST: Readonly<BurstPolicy> = Object.freeze({ windowMs: 10_000, maxVotes: 3 });

export function resolveLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
  const limits: ServerLimits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof ServerLimits, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value <= 0) throw new PivoteError('PV_CONFIG_INVALID', `server limit ${key} must be a positive number, got ${value}`, { key, value });
    limits[key] = value;
  }
  return limits;
}

export function idleTimeoutMs(limits: ServerLimits): number {
  return limits.heartbeatMs * limits.idleHeartbeats;
}
