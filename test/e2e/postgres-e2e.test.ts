import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { expect, it } from 'vitest';
import { FEEDBACK_PATTERNS } from '../../src/gpio/index.js';
import { newSecret } from '../../src/protocol/auth.js';
import { provisionSimKiosks } from '../../src/kiosk/sim/provision.js';
import { runSimulation } from '../../src/kiosk/sim/simulation.js';
import { playsPattern } from '../kiosk-app/led-match.js';
import { describePg } from '../support/postgres/test-db.js';
import { pgProcessTests } from './pg-processes.js';
import { KioskProcess, startServerProcess } from './processes.js';

/**
 * `pivote server --db postgres://...` as a real process, with real kiosks over TCP: the same
 * product as on SQLite, the votes landing in PostgreSQL.
 */
describePg('pivote server on PostgreSQL (processes over TCP)', (pgc) => {
  const { fresh } = pgProcessTests(pgc, 'pivote-pg-e2e-');

  it('a press on a kiosk is stored in PostgreSQL and confirmed by its LED', async () => {
    const { db, store, dir } = await fresh();
    const secret = newSecret();
    await store.addKiosk({ id: 'pg-kiosk', name: 'pg-kiosk', location: 'e2e', secret, createdAt: Date.now() });
    const poll = await store.openPoll('Which colour?', ['red', 'green'], Date.now());
    const server = await startServerProcess(db.url, 0, ['--admin-token-file', join(dir, 'admin-token')]);
    expect(server.logs.find((l) => l.msg === 'listening for kiosks')).toMatchObject({ store: 'postgres' });
    const kiosk = KioskProcess.start({ server: `127.0.0.1:${server.port}`, kioskId: 'pg-kiosk', secret, dataDir: join(dir, 'kiosk') });
    await kiosk.ready();
    await kiosk.until(() => kiosk.connection === 'online' && kiosk.isLit(1) && kiosk.isLit(2), 'online with the poll shown');
    const from = kiosk.lastLedAtMs();
    await kiosk.press(2);
    await kiosk.until(() => playsPattern(kiosk.history(2), FEEDBACK_PATTERNS.confirmed, { fromMs: from, toleranceMs: 120 }), 'LED 2 to play "confirmed"');
    const votes = await store.listVotes();
    expect(votes.map((v) => ({ kioskId: v.kioskId, pollId: v.pollId, button: v.button, seq: v.seq, flagged: v.flagged }))).toEqual([
      { kioskId: 'pg-kiosk', pollId: poll.id, button: 2, seq: 1, flagged: false },
    ]);
    // The HTTP API of the same server answers from PostgreSQL too.
    const token = readFileSync(server.tokenFile, 'utf8').trim();
    const res = await fetch(`${server.httpUrl}/api/polls/${poll.id}/results`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain('"green"');
    expect((await fetch(`${server.httpUrl}/readyz`)).status).toBe(200);
    expect(await server.stop()).toBe(0);
  });

  it('two servers on one database: simulated kiosks on both, every acknowledged vote counted once', async () => {
    const { db, store, dir } = await fresh();
    const poll = await store.openPoll('Tea or coffee?', ['tea', 'coffee', 'water'], Date.now());
    const [one, two] = await Promise.all([
      startServerProcess(db.url, 0, ['--admin-token-file', join(dir, 'token-one')]),
      startServerProcess(db.url, 0, ['--admin-token-file', join(dir, 'token-two')]),
    ]);
    const logger = pino({ level: 'silent' });
    const run = async (port: number, prefix: string) =>
      runSimulation(
        {
          server: { host: '127.0.0.1', port },
          kiosks: await provisionSimKiosks(store, 4, Date.now(), prefix),
          votes: 40,
          rate: 30,
          lockoutMs: 0,
          seed: prefix.length,
          dataDir: join(dir, prefix),
        },
        { logger },
      );
    const [a, b] = await Promise.all([run(one.port, 'via-one'), run(two.port, 'via-two')]);
    expect(a).toMatchObject({ ok: true, acknowledged: 40 });
    expect(b).toMatchObject({ ok: true, acknowledged: 40 });
    const counts = await store.countVotes({ pollId: poll.id, includeFlagged: true });
    expect(counts.reduce((n, c) => n + c.count, 0)).toBe(80);
    const votes = await store.listVotes({ pollId: poll.id });
    expect(new Set(votes.map((v) => `${v.kioskId}/${v.voteId}`)).size).toBe(80);
    expect(new Set(votes.map((v) => v.kioskId.split('-').slice(0, 2).join('-')))).toEqual(new Set(['via-one', 'via-two']));
    expect(await one.stop()).toBe(0);
    expect(await two.stop()).toBe(0);
  });
});
