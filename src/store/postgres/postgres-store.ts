import type pg from 'pg';
import { PivoteError } from '../../protocol/errors.js';
import { hourKey, validatePollDefinition } from '../poll-rules.js';
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
import { CHANGE_CHANNEL, countStored, encodeChange } from './changes.js';
import { clientConfig, createPool, inTransaction, query, type Durability, type PostgresConnectionOptions, type TxContext } from './connection.js';
import { redactUrl, toStoreError } from './errors.js';
import { ChangeListener, type ListenerOptions } from './listener.js';
import { applyPresence } from './presence.js';
import { KIOSK_COLUMNS, POLL_COLUMNS, VOTE_COLUMNS, kioskFromRow, pollFromRow, voteFromRow, type KioskRow, type PollRow, type VoteRow } from './rows.js';
import { prepareDatabase } from './schema.js';
import { recordBatch } from './vote-batch.js';
import { VoteNotices } from './vote-notices.js';
import { encodeText } from './text-codec.js';

const HOUR_MS = 3_600_000;
const MAX_SERVER_ID_LENGTH = 200;

export interface PostgresStoreOptions extends PostgresConnectionOptions {
  /** Reconnect delays of watchChanges listeners. */
  listenBackoff?: ListenerOptions['backoff'];
  /** At most one `votes` notification per this many ms (default 100), counts added up. */
  votesNoticeMs?: number;
  now?: () => number;
}

type Notice = Parameters<typeof encodeChange>[0];

/**
 * VoteStore on PostgreSQL, for several servers sharing one database. Every statement is
 * parameterised and safe to run from several servers at once: the database's constraints and
 * row locks decide races (two servers opening a poll: one gets PV_POLL_ALREADY_OPEN), never a
 * read-then-write in this process. Changes are announced with NOTIFY (see watchChanges).
 */
export class PostgresVoteStore implements VoteStore {
  readonly kind = 'postgres';
  private closed: Promise<void> | undefined;
  private readonly listeners = new Set<ChangeListener>();
  private readonly ctx: TxContext;
  private readonly voteNotices: VoteNotices;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    private readonly opts: PostgresStoreOptions,
  ) {
    this.ctx = { target: redactUrl(url), writable: !opts.readonly };
    // Announced after the commit, in a transaction of its own: a NOTIFY inside the vote
    // transaction would hold PostgreSQL's cluster-wide notify lock through the commit's disk
    // flush, making every server's vote commits wait for each other (docs/SCALING.md). A lost
    // announcement costs a delay until the next re-read, never a vote.
    this.voteNotices = new VoteNotices(
      (change) =>
        inTransaction(this.pool, 'soft', this.ctx, (c) => notify(c, change)).catch((err: unknown) =>
          this.opts.logger?.warn({ err }, 'could not announce stored votes; other servers see them at their next re-read'),
        ),
      opts.votesNoticeMs ?? 100,
    );
  }

  /** The database, password hidden, for logs. */
  get target(): string {
    return this.ctx.target;
  }

  /** Connects, checks the database is pivote's, migrates it (once, under a lock). Throws
   *  PV_NOT_A_PIVOTE_DB, PV_DB_TOO_NEW, or PV_STORE_UNAVAILABLE when it cannot be reached. */
  static async open(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresVoteStore> {
    const store = new PostgresVoteStore(createPool(url, opts), url, opts);
    try {
      await prepareDatabase(store.pool, store.ctx, opts.readonly === true, (opts.now ?? Date.now)());
      return store;
    } catch (err) {
      await store.pool.end().catch(() => {});
      throw toStoreError(err, store.ctx);
    }
  }

  async addKiosk(k: NewKiosk): Promise<KioskRecord> {
    const row = await this.tx('durable', async (c) => {
      const r = await c.query<KioskRow>(
        `INSERT INTO kiosks (id, name, location, secret, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING RETURNING ${KIOSK_COLUMNS}`,
        [k.id, k.name, k.location, k.secret, k.createdAt],
      );
      if (r.rows.length === 0) throw new PivoteError('PV_KIOSK_EXISTS', `kiosk ${k.id} already exists`, { kioskId: k.id });
      await notify(c, { kind: 'kiosk', kioskId: k.id, change: 'added' });
      return r.rows[0]!;
    });
    return kioskFromRow(row);
  }

  async getKiosk(id: string): Promise<KioskRecord | undefined> {
    const { rows } = await this.read<KioskRow>(`SELECT ${KIOSK_COLUMNS} FROM kiosks WHERE id = $1`, [id]);
    return rows[0] && kioskFromRow(rows[0]);
  }

  async listKiosks(): Promise<KioskRecord[]> {
    return (await this.read<KioskRow>(`SELECT ${KIOSK_COLUMNS} FROM kiosks ORDER BY id`)).rows.map(kioskFromRow);
  }

  async revokeKiosk(id: string, at: number): Promise<KioskRecord> {
    const row = await this.tx('durable', async (c) => {
      const r = await c.query<KioskRow>(`UPDATE kiosks SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 RETURNING ${KIOSK_COLUMNS}`, [at, id]);
      if (r.rows.length === 0) throw new PivoteError('PV_UNKNOWN_KIOSK', `no kiosk with id ${id}`, { kioskId: id });
      await notify(c, { kind: 'kiosk', kioskId: id, change: 'revoked' });
      return r.rows[0]!;
    });
    return kioskFromRow(row);
  }

  async updatePresence(updates: readonly PresenceUpdate[]): Promise<void> {
    if (updates.length === 0) return this.check();
    await this.tx('soft', async (c) => {
      const changed = await applyPresence(c, updates);
      if (changed.length > 0) await notify(c, { kind: 'presence', kioskIds: changed });
    });
  }

  async listRevokedKioskIds(): Promise<string[]> {
    return (await this.read<{ id: string }>('SELECT id FROM kiosks WHERE revoked_at IS NOT NULL ORDER BY id')).rows.map((r) => r.id);
  }

  async markAllDisconnected(): Promise<void> {
    await this.tx('soft', async (c) => {
      const r = await c.query<{ id: string }>('UPDATE kiosks SET connected = false WHERE connected RETURNING id');
      if (r.rows.length > 0) await notify(c, { kind: 'presence', kioskIds: r.rows.map((x) => x.id).sort() });
    });
  }

  async openPoll(question: string, options: string[], at: number): Promise<PollRecord> {
    this.check();
    const def = validatePollDefinition(question, options);
    const row = await this.tx('durable', async (c) => {
      // The partial unique index decides a race between servers: the loser's insert waits for
      // the winner's commit, then does nothing.
      const r = await c.query<PollRow>(
        `INSERT INTO polls (question, options, state, opened_at) VALUES ($1, $2, 'open', $3)
         ON CONFLICT (state) WHERE state = 'open' DO NOTHING RETURNING ${POLL_COLUMNS}`,
        [def.question, def.options, at],
      );
      if (r.rows.length === 0) {
        const open = await c.query<{ id: number }>("SELECT id FROM polls WHERE state = 'open'");
        const pollId = open.rows[0]?.id;
        throw new PivoteError('PV_POLL_ALREADY_OPEN', `poll ${pollId ?? '(just closed)'} is still open`, { pollId });
      }
      await notify(c, { kind: 'poll', pollId: r.rows[0]!.id, state: 'open' });
      return r.rows[0]!;
    });
    return pollFromRow(row);
  }

  async closePoll(at: number): Promise<PollRecord> {
    const row = await this.tx('durable', async (c) => {
      const r = await c.query<PollRow>(`UPDATE polls SET state = 'closed', closed_at = $1 WHERE state = 'open' RETURNING ${POLL_COLUMNS}`, [at]);
      if (r.rows.length === 0) throw new PivoteError('PV_NO_OPEN_POLL', 'no poll is open');
      await notify(c, { kind: 'poll', pollId: r.rows[0]!.id, state: 'closed' });
      return r.rows[0]!;
    });
    return pollFromRow(row);
  }

  async getOpenPoll(): Promise<PollRecord | undefined> {
    const { rows } = await this.read<PollRow>(`SELECT ${POLL_COLUMNS} FROM polls WHERE state = 'open'`);
    return rows[0] && pollFromRow(rows[0]);
  }

  async getPoll(id: number): Promise<PollRecord | undefined> {
    const { rows } = await this.read<PollRow>(`SELECT ${POLL_COLUMNS} FROM polls WHERE id = $1`, [id]);
    return rows[0] && pollFromRow(rows[0]);
  }

  async listPolls(): Promise<PollRecord[]> {
    return (await this.read<PollRow>(`SELECT ${POLL_COLUMNS} FROM polls ORDER BY id DESC`)).rows.map(pollFromRow);
  }

  async recordVotes(votes: readonly NewVote[], burst: BurstPolicy): Promise<RecordOutcome[]> {
    this.check();
    if (votes.length === 0) return [];
    const plan = await this.tx('durable', (c) => recordBatch(c, votes, burst));
    if (plan.inserts.length > 0 && !this.closed) {
      this.voteNotices.add(countStored(plan.inserts.map((x) => ({ pollId: x.vote.pollId, flagged: x.flagged }))));
    }
    return plan.outcomes;
  }

  async countVotes(q: ResultsQuery): Promise<OptionCount[]> {
    const poll = await this.requirePoll(q.pollId);
    const counts = poll.options.map((label, i) => ({ button: i + 1, label, count: 0 }));
    const { rows } = await this.read<{ button: number; n: number }>({
      name: 'pivote_count_by_button',
      text: 'SELECT button, count(*) AS n FROM votes WHERE poll_id = $1 AND flagged <= $2 GROUP BY button',
      values: [q.pollId, q.includeFlagged],
    });
    for (const r of rows) {
      const c = counts[r.button - 1];
      if (c) c.count = r.n;
    }
    return counts;
  }

  async countVotesBy(q: ResultsQuery, by: 'kiosk' | 'hour'): Promise<GroupedCount[]> {
    await this.requirePoll(q.pollId);
    if (by === 'kiosk') {
      const { rows } = await this.read<{ key: string; button: number; n: number }>(
        `SELECT kiosk_id AS key, button, count(*) AS n FROM votes WHERE poll_id = $1 AND flagged <= $2
         GROUP BY kiosk_id, button ORDER BY kiosk_id, button`,
        [q.pollId, q.includeFlagged],
      );
      return rows.map((r) => ({ key: r.key, button: r.button, count: r.n }));
    }
    // Integer division truncates as SQLite's does; press times are positive.
    const { rows } = await this.read<{ hour: number; button: number; n: number }>(
      `SELECT pressed_at / ${HOUR_MS} AS hour, button, count(*) AS n FROM votes WHERE poll_id = $1 AND flagged <= $2
       GROUP BY hour, button ORDER BY hour, button`,
      [q.pollId, q.includeFlagged],
    );
    return rows.map((r) => ({ key: hourKey(r.hour * HOUR_MS), button: r.button, count: r.n }));
  }

  async listVotes(filter: { pollId?: number; kioskId?: string } = {}): Promise<StoredVote[]> {
    const { rows } = await this.read<VoteRow>(
      `SELECT ${VOTE_COLUMNS} FROM votes WHERE ($1::int4 IS NULL OR poll_id = $1) AND ($2::text IS NULL OR kiosk_id = $2)
       ORDER BY kiosk_id, seq, row_id`,
      [filter.pollId ?? null, filter.kioskId ?? null],
    );
    return rows.map(voteFromRow);
  }

  async getVote(kioskId: string, voteId: string): Promise<StoredVote | undefined> {
    const { rows } = await this.read<VoteRow>(`SELECT ${VOTE_COLUMNS} FROM votes WHERE kiosk_id = $1 AND vote_id = $2`, [kioskId, encodeText(voteId)]);
    return rows[0] && voteFromRow(rows[0]);
  }

  async watchChanges(onChange: (change: StoreChange) => void): Promise<() => Promise<void>> {
    this.check();
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

  async claimKioskConnection(kioskId: string, serverId: string): Promise<number> {
    if (serverId.length === 0 || serverId.length > MAX_SERVER_ID_LENGTH) throw new Error(`serverId must be 1-${MAX_SERVER_ID_LENGTH} characters`);
    return this.tx('soft', async (c) => {
      const r = await c.query<{ claim_epoch: number }>(
        'UPDATE kiosks SET claim_epoch = claim_epoch + 1, claim_server = $2 WHERE id = $1 RETURNING claim_epoch',
        [kioskId, serverId],
      );
      const epoch = r.rows[0]?.claim_epoch;
      if (epoch === undefined) throw new PivoteError('PV_UNKNOWN_KIOSK', `no kiosk with id ${kioskId}`, { kioskId });
      await notify(c, { kind: 'kiosk-claimed', kioskId, epoch, serverId });
      return epoch;
    });
  }

  async readKioskClaims(kioskIds: readonly string[]): Promise<KioskClaim[]> {
    const { rows } = await this.read<{ id: string; claim_epoch: number; claim_server: string | null }>(
      'SELECT id, claim_epoch, claim_server FROM kiosks WHERE id = ANY($1::text[]) ORDER BY id',
      [[...kioskIds]],
    );
    return rows.map((r) => ({ kioskId: r.id, epoch: r.claim_epoch, serverId: r.claim_server }));
  }

  /** Stops the listeners, waits for announcements under way, closes the pool. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      await Promise.all([...this.listeners].map((l) => l.stop()));
      this.listeners.clear();
      await this.voteNotices.close();
      await this.pool.end();
    })();
    return this.closed;
  }

  private requirePoll(id: number): Promise<PollRecord> {
    return this.getPoll(id).then((poll) => {
      if (!poll) throw new PivoteError('PV_POLL_NOT_FOUND', `no poll with id ${id}`, { pollId: id });
      return poll;
    });
  }

  private tx<T>(durability: Durability, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    this.check();
    return inTransaction(this.pool, durability, this.ctx, fn);
  }

  private read<R extends pg.QueryResultRow>(text: string | pg.QueryConfig, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    this.check();
    return query<R>(this.pool, this.ctx, typeof text === 'string' ? { text, values } : text);
  }

  private check(): void {
    if (this.closed) throw new Error('store is closed');
  }
}

/** NOTIFY inside the caller's transaction: delivered on commit, dropped on rollback. */
async function notify(c: pg.ClientBase, change: Notice): Promise<void> {
  await c.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, encodeChange(change)]);
}

/** Opens the PostgreSQL store at `url` (postgres://...); see PostgresVoteStore.open. */
export function openPostgresVoteStore(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresVoteStore> {
  return PostgresVoteStore.open(url, opts);
}
