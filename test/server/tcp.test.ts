import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeAuthMac, newSecret } from '../../src/protocol/auth.js';
import { startServer, type RunningServer } from '../../src/server/run-server.js';
import { MemoryVoteStore } from '../../src/store/memory/memory-store.js';
import { openSqliteVoteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { VoteStore } from '../../src/store/types.js';
import { captureLogger } from './helpers/fixture.js';
import { connectTcp } from './helpers/tcp-kiosk.js';
import type { TestKiosk } from './helpers/test-kiosk.js';

/** Integration: the real TCP listener on 127.0.0.1:0, over the SQLite file store and the memory store. */

const NO_FLAGS = { windowMs: 1, maxVotes: 1_000_000 };

interface Env {
  dbPath: string | null;
  store: VoteStore;
  running: RunningServer;
  secrets: Map<string, string>;
  pollId: number;
}

let dir: string;
let env: Env | undefined;
const clients: TestKiosk[] = [];
const extra: { close(): unknown }[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pivote-server-'));
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await env?.running.close();
  await env?.store.close();
  for (const e of extra.splice(0)) await e.close();
  env = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function start(kind: 'sqlite' | 'memory', kioskIds: string[]): Promise<Env> {
  const dbPath = kind === 'sqlite' ? join(dir, 'pivote.db') : null;
  const store = dbPath ? openSqliteVoteStore(dbPath) : new MemoryVoteStore();
  const secrets = new Map<string, string>();
  for (const id of kioskIds) {
    const secret = newSecret();
    secrets.set(id, secret);
    await store.addKiosk({ id, name: id, location: 'hall', secret, createdAt: Date.now() });
  }
  const poll = await store.openPoll('Which?', ['a', 'b', 'c', 'd'], Date.now());
  const { logger } = captureLogger('info');
  const running = await startServer({ store, host: '127.0.0.1', port: 0, logger, burst: NO_FLAGS, limits: { pollWatchMs: 100 } });
  env = { dbPath, store, running, secrets, pollId: poll.id };
  return env;
}

async function kiosk(e: Env, id: string): Promise<TestKiosk> {
  const k = await connectTcp(e.running.address.port);
  clients.push(k);
  await k.handshake(id, e.secrets.get(id)!);
  return k;
}

describe.each(['sqlite', 'memory'] as const)('over TCP with the %s store', (kind) => {
  it('50 kiosks x 20 votes at once: every vote acked stored, counted exactly', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `kiosk-${i}`);
    const e = await start(kind, ids);
    const kiosks = await Promise.all(ids.map((id) => kiosk(e, id)));
    const expected = [0, 0, 0, 0];
    kiosks.forEach((k, i) => {
      for (let s = 1; s <= 20; s++) {
        const button = 1 + ((i + s) % 4);
        expected[button - 1]!++;
        k.vote(`${ids[i]}-v${s}`, s, e.pollId, button, 5);
      }
    });
    await Promise.all(
      kiosks.map(async (k, i) => {
        const acks = [];
        for (let s = 1; s <= 20; s++) acks.push(await k.expect('ack'));
        expect(acks.every((a) => a.status === 'stored' && !a.flagged)).toBe(true);
        expect(new Set(acks.map((a) => a.voteId)).size).toBe(20);
        expect(acks.every((a) => a.voteId.startsWith(`${ids[i]}-`))).toBe(true);
      }),
    );
    const counts = await e.store.countVotes({ pollId: e.pollId, includeFlagged: false });
    expect(counts.map((c) => c.count)).toEqual(expected);
    expect(await e.store.listVotes()).toHaveLength(1_000);
    expect(e.running.core.stats()).toMatchObject({ authenticated: 50, committedVotes: 1_000, pendingVotes: 0 });
    expect(e.running.core.stats().commits).toBeLessThan(1_000); // grouped, not one per vote
  });

  it('a resent vote, also after reconnecting, is answered duplicate and counted once', async () => {
    const e = await start(kind, ['k1']);
    const a = await kiosk(e, 'k1');
    a.vote('v1', 1, e.pollId, 2);
    expect(await a.expect('ack')).toMatchObject({ status: 'stored' });
    a.vote('v1', 1, e.pollId, 2);
    expect(await a.expect('ack')).toMatchObject({ status: 'duplicate' });
    a.close();
    const b = await kiosk(e, 'k1');
    b.vote('v1', 1, e.pollId, 2);
    expect(await b.expect('ack')).toMatchObject({ status: 'duplicate' });
    expect((await e.store.countVotes({ pollId: e.pollId, includeFlagged: true }))[1]?.count).toBe(1);
  });

  it('a poll change made through another store connection reaches connected kiosks', async () => {
    const e = await start(kind, ['k1', 'k2']);
    const a = await kiosk(e, 'k1');
    const b = await kiosk(e, 'k2');
    // Like `pivote poll close/open` from another process: its own connection to the file.
    const cli = e.dbPath ? openSqliteVoteStore(e.dbPath) : e.store;
    if (e.dbPath) extra.push(cli);
    await cli.closePoll(Date.now());
    const next = await cli.openPoll('Next?', ['x', 'y'], Date.now());
    for (const k of [a, b]) {
      const m = await k.expect('poll');
      // a watcher may see the close and the open separately or together; the last word is the new poll
      const last = m.poll === null ? await k.expect('poll') : m;
      expect(last.poll).toMatchObject({ id: next.id, question: 'Next?', options: ['x', 'y'] });
    }
  });

  it('a kiosk revoked through another store connection is dropped within about a second', async () => {
    const e = await start(kind, ['k1', 'k2']);
    const a = await kiosk(e, 'k1');
    const b = await kiosk(e, 'k2');
    const cli = e.dbPath ? openSqliteVoteStore(e.dbPath) : e.store;
    if (e.dbPath) extra.push(cli);
    const t0 = Date.now();
    await cli.revokeKiosk('k1', Date.now());
    await a.expectClosedWith('PV_KIOSK_REVOKED');
    expect(Date.now() - t0).toBeLessThan(2_000);
    b.vote('still-here', 1, e.pollId, 1);
    expect(await b.expect('ack')).toMatchObject({ status: 'stored' });
  });

  it('a wrong secret is refused with PV_AUTH_FAILED', async () => {
    const e = await start(kind, ['k1']);
    const k = await connectTcp(e.running.address.port);
    clients.push(k);
    const c = await k.hello('k1');
    k.send({ type: 'auth', mac: computeAuthMac(newSecret(), 'k1', c.nonce) });
    await k.expectClosedWith('PV_AUTH_FAILED');
    expect(e.running.core.stats().authenticated).toBe(0);
  });

  it('a garbage-spewing client is closed while a good kiosk keeps voting, every vote acked', async () => {
    const e = await start(kind, ['good']);
    const good = await kiosk(e, 'good');
    const spewer = await connectTcp(e.running.address.port);
    clients.push(spewer);
    let spewing = true;
    const spew = (async () => {
      for (let i = 0; i < 2_000 && spewing && !spewer.isEnded; i++) {
        const junk = Buffer.alloc(1_024);
        for (let j = 0; j < junk.length; j++) junk[j] = (i * 31 + j * 7) % 256;
        spewer.sendRaw(junk);
        await new Promise((r) => setImmediate(r));
      }
    })();
    const total = 300;
    const window = 32;
    for (let sent = 0; sent < total; sent += window) {
      for (let s = sent + 1; s <= Math.min(total, sent + window); s++) good.vote(`g${s}`, s, e.pollId, 1 + (s % 4));
      for (let s = sent + 1; s <= Math.min(total, sent + window); s++) expect(await good.expect('ack')).toMatchObject({ status: 'stored' });
    }
    await spewer.ended;
    spewing = false;
    await spew;
    const err = spewer.received.find((m) => m.type === 'error');
    expect(['PV_BAD_JSON', 'PV_BAD_UTF8', 'PV_FRAME_TOO_LARGE']).toContain(err?.type === 'error' ? err.code : undefined);
    expect(await e.store.listVotes({ kioskId: 'good' })).toHaveLength(total);
  });
});

describe('durability (SQLite file)', () => {
  it('when an ack arrives, a separate connection to the file already finds the row', async () => {
    const e = await start('sqlite', ['k1']);
    const k = await kiosk(e, 'k1');
    const reader = new Database(e.dbPath!, { readonly: true });
    extra.push(reader);
    const find = reader.prepare('SELECT button, seq FROM votes WHERE kiosk_id = ? AND vote_id = ?');
    for (let s = 1; s <= 25; s++) {
      k.vote(`v${s}`, s, e.pollId, 3);
      const ack = await k.expect('ack');
      // no await between the ack and the read
      expect(find.get('k1', ack.voteId)).toEqual({ button: 3, seq: s });
    }
  });

  it('startServer({ dbPath }) opens the file, serves, and closes it on close()', async () => {
    const dbPath = join(dir, 'own.db');
    const admin = openSqliteVoteStore(dbPath);
    const secret = newSecret();
    await admin.addKiosk({ id: 'k1', name: 'k1', location: 'l', secret, createdAt: Date.now() });
    const poll = await admin.openPoll('Q?', ['a', 'b'], Date.now());
    extra.push(admin);
    const { logger } = captureLogger('info');
    const running = await startServer({ dbPath, host: '127.0.0.1', port: 0, logger });
    try {
      const k = await connectTcp(running.address.port);
      clients.push(k);
      await k.handshake('k1', secret);
      k.vote('v1', 1, poll.id, 2);
      await k.expect('ack');
      const closing = running.close();
      await k.expectClosedWith('PV_SERVER_SHUTDOWN');
      await closing;
      await expect(running.store.listKiosks()).rejects.toThrow(/closed/);
      expect(await admin.listVotes()).toHaveLength(1);
    } finally {
      await running.close();
    }
  });
});
