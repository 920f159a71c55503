import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { openPostgresVoteStore, type PostgresVoteStore } from '../../src/store/postgres/postgres-store.js';
import type { ServerLimits } from '../../src/server/limits.js';
import { connectTcp } from '../server/helpers/tcp-kiosk.js';
import type { TestKiosk } from '../server/helpers/test-kiosk.js';
import { PgCluster, pgAvailability } from '../support/postgres/cluster.js';
import { describePg } from '../support/postgres/test-db.js';
import { TcpCutProxy } from '../support/tcp-cut-proxy.js';
import { startServer } from '../../src/server/run-server.js';
import { captureLogger } from '../server/helpers/fixture.js';
import { startHttpFixture, type HttpFixture } from './fixture.js';

/**
 * `pivote server` on PostgreSQL while the database goes away: stopped, crashed, or refusing
 * writes as a standby does after a failover. The server keeps its kiosk connections, answers
 * heartbeats, acknowledges nothing, says it is not ready and why, and once the database is back
 * every vote is acknowledged and stored exactly once. A cluster of its own: stopping the run's
 * shared one would break other test files.
 */
describePg('a server whose database goes away and comes back', () => {
  let cluster: PgCluster;
  let n = 0;
  const cleanups: (() => Promise<unknown> | void)[] = [];

  beforeAll(async () => {
    const avail = pgAvailability();
    if (!avail.ok) throw new Error(avail.reason);
    cluster = await PgCluster.start(avail);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
    // A test that failed half-way must not leave the next one without a database.
    if (!(await isUp())) cluster.startServer();
  });

  async function isUp(): Promise<boolean> {
    try {
      await (await cluster.admin()).end();
      return true;
    } catch {
      return false;
    }
  }

  /** `viaProxy`: the server reaches the database through a TCP proxy the test can cut. */
  async function setup(limits: Partial<ServerLimits> = {}, viaProxy?: TcpCutProxy): Promise<{ f: HttpFixture; store: PostgresVoteStore; kiosks: TestKiosk[]; pollId: number; name: string }> {
    const name = `outage_${++n}`;
    const admin = await cluster.admin();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = cluster.url(name);
    const serverUrl = viaProxy ? `postgres://postgres@127.0.0.1:${await viaProxy.listen()}/${name}` : url;
    const f = await startHttpFixture({ db: serverUrl, limits });
    cleanups.push(() => f.close());
    const store = await openPostgresVoteStore(url);
    cleanups.push(() => store.close());
    const kiosks: TestKiosk[] = [];
    for (const id of ['k1', 'k2', 'k3']) {
      const added = await f.api('POST', '/api/kiosks', { body: { id } });
      const k = await connectTcp(f.server.address.port);
      cleanups.push(() => k.close());
      await k.handshake(id, added.json.secret as string);
      kiosks.push(k);
    }
    const pollId = (await f.api('POST', '/api/polls', { body: { question: 'Q', options: ['x', 'y'] } })).json.id as number;
    for (const k of kiosks) await k.expect('poll');
    return { f, store, kiosks, pollId, name };
  }

  /** `count` votes per kiosk, numbered from `from` (flags do not matter here). */
  function send(kiosks: TestKiosk[], pollId: number, from: number, count: number): void {
    for (const [i, k] of kiosks.entries()) {
      for (let s = from; s < from + count; s++) k.vote(`k${i + 1}-v${s}`, s, pollId, 1 + (s % 2), 0);
    }
  }

  async function acks(k: TestKiosk, count: number): Promise<string[]> {
    const statuses: string[] = [];
    while (statuses.length < count) {
      const m = await k.next();
      if (m.type === 'ack') statuses.push(m.status);
      else if (m.type !== 'heartbeat_ack') throw new Error(`expected an ack, got ${JSON.stringify(m)}`);
    }
    return statuses;
  }

  const readyz = async (f: HttpFixture) => {
    const res = await fetch(`${f.url}/readyz`);
    return { status: res.status, body: (await res.json()) as { status: string; reason?: string } };
  };

  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

  for (const mode of ['fast', 'immediate'] as const) {
    it(`database stopped (${mode}) and started: connections kept, nothing acknowledged meanwhile, every vote stored once after`, async () => {
      const { f, store, kiosks, pollId } = await setup();
      send(kiosks, pollId, 1, 2);
      for (const k of kiosks) expect(await acks(k, 2)).toEqual(['stored', 'stored']);

      cluster.stopServer(mode);
      send(kiosks, pollId, 3, 5);
      await wait(1_500);
      // Connections are open and answered: a heartbeat gets its answer, no vote an ack.
      for (const k of kiosks) {
        k.send({ type: 'heartbeat', queued: 5 });
        expect(await k.next()).toMatchObject({ type: 'heartbeat_ack' });
        expect(k.unread).toEqual([]);
        expect(k.isEnded).toBe(false);
      }
      const notReady = await readyz(f);
      expect(notReady.status).toBe(503);
      expect(notReady.body.reason).toMatch(/database/);

      cluster.startServer();
      for (const k of kiosks) expect(await acks(k, 5)).toEqual(['stored', 'stored', 'stored', 'stored', 'stored']);
      expect((await readyz(f)).status).toBe(200);
      const votes = await store.listVotes({ pollId });
      expect(votes).toHaveLength(21);
      expect(new Set(votes.map((v) => `${v.kioskId}/${v.voteId}`)).size).toBe(21);
    });
  }

  it('writes refused as by a standby after a failover: not ready, retried, committed once writes return', async () => {
    const { f, store, kiosks, pollId, name } = await setup();
    const admin = await cluster.admin();
    cleanups.push(() => admin.end());
    const readOnly = async (on: boolean) => {
      await admin.query(`ALTER DATABASE ${name} SET default_transaction_read_only = ${on}`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    };
    await readOnly(true);
    send(kiosks.slice(0, 1), pollId, 1, 3);
    let ready = await readyz(f);
    for (let i = 0; i < 100 && ready.status === 200; i++) {
      await wait(50);
      ready = await readyz(f);
    }
    expect(ready.status).toBe(503);
    expect(ready.body.reason).toMatch(/votes wait for the database/);
    expect(kiosks[0]!.unread.filter((m) => m.type === 'ack')).toEqual([]);
    await readOnly(false);
    expect(await acks(kiosks[0]!, 3)).toEqual(['stored', 'stored', 'stored']);
    expect(await store.listVotes({ pollId })).toHaveLength(3);
    expect((await readyz(f)).status).toBe(200);
  });

  it('stops reading from kiosks while too many votes wait (backpressure), and reads again once they are stored', async () => {
    const { f, store, kiosks, pollId } = await setup({ maxPendingVotes: 6 });
    cluster.stopServer('fast');
    // One vote per kiosk at a time, so each arrives in a chunk of its own.
    for (let s = 1; s <= 4; s++) {
      send(kiosks, pollId, s, 1);
      await wait(100);
    }
    await wait(300);
    // 12 sent; reading stopped once 6 waited, give or take the chunks already read.
    const pending = f.server.core.stats().pendingVotes;
    expect(pending).toBeGreaterThanOrEqual(6);
    expect(pending).toBeLessThan(12);
    // Not read now: a heartbeat stays unanswered.
    for (const k of kiosks) k.send({ type: 'heartbeat', queued: 0 });
    await wait(500);
    for (const k of kiosks) expect(k.unread.some((m) => m.type === 'heartbeat_ack')).toBe(false);
    cluster.startServer();
    for (const k of kiosks) expect(await acks(k, 4)).toEqual(['stored', 'stored', 'stored', 'stored']);
    expect(await store.listVotes({ pollId })).toHaveLength(12);
    expect(f.server.core.stats().pendingVotes).toBe(0);
    expect(f.server.core.stats().authenticated).toBe(3);
  });

  it('a poll closed elsewhere while the server could not reach the database: votes pressed after the close are refused once it can, earlier ones stored', async () => {
    const proxy = new TcpCutProxy({ path: join(cluster.target.socketDir, `.s.PGSQL.${cluster.target.port}`) });
    cleanups.push(() => proxy.close());
    const { f, store, kiosks, pollId } = await setup({}, proxy);
    // The server is cut off from the database (a partition between the two)...
    proxy.blockUntilUnblocked();
    // ...when the poll is closed through another way in (as another server would).
    await store.closePoll(Date.now());
    const closedAt = (await store.getPoll(pollId))!.closedAt!;
    await wait(50);
    const k = kiosks[0]!;
    k.vote('pressed-before-close', 1, pollId, 1, Date.now() - closedAt + 2_000);
    k.vote('pressed-after-close', 2, pollId, 2, 0);
    await wait(500);
    expect(k.unread).toEqual([]);
    proxy.unblock();
    const answers = [];
    while (answers.length < 2) {
      const m = await k.next();
      if (m.type === 'ack' || m.type === 'reject') answers.push(m);
      else expect(m).toEqual({ type: 'poll', poll: null }); // the close, pushed once the server hears of it
    }
    expect(answers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'ack', voteId: 'pressed-before-close', status: 'stored' }),
        expect.objectContaining({ type: 'reject', voteId: 'pressed-after-close', code: 'PV_POLL_CLOSED' }),
      ]),
    );
    expect((await store.listVotes({ pollId })).map((v) => v.voteId)).toEqual(['pressed-before-close']);
    expect(f.server.core.stats().pendingVotes).toBe(0);
  });

  it('just after a partition from the database, before the server has read the polls again: votes for a poll closed meanwhile are refused, not stored', async () => {
    const proxy = new TcpCutProxy({ path: join(cluster.target.socketDir, `.s.PGSQL.${cluster.target.port}`) });
    cleanups.push(() => proxy.close());
    // The periodic re-read of the open poll is far away: only the stale-view check can save it.
    const { store, kiosks, pollId } = await setup({ pollWatchMs: 60_000 }, proxy);
    proxy.blockUntilUnblocked();
    await store.closePoll(Date.now());
    await wait(300);
    proxy.unblock();
    const k = kiosks[0]!;
    k.vote('pressed-after-close', 1, pollId, 1, 0);
    let answer;
    do answer = await k.next();
    while (answer.type === 'poll');
    expect(answer).toMatchObject({ type: 'reject', voteId: 'pressed-after-close', code: 'PV_POLL_CLOSED' });
    expect(await store.listVotes({ pollId })).toEqual([]);
  });

  it('votes judged while cut off, but first tried after the server has read the polls again, are still checked against the close', async () => {
    const proxy = new TcpCutProxy({ path: join(cluster.target.socketDir, `.s.PGSQL.${cluster.target.port}`) });
    cleanups.push(() => proxy.close());
    // The open poll is read again soon after the partition; a waiting batch retries only later.
    const { store, kiosks, pollId } = await setup({ pollWatchMs: 100 }, proxy);
    const [first, second] = kiosks as [TestKiosk, TestKiosk];
    proxy.blockUntilUnblocked();
    first.vote('before-close', 1, pollId, 1, 0); // a batch that waits for the database
    await wait(300);
    await store.closePoll(Date.now());
    await wait(50);
    second.vote('after-close', 1, pollId, 1, 0); // queued behind it, judged on the stale view
    await wait(300);
    proxy.unblock();
    const answer = async (k: TestKiosk) => {
      for (;;) {
        const m = await k.next();
        if (m.type === 'ack' || m.type === 'reject') return m;
      }
    };
    expect(await answer(first)).toMatchObject({ type: 'ack', voteId: 'before-close', status: 'stored' });
    expect(await answer(second)).toMatchObject({ type: 'reject', voteId: 'after-close', code: 'PV_POLL_CLOSED' });
    expect((await store.listVotes({ pollId })).map((v) => v.voteId)).toEqual(['before-close']);
  });

  it('a server started while its database is down waits for it (with backoff), then starts', async () => {
    const name = `outage_${++n}`;
    const admin = await cluster.admin();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    cluster.stopServer('fast');
    const { logger, lines } = captureLogger('info');
    const starting = startServer({ dbPath: cluster.url(name), host: '127.0.0.1', port: 0, logger });
    await wait(1_000);
    await cluster.startServerAsync();
    const running = await starting;
    cleanups.push(() => running.close());
    expect(lines.find((l) => l.msg === 'the database does not answer yet; waiting for it')).toBeDefined();
    expect(lines.find((l) => l.msg === 'the database answers')).toBeDefined();
    expect(running.listening()).toBe(true);
  });

  it('gives up after storeWaitMs with PV_STORE_UNAVAILABLE', async () => {
    cluster.stopServer('fast');
    const err = await startServer({ dbPath: cluster.url('postgres'), host: '127.0.0.1', port: 0, logger: captureLogger('fatal').logger, storeWaitMs: 700 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PV_STORE_UNAVAILABLE' });
    cluster.startServer();
  });
});
