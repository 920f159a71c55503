import type { Actor, AlertKind, AlertParams, AlertRecord, AlertRule, AuditEntry, NewAuditEntry, RaiseAlert } from './model/admin.js';
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
import { SYSTEM_ACTOR, type VoteStore } from './types.js';

/**
 * The synchronous engines (memory, SQLite) keep each table's work in one class per area; these
 * are the areas' shapes, and AreaVoteStore is the one VoteStore both wrap them in: it checks the
 * store is open, fills in default actors, and turns each answer (or throw) into a promise.
 */
export interface KioskArea {
  add(kiosks: readonly NewKiosk[], actor: Actor): KioskRecord[];
  get(id: string): KioskRecord | undefined;
  list(): KioskRecord[];
  update(id: string, patch: KioskPatch, at: number, actor: Actor): KioskRecord;
  revoke(id: string, at: number, actor: Actor): KioskRecord;
  reactivate(id: string, secret: string, at: number, actor: Actor): KioskRecord;
  rotateSecret(id: string, secret: string, at: number, actor: Actor): KioskRecord;
  remove(id: string, at: number, actor: Actor): void;
  updatePresence(updates: readonly PresenceUpdate[]): void;
  accessVersion(): number;
  listAccess(): KioskAccess[];
  markAllDisconnected(): void;
}

export interface PollArea {
  open(question: string, options: string[], at: number, settings: PollSettings, actor: Actor): PollRecord;
  createDraft(draft: DraftPoll, at: number, actor: Actor): PollRecord;
  openDraft(id: number, at: number, actor: Actor): PollRecord;
  update(id: number, patch: PollPatch, at: number, actor: Actor): PollRecord;
  deleteDraft(id: number, at: number, actor: Actor): void;
  close(at: number, actor: Actor): PollRecord;
  runSchedule(at: number, actor: Actor): ScheduleOutcome;
  getOpen(): PollRecord | undefined;
  get(id: number): PollRecord | undefined;
  list(): PollRecord[];
  /** PV_POLL_NOT_FOUND. */
  require(id: number): PollRecord;
}

export interface VoteArea {
  record(votes: readonly NewVote[], burst: BurstPolicy): RecordOutcome[];
  count(poll: PollRecord, q: ResultsQuery): OptionCount[];
  countBy(q: ResultsQuery, by: 'kiosk' | 'hour'): GroupedCount[];
  countByBucket(q: ResultsQuery, bucketMs: number): BucketCount[];
  countRecent(poll: PollRecord, q: ResultsQuery, lastVotes: number): OptionCount[];
  countByKioskSince(since: number): KioskVoteCount[];
  countFlaggedSince(since: number): number;
  get(kioskId: string, voteId: string): StoredVote | undefined;
  list(filter: { pollId?: number; kioskId?: string }): StoredVote[];
  page(q: VotePageQuery): ExportedVote[];
}

export interface AuditArea {
  write(entry: NewAuditEntry): AuditEntry;
  list(q: { limit: number; beforeId?: number }): AuditEntry[];
}

export interface AlertArea {
  listRules(): AlertRule[];
  addRule(rule: { kind: AlertKind; params: AlertParams; enabled: boolean }, at: number, actor: Actor): AlertRule;
  updateRule(id: number, patch: { params?: AlertParams; enabled?: boolean }, at: number, actor: Actor): AlertRule;
  deleteRule(id: number, at: number, actor: Actor): void;
  raise(a: RaiseAlert): { alert: AlertRecord; raised: boolean };
  clear(ruleId: number, subject: string, at: number): AlertRecord | undefined;
  acknowledge(id: number, at: number, actor: Actor): AlertRecord;
  list(q: { active: boolean; limit: number }): AlertRecord[];
}

export interface StoreAreas {
  kiosks: KioskArea;
  polls: PollArea;
  votes: VoteArea;
  audit: AuditArea;
  alerts: AlertArea;
}

export abstract class AreaVoteStore implements VoteStore {
  abstract readonly kind: string;

  constructor(private readonly areas: StoreAreas) {}

  /** Throws once the store is closed. */
  protected abstract checkOpen(): void;
  abstract close(): Promise<void>;

  /** Runs one area call as a promise: a throw becomes a rejection, like an async engine's. */
  protected async run<T>(fn: (a: StoreAreas) => T): Promise<T> {
    this.checkOpen();
    return fn(this.areas);
  }

  // ------------------------------------------------------------------ kiosks
  addKiosk(k: NewKiosk, actor: Actor = SYSTEM_ACTOR) {
    return this.run((a) => a.kiosks.add([k], actor)[0]!);
  }
  addKiosks(ks: readonly NewKiosk[], actor: Actor = SYSTEM_ACTOR) {
    return this.run((a) => a.kiosks.add(ks, actor));
  }
  getKiosk(id: string) {
    return this.run((a) => a.kiosks.get(id));
  }
  listKiosks() {
    return this.run((a) => a.kiosks.list());
  }
  updateKiosk(id: string, patch: KioskPatch, at: number, actor: Actor = SYSTEM_ACTOR) {
    return this.run((a) => a.kiosks.update(id, patch, at, actor));
  }
  revokeKiosk(id: string, at: number, actor: Actor = SYSTEM_ACTOR) {
    return this.run((a) => a.kiosks.revoke(id, at, actor));
  }
  reactivateKiosk(id: string, secret: string, at: number, actor: Actor = SYSTEM_ACTOR) {
    return this.run((a) => a.kiosks.reactivate(id, secret, at, actor));
  }
  rotateKioskSecret(id: string, secret: string, at: number, actor: Actor = SYSTEM_ACTOR) {
    return this.run((a) => a.kiosks.rotateSecret(id, secret, at, actor));
  }
  removeKiosk(id: string, at: number, actor: Actor = SYSTEM_ACTOR) {
    return this.run((a) => a.kiosks.remove(id, at, actor));
  }
  updatePresence(updates: readonly PresenceUpdate[]) {
    return this.run((a) => a.kiosks.updatePresence(updates));
  }
  kioskAccessVersion() {
    return this.run((a) => a.kiosks.accessVersion());
  }
  listKioskAccess() {
    return this.run((a) => a.kiosks.listAccess());
  }
  markAllDisconnected() {
    return this.run((a) => a.kiosks.markAllDisconnected());
  }

  // ------------------------------------------------------------------ polls
  openPoll(question: string, options: string[], at: number, settings: PollSettings = {}, actor: Actor = SYSTEM_ACTOR) {
    return this.run((a) => a.polls.open(question, options, at, settings, actor));
  }
  createDraftPoll(draft: DraftPoll, at: number, actor: Actor = SYSTEM_ACTOR) {
    return this.run((a) => a.polls.createDraft(draft, at, actor));
  }
  openDraftPoll(id: number, at: number, actor: Actor = SYSTEM_ACTOR) {
    return this.run((a) => a.polls.openDraft(id, at, actor));
  }
  updatePoll(id: number, patch: PollPatch, at: number, actor: Actor = SYSTEM_ACTOR) {
    return this.run((a) => a.polls.update(id, patch, at, actor));
  }
  deleteDraftPoll(id: number, at: number, actor: Actor = SYSTEM_ACTOR) {
    return this.run((a) => a.polls.deleteDraft(id, at, actor));
  }
  closePoll(at: number, actor: Actor = SYSTEM_ACTOR) {
    return this.run((a) => a.polls.close(at, actor));
  }
  runSchedule(at: number, actor: Actor = 'scheduler') {
    return this.run((a) => a.polls.runSchedule(at, actor));
  }
  getOpenPoll() {
    return this.run((a) => a.polls.getOpen());
  }
  getPoll(id: number) {
    return this.run((a) => a.polls.get(id));
  }
  listPolls() {
    return this.run((a) => a.polls.list());
  }

  // ------------------------------------------------------------------ votes
  recordVotes(votes: readonly NewVote[], burst: BurstPolicy) {
    return this.run((a) => a.votes.record(votes, burst));
  }
  countVotes(q: ResultsQuery) {
    return this.run((a) => a.votes.count(a.polls.require(q.pollId), q));
  }
  countVotesBy(q: ResultsQuery, by: 'kiosk' | 'hour') {
    return this.run((a) => (a.polls.require(q.pollId), a.votes.countBy(q, by)));
  }
  countVotesByBucket(q: ResultsQuery, bucketMs: number) {
    return this.run((a) => (a.polls.require(q.pollId), a.votes.countByBucket(q, bucketMs)));
  }
  countRecentVotes(q: ResultsQuery, lastVotes: number) {
    return this.run((a) => a.votes.countRecent(a.polls.require(q.pollId), q, lastVotes));
  }
  countVotesByKioskSince(since: number) {
    return this.run((a) => a.votes.countByKioskSince(since));
  }
  countFlaggedSince(since: number) {
    return this.run((a) => a.votes.countFlaggedSince(since));
  }
  listVotes(filter: { pollId?: number; kioskId?: string } = {}) {
    return this.run((a) => a.votes.list(filter));
  }
  listVotesPage(q: VotePageQuery) {
    return this.run((a) => a.votes.page(q));
  }
  getVote(kioskId: string, voteId: string) {
    return this.run((a) => a.votes.get(kioskId, voteId));
  }

  // ------------------------------------------------------------------ audit and alerts
  appendAudit(entry: NewAuditEntry) {
    return this.run((a) => a.audit.write(entry));
  }
  listAudit(q: { limit: number; beforeId?: number }) {
    return this.run((a) => a.audit.list(q));
  }
  listAlertRules() {
    return this.run((a) => a.alerts.listRules());
  }
  addAlertRule(rule: { kind: AlertKind; params: AlertParams; enabled: boolean }, at: number, actor: Actor = SYSTEM_ACTOR) {
    return this.run((a) => a.alerts.addRule(rule, at, actor));
  }
  updateAlertRule(id: number, patch: { params?: AlertParams; enabled?: boolean }, at: number, actor: Actor = SYSTEM_ACTOR) {
    return this.run((a) => a.alerts.updateRule(id, patch, at, actor));
  }
  deleteAlertRule(id: number, at: number, actor: Actor = SYSTEM_ACTOR) {
    return this.run((a) => a.alerts.deleteRule(id, at, actor));
  }
  raiseAlert(alert: RaiseAlert) {
    return this.run((a) => a.alerts.raise(alert));
  }
  clearAlert(ruleId: number, subject: string, at: number) {
    return this.run((a) => a.alerts.clear(ruleId, subject, at));
  }
  acknowledgeAlert(id: number, at: number, actor: Actor = SYSTEM_ACTOR) {
    return this.run((a) => a.alerts.acknowledge(id, at, actor));
  }
  listAlerts(q: { active: boolean; limit: number }) {
    return this.run((a) => a.alerts.list(q));
  }
}
