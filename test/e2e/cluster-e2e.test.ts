import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { newSecret } from '../../src/protocol/auth.js';
import type { VoteStore } from '../../src/store/types.js';
import { describePg } from '../support/postgres/test-db.js';
import { CLI, ROOT } from './build.js';
import { pgProcessTests } from './pg-processes.js';
import { KioskProcess, startServerProcess, type ServerProcess } from './processes.js';

/**
 * Three `pivote server` processes on one PostgreSQL database, kiosks spread over them, each kiosk
 * configured with all three servers (its own first). Everything is a real process over real TCP
 * and HTTP; the servers run with their default settings. Latencies are printed, not asserted:
 * the deadlines only catch hangs.
 */
describePg('three servers on one PostgreSQL (processes)', (pgc) => {
  const { cleanups, fresh } = pgProcessTests(pgc, 'pivote-cluster-e2e-');

  async function setup(): Promise<{ store: VoteStore; dir: string; servers: ServerProcess[]; token: string; tokenFile: string }> {
    const { db, store, dir } = await fresh();
    const tokenFile = join(dir, 'admin-token');
    // The first creates the token file; the others share it (as a deployment would).
    const first = await startServerProcess(db.url, 0, ['--admin-token-file', tokenFile]);
    const rest = await Promise.all([1, 2].map(() => startServerProcess(db.url, 0, ['--admin-token-file', tokenFile])));
    return { store, dir, servers: [first, ...rest], token: readFileSync(tokenFile, 'utf8').trim(), tokenFile };
  }

  /** A `pivote` command as a process: exit code and output. */
  const pivote = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const p = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      cleanups.push(() => void (p.exitCode === null && p.signalCode === null && p.kill('SIGKILL')));
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      p.once('exit', (code) => resolve({ code, stdout, stderr }));
    });

  const api = async (server: ServerProcess, token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.httpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as any };
  };

  const addresses = (servers: ServerProcess[], first: number) => servers.map((_, i) => `127.0.0.1:${servers[(first + i) % servers.length]!.port}`);
  const report = (what: string, ms: number) => process.stdout.write(`  cluster e2e: ${what}: ${ms.toFixed(0)} ms\n`);
  const heldBy = (servers: ServerProcess[], kioskId: string): number => {
    // The server that last logged authenticating the kiosk holds it.
    let best = { i: -1, time: 0 };
    for (const [i, s] of servers.entries()) {
      for (const l of s.logs) if (l.msg === 'kiosk authenticated' && l.kioskId === kioskId && (l.time as number) >= best.time) best = { i, time: l.time as number };
    }
    return best.i;
  };

  it('a poll opened through one server reaches kiosks on all three; a revocation through one drops the kiosk on another; the tally and presence agree on every server', async () => {
    const { store, dir, servers, token, tokenFile } = await setup();
    const kiosks: KioskProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const id = `proc-${i}`;
      const secret = newSecret();
      await store.addKiosk({ id, name: id, location: 'e2e', secret, createdAt: Date.now() });
      kiosks.push(KioskProcess.start({ server: addresses(servers, i), kioskId: id, secret, dataDir: join(dir, id), logLevel: 'info' }));
    }
    await Promise.all(kiosks.map((k) => k.ready()));
    await Promise.all(kiosks.map((k) => k.until(() => k.connection === 'online', 'online')));
    // Each kiosk is on the server its list starts with.
    expect(kiosks.map((_, i) => heldBy(servers, `proc-${i}`))).toEqual([0, 1, 2]);

    const t0 = performance.now();
    const opened = await api(servers[0]!, token, 'POST', '/api/polls', { question: 'Which way?', options: ['left', 'right'] });
    expect(opened.status).toBe(201);
    const seen = await Promise.all(kiosks.map((k) => k.until(() => k.isLit(1) && k.isLit(2) && performance.now(), 'the poll shown')));
    for (const [i, at] of seen.entries()) report(`poll opened through server 1 shown on the kiosk on server ${i + 1}`, at - t0);

    // `pivote sim` (a process) with the three servers: its kiosks are spread over them, voting meanwhile.
    const serverList = servers.map((srv) => `127.0.0.1:${srv.port}`);
    const simRun = pivote([
      'sim', '--server', serverList.slice(0, 2).join(','), '--server', serverList[2]!, '--url', servers[2]!.httpUrl, '--token-file', tokenFile,
      '--kiosks', '6', '--votes', '60', '--rate', '20', '--lockout-ms', '0', '--seed', '7', '--data-dir', join(dir, 'sim'), '--format', 'json',
    ]);
    for (const k of kiosks) await k.press(1);

    // Revoked through server 1, the kiosk on server 2 is dropped.
    const t1 = performance.now();
    expect((await api(servers[0]!, token, 'POST', '/api/kiosks/proc-1/revoke')).status).toBe(200);
    await kiosks[1]!.until(() => kiosks[1]!.connection === 'error' && performance.now(), 'the revoked kiosk dropped');
    report('revocation through server 1 dropped the kiosk on server 2', performance.now() - t1);

    const simDone = await simRun;
    expect(simDone.stderr).toBe('');
    const result = JSON.parse(simDone.stdout) as { ok: boolean; acknowledged: number; server: string };
    expect(result).toMatchObject({ ok: true, acknowledged: 60, server: serverList.join(', ') });
    expect(new Set(Array.from({ length: 6 }, (_, i) => heldBy(servers, `sim-${i + 1}`)))).toEqual(new Set([0, 1, 2]));
    for (const k of [kiosks[0]!, kiosks[2]!]) await k.statsUntil((s) => s.pending === 0 && s.acked === 1, 'its press acknowledged');
    const stored = await store.countVotes({ pollId: opened.json.id, includeFlagged: true });
    const total = stored.reduce((n, c) => n + c.count, 0);
    // proc-1's press may have been made just before or after its revocation.
    expect(total - result.acknowledged - 2).toBeGreaterThanOrEqual(0);
    expect(total - result.acknowledged - 2).toBeLessThanOrEqual(1);
    expect((await store.listVotes({ pollId: opened.json.id })).length).toBe(total);

    // Every server's API gives the same results and the same presence.
    const t2 = performance.now();
    const views = await Promise.all(servers.map((s) => api(s, token, 'GET', `/api/polls/${opened.json.id}/results?includeFlagged=true`)));
    for (const v of views) expect(v.json.total).toBe(total);
    const online = async (s: ServerProcess) =>
      ((await api(s, token, 'GET', '/api/kiosks')).json as { id: string; online: boolean }[])
        .filter((k) => k.online)
        .map((k) => k.id)
        .sort();
    // The simulated kiosks stopped with the simulation; proc-1 is revoked.
    const expected = ['proc-0', 'proc-2'];
    for (const s of servers) {
      for (let i = 0; i < 40 && JSON.stringify(await online(s)) !== JSON.stringify(expected); i++) await new Promise((r) => setTimeout(r, 50));
      expect(await online(s)).toEqual(expected);
    }
    report('every server showing the same results and presence', performance.now() - t2);
    for (const s of servers) expect(await s.stop()).toBe(0);
  });

  it("a server killed (SIGKILL): its kiosks fail over to the next server in their list, and show online there; no vote lost or doubled", async () => {
    const { store, dir, servers, token } = await setup();
    const poll = await store.openPoll('Still counting?', ['yes', 'no'], Date.now());
    const kiosks: KioskProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const id = `fo-${i}`;
      const secret = newSecret();
      await store.addKiosk({ id, name: id, location: 'e2e', secret, createdAt: Date.now() });
      kiosks.push(KioskProcess.start({ server: addresses(servers, i), kioskId: id, secret, dataDir: join(dir, id), logLevel: 'info' }));
    }
    await Promise.all(kiosks.map((k) => k.until(() => k.connection === 'online' && k.isLit(1), 'online with the poll')));
    for (const k of kiosks) await k.press(1);
    await Promise.all(kiosks.map((k) => k.statsUntil((s) => s.acked === 1, 'first press acknowledged')));

    const t0 = performance.now();
    servers[1]!.process.kill('SIGKILL');
    await kiosks[1]!.until(() => kiosks[1]!.connection !== 'online', 'the kiosk of the killed server offline');
    await kiosks[1]!.until(() => kiosks[1]!.connection === 'online', 'online again through another server', 20_000);
    report('a kiosk of a killed server online again on the next one', performance.now() - t0);
    expect(heldBy([servers[0]!, servers[2]!], 'fo-1')).toBe(1); // its list: server 2, 3, 1 → server 3
    // The kiosks' lockout after a press (1.5 s) may not be over yet.
    await new Promise((r) => setTimeout(r, Math.max(0, 1_600 - (performance.now() - t0))));
    for (const k of kiosks) await k.press(2);
    await Promise.all(kiosks.map((k) => k.statsUntil((s) => s.acked === 2 && s.pending === 0, 'second press acknowledged')));
    const votes = await store.listVotes({ pollId: poll.id });
    expect(votes).toHaveLength(6);
    expect(new Set(votes.map((v) => `${v.kioskId}/${v.voteId}`)).size).toBe(6);
    for (const s of [servers[0]!, servers[2]!]) {
      const listed = (await api(s, token, 'GET', '/api/kiosks')).json as { id: string; online: boolean }[];
      expect(listed.filter((k) => k.online).map((k) => k.id).sort()).toEqual(['fo-0', 'fo-1', 'fo-2']);
    }
  });
});
