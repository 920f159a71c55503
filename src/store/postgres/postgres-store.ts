import type {
  BurstPolicy,
  GroupedCount,
  KioskClaim,
  KioskRecord,
  NewKiosk,
  NewVote,
  OptionCount,
  PollRecord,
  PresenceUpdate,
  RecordOutcome,
  ResultsQuery,
  StoreChange,
  StoredVote,
  VoteStore,
} from '../types.js';
import { countStored } from './changes.js';
import { clientConfig, createPool, inTransaction, type PostgresConnectionOptions } from './connection.js';
import { PgDb, notify } from './db.js';
import { redactUrl, toStoreError } from './errors.js';
import * as kiosks from './kiosks.js';
import { ChangeListener, type ListenerOptions } from './listener.js';
import * as polls from './polls.js';
import * as results from './results.js';
import { prepareDatabase } from './schema.js';
import { recordBatch } from './vote-batch.js';
import { VoteNotices } from './vote-notices.js';

export interface PostgresStoreOptions extends PostgresConnectionOptions {
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

  private constructor(
    pool: ReturnType<typeof createPool>,
    private readonly url: string,
    private readonly opts: PostgresStoreOptions,
  ) {
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
      await prepareDatabase(store.db.pool, store.db.ctx, opts.readonly === true, (opts.now ?? Date.now)());
      return store;
    } catch (err) {
      await store.db.pool.end().catch(() => {});
      throw toStoreError(err, store.db.ctx);
    }
  }

  addKiosk = (k: NewKiosk): Promise<KioskRecord> => kiosks.addKiosk(this.db, k);
  getKiosk = (id: string): Promise<KioskRecord | undefined> => kiosks.getKiosk(this.db, id);
  listKiosks = (): Promise<KioskRecord[]> => kiosks.listKiosks(this.db);
  revokeKiosk = (id: string, at: number): Promise<KioskRecord> => kiosks.revokeKiosk(this.db, id, at);
  updatePresence = (updates: readonly PresenceUpdate[]): Promise<void> => kiosks.updatePresence(this.db, updates);
  listRevokedKioskIds = (): Promise<string[]> => kiosks.listRevokedKioskIds(this.db);
  markAllDisconnected = (): Promise<void> => kiosks.markAllDisconnected(this.db);
  claimKioskConnection = (kioskId: string, serverId: string): Promise<number> => kiosks.claimKioskConnection(this.db, kioskId, serverId);
  readKioskClaims = (kioskIds: readonly string[]): Promise<KioskClaim[]> => kiosks.readKioskClaims(this.db, kioskIds);

  openPoll = (question: string, options: string[], at: number): Promise<PollRecord> => polls.openPoll(this.db, question, options, at);
  closePoll = (at: number): Promise<PollRecord> => polls.closePoll(this.db, at);
  getOpenPoll = (): Promise<PollRecord | undefined> => polls.getOpenPoll(this.db);
  getPoll = (id: number): Promise<PollRecord | undefined> => polls.getPoll(this.db, id);
  listPolls = (): Promise<PollRecord[]> => polls.listPolls(this.db);

  countVotes = (q: ResultsQuery): Promise<OptionCount[]> => results.countVotes(this.db, q);
  countVotesBy = (q: ResultsQuery, by: 'kiosk' | 'hour'): Promise<GroupedCount[]> => results.countVotesBy(this.db, q, by);
  listVotes = (filter?: { pollId?: number; kioskId?: string }): Promise<StoredVote[]> => results.listVotes(this.db, filter);
  getVote = (kioskId: string, voteId: string): Promise<StoredVote | undefined> => results.getVote(this.db, kioskId, voteId);

  async recordVotes(votes: readonly NewVote[], burst: BurstPolicy): Promise<RecordOutcome[]> {
    this.db.check();
    if (votes.length === 0) return [];
    const plan = await this.db.tx('durable', (c) => recordBatch(c, votes, burst));
    if (plan.inserts.length > 0 && this.closed === undefined) {
      this.voteNotices.add(countStored(plan.inserts.map((x) => ({ pollId: x.vote.pollId, flagged: x.flagged }))));
    }
    return plan.outcomes;
  }

  async watchChanges(onChange: (change: StoreChange) => void): Promise<() => Promise<void>> {
    this.db.check();
    const listener = new ChangeListener({
      config: clientConfig(this.url, this.opts),
      onChange,
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
