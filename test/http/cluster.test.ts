import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { openPostgresVoteStore } from '../../src/store/postgres/postgres-store.js';
import type { ServerLimits } from '../../src/server/limits.js';
import { connectTcp } from '../server/helpers/tcp-kiosk.js';
import type { TestKiosk } from '../server/helpers/test-kiosk.js';
import { describePg, type TestDatabase } from '../support/postgres/test-db.js';
import { startHttpFixture, type HttpFixture } from './fixture.js';
import { openStream } from './sse-client.js';

/**
 * Three servers on one PostgreSQL database, each with its kiosk listener and HTTP front door
 * (real TCP, real HTTP, in this process). The periodic re-reads are set to an hour, so what
 * these tests see can only have come through the change notifications; latencies are printed.
 */

/** Only notifications can carry a change between servers within a test with these. */
const NOTIFICATIONS_ONLY: Partial<ServerLimits> = {
  pollWatchMs: 3_600_000,
  accessCheckMs: 3_600_000,
  claimCheckMs: 3_600_000,
  remotePresenceMs: 3_600_000,
  alertCheckMs: 3_600_000,
  scheduleCheckMs: 3_600_000,
};

describePg('several servers on one database (notifications between them)', (pgc) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  async function cluster(n: number, limits: Partial<ServerLimits> = NOTIFICATIONS_ONLY): Promise<{ db: TestDatabase; servers: HttpFixture[]; tokenFile: string }> {
    const db = await pgc.create();
    cleanups.push(db.drop);
    const dir = mkdtempSync(join(tmpdir(), 'pivote-cluster-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const tokenFile = join(dir, 'admin-token');
    const servers: HttpFixture[] = [];
    for (let i = 0; i < n; i++) {
      const f = await startHttpFixture({ db: db.url, tokenFile, limits });
      cleanups.push(() => f.close());
      servers.push(f);
    }
    return { db, servers, tokenFile };
  }

  /** Adds a kiosk through `via`'s API and connects it, authenticated, to `to`'s kiosk port. */
  async function kioskOn(via: HttpFixture, to: HttpFixture, id: string): Promise<TestKiosk> {
    const added = await via.api('POST', '/api/kiosks', { body: { id } });
    expect(added.status).toBe(201);
    return connectAs(to, id, added.json.secret as string);
  }

  async function connectAs(to: HttpFixture, id: string, secret: string): Promise<TestKiosk> {
    const k = await connectTcp(to.server.address.port);
    cleanups.push(() => k.close());
    await k.handshake(id, secret);
    return k;
  }

  const report = (what: string, ms: number): void => {
    process.stdout.write(`  cluster: ${what} in ${ms.toFixed(0)} ms\n`);
  };

  it('a poll opened and closed through one server reaches kiosks on the others', async () => {
    const { servers } = await cluster(3);
    const [a, b, c] = servers as [HttpFixture, HttpFixture, HttpFixture];
    const onB = await kioskOn(a, b, 'k-b');
    const onC = await kioskOn(a, c, 'k-c');
    const t0 = performance.now();
    const opened = await a.api('POST', '/api/polls', { body: { question: 'Tea or coffee?', options: ['tea', 'coffee'] } });
    expect(opened.status).toBe(201);
    const [pushB, pushC] = await Promise.all([onB.expect('poll'), onC.expect('poll')]);
    report('a poll opened through A reached kiosks on B and C', performance.now() - t0);
    expect(pushB.poll).toMatchObject({ id: opened.json.id, question: 'Tea or coffee?', options: ['tea', 'coffee'] });
    expect(pushC.poll).toEqual(pushB.poll);
    expect((await a.api('POST', '/api/polls/current/close')).status).toBe(200);
    expect((await onB.expect('poll')).poll).toBeNull();
    expect((await onC.expect('poll')).poll).toBeNull();
  });

  it('a revocation or a new secret through one server drops the kiosk on another', async () => {
    const { servers } = await cluster(3);
    const [a, b, c] = servers as [HttpFixture, HttpFixture, HttpFixture];
    const onB = await kioskOn(a, b, 'k-b');
    const onC = await kioskOn(a, c, 'k-c');
    const t0 = performance.now();
    expect((await a.api('POST', '/api/kiosks/k-b/revoke')).status).toBe(200);
    await onB.expectClosedWith('PV_KIOSK_REVOKED');
    report('a revocation through A dropped the kiosk on B', performance.now() - t0);
    expect((await a.api('POST', '/api/kiosks/k-c/rotate-secret')).status).toBe(200);
    await onC.expectClosedWith('PV_SECRET_ROTATED');
  });

  it('votes stored through one server move the live tally on another server\'s dashboard', async () => {
    const { servers } = await cluster(2);
    const [a, b] = servers as [HttpFixture, HttpFixture];
    const onA = await kioskOn(a, a, 'k-a');
    const poll = (await a.api('POST', '/api/polls', { body: { question: 'Q', options: ['x', 'y'] } })).json;
    await onA.expect('poll');
    const stream = await openStream(`${b.url}/api/events`, { authorization: `Bearer ${b.token}` });
    cleanups.push(() => stream.close());
    await stream.next((e) => e.event === 'snapshot');
    const t0 = performance.now();
    onA.vote('v1', 1, poll.id, 2);
    expect(await onA.expect('ack')).toMatchObject({ voteId: 'v1', status: 'stored' });
    const tally = await stream.next((e) => e.event === 'tally' && e.data.pollId === poll.id && e.data.total === 1);
    report("a vote through A moved B's live tally", performance.now() - t0);
    expect(tally.data.options.map((o: { count: number }) => o.count)).toEqual([0, 1]);
  });

  it('presence is right on every server: online, offline, and a kiosk moving between servers', async () => {
    const { servers } = await cluster(3);
    const [a, b, c] = servers as [HttpFixture, HttpFixture, HttpFixture];
    const added = await a.api('POST', '/api/kiosks', { body: { id: 'mover' } });
    const secret = added.json.secret as string;
    const stream = await openStream(`${a.url}/api/events`, { authorization: `Bearer ${a.token}` });
    cleanups.push(() => stream.close());
    await stream.next((e) => e.event === 'snapshot');
    const online = (e: { event: string; data: any }, yes: boolean) => e.event === 'presence' && e.data.kiosks.some((k: { id: string; online: boolean }) => k.id === 'mover' && k.online === yes);

    const onB = await connectAs(b, 'mover', secret);
    await stream.next((e) => online(e, true));
    // The kiosk connects to C (B's connection is, to the kiosk, dead): B drops its own.
    const from = stream.events.length;
    const onC = await connectAs(c, 'mover', secret);
    await onB.expectClosedWith('PV_REPLACED');
    // B's late writes (it marks its connection offline) carry a stale epoch and are ignored.
    await b.server.core.presence.flush();
    for (const f of servers) {
      const listed = await f.api('GET', '/api/kiosks');
      expect(listed.json.find((k: { id: string }) => k.id === 'mover')).toMatchObject({ online: true });
    }
    expect(stream.events.slice(from).some((e) => online(e, false))).toBe(false);

    onC.close();
    await stream.next((e) => online(e, false), from);
    const listed = await b.api('GET', '/api/kiosks');
    expect(listed.json.find((k: { id: string }) => k.id === 'mover')).toMatchObject({ online: false });
  });

  it('a server that starts leaves the kiosks other servers hold online', async () => {
    const { db, servers, tokenFile } = await cluster(1);
    const [a] = servers as [HttpFixture];
    await kioskOn(a, a, 'held');
    await a.server.core.presence.flush();
    const late = await startHttpFixture({ db: db.url, tokenFile, limits: NOTIFICATIONS_ONLY });
    cleanups.push(() => late.close());
    const listed = await late.api('GET', '/api/kiosks');
    expect(listed.json.find((k: { id: string }) => k.id === 'held')).toMatchObject({ online: true });
    const store = await openPostgresVoteStore(db.url);
    cleanups.push(() => store.close());
    expect((await store.getKiosk('held'))?.connected).toBe(true);
  });

  it('alerts raised on one server show on all, and an acknowledgement through another too', async () => {
    const { servers } = await cluster(3);
    const [a, b, c] = servers as [HttpFixture, HttpFixture, HttpFixture];
    expect((await a.api('POST', '/api/alert-rules', { body: { kind: 'option-share', params: { button: 1, above: 60, lastVotes: 2 } } })).status).toBe(201);
    const onA = await kioskOn(a, a, 'k-a');
    const poll = (await a.api('POST', '/api/polls', { body: { question: 'Q', options: ['x', 'y'] } })).json;
    await onA.expect('poll');
    const streams = await Promise.all(
      [b, c].map(async (f) => {
        const s = await openStream(`${f.url}/api/events`, { authorization: `Bearer ${f.token}` });
        cleanups.push(() => s.close());
        await s.next((e) => e.event === 'snapshot');
        return s;
      }),
    );
    onA.vote('v1', 1, poll.id, 1);
    onA.vote('v2', 2, poll.id, 1, 0);
    await onA.expect('ack');
    await onA.expect('ack');
    const raised = await Promise.all(streams.map((s) => s.next((e) => e.event === 'alert' && e.data.change === 'raised')));
    const id = raised[0]!.data.alert.id as number;
    expect(raised[1]!.data.alert.id).toBe(id);
    expect((await c.api('POST', `/api/alerts/${id}/ack`)).status).toBe(200);
    const acked = await streams[0]!.next((e) => e.event === 'alert' && e.data.change === 'acknowledged');
    expect(acked.data.alert).toMatchObject({ id });
  });

  it('a listener that lost its connection re-reads everything once back: a change made meanwhile still arrives', async () => {
    const { db, servers } = await cluster(2);
    const [a, b] = servers as [HttpFixture, HttpFixture];
    const onB = await kioskOn(a, b, 'k-b');
    const writer = await openPostgresVoteStore(db.url);
    cleanups.push(() => writer.close());
    await writer.listPolls(); // its pool now holds a connection
    const admin = await pgc.admin();
    const allow = (yes: boolean) => admin.query(`ALTER DATABASE ${admin.escapeIdentifier(db.name)} ALLOW_CONNECTIONS ${yes}`);
    // No new connection to the database: the listeners, once killed, cannot listen again yet.
    await allow(false);
    cleanups.push(async () => void (await allow(true)));
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'", [db.name]);
    const poll = await writer.openPoll('Opened while nobody listened', ['x', 'y'], Date.now());
    await allow(true);
    // Its notification was lost; B finds the poll when its listener is back.
    expect((await onB.expect('poll')).poll).toMatchObject({ id: poll.id });
  });

  it('a claim whose notification never came is found by the periodic re-read of claims', async () => {
    const { db, servers } = await cluster(1, { ...NOTIFICATIONS_ONLY, claimCheckMs: 200 });
    const [a] = servers as [HttpFixture];
    const onA = await kioskOn(a, a, 'k');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    cleanups.push(() => client.end());
    // What another server's claim writes, without its NOTIFY.
    await client.query("UPDATE kiosks SET claim_epoch = claim_epoch + 1, claim_server = 'elsewhere' WHERE id = 'k'");
    await onA.expectClosedWith('PV_REPLACED');
  });

  it('two connections of one kiosk authenticating on two servers at once: exactly one stays live', async () => {
    const { servers } = await cluster(2);
    const [a, b] = servers as [HttpFixture, HttpFixture];
    const secret = (await a.api('POST', '/api/kiosks', { body: { id: 'twin' } })).json.secret as string;
    for (let round = 0; round < 5; round++) {
      const [x, y] = await Promise.all([connectTcp(a.server.address.port), connectTcp(b.server.address.port)]);
      cleanups.push(() => x.close(), () => y.close());
      await Promise.allSettled([x.handshake('twin', secret), y.handshake('twin', secret)]);
      const live = () => a.server.core.stats().authenticated + b.server.core.stats().authenticated;
      for (let i = 0; i < 200 && (live() !== 1 || x.isEnded === y.isEnded); i++) await new Promise((r) => setTimeout(r, 25));
      expect(live()).toBe(1);
      expect([x.isEnded, y.isEnded].sort()).toEqual([false, true]);
      const loser = x.isEnded ? x : y;
      expect(loser.received.find((m) => m.type === 'error')).toMatchObject({ code: 'PV_REPLACED' });
      (x.isEnded ? y : x).close();
      for (let i = 0; i < 200 && live() !== 0; i++) await new Promise((r) => setTimeout(r, 25));
    }
  });

  it("organisers' other changes through one server show on another's dashboard: a draft scheduled, a kiosk added", async () => {
    const { servers } = await cluster(2);
    const [a, b] = servers as [HttpFixture, HttpFixture];
    const stream = await openStream(`${b.url}/api/events`, { authorization: `Bearer ${b.token}` });
    cleanups.push(() => stream.close());
    await stream.next((e) => e.event === 'snapshot');
    const draft = await a.api('POST', '/api/polls', { body: { question: 'Later?', options: ['x', 'y'], opensAt: new Date(Date.now() + 3_600_000).toISOString() } });
    expect(draft.status).toBe(201);
    const created = await stream.next((e) => e.event === 'poll' && e.data.reason === 'created');
    expect(created.data.poll).toMatchObject({ id: draft.json.id, state: 'draft' });
    expect((await a.api('DELETE', `/api/polls/${draft.json.id}`)).status).toBe(204);
    await stream.next((e) => e.event === 'poll' && e.data.reason === 'deleted');
    expect((await a.api('POST', '/api/kiosks', { body: { id: 'newcomer' } })).status).toBe(201);
    const fleet = await stream.next((e) => e.event === 'kiosks' && e.data.kiosks.some((k: { id: string }) => k.id === 'newcomer'));
    expect(fleet.event).toBe('kiosks');
  });
});
