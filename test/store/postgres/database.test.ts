import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { PG_SCHEMA_VERSION } from '../../../src/store/postgres/schema.js';
import { LOOKUP_VOTES } from '../../../src/store/postgres/vote-batch.js';
import { openPostgresVoteStore, type PostgresVoteStore } from '../../../src/store/postgres/postgres-store.js';
import { pgUrl } from '../../support/postgres/cluster.js';
import { describePg, type TestDatabase } from '../../support/postgres/test-db.js';
import { expectCode, newKiosk, newVote, NO_BURST, seed, T0 } from '../contract-helpers.js';

/** What the PostgreSQL store promises beyond the contract: identity, migrations, roles. */
describePg('postgres store: the database', (pgc) => {
  const cleanups: (() => Promise<void>)[] = [];
  const database = async (opts?: { owner?: string }): Promise<TestDatabase> => {
    const db = await pgc.create(opts);
    cleanups.push(db.drop);
    return db;
  };
  const open = async (url: string, opts?: { readonly?: boolean; create?: boolean }): Promise<PostgresVoteStore> => {
    const s = await openPostgresVoteStore(url, opts);
    cleanups.push(() => s.close());
    return s;
  };
  const raw = async (url: string): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    cleanups.push(() => c.end());
    return c;
  };
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it('creates the schema in an empty database, with meta rows and one migration row per version', async () => {
    const db = await database();
    await open(db.url);
    const c = await raw(db.url);
    const meta = Object.fromEntries((await c.query<{ key: string; value: string }>('SELECT key, value FROM pivote_meta')).rows.map((r) => [r.key, r.value]));
    expect(meta).toMatchObject({ application: 'pivote', schema_version: String(PG_SCHEMA_VERSION) });
    expect((await c.query('SELECT version FROM pivote_migrations ORDER BY version')).rows).toEqual([{ version: 1 }]);
  });

  it('with create: false (commands), refuses an empty database instead of making pivote\'s tables', async () => {
    const db = await database();
    await expectCode(openPostgresVoteStore(db.url, { create: false }), 'PV_NOT_A_PIVOTE_DB');
    const c = await raw(db.url);
    expect((await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).rows[0]).toEqual({ n: 0 });
    await (await open(db.url)).close();
    const again = await open(db.url, { create: false });
    expect(await again.listKiosks()).toEqual([]);
  });

  it('migrates once when several servers start together on an empty database', async () => {
    const db = await database();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresVoteStore(db.url)));
    cleanups.push(async () => {
      for (const s of stores) await s.close();
    });
    // pivote_migrations' primary key would have refused a second run of migration 1.
    const c = await raw(db.url);
    expect((await c.query('SELECT count(*)::int AS n FROM pivote_migrations')).rows[0]).toEqual({ n: PG_SCHEMA_VERSION });
    // All four work on the same tables.
    await stores[0]!.addKiosk(newKiosk('k1'));
    expect((await stores[3]!.listKiosks()).map((k) => k.id)).toEqual(['k1']);
  });

  it('keeps data across reopening, and a second open does not migrate again', async () => {
    const db = await database();
    const first = await open(db.url);
    const poll = await seed(first);
    await first.recordVotes([newVote('k1', 'a', { pollId: poll.id })], NO_BURST);
    await first.close();
    const second = await open(db.url);
    expect(await second.getOpenPoll()).toEqual(poll);
    expect(await second.listVotes()).toHaveLength(1);
    const c = await raw(db.url);
    expect((await c.query('SELECT count(*)::int AS n FROM pivote_migrations')).rows[0]).toEqual({ n: PG_SCHEMA_VERSION });
  });

  it("refuses another application's database with PV_NOT_A_PIVOTE_DB and leaves it untouched", async () => {
    const db = await database();
    const c = await raw(db.url);
    await c.query('CREATE TABLE recipes (name text)');
    await expectCode(openPostgresVoteStore(db.url), 'PV_NOT_A_PIVOTE_DB');
    const tables = await c.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
    expect(tables.rows).toEqual([{ tablename: 'recipes' }]);
  });

  it('refuses a pivote database with a newer schema version with PV_DB_TOO_NEW, also read-only', async () => {
    const db = await database();
    await (await open(db.url)).close();
    const c = await raw(db.url);
    await c.query("UPDATE pivote_meta SET value = $1 WHERE key = 'schema_version'", [String(PG_SCHEMA_VERSION + 1)]);
    await expectCode(openPostgresVoteStore(db.url), 'PV_DB_TOO_NEW');
    await expectCode(openPostgresVoteStore(db.url, { readonly: true }), 'PV_DB_TOO_NEW');
  });

  it('refuses a database that is not UTF8', async () => {
    const admin = await pgc.admin();
    const name = `latin_${process.pid}_${Date.now()}`;
    await admin.query(`CREATE DATABASE ${name} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
    cleanups.push(async () => {
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    });
    const err = await openPostgresVoteStore(pgUrl(pgc.target(), name)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PV_NOT_A_PIVOTE_DB', message: expect.stringMatching(/LATIN1.*UTF8/) });
  });

  it('read-only: refuses an empty database, reads what a writer committed, refuses writes', async () => {
    const db = await database();
    await expectCode(openPostgresVoteStore(db.url, { readonly: true }), 'PV_NOT_A_PIVOTE_DB');
    const writer = await open(db.url);
    const poll = await seed(writer);
    await writer.recordVotes([newVote('k1', 'a', { pollId: poll.id })], NO_BURST);
    const reader = await open(db.url, { readonly: true });
    expect(await reader.getOpenPoll()).toEqual(poll);
    expect((await reader.countVotes({ pollId: poll.id, includeFlagged: false }))[0]?.count).toBe(1);
    await expect(reader.addKiosk(newKiosk('k9'))).rejects.toThrow(/read-only transaction/);
    expect(await writer.getKiosk('k9')).toBeUndefined();
  });

  it('runs as an ordinary role that owns its database (no superuser needed)', async () => {
    const admin = await pgc.admin();
    const role = `pivote_owner_${process.pid}`;
    await admin.query(`DO $$ BEGIN CREATE ROLE ${role} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    const db = await database({ owner: role });
    const url = pgUrl({ ...pgc.target(), user: role }, db.name);
    const store = await open(url);
    const poll = await seed(store);
    expect(await store.recordVotes([newVote('k1', 'a', { pollId: poll.id })], NO_BURST)).toEqual([{ status: 'stored', flagged: false }]);
    const c = await raw(db.url);
    expect((await c.query("SELECT tableowner FROM pg_tables WHERE tablename = 'votes'")).rows).toEqual([{ tableowner: role }]);
  });

  it('says what is wrong with the URL: an unknown role (PV_DB_ACCESS_DENIED), a missing database (PV_NOT_A_PIVOTE_DB)', async () => {
    const db = await database();
    await expectCode(openPostgresVoteStore(pgUrl({ ...pgc.target(), user: 'nobody_at_all' }, db.name)), 'PV_DB_ACCESS_DENIED');
    await expectCode(openPostgresVoteStore(pgUrl(pgc.target(), `${db.name}_missing`)), 'PV_NOT_A_PIVOTE_DB');
    // A role that may connect but does not own the database cannot create tables in it.
    const guest = `pivote_guest_${process.pid}`;
    await (await pgc.admin()).query(`DO $$ BEGIN CREATE ROLE ${guest} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    await expectCode(openPostgresVoteStore(pgUrl({ ...pgc.target(), user: guest }, db.name)), 'PV_DB_ACCESS_DENIED');
  });

  it('records a batch atomically: one failing row rolls back the whole batch', async () => {
    const db = await database();
    const store = await open(db.url);
    const poll = await seed(store);
    const batch = [newVote('k1', 'a', { pollId: poll.id }), newVote('nobody', 'b', { pollId: poll.id }), newVote('k2', 'c', { pollId: poll.id })];
    await expect(store.recordVotes(batch, NO_BURST)).rejects.toThrow(/foreign key/);
    expect(await store.listVotes()).toEqual([]);
    expect(await store.recordVotes([newVote('k1', 'a', { pollId: poll.id })], NO_BURST)).toEqual([{ status: 'stored', flagged: false }]);
  });

  it('serves the burst rule, a resend and the results from their indexes, not a table scan', async () => {
    const db = await database();
    await open(db.url);
    const c = await raw(db.url);
    // The table is empty, so tell the planner a scan is out of the question; what remains
    // shows which index can serve each query (scripts/pg-explain-10m.ts shows it at 10 M rows).
    await c.query('SET enable_seqscan = off');
    const plan = async (sql: string, params: unknown[]): Promise<string> =>
      (await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(await plan(LOOKUP_VOTES.text, [['k1'], ['v1'], [T0], 10_000, 3])).toMatch(/Index Scan using votes_key/);
    expect(await plan(LOOKUP_VOTES.text, [['k1'], ['v1'], [T0], 10_000, 3])).toMatch(/votes_kiosk_pressed/);
    expect(await plan('SELECT * FROM votes WHERE kiosk_id = $1 AND vote_id = $2', ['k1', 'v1'])).toMatch(/Index Scan using votes_key/);
    expect(await plan('SELECT count(*) FROM votes WHERE flagged AND pressed_at >= $1', [T0])).toMatch(/votes_flagged/);
    expect(await plan('SELECT button, count(*) FROM votes WHERE poll_id = $1 AND flagged <= $2 GROUP BY button', [1, false])).toMatch(/Index Only Scan using votes_poll/);
  });

  it('rejects calls after close and closes twice without error', async () => {
    const db = await database();
    const store = await openPostgresVoteStore(db.url);
    await store.close();
    await expect(store.listKiosks()).rejects.toThrow(/closed/);
    await expect(store.recordVotes([newVote('k1', 'a')], NO_BURST)).rejects.toThrow(/closed/);
    await store.close();
  });
});
