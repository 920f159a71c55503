import type { ErrorCode } from '../protocol/errors.js';

/**
 * The server's persistence boundary. Every method returns a Promise even where SQLite could
 * answer synchronously, because a PostgreSQL implementation (several servers, one database)
 * must fit the same interface. Implementations: memory (unit tests), SQLite (embedded default),
 * PostgreSQL (several servers, one database). All of them pass test/store/contract.ts.
 *
 * Times are ms since the Unix epoch on the server's clock.
 */

export interface KioskRecord {
  id: string;
  name: string;
  location: string;
  /** Shared secret for the HMAC handshake; shown once by `fleet add`. */
  secret: string;
  createdAt: number;
  revokedAt: number | null;
  /** Presence, as last written by a server process. */
  lastSeenAt: number | null;
  software: string | null;
  queued: number;
  /** True while a server holds a live connection for the kiosk (see isKioskOnline). */
  connected: boolean;
}

export interface NewKiosk {
  id: string;
  name: string;
  location: string;
  secret: string;
  createdAt: number;
}

export interface PresenceUpdate {
  kioskId: string;
  lastSeenAt: number;
  software?: string;
  queued?: number;
  connected?: boolean;
  /** The epoch claimKioskConnection returned for this connection. When set, the update is applied
   *  only while the kiosk's epoch is still this one, so a server whose connection was superseded
   *  cannot mark the kiosk offline behind the new server's back. Stores without claims ignore it. */
  epoch?: number;
}

export type PollState = 'open' | 'closed';

export interface PollRecord {
  id: number;
  question: string;
  options: string[];
  state: PollState;
  openedAt: number;
  closedAt: number | null;
}

/** A vote the server has validated (poll and button checked, press time derived). */
export interface NewVote {
  kioskId: string;
  voteId: string;
  seq: number;
  pollId: number;
  button: number;
  /** Derived press time; see server/vote-timing. */
  pressedAt: number;
  receivedAt: number;
  /** True when the kiosk could not tell the press age (rebooted since), so pressedAt is a bound. */
  clockUnknown: boolean;
}

export interface StoredVote extends NewVote {
  flagged: boolean;
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

/** What happened to a kiosk, as change notifications report it. */
export type KioskChangeKind = 'added' | 'revoked';

/**
 * A change committed to a store that several servers share (PostgreSQL `LISTEN/NOTIFY`). A
 * notification is a hint to re-read, never the data itself: it says WHAT to re-read. One sent
 * while nobody listened is lost, so after `listening` (the listener (re)connected) a server
 * re-reads everything it caches, and still re-reads now and then as a safety net.
 *
 * - `listening`: the listener is connected and listening; `reconnected` after a loss.
 * - `listener-lost`: the connection dropped; it reconnects with backoff (then `listening`).
 * - `poll`: a poll was opened or closed.
 * - `kiosk`: a kiosk was added, revoked, ...; re-read it.
 * - `votes`: one committed batch, counted per poll (`polls` null: too many polls to list).
 * - `presence`: these kiosks went online or offline (`kioskIds` null: too many to list).
 * - `kiosk-claimed`: `serverId` now holds the kiosk's connection with `epoch`. A server holding the
 *   kiosk with a smaller epoch, or with the same epoch under another server id, was superseded
 *   and drops its connection.
 */
export type StoreChange =
  | { kind: 'listening'; reconnected: boolean }
  | { kind: 'listener-lost'; message: string }
  | { kind: 'poll'; pollId: number; state: PollState }
  | { kind: 'kiosk'; kioskId: string; change: KioskChangeKind }
  | { kind: 'votes'; polls: { pollId: number; stored: number; flagged: number }[] | null }
  | { kind: 'presence'; kioskIds: string[] | null }
  | { kind: 'kiosk-claimed'; kioskId: string; epoch: number; serverId: string };

/** Who holds a kiosk's connection, as the last claim wrote it (see claimKioskConnection). */
export interface KioskClaim {
  kioskId: string;
  epoch: number;
  serverId: string | null;
}

export interface VoteStore {
  /** Which implementation, for logs: 'memory' | 'sqlite' | 'postgres' */
  readonly kind: string;

  addKiosk(kiosk: NewKiosk): Promise<KioskRecord>; // PV_KIOSK_EXISTS
  getKiosk(id: string): Promise<KioskRecord | undefined>;
  listKiosks(): Promise<KioskRecord[]>;
  revokeKiosk(id: string, at: number): Promise<KioskRecord>; // PV_UNKNOWN_KIOSK
  /** Batched because 10,000 kiosks heart-beating must not cost one transaction each.
   *  Unknown ids are ignored (the kiosk may have been deleted meanwhile). */
  updatePresence(updates: readonly PresenceUpdate[]): Promise<void>;
  /** Ids of revoked kiosks, so a running server can drop a kiosk revoked by another process. */
  listRevokedKioskIds(): Promise<string[]>;
  /** A server starting up owns no connections: clears every `connected` flag. */
  markAllDisconnected(): Promise<void>;

  openPoll(question: string, options: string[], at: number): Promise<PollRecord>; // PV_POLL_ALREADY_OPEN, PV_BAD_POLL
  closePoll(at: number): Promise<PollRecord>; // PV_NO_OPEN_POLL
  getOpenPoll(): Promise<PollRecord | undefined>;
  getPoll(id: number): Promise<PollRecord | undefined>;
  /** Newest first. */
  listPolls(): Promise<PollRecord[]>;

  /**
   * Records a batch in ONE durable transaction and resolves only after it is committed
   * (synchronous=FULL for SQLite, synchronous_commit=on for PostgreSQL). Outcomes are in input
   * order. Votes within one batch see each other (a duplicate inside the batch is answered as a
   * duplicate; burst counting includes them).
   *
   * A rejection means nothing may be acknowledged. With a database over the network the outcome
   * may even be unknown (the connection broke during COMMIT: PV_STORE_UNAVAILABLE): the kiosks
   * resend, and the unique (kioskId, voteId) key answers what did commit as `duplicate`.
   */
  recordVotes(votes: readonly NewVote[], burst: BurstPolicy): Promise<RecordOutcome[]>;

  /** Per-option counts of a poll (every option present, zero included), from vote rows. */
  countVotes(query: ResultsQuery): Promise<OptionCount[]>;
  countVotesBy(query: ResultsQuery, by: 'kiosk' | 'hour'): Promise<GroupedCount[]>;
  /** Every stored vote, in (kioskId, seq) order; for checkers and exports. */
  listVotes(filter?: { pollId?: number; kioskId?: string }): Promise<StoredVote[]>;
  /** One stored vote by its key. The server asks before refusing a resend on time rules: a vote
   *  stored earlier must be answered `duplicate` even if the poll has closed since. */
  getVote(kioskId: string, voteId: string): Promise<StoredVote | undefined>;

  close(): Promise<void>;

  /**
   * Only for stores several servers share (PostgreSQL; memory and SQLite serve one server and
   * leave these undefined). Calls `listener` for every StoreChange until the returned function
   * is called. Resolves after the first connection attempt, successful or not (a `listening` or
   * `listener-lost` change says which); it keeps reconnecting with backoff until stopped.
   */
  watchChanges?(listener: (change: StoreChange) => void): Promise<() => Promise<void>>;
  /**
   * Fencing for "one live connection per kiosk across all servers": records that `serverId` now
   * holds the kiosk's connection and returns the new epoch (larger than every earlier one). The
   * others learn it from the `kiosk-claimed` change, or from readKioskClaims. PV_UNKNOWN_KIOSK.
   */
  claimKioskConnection?(kioskId: string, serverId: string): Promise<number>;
  /** The current claims of these kiosks (the safety net when a notification was lost). */
  readKioskClaims?(kioskIds: readonly string[]): Promise<KioskClaim[]>;
}

/** Online = a server holds its connection and it was heard from recently (a crashed server
 *  cannot clear the flag, so lastSeen decides after `staleMs`). */
export function isKioskOnline(kiosk: KioskRecord, now: number, staleMs: number): boolean {
  return kiosk.connected && kiosk.lastSeenAt !== null && now - kiosk.lastSeenAt <= staleMs;
}
