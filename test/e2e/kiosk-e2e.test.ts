import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FEEDBACK_PATTERNS, STATUS_PATTERNS } from '../../src/gpio/index.js';
import { Outbox, outboxPath } from '../../src/kiosk/outbox/outbox.js';
import { newSecret } from '../../src/protocol/auth.js';
import { openSqliteVoteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { StoredVote } from '../../src/store/types.js';
import { playsPattern } from '../kiosk-app/led-match.js';
import { waitFor } from '../kiosk-app/wait.js';
import { AckHoldingProxy } from './ack-proxy.js';
import { ensureBuilt } from './build.js';
import { KioskProcess, killAll, startServerProcess } from './processes.js';

/**
 * Real processes over real TCP: `pivote server` and `pivote kiosk --gpio mock --mock-control`.
 * LED assertions read the kiosk's LED changes, streamed as JSON lines, as a mock history.
 */

/** Timer jitter of a loaded machine, per pattern step. */
const TOL = 120;

let dirs: string[] = [];
let proxies: AckHoldingProxy[] = [];

beforeAll(async () => {
  await ensureBuilt();
}, 200_000);

afterEach(async () => {
  await killAll();
  for (const p of proxies) await p.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  proxies = [];
});

function workDir(): { dir: string; db: string; dataDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pivote-e2e-'));
  dirs.push(dir);
  return { dir, db: join(dir, 'pivote.db'), dataDir: join(dir, 'kiosk') };
}

async function provision(db: string, kioskId: string, options: string[]): Promise<string> {
  const store = openSqliteVoteStore(db);
  try {
    const secret = newSecret();
    await store.addKiosk({ id: kioskId, name: kioskId, location: 'e2e', secret, createdAt: Date.now() });
    await store.openPoll('Which colour?', options, Date.now());
    return secret;
  } finally {
    await store.close();
  }
}

async function votesIn(db: string): Promise<StoredVote[]> {
  const store = openSqliteVoteStore(db, { readonly: true });
  try {
    return await store.listVotes();
  } finally {
    await store.close();
  }
}

async function closePoll(db: string): Promise<void> {
  const store = openSqliteVoteStore(db);
  try {
    await store.closePoll(Date.now());
  } finally {
    await store.close();
  }
}

async function onlineKiosk(kiosk: KioskProcess, options: number): Promise<void> {
  await kiosk.ready();
  await kiosk.until(
    () => kiosk.connection === 'online' && Array.from({ length: options }, (_, i) => kiosk.isLit(i + 1)).every(Boolean),
    `online with ${options} option LEDs lit`,
  );
}

describe('kiosk and server processes over TCP', () => {
  it('press -> the server stores it -> the LED confirms; SIGTERM -> LEDs off, exit 0', async () => {
    const { db, dataDir } = workDir();
    const secret = await provision(db, 'e2e-confirm', ['red', 'green', 'blue']);
    const server = await startServerProcess(db);
    const kiosk = KioskProcess.start({ server: `127.0.0.1:${server.port}`, kioskId: 'e2e-confirm', secret, dataDir });
    await onlineKiosk(kiosk, 3);
    expect(kiosk.isLit(4)).toBe(false);
    expect(kiosk.isLit('status')).toBe(true);

    const from = kiosk.lastLedAtMs();
    await kiosk.press(2);
    await kiosk.until(
      () => playsPattern(kiosk.history(2), FEEDBACK_PATTERNS.confirmed, { fromMs: from, toleranceMs: TOL }),
      'LED 2 to play "confirmed"',
    );
    const votes = await votesIn(db);
    expect(votes.map((v) => ({ kioskId: v.kioskId, button: v.button, seq: v.seq }))).toEqual([{ kioskId: 'e2e-confirm', button: 2, seq: 1 }]);
    expect(await kiosk.stats()).toMatchObject({ pending: 0, acked: 1, rejected: 0 });

    expect(await kiosk.kill('SIGTERM')).toBe(0);
    for (const led of [1, 2, 3, 4, 'status'] as const) expect(kiosk.isLit(led), `LED ${led}`).toBe(false);
  });

  it('server stopped -> press saved, offline shown -> server back -> delivered exactly once', async () => {
    const { db, dataDir } = workDir();
    const secret = await provision(db, 'e2e-offline', ['yes', 'no']);
    const server = await startServerProcess(db);
    const kiosk = KioskProcess.start({ server: `127.0.0.1:${server.port}`, kioskId: 'e2e-offline', secret, dataDir });
    await onlineKiosk(kiosk, 2);

    expect(await server.stop()).toBe(0);
    await kiosk.until(() => kiosk.connection === 'offline', 'the kiosk to notice');
    const offlineAt = kiosk.lastLedAtMs();
    await kiosk.press(1);
    await kiosk.until(
      () => playsPattern(kiosk.history(1), FEEDBACK_PATTERNS.savedOffline, { fromMs: offlineAt, toleranceMs: TOL }),
      'LED 1 to play "saved, will send"',
    );
    await kiosk.untilPolled(
      () => playsPattern(kiosk.history('status'), STATUS_PATTERNS.offline, { fromMs: offlineAt, toleranceMs: TOL }),
      'the status LED to blink "offline"',
    );
    expect(await kiosk.stats()).toMatchObject({ pending: 1, acked: 0 });
    expect(await votesIn(db)).toEqual([]);

    await startServerProcess(db, server.port);
    await kiosk.statsUntil((s) => s.pending === 0 && s.acked === 1 && s.connection === 'online', 'the vote to be acknowledged', 15_000);
    const votes = await votesIn(db);
    expect(votes.map((v) => ({ button: v.button, seq: v.seq }))).toEqual([{ button: 1, seq: 1 }]);
    await kiosk.until(() => kiosk.isLit('status'), 'status LED steady on');
  }, 40_000);

  it('kiosk killed with SIGKILL after a press, before its ack -> restarted -> counted exactly once', async () => {
    const { db, dataDir } = workDir();
    const secret = await provision(db, 'e2e-kill', ['left', 'middle', 'right']);
    const server = await startServerProcess(db);
    const proxy = new AckHoldingProxy({ host: '127.0.0.1', port: server.port });
    proxies.push(proxy);
    const via = `127.0.0.1:${await proxy.listen()}`;
    proxy.holdAcks = true;

    const first = KioskProcess.start({ server: via, kioskId: 'e2e-kill', secret, dataDir });
    await onlineKiosk(first, 3);
    await first.press(3);
    await waitFor(async () => (await votesIn(db)).length === 1, 'the server to store the vote');
    await waitFor(() => proxy.held.length === 1, 'the ack to be held back');
    expect(await first.stats()).toMatchObject({ pending: 1, acked: 0 });
    await first.kill('SIGKILL');

    proxy.holdAcks = false;
    const second = KioskProcess.start({ server: via, kioskId: 'e2e-kill', secret, dataDir });
    await second.statsUntil((s) => s.pending === 0 && s.acked === 1, 'the resent vote to be acknowledged', 15_000);
    const votes = await votesIn(db);
    expect(votes).toHaveLength(1);
    expect(votes[0]).toMatchObject({ kioskId: 'e2e-kill', button: 3, seq: 1 });

    second.send('quit');
    expect(await second.exited()).toBe(0);
    const outbox = new Outbox(outboxPath(dataDir));
    try {
      // The resend was answered as a duplicate of what the server already had.
      expect(outbox.get(votes[0]!.voteId)).toMatchObject({ state: 'acked', outcome: 'duplicate' });
      expect(outbox.counts()).toEqual({ pending: 0, acked: 1, rejected: 0 });
    } finally {
      outbox.close();
    }
  }, 40_000);

  it('poll closed -> the options go dark -> a press shows "not accepted" and is not recorded', async () => {
    const { db, dataDir } = workDir();
    const secret = await provision(db, 'e2e-closed', ['tea', 'coffee']);
    const server = await startServerProcess(db);
    const kiosk = KioskProcess.start({ server: `127.0.0.1:${server.port}`, kioskId: 'e2e-closed', secret, dataDir });
    await onlineKiosk(kiosk, 2);

    await closePoll(db);
    await kiosk.until(() => !kiosk.isLit(1) && !kiosk.isLit(2), 'the closed poll to reach the kiosk');
    const from = kiosk.lastLedAtMs();
    await kiosk.press(1);
    await kiosk.until(
      () => playsPattern(kiosk.history(1), FEEDBACK_PATTERNS.refused, { fromMs: from, toleranceMs: TOL }),
      'LED 1 to play "not accepted"',
    );
    expect(await kiosk.stats()).toMatchObject({ pending: 0, acked: 0, rejected: 0, pollId: null });
    expect(await votesIn(db)).toEqual([]);
  });
});
