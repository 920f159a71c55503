import type { Actor, AlertKind, AlertParams, RaiseAlert } from '../model/admin.js';
import type { DraftPoll, PollPatch, PollSettings } from '../model/polls.js';
import {
  SYSTEM_ACTOR,
  type BurstPolicy,
  type KioskPatch,
  type NewAuditEntry,
  type NewKiosk,
  type NewVote,
  type PresenceUpdate,
  type RecordOutcome,
  type ResultsQuery,
  type StoreChange,
  type VotePageQuery,
  type VoteStore,
} from '../types.js';
import * as alerts from './alerts.js';
import * as audit from './audit.js';
import { countStored } from './changes.js';
import { clientConfig, createPool, inTransaction, type PostgresConnectionOptions } from './connection.js';
import { randomUUID } from 'node:crypto';
import { PgDb, notify, tagOrigin } from './db.js';
import { redactUrl, toStoreError } from './errors.js';
import * as kiosks from './kiosks.js';
import { ChangeListener, type ListenerOptions } from './listener.js';
import * as polls from './polls.js';
import * as presence from './presence.js';
import * as results from './results.js';
import { prepareDatabase } from './schema.js';
import { recordBatch, settleVotes } from './vote-batch.js';
import { VoteNotices } from './vote-notices.js';

export interface PostgresStoreOptions extends PostgresConnectionOptions {
  /** Create pivote's tables in an empty database (default). Commands pass false: a mistyped URL
   *  must be an error, not a new, empty pivote database. */
  create?: boolean;
  /** Reconnect delays of watchChanges listeners. */
  listenBackoff?: ListenerOptions['backoff'];
  /** At most one `votes` notification per this many ms (default 100), counts added up. */
  votesNoticeMs?: number;
  now?: () => number;
}

/**
 * VoteStore on PostgreSQL, for several servers sharing one database. Every statement is
 * parameterised and safe to run from several servers at once: the database's constraints and
 * row locks decide races (two servers opening a poll: one gets PV_POLL_ALREADY_OPEN), never a
 * read-then-write in this process. Changes are announced with NOTIFY (see watchChanges).
 * The statements live in kiosks.ts, polls.ts, results.ts and vote-batch.ts.
 */
export class PostgresVoteStore implements VoteStore {
  readonly kind = 'postgres';
  private closed: Promise<void> | undefined;
  private readonly listeners = new Set<ChangeListener>();
  private readonly db: PgDb;
  private readonly voteNotices: VoteNotices;
  /** Sent with this store's notifications, so its own listeners know them as local. */
  private readonly origin = randomUUID();

  private constructor(
    pool: ReturnType<typeof createPool>,
    private readonly url: string,
    private readonly opts: PostgresStoreOptions,
  ) {
    tagOrigin(pool, this.origin);
    this.db = new PgDb(pool, { target: redactUrl(url), writable: !opts.readonly }, () => this.closed !== undefined);
    // Announced after the commit, in a transaction of its own: a NOTIFY inside the vote
    // transaction would hold PostgreSQL's cluster-wide notify lock through the commit's disk
    // flush, making every server's vote commits wait for each other (docs/SCALING.md). A lost
    // announcement costs a delay until the next re-read, never a vote.
    this.voteNotices = new VoteNotices(
      (change) =>
        // Not db.tx: the last notice is sent while the store is closing.
        inTransaction(this.db.pool, 'soft', this.db.ctx, (c) => notify(c, change)).catch((err: unknown) =>
          this.opts.logger?.warn({ err }, 'could not announce stored votes; other servers see them at their next re-read'),
        ),
      opts.votesNoticeMs ?? 100,
    );
  }

  /** The database, password hidden, for logs. */
  get target(): string {
    return this.db.ctx.target;
  }

  /** Connects, checks the database is pivote's, migrates it (once, under a lock). Throws
   *  PV_NOT_A_PIVOTE_DB, PV_DB_TOO_NEW, PV_DB_ACCESS_DENIED, or PV_STORE_UNAVAILABLE. */
  static async open(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresVoteStore> {
    const store = new PostgresVoteStore(createPool(url, opts), url, opts);
    try {
      await prepareDatabase(store.db.pool, store.db.ctx, { readonly: opts.readonly === true, create: opts.create !== false }, (opts.now ?? Date.now)());
      return store;
    } catch (err) {
      await store.db.pool.end().catch(() => {});
      throw toStoreError(err, store.db.ctx);
    }
  }

  // ------------------------------------------------------------------ kiosks
  addKiosk = async (k: NewKiosk, actor: Actor = SYSTEM_ACTOR) => (await kiosks.addKiosks(this.db, [k], actor))[0]!;
  addKiosks = (ks: readonly NewKiosk[], actor: Actor = SYSTEM_ACTOR) => kiosks.addKiosks(this.db, ks, actor);
  getKiosk = (id: string) => kiosks.getKiosk(this.db, id);
  listKiosks = () => kiosks.listKiosks(this.db);
  updateKiosk = (id: string, patch: KioskPatch, at: number, actor: Actor = SYSTEM_ACTOR) => kiosks.updateKiosk(this.db, id, patch, at, actor);
  revokeKiosk = (id: string, at: number, actor: Actor = SYSTEM_ACTOR) => kiosks.revokeKiosk(this.db, id, at, actor);
  reactivateKiosk = (id: string, secret: string, at: number, actor: Actor = SYSTEM_ACTOR) => kiosks.reactivateKiosk(this.db, id, secret, at, actor);
  rotateKioskSecret = (id: string, secret: string, at: number, actor: Actor = SYSTEM_ACTOR) => kiosks.rotateKioskSecret(this.db, id, secret, at, actor);
  removeKiosk = (id: string, at: number, actor: Actor = SYSTEM_ACTOR) => kiosks.removeKiosk(this.db, id, at, actor);
  kioskAccessVersion = () => kiosks.kioskAccessVersion(this.db);
  listKioskAccess = () => kiosks.listKioskAccess(this.db);
  updatePresence = (updates: readonly PresenceUpdate[]) => presence.updatePresence(this.db, updates);
  markAllDisconnected = () => presence.markAllDisconnected(this.db);
  claimKioskConnection = (kioskId: string, serverId: string) => presence.claimKioskConnection(this.db, kioskId, serverId);
  readKioskClaims = (kioskIds: readonly string[]) => presence.readKioskClaims(this.db, kioskIds);
  settleVotes = (kioskIds: readonly string[]) => settleVotes(this.db, kioskIds);

  // ------------------------------------------------------------------ polls
  openPoll = (question: string, options: string[], at: number, settings: PollSettings = {}, actor: Actor = SYSTEM_ACTOR) =>
    polls.openPoll(this.db, question, options, at, settings, actor);
  createDraftPoll = (draft: DraftPoll, at: number, actor: Actor = SYSTEM_ACTOR) => polls.createDraftPoll(this.db, draft, at, actor);
  openDraftPoll = (id: number, at: number, actor: Actor = SYSTEM_ACTOR) => polls.openDraftPoll(this.db, id, at, actor);
  updatePoll = (id: number, patch: PollPatch, at: number, actor: Actor = SYSTEM_ACTOR) => polls.updatePoll(this.db, id, patch, at, actor);
  deleteDraftPoll = (id: number, at: number, actor: Actor = SYSTEM_ACTOR) => polls.deleteDraftPoll(this.db, id, at, actor);
  closePoll = (at: number, actor: Actor = SYSTEM_ACTOR) => polls.closePoll(this.db, at, actor);
  runSchedule = (at: number, actor: Actor = 'scheduler') => polls.runSchedule(this.db, at, actor);
  getOpenPoll = () => polls.getOpenPoll(this.db);
  getPoll = (id: number) => polls.getPoll(this.db, id);
  listPolls = () => polls.listPolls(this.db);

  // ------------------------------------------------------------------ votes
  countVotes = (q: ResultsQuery) => results.countVotes(this.db, q);
  countVotesBy = (q: ResultsQuery, by: 'kiosk' | 'hour') => results.countVotesBy(this.db, q, by);
  countVotesByBucket = (q: ResultsQuery, bucketMs: number) => results.countVotesByBucket(this.db, q, bucketMs);
  countRecentVotes = (q: ResultsQuery, lastVotes: number) => results.countRecentVotes(this.db, q, lastVotes);
  countVotesByKioskSince = (since: number) => results.countVotesByKioskSince(this.db, since);
  countFlaggedSince = (since: number) => results.countFlaggedSince(this.db, since);
  listVotes = (filter?: { pollId?: number; kioskId?: string }) => results.listVotes(this.db, filter);
  listVotesPage = (q: VotePageQuery) => results.listVotesPage(this.db, q);
  getVote = (kioskId: string, voteId: string) => results.getVote(this.db, kioskId, voteId);

  // ------------------------------------------------------------------ audit and alerts
  appendAudit = (entry: NewAuditEntry) => audit.appendAudit(this.db, entry);
  listAudit = (q: { limit: number; beforeId?: number }) => audit.listAudit(this.db, q);
  listAlertRules = () => alerts.listAlertRules(this.db);
  addAlertRule = (rule: { kind: AlertKind; params: AlertParams; enabled: boolean }, at: number, actor: Actor = SYSTEM_ACTOR) =>
    alerts.addAlertRule(this.db, rule, at, actor);
  updateAlertRule = (id: number, patch: { params?: AlertParams; enabled?: boolean }, at: number, actor: Actor = SYSTEM_ACTOR) =>
    alerts.updateAlertRule(this.db, id, patch, at, actor);
  deleteAlertRule = (id: number, at: number, actor: Actor = SYSTEM_ACTOR) => alerts.deleteAlertRule(this.db, id, at, actor);
  raiseAlert = (a: RaiseAlert) => alerts.raiseAlert(this.db, a);
  clearAlert = (ruleId: number, subject: string, at: number) => alerts.clearAlert(this.db, ruleId, subject, at);
  acknowledgeAlert = (id: number, at: number, actor: Actor = SYSTEM_ACTOR) => alerts.acknowledgeAlert(this.db, id, at, actor);
  listAlerts = (q: { active: boolean; limit: number }) => alerts.listAlerts(this.db, q);

  async recordVotes(votes: readonly NewVote[], burst: BurstPolicy): Promise<RecordOutcome[]> {
    this.db.check();
    if (votes.length === 0) return [];
    const plan = await this.db.tx('durable', (c) => recordBatch(c, votes, burst));
    if (plan.inserts.length > 0 && this.closed === undefined) {
      this.voteNotices.add(countStored(plan.inserts.map((x) => ({ pollId: x.vote.pollId, flagged: x.flagged }))));
    }
    return plan.outcomes;
  }

  async watchChanges(onChange: (change: StoreChange, local: boolean) => void): Promise<() => Promise<void>> {
    this.db.check();
    const listener = new ChangeListener({
      config: clientConfig(this.url, this.opts),
      onChange,
      origin: this.origin,
      ...(this.opts.logger && { logger: this.opts.logger }),
      ...(this.opts.listenBackoff && { backoff: this.opts.listenBackoff }),
    });
    this.listeners.add(listener);
    await listener.start();
    return async () => {
      this.listeners.delete(listener);
      await listener.stop();
    };
  }

  /** Stops the listeners, sends the last vote notice, closes the pool. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      await Promise.all([...this.listeners].map((l) => l.stop()));
      this.listeners.clear();
      await this.voteNotices.close();
      await this.db.pool.end();
    })();
    return this.closed;
  }
}

/** Opens the PostgreSQL store at `url` (postgres://...); see PostgresVoteStore.open. */
export function openPostgresVoteStore(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresVoteStore> {
  return PostgresVoteStore.open(url, opts);
}
