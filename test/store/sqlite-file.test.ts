import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { PIVOTE_APPLICATION_ID, SCHEMA_VERSION } from '../../src/store/sqlite/schema.js';
import { openSqliteVoteStore, type SqliteVoteStore } from '../../src/store/sqlite/sqlite-store.js';
import { NO_BURST, T0, expectCode, newKiosk, newVote, seed } from './contract-helpers.js';

/** What the SQLite store promises beyond the shared contract: the file, durability, sharing. */
describe('SqliteVoteStore file behaviour', () => {
  let dir: string;
  let file: string;
  const toClose: { close(): unknown }[] = [];

  const open = (opts?: { readonly?: boolean }): SqliteVoteStore => {
    const s = openSqliteVoteStore(file, opts);
    toClose.push(s);
    return s;
  };
  /** A second, independent connection, as another process would have. */
  const rawConnection = (opts?: Database.Options): Database.Database => {
    const db = new Database(file, opts);
    toClose.push(db);
    return db;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pivote-sqlite-'));
    file = join(dir, 'pivote.db');
  });
  afterEach(async () => {
    for (const c of toClose.splice(0).reverse()) await c.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses WAL, synchronous=FULL, foreign keys and a busy timeout', () => {
    expect(open().settings()).toEqual({ journalMode: 'wal', synchronous: 2, foreignKeys: true, busyTimeoutMs: 5000, readonly: false });
  });

  it('creates a new path with the pivote application id, schema version and meta rows', () => {
    open();
    const db = rawConnection({ readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(PIVOTE_APPLICATION_ID);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const meta = Object.fromEntries((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    expect(meta).toMatchObject({ application: 'pivote', schema_version: String(SCHEMA_VERSION) });
  });

  it('turns an empty file into a pivote database', async () => {
    writeFileSync(file, '');
    const store = open();
    await store.addKiosk(newKiosk('k1'));
    expect((await store.listKiosks()).map((k) => k.id)).toEqual(['k1']);
  });

  it('after recordVotes resolves, a fresh connection to the file sees the rows', async () => {
    const store = open();
    const poll = await seed(store);
    const batch = [1, 2, 3].map((seq) => newVote('k1', `v${seq}`, { pollId: poll.id, seq, pressedAt: T0 + seq }));
    await store.recordVotes(batch, NO_BURST);
    const other = rawConnection({ readonly: true });
    const rows = other.prepare('SELECT vote_id FROM votes ORDER BY seq').pluck().all();
    expect(rows).toEqual(['v1', 'v2', 'v3']);
  });

  it('records a batch atomically: one failing row rolls back the whole batch', async () => {
    const store = open();
    const poll = await seed(store);
    // The server never sends an unregistered kiosk, so this can only be a bug: the foreign key
    // refuses it, and the earlier rows of the same transaction must not survive.
    const batch = [newVote('k1', 'a', { pollId: poll.id }), newVote('nobody', 'b', { pollId: poll.id }), newVote('k2', 'c', { pollId: poll.id })];
    await expect(store.recordVotes(batch, NO_BURST)).rejects.toThrow(/FOREIGN KEY/);
    expect(rawConnection({ readonly: true }).prepare('SELECT count(*) FROM votes').pluck().get()).toBe(0);
    expect(await store.recordVotes([newVote('k1', 'a', { pollId: poll.id })], NO_BURST)).toEqual([{ status: 'stored', flagged: false }]);
  });

  it('counts results from vote rows, so rows written by another process count', async () => {
    const store = open();
    const poll = await seed(store);
    await store.recordVotes([newVote('k1', 'a', { pollId: poll.id, button: 2 })], NO_BURST);
    rawConnection()
      .prepare('INSERT INTO votes VALUES (?, ?, 1, ?, 2, ?, ?, 0, 0)')
      .run('k2', 'b', poll.id, T0, T0);
    expect((await store.countVotes({ pollId: poll.id, includeFlagged: false })).map((c) => c.count)).toEqual([0, 2, 0]);
  });

  it('checks bursts through the (kiosk_id, pressed_at) index, not a table scan', () => {
    open();
    const plan = rawConnection({ readonly: true })
      .prepare('EXPLAIN QUERY PLAN SELECT count(*) FROM votes WHERE kiosk_id = ? AND pressed_at BETWEEN ? AND ?')
      .all('k1', 0, 1) as { detail: string }[];
    expect(plan.map((r) => r.detail).join('\n')).toMatch(/USING COVERING INDEX votes_kiosk_pressed/);
  });

  it('keeps data across reopening', async () => {
    const first = open();
    const poll = await seed(first);
    await first.recordVotes([newVote('k1', 'a', { pollId: poll.id })], NO_BURST);
    await first.close();
    const second = open();
    expect(await second.getOpenPoll()).toEqual(poll);
    expect(await second.listVotes()).toHaveLength(1);
  });

  it('shares state between two open connections (server and CLI)', async () => {
    const server = open();
    const cli = open();
    await server.addKiosk(newKiosk('k1'));
    await cli.openPoll('Q', ['A', 'B'], T0);
    await expectCode(server.openPoll('Q2', ['C', 'D'], T0), 'PV_POLL_ALREADY_OPEN');
    await cli.revokeKiosk('k1', T0 + 1);
    expect((await server.listKioskAccess()).filter((a) => a.refused).map((a) => a.id)).toEqual(['k1']);
    await cli.closePoll(T0 + 2);
    await expectCode(server.closePoll(T0 + 3), 'PV_NO_OPEN_POLL');
  });

  it('refuses a file that is not SQLite with PV_NOT_A_PIVOTE_DB and leaves it untouched', () => {
    const junk = 'this is a shopping list, not a database\n'.repeat(200);
    writeFileSync(file, junk);
    expect(() => openSqliteVoteStore(file)).toThrow(expect.objectContaining({ code: 'PV_NOT_A_PIVOTE_DB' }));
    expect(readFileSync(file, 'utf8')).toBe(junk);
  });

  it("refuses another application's SQLite database and does not switch it to WAL", () => {
    const foreign = rawConnection();
    foreign.exec('CREATE TABLE recipes (name TEXT)');
    foreign.close();
    expect(() => openSqliteVoteStore(file)).toThrow(expect.objectContaining({ code: 'PV_NOT_A_PIVOTE_DB' }));
    const check = rawConnection({ readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(check.prepare('SELECT name FROM sqlite_schema').pluck().all()).toEqual(['recipes']);
  });

  it('refuses an SQLite file with another application id, even an empty one', () => {
    const foreign = rawConnection();
    foreign.pragma('application_id = 42');
    foreign.close();
    expect(() => openSqliteVoteStore(file)).toThrow(expect.objectContaining({ code: 'PV_NOT_A_PIVOTE_DB' }));
  });

  it('refuses a pivote database with a newer schema version with PV_DB_TOO_NEW', async () => {
    await open().close();
    const db = rawConnection();
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openSqliteVoteStore(file)).toThrow(expect.objectContaining({ code: 'PV_DB_TOO_NEW' }));
    expect(() => openSqliteVoteStore(file, { readonly: true })).toThrow(expect.objectContaining({ code: 'PV_DB_TOO_NEW' }));
  });

  describe('read-only', () => {
    it('refuses a missing path with PV_NOT_A_PIVOTE_DB and does not create it', () => {
      expect(() => openSqliteVoteStore(file, { readonly: true })).toThrow(expect.objectContaining({ code: 'PV_NOT_A_PIVOTE_DB' }));
      expect(existsSync(file)).toBe(false);
    });

    it('refuses an empty file with PV_NOT_A_PIVOTE_DB', () => {
      writeFileSync(file, '');
      expect(() => openSqliteVoteStore(file, { readonly: true })).toThrow(expect.objectContaining({ code: 'PV_NOT_A_PIVOTE_DB' }));
    });

    it('reads what a writer committed, while the writer is still open, and refuses writes', async () => {
      const writer = open();
      const poll = await seed(writer);
      await writer.recordVotes([newVote('k1', 'a', { pollId: poll.id })], NO_BURST);
      const reader = open({ readonly: true });
      expect(reader.settings().readonly).toBe(true);
      expect(await reader.getOpenPoll()).toEqual(poll);
      expect((await reader.countVotes({ pollId: poll.id, includeFlagged: false }))[0]?.count).toBe(1);
      await expect(reader.addKiosk(newKiosk('k9'))).rejects.toThrow(/readonly/);
    });

    it('opens a cleanly closed WAL database (no -wal/-shm files left)', async () => {
      const writer = open();
      await seed(writer);
      await writer.close();
      expect((await open({ readonly: true }).listKiosks()).map((k) => k.id)).toEqual(['k1', 'k2', 'k3']);
    });
  });

  it('upgrades a schema-1 database in place: polls, kiosks and votes keep every value', async () => {
    const v1 = rawConnection();
    v1.exec(MIGRATIONS[0]!);
    v1.pragma(`application_id = ${PIVOTE_APPLICATION_ID}`);
    v1.pragma('user_version = 1');
    v1.prepare("INSERT INTO kiosks (id, name, location, secret, created_at, revoked_at) VALUES ('k1', 'K one', 'Hall', 's1', ?, NULL)").run(T0);
    v1.prepare("INSERT INTO polls (question, options, state, opened_at, closed_at) VALUES ('Q', '[\"A\",\"B\"]', 'closed', ?, ?)").run(T0, T0 + 5);
    v1.prepare("INSERT INTO polls (question, options, state, opened_at) VALUES ('Q2', '[\"C\",\"D\"]', 'open', ?)").run(T0 + 6);
    v1.prepare("INSERT INTO votes VALUES ('k1', 'v1', 1, 1, 2, ?, ?, 0, 0)").run(T0 + 1, T0 + 2);
    v1.close();
    const store = open();
    expect(await store.getKiosk('k1')).toMatchObject({ name: 'K one', secret: 's1', secretVersion: 1, buttons: null, idConflict: null });
    expect(await store.listPolls()).toMatchObject([
      { id: 2, state: 'open', createdAt: T0 + 6, openedAt: T0 + 6, closedAt: null, publicResults: 'never' },
      { id: 1, state: 'closed', createdAt: T0, openedAt: T0, closedAt: T0 + 5, opensAt: null, closesAt: null },
    ]);
    expect(await store.listVotes()).toEqual([{ ...newVote('k1', 'v1', { pollId: 1, button: 2, pressedAt: T0 + 1, receivedAt: T0 + 2 }), flagged: false }]);
    await expectCode(store.openPoll('Q3', ['E', 'F'], T0 + 7), 'PV_POLL_ALREADY_OPEN'); // the one-open-poll index survived the rebuild
    const check = rawConnection();
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(check.pragma('foreign_key_check')).toEqual([]);
  });

  it('several processes creating the same new database at once all get it, migrated once', async () => {
    const { spawn } = await import('node:child_process');
    const { pathToFileURL } = await import('node:url');
    const { ensureBuilt } = await import('../e2e/build.js');
    await ensureBuilt();
    const storeModule = pathToFileURL(join(process.cwd(), 'dist/store/sqlite/sqlite-store.js')).href;
    const script = `const { openSqliteVoteStore } = await import(${JSON.stringify(storeModule)});
      try { const s = openSqliteVoteStore(process.argv[1]); await s.addKiosk({ id: 'k' + process.pid, name: 'k', location: '', secret: 's', createdAt: 1 }); await s.close(); console.log('ok'); }
      catch (e) { console.log('ERR', e.code, e.message); }`;
    const outputs = await Promise.all(
      Array.from({ length: 6 }, () => new Promise<string>((resolve) => {
        const p = spawn(process.execPath, ['--input-type=module', '-e', script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.on('close', () => resolve(out.trim()));
      })),
    );
    expect(outputs).toEqual(Array.from({ length: 6 }, () => 'ok'));
    expect((await open().listKiosks()).length).toBe(6);
    expect((await open().listAudit({ limit: 10 })).filter((e) => e.action === 'kiosk.add')).toHaveLength(6);
  });
});
