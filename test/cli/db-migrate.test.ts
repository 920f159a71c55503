import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { openPostgresVoteStore } from '../../src/store/postgres/postgres-store.js';
import { openSqliteVoteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { VoteStore } from '../../src/store/types.js';
import { connectTcp } from '../server/helpers/tcp-kiosk.js';
import { startHttpFixture } from '../http/fixture.js';
import { T0, newKiosk, newVote } from '../store/contract-helpers.js';
import { describePg, type TestDatabase } from '../support/postgres/test-db.js';
import { expectPvError, run } from './helpers.js';

/**
 * `pivote db migrate --from pivote.db --to postgres://…`: an SQLite deployment with a bit of
 * everything (removed and revoked kiosks with votes, flagged and clock-unknown votes, closed,
 * open and scheduled polls, the audit log, alert rules, raised and acknowledged alerts) copied
 * into PostgreSQL, compared record by record through both stores.
 */
describePg('pivote db migrate (SQLite to PostgreSQL, and back)', (pgc) => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  async function deployment(): Promise<{ path: string; sqlite: ReturnType<typeof openSqliteVoteStore> }> {
    const dir = mkdtempSync(join(tmpdir(), 'pivote-migrate-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'pivote.db');
    const s = openSqliteVoteStore(path);
    cleanups.push(() => s.close());
    await s.addKiosks([newKiosk('hall-1'), newKiosk('hall-2'), newKiosk('gone'), newKiosk('banned')]);
    const first = await s.openPoll('First?', ['a', 'b'], T0);
    const burst = { windowMs: 10_000, maxVotes: 2 };
    await s.recordVotes(
      [
        newVote('hall-1', 'v1', { pollId: first.id, seq: 1, button: 1, pressedAt: T0 + 1_000 }),
        newVote('hall-1', 'v2', { pollId: first.id, seq: 2, button: 2, pressedAt: T0 + 2_000 }),
        newVote('hall-1', 'v3', { pollId: first.id, seq: 3, button: 2, pressedAt: T0 + 3_000 }), // flagged
        newVote('gone', 'g1', { pollId: first.id, seq: 1, button: 1, pressedAt: T0 + 4_000, clockUnknown: true }),
        newVote('banned', 'b1', { pollId: first.id, seq: 1, button: 2, pressedAt: T0 + 5_000 }),
      ],
      burst,
    );
    await s.closePoll(T0 + 60_000);
    const rule = await s.addAlertRule({ kind: 'kiosk-offline', params: { minutes: 5 }, enabled: true }, T0 + 61_000);
    const raised = await s.raiseAlert({ ruleId: rule.id, subject: 'hall-2', message: 'hall-2 is offline', at: T0 + 62_000 });
    await s.acknowledgeAlert(raised.alert.id, T0 + 63_000, 'organiser');
    await s.raiseAlert({ ruleId: rule.id, subject: 'gone', message: 'gone is offline', at: T0 + 64_000 });
    await s.revokeKiosk('gone', T0 + 65_000);
    await s.removeKiosk('gone', T0 + 66_000);
    await s.revokeKiosk('banned', T0 + 67_000);
    await s.rotateKioskSecret('hall-2', 'secret-hall-2-v2', T0 + 68_000);
    await s.updatePresence([{ kioskId: 'hall-1', lastSeenAt: T0 + 69_000, connected: true, connectedAt: T0 + 1, software: 'pivote/0.1', queued: 2, buttons: 2 }]);
    const second = await s.openPoll('Second?', ['x', 'y', 'z'], T0 + 70_000, { publicResults: 'always', closesAt: T0 + 999_000 });
    await s.recordVotes([newVote('hall-2', 'w1', { pollId: second.id, seq: 1, button: 3, pressedAt: T0 + 71_000 })], burst);
    await s.createDraftPoll({ question: 'Later?', options: ['p', 'q'], opensAt: T0 + 500_000, closesAt: null, publicResults: 'after-close' }, T0 + 72_000);
    return { path, sqlite: s };
  }

  async function target(): Promise<TestDatabase> {
    const db = await pgc.create();
    cleanups.push(db.drop);
    return db;
  }

  /** Everything the stores can list, for a record-by-record comparison. */
  async function everything(s: VoteStore) {
    const kiosks = (await s.listKiosks()).map(({ connected: _c, ...k }) => k);
    return {
      kiosks,
      polls: await s.listPolls(),
      votes: await s.listVotes(),
      audit: await s.listAudit({ limit: 1_000 }),
      rules: await s.listAlertRules(),
      alerts: await s.listAlerts({ active: false, limit: 1_000 }),
      removedKioskVotes: await s.listVotes({ kioskId: 'gone' }),
    };
  }

  it('copies everything with its ids, times and flags; a second run copies nothing and says so', async () => {
    const { path, sqlite } = await deployment();
    const db = await target();
    const first = await run(['db', 'migrate', '--from', path, '--to', db.url]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^votes +6 +6 +0 +6$/m);
    expect(first.stdout).toMatch(/^kiosks +4 +4 +0 +4$/m);
    expect(first.stdout).toContain('checked by counts');

    const pgStore = await openPostgresVoteStore(db.url);
    cleanups.push(() => pgStore.close());
    const copied = await everything(pgStore);
    expect(copied).toEqual(await everything(sqlite));
    expect(copied.votes.filter((v) => v.flagged).map((v) => v.voteId)).toEqual(['v3']);
    expect(copied.removedKioskVotes.map((v) => ({ id: v.voteId, clockUnknown: v.clockUnknown }))).toEqual([{ id: 'g1', clockUnknown: true }]);
    // A kiosk copied is not online anywhere yet.
    expect((await pgStore.getKiosk('hall-1'))?.connected).toBe(false);

    const again = await run(['db', 'migrate', '--from', path, '--to', db.url, '--format', 'json']);
    expect(again.code).toBe(0);
    const report = JSON.parse(again.stdout);
    expect(report).toMatchObject({ nothingCopied: true, verified: true });
    expect(report.tables.find((t: { table: string }) => t.table === 'votes')).toEqual({ table: 'votes', source: 6, copied: 0, alreadyThere: 6, target: 6 });
    const text = await run(['db', 'migrate', '--from', path, '--to', db.url]);
    expect(text.stdout).toContain('Nothing to copy');
    expect(await everything(pgStore)).toEqual(copied);

    // Ids go on after the copied ones: a new poll, rule and audit entry never reuse one.
    await pgStore.closePoll(T0 + 800_000);
    const next = await pgStore.openPoll('Third?', ['1', '2'], T0 + 900_000);
    expect(next.id).toBe(Math.max(...copied.polls.map((p) => p.id)) + 1);
    const entry = await pgStore.appendAudit({ at: T0 + 900_001, actor: 'x', action: 'test', subject: null, details: null });
    // (closing and opening a poll wrote two entries before it)
    expect(entry.id).toBe(Math.max(...copied.audit.map((a) => a.id)) + 3);
  });

  it('copies only what the SQLite deployment stored since the last run', async () => {
    const { path, sqlite } = await deployment();
    const db = await target();
    expect((await run(['db', 'migrate', '--from', path, '--to', db.url])).code).toBe(0);
    const open = (await sqlite.getOpenPoll())!;
    await sqlite.recordVotes([newVote('hall-1', 'late', { pollId: open.id, seq: 9, button: 1, pressedAt: T0 + 80_000 })], { windowMs: 1, maxVotes: 100 });
    const r = await run(['db', 'migrate', '--from', path, '--to', db.url, '--format', 'json']);
    expect(r.code).toBe(0);
    const votes = JSON.parse(r.stdout).tables.find((t: { table: string }) => t.table === 'votes');
    expect(votes).toEqual({ table: 'votes', source: 7, copied: 1, alreadyThere: 6, target: 7 });
  });

  it('refuses a database that holds another deployment, and one whose rows differ; nothing is copied', async () => {
    const { path, sqlite } = await deployment();
    const other = await target();
    const elsewhere = await openPostgresVoteStore(other.url);
    cleanups.push(() => elsewhere.close());
    await elsewhere.addKiosk(newKiosk('someone-elses'));
    expectPvError(await run(['db', 'migrate', '--from', path, '--to', other.url]), 'PV_MIGRATE_TARGET_IN_USE');
    expect((await elsewhere.listKiosks()).map((k) => k.id)).toEqual(['someone-elses']);

    const db = await target();
    expect((await run(['db', 'migrate', '--from', path, '--to', db.url])).code).toBe(0);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    cleanups.push(() => c.end());
    await c.query("UPDATE votes SET button = 1 WHERE vote_id = 'w1'");
    const open = (await sqlite.getOpenPoll())!;
    await sqlite.recordVotes([newVote('hall-1', 'new', { pollId: open.id, seq: 10, pressedAt: T0 + 90_000 })], { windowMs: 1, maxVotes: 100 });
    expectPvError(await run(['db', 'migrate', '--from', path, '--to', db.url]), 'PV_MIGRATE_CONFLICT');
    expect((await c.query("SELECT count(*)::int AS n FROM votes WHERE vote_id = 'new'")).rows).toEqual([{ n: 0 }]);
  });

  it('refuses two URLs or two files', async () => {
    expectPvError(await run(['db', 'migrate', '--from', 'postgres://x@y/z', '--to', 'postgres://x@y/w']), 'PV_USAGE');
    expectPvError(await run(['db', 'migrate', '--from', 'pivote.db', '--to', 'other.db']), 'PV_USAGE');
  });

  it('the other way round: a PostgreSQL database back into a new SQLite file, the same records, idempotent', async () => {
    const { path } = await deployment();
    const db = await target();
    expect((await run(['db', 'migrate', '--from', path, '--to', db.url])).code).toBe(0);
    // Something that only ever lived in PostgreSQL, with a NUL in a vote id (stored escaped there).
    const pgStore = await openPostgresVoteStore(db.url);
    cleanups.push(() => pgStore.close());
    const open = (await pgStore.getOpenPoll())!;
    await pgStore.recordVotes([newVote('hall-2', 'odd\u0000id\\x', { pollId: open.id, seq: 5, pressedAt: T0 + 95_000 })], { windowMs: 1, maxVotes: 100 });
    const back = join(mkdtempSync(join(tmpdir(), 'pivote-back-')), 'back.db');
    cleanups.push(() => rmSync(join(back, '..'), { recursive: true, force: true }));
    const r = await run(['db', 'migrate', '--from', db.url, '--to', back]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^votes +7 +7 +0 +7$/m);
    const copy = openSqliteVoteStore(back);
    cleanups.push(() => copy.close());
    expect(await everything(copy)).toEqual(await everything(pgStore));
    expect((await copy.getVote('hall-2', 'odd\u0000id\\x'))?.seq).toBe(5);
    expect((await run(['db', 'migrate', '--from', db.url, '--to', back])).stdout).toContain('Nothing to copy');
    // A file of another deployment is refused.
    expectPvError(await run(['db', 'migrate', '--from', db.url, '--to', path]), 'PV_MIGRATE_TARGET_IN_USE');
  });

  it('a server on the migrated database lets the kiosks in with the secrets they have', async () => {
    const { path } = await deployment();
    const db = await target();
    expect((await run(['db', 'migrate', '--from', path, '--to', db.url])).code).toBe(0);
    const f = await startHttpFixture({ db: db.url });
    cleanups.push(() => f.close());
    const k = await connectTcp(f.server.address.port);
    cleanups.push(() => k.close());
    const welcome = await k.handshake('hall-2', 'secret-hall-2-v2');
    expect(welcome.poll).toMatchObject({ question: 'Second?' });
    k.vote('after-migration', 2, welcome.poll!.id, 1, 0);
    expect(await k.expect('ack')).toMatchObject({ status: 'stored' });
  });
});
