import type { Actor, AlertParams, AlertRecord, AlertRule, AuditEntry, NewAuditEntry, RaiseAlert, AlertKind } from './model/admin.js';
import type { KioskClaim, StoreChange } from './model/changes.js';
import type { KioskAccess, KioskPatch, KioskRecord, NewKiosk, PresenceUpdate } from './model/kiosks.js';
import type { DraftPoll, PollPatch, PollRecord, PollSettings, ScheduleOutcome } from './model/polls.js';
import type {
  BucketCount,
  BurstPolicy,
  ExportedVote,
  GroupedCount,
  KioskVoteCount,
  NewVote,
  OptionCount,
  RecordOutcome,
  ResultsQuery,
  StoredVote,
  VotePageQuery,
} from './model/votes.js';

export * from './model/admin.js';
export * from './model/changes.js';
export * from './model/kiosks.js';
export * from './model/polls.js';
export * from './model/votes.js';

/**
 * The server's persistence boundary. Every method returns a Promise even where SQLite could
 * answer synchronously, because a PostgreSQL implementation (several servers, one database)
 * must fit the same interface. Implementations: memory (unit tests), SQLite (embedded default),
 * PostgreSQL (several servers, one database). All of them pass test/store/contract.ts.
 *
 * Every change an organiser makes (kiosks, polls, alert rules) is written to the audit log in
 * the same transaction as the change itself, with the `actor` given (default `system`).
 * Times are ms since the Unix epoch on the server's clock.
 */
export interface VoteStore {
  /** Which implementation, for logs: 'memory' | 'sqlite' | ... */
  readonly kind: string;

  // ------------------------------------------------------------------ kiosks
  /** PV_KIOSK_EXISTS, unless the id belongs to a removed kiosk: that one is made anew. */
  addKiosk(kiosk: NewKiosk, actor?: Actor): Promise<KioskRecord>;
  /** All or none (PV_KIOSK_EXISTS names the first taken id). */
  addKiosks(kiosks: readonly NewKiosk[], actor?: Actor): Promise<KioskRecord[]>;
  /** Removed kiosks are not found. */
  getKiosk(id: string): Promise<KioskRecord | undefined>;
  /** Every kiosk but the removed ones, in code-unit order of id. */
  listKiosks(): Promise<KioskRecord[]>;
  updateKiosk(id: string, patch: KioskPatch, at: number, actor?: Actor): Promise<KioskRecord>; // PV_UNKNOWN_KIOSK
  revokeKiosk(id: string, at: number, actor?: Actor): Promise<KioskRecord>; // PV_UNKNOWN_KIOSK
  /** Undoes a revocation with a new secret. PV_KIOSK_NOT_REVOKED. */
  reactivateKiosk(id: string, secret: string, at: number, actor?: Actor): Promise<KioskRecord>;
  /** A new secret: the old one stops working. PV_KIOSK_REVOKED for a revoked kiosk. */
  rotateKioskSecret(id: string, secret: string, at: number, actor?: Actor): Promise<KioskRecord>;
  /** Removes a revoked kiosk from lists; its votes stay. PV_KIOSK_NOT_REVOKED. */
  removeKiosk(id: string, at: number, actor?: Actor): Promise<void>;
  /** Batched because 10,000 kiosks heart-beating must not cost one transaction each.
   *  Unknown ids are ignored (the kiosk may have been deleted meanwhile). */
  updatePresence(updates: readonly PresenceUpdate[]): Promise<void>;
  /** A number that changes whenever any kiosk's access does (add, revoke, reactivate, rotate,
   *  remove), so a server can poll it cheaply and re-read `listKioskAccess` only then. */
  kioskAccessVersion(): Promise<number>;
  listKioskAccess(): Promise<KioskAccess[]>;
  /** A server starting up owns no connections: clears every `connected` flag. */
  markAllDisconnected(): Promise<void>;

  // ------------------------------------------------------------------ polls
  openPoll(question: string, options: string[], at: number, settings?: PollSettings, actor?: Actor): Promise<PollRecord>; // PV_POLL_ALREADY_OPEN, PV_BAD_POLL
  /** A draft, opened later by hand or at `opensAt` by the scheduler. PV_BAD_POLL. */
  createDraftPoll(draft: DraftPoll, at: number, actor?: Actor): Promise<PollRecord>;
  /** PV_POLL_NOT_FOUND, PV_POLL_NOT_DRAFT, PV_POLL_ALREADY_OPEN. */
  openDraftPoll(id: number, at: number, actor?: Actor): Promise<PollRecord>;
  /** Schedule and visibility. PV_POLL_NOT_FOUND; PV_POLL_NOT_DRAFT for opensAt on a non-draft,
   *  PV_BAD_POLL for closesAt on a closed poll. */
  updatePoll(id: number, patch: PollPatch, at: number, actor?: Actor): Promise<PollRecord>;
  /** PV_POLL_NOT_FOUND, PV_POLL_NOT_DRAFT. */
  deleteDraftPoll(id: number, at: number, actor?: Actor): Promise<void>;
  closePoll(at: number, actor?: Actor): Promise<PollRecord>; // PV_NO_OPEN_POLL
  /** One atomic pass of the schedule at `at`: closes the open poll if its `closesAt` has come,
   *  then opens the draft whose `opensAt` came first (closing the open poll to make room).
   *  Safe when several servers run it at once: each change happens once. */
  runSchedule(at: number, actor?: Actor): Promise<ScheduleOutcome>;
  getOpenPoll(): Promise<PollRecord | undefined>;
  getPoll(id: number): Promise<PollRecord | undefined>;
  /** Newest first. */
  listPolls(): Promise<PollRecord[]>;

  // ------------------------------------------------------------------ votes
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
  /** Counts per button in buckets of `bucketMs` of press time, ordered by start then button. */
  countVotesByBucket(query: ResultsQuery, bucketMs: number): Promise<BucketCount[]>;
  /** Per-button counts of the last `lastVotes` votes stored for a poll (storage order). */
  countRecentVotes(query: ResultsQuery, lastVotes: number): Promise<OptionCount[]>;
  /** Unflagged votes per kiosk pressed at or after `since`, any poll; kiosks without any left out. */
  countVotesByKioskSince(since: number): Promise<KioskVoteCount[]>;
  /** Flagged votes pressed at or after `since`, any kiosk and poll. */
  countFlaggedSince(since: number): Promise<number>;
  /** Every stored vote, in (kioskId, seq) order; for checkers. */
  listVotes(filter?: { pollId?: number; kioskId?: string }): Promise<StoredVote[]>;
  /** One page of stored votes in storage order, for exports of any size. */
  listVotesPage(query: VotePageQuery): Promise<ExportedVote[]>;
  /** One stored vote by its key. The server asks before refusing a resend on time rules: a vote
   *  stored earlier must be answered `duplicate` even if the poll has closed since. */
  getVote(kioskId: string, voteId: string): Promise<StoredVote | undefined>;

  // ------------------------------------------------------------------ audit and alerts
  /** For changes made outside the store (the admin token's rotation). */
  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first; `beforeId` pages back. */
  listAudit(query: { limit: number; beforeId?: number }): Promise<AuditEntry[]>;

  listAlertRules(): Promise<AlertRule[]>;
  addAlertRule(rule: { kind: AlertKind; params: AlertParams; enabled: boolean }, at: number, actor?: Actor): Promise<AlertRule>;
  /** PV_ALERT_NOT_FOUND. */
  updateAlertRule(id: number, patch: { params?: AlertParams; enabled?: boolean }, at: number, actor?: Actor): Promise<AlertRule>;
  /** Also clears its alerts. PV_ALERT_NOT_FOUND. */
  deleteAlertRule(id: number, at: number, actor?: Actor): Promise<void>;
  /** Idempotent per (rule, subject) while the alert is not cleared: `raised` is false when it
   *  was already up (several servers evaluating the same rule raise it once). */
  raiseAlert(alert: RaiseAlert): Promise<{ alert: AlertRecord; raised: boolean }>;
  /** Clears the uncleared alert of (rule, subject), if any. */
  clearAlert(ruleId: number, subject: string, at: number): Promise<AlertRecord | undefined>;
  /** PV_ALERT_NOT_FOUND. Acknowledging twice keeps the first. */
  acknowledgeAlert(id: number, at: number, actor?: Actor): Promise<AlertRecord>;
  /** Newest first. `active`: not yet both cleared and acknowledged. */
  listAlerts(query: { active: boolean; limit: number }): Promise<AlertRecord[]>;

  close(): Promise<void>;

  // ------------------------------------------------------------------ several servers
  // Only for stores several servers share (PostgreSQL). Memory and SQLite serve one server,
  // whose own session map already keeps one connection per kiosk, and leave these undefined.

  /**
   * Calls `listener` for every StoreChange until the returned function is called. Resolves after
   * the first connection attempt, successful or not (a `listening` or `listener-lost` change says
   * which); it keeps reconnecting with backoff until stopped. `local` is true for changes this
   * same store object committed (the server acted on those already), false for everyone else's
   * (other servers, commands run against the database).
   */
  watchChanges?(listener: (change: StoreChange, local: boolean) => void): Promise<() => Promise<void>>;
  /**
   * Fencing for "one live connection per kiosk across all servers": records that `serverId` now
   * holds the kiosk's connection and returns the new epoch (larger than every earlier one). The
   * others learn it from the `kiosk-claimed` change, or from readKioskClaims. PV_UNKNOWN_KIOSK.
   */
  claimKioskConnection?(kioskId: string, serverId: string): Promise<number>;
  /** The current claims of these kiosks (the safety net when a notification was lost). */
  readKioskClaims?(kioskIds: readonly string[]): Promise<KioskClaim[]>;
  /**
   * Resolves once no transaction that may still store votes of these kiosks is running. Over a
   * network a transaction whose connection broke during COMMIT goes on, and may commit, after
   * recordVotes reported PV_STORE_UNAVAILABLE; before deciding from getVote that a vote was NOT
   * stored (to refuse it), a server asks this first, so such a late commit cannot follow.
   */
  settleVotes?(kioskIds: readonly string[]): Promise<void>;
}

/** The optional members only stores shared by several servers have (SQLite leaves them out). */
export type ClusterStoreMethod = 'watchChanges' | 'claimKioskConnection' | 'readKioskClaims' | 'settleVotes';

/** The actor of changes nobody in particular made. */
export const SYSTEM_ACTOR: Actor = 'system';
