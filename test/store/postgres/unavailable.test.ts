import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { isPivoteError, type PivoteError } from '../../../src/protocol/errors.js';
import { openPostgresVoteStore, type PostgresVoteStore } from '../../../src/store/postgres/postgres-store.js';
import type { StoreChange } from '../../../src/store/types.js';
import { PgCluster, pgAvailability } from '../../support/postgres/cluster.js';
import { describePg } from '../../support/postgres/test-db.js';
import { TcpCutProxy } from '../../support/tcp-cut-proxy.js';
import { NO_BURST, T0, newKiosk, newVote, seed } from '../contract-helpers.js';

const WAIT = { timeout: 15_000, interval: 50 };

/** A port on 127.0.0.1 that nothing listens on (bound with port 0, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describePg('postgres store: an unreachable or restarting database', (pgc) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it('opening a database nobody serves fails at once with PV_STORE_UNAVAILABLE', async () => {
    const port = await closedPort();
    const err = await openPostgresVoteStore(`postgres://pivote:secret@127.0.0.1:${port}/pivote`).catch((e: unknown) => e);
    expect(isPivoteError(err, 'PV_STORE_UNAVAILABLE')).toBe(true);
    expect((err as PivoteError).message).not.toContain('secret');
    expect((err as PivoteError).message).toContain('***');
  });

  it('never reports success for a batch whose COMMIT did not return; the resend is then stored once', async () => {
    const db = await pgc.create();
    cleanups.push(db.drop);
    const store = await openPostgresVoteStore(db.url);
    cleanups.push(() => store.close());
    const poll = await seed(store);
    // A deferred trigger makes COMMIT itself slow, so the connection can be killed during it.
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    cleanups.push(() => admin.end());
    await admin.query(`CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$;
      CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON votes DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()`);
    const votes = [newVote('k1', 'a', { pollId: poll.id }), newVote('k2', 'a', { pollId: poll.id })];
    const pending = store.recordVotes(votes, NO_BURST).catch((e: unknown) => e);
    await vi.waitFor(async () => {
      const r = await admin.query("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query = 'COMMIT' AND state = 'active'", [db.name]);
      expect(r.rows).toHaveLength(1);
    }, WAIT);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query = 'COMMIT'", [db.name]);
    const err = await pending;
    expect(isPivoteError(err, 'PV_STORE_UNAVAILABLE')).toBe(true);
    expect((err as PivoteError).details).toMatchObject({ outcome: 'unknown' });
    await admin.query('DROP TRIGGER slow_commit ON votes');
    // Here the commit had not happened; had it, the resend would be answered duplicate.
    expect(await store.recordVotes(votes, NO_BURST)).toEqual([
      { status: 'stored', flagged: false },
      { status: 'stored', flagged: false },
    ]);
    expect(await store.recordVotes(votes, NO_BURST)).toEqual([
      { status: 'duplicate', flagged: false },
      { status: 'duplicate', flagged: false },
    ]);
  });

  it('a COMMIT whose client went away may still land after the error: settleVotes waits for it', async () => {
    const db = await pgc.create();
    cleanups.push(db.drop);
    const target = pgc.target();
    const proxy = new TcpCutProxy({ path: join(target.socketDir, `.s.PGSQL.${target.port}`) });
    cleanups.push(() => proxy.close());
    const port = await proxy.listen();
    const store = await openPostgresVoteStore(`postgres://${target.user}@127.0.0.1:${port}/${db.name}`);
    cleanups.push(() => store.close());
    const poll = await seed(store);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    cleanups.push(() => admin.end());
    // COMMIT itself takes a second, so the client's connection can be cut while it runs; the
    // server goes on with it (nothing interrupts a backend whose client left mid-statement).
    await admin.query(`CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$;
      CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON votes DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()`);
    const vote = newVote('k1', 'orphan', { pollId: poll.id });
    const pending = store.recordVotes([vote], NO_BURST).catch((e: unknown) => e);
    await vi.waitFor(async () => {
      const r = await admin.query("SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND query = 'COMMIT' AND state = 'active'", [db.name]);
      expect(r.rows).toHaveLength(1);
    }, WAIT);
    proxy.cut(true);
    const err = await pending;
    expect(isPivoteError(err, 'PV_STORE_UNAVAILABLE')).toBe(true);
    expect((err as PivoteError).details).toMatchObject({ outcome: 'unknown' });
    // Asked right away, the store does not have it yet...
    expect(await store.getVote('k1', 'orphan')).toBeUndefined();
    // ...but the orphaned COMMIT still holds the kiosk's lock, and lands.
    await store.settleVotes(['k1']);
    expect(await store.getVote('k1', 'orphan')).toMatchObject({ voteId: 'orphan' });
  });

  it('commits votes with synchronous_commit = on even where the database default is off', async () => {
    const db = await pgc.create();
    cleanups.push(db.drop);
    const admin = await pgc.admin();
    await admin.query(`ALTER DATABASE ${admin.escapeIdentifier(db.name)} SET synchronous_commit = off`);
    const store = await openPostgresVoteStore(db.url);
    cleanups.push(() => store.close());
    const poll = await seed(store);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    cleanups.push(() => c.end());
    expect((await c.query('SHOW synchronous_commit')).rows).toEqual([{ synchronous_commit: 'off' }]);
    // A trigger writes down the setting each vote transaction ran with.
    await c.query(`CREATE TABLE seen (setting text);
      CREATE FUNCTION note_setting() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO seen VALUES (current_setting('synchronous_commit')); RETURN NULL; END $$;
      CREATE TRIGGER note_setting AFTER INSERT ON votes FOR EACH STATEMENT EXECUTE FUNCTION note_setting()`);
    await store.recordVotes([newVote('k1', 'a', { pollId: poll.id })], NO_BURST);
    await store.recordVotes([newVote('k2', 'a', { pollId: poll.id })], NO_BURST);
    expect((await c.query('SELECT setting FROM seen')).rows).toEqual([{ setting: 'on' }, { setting: 'on' }]);
  });
});

/** A cluster of its own, since stopping the run's shared one would break other test files. */
describePg('postgres store: across a database restart', () => {
  let cluster: PgCluster | undefined;
  let store: PostgresVoteStore;
  const seen: StoreChange[] = [];
  let stopWatching: () => Promise<void>;

  beforeAll(async () => {
    const avail = pgAvailability();
    if (!avail.ok) throw new Error(avail.reason);
    cluster = await PgCluster.start(avail);
    const admin = await cluster.admin();
    await admin.query('CREATE DATABASE restart');
    await admin.end();
    store = await openPostgresVoteStore(cluster.url('restart'), { connectTimeoutMs: 2_000, listenBackoff: { minMs: 50, maxMs: 500 } });
    stopWatching = await store.watchChanges((c) => seen.push(c));
  }, 60_000);
  afterAll(async () => {
    await stopWatching?.();
    await store?.close();
    await cluster?.stop();
  });

  it('answers PV_STORE_UNAVAILABLE while the database is down, stores nothing, and recovers by itself', async () => {
    const c = cluster!;
    const poll = await seed(store);
    expect(await store.recordVotes([newVote('k1', 'before', { pollId: poll.id })], NO_BURST)).toEqual([{ status: 'stored', flagged: false }]);

    c.stopServer('fast');
    const during = await store.recordVotes([newVote('k1', 'during', { pollId: poll.id, seq: 2, pressedAt: T0 + 1 })], NO_BURST).catch((e: unknown) => e);
    expect(isPivoteError(during, 'PV_STORE_UNAVAILABLE')).toBe(true);
    expect(isPivoteError(await store.getOpenPoll().catch((e: unknown) => e), 'PV_STORE_UNAVAILABLE')).toBe(true);
    await vi.waitFor(() => expect(seen.map((x) => x.kind)).toContain('listener-lost'), WAIT);

    c.startServer();
    // The same store object, not reopened: the pool replaces its dead connections.
    const resent = [newVote('k1', 'during', { pollId: poll.id, seq: 2, pressedAt: T0 + 1 }), newVote('k2', 'after', { pollId: poll.id })];
    expect(await store.recordVotes(resent, NO_BURST)).toEqual([
      { status: 'stored', flagged: false },
      { status: 'stored', flagged: false },
    ]);
    expect((await store.listVotes()).map((v) => v.voteId).sort()).toEqual(['after', 'before', 'during']);
    await vi.waitFor(() => expect(seen.at(-1)?.kind === 'listening' || seen.at(-1)?.kind === 'votes').toBe(true), WAIT);
    expect(seen.filter((x) => x.kind === 'listening')).toEqual([
      { kind: 'listening', reconnected: false },
      { kind: 'listening', reconnected: true },
    ]);
    await store.addKiosk(newKiosk('heard-after-restart'));
    await vi.waitFor(() => expect(seen.at(-1)).toMatchObject({ kind: 'kiosks', kioskIds: ['heard-after-restart'] }), WAIT);
  });
});
