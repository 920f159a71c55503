import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newSecret } from '../../src/protocol/auth.js';
import { describePg } from '../support/postgres/test-db.js';
import { pgProcessTests } from './pg-processes.js';
import { KioskProcess, startServerProcess, type ServerProcess } from './processes.js';

/**
 * A TCP load balancer in front of two servers on one PostgreSQL (docs/SCALING.md, "Deployment
 * patterns"): HAProxy in TCP mode, the kiosk configured with the balancer's address only. The
 * server holding the kiosk is SIGKILLed; the balancer closes the kiosk's connection, the kiosk
 * reconnects to the balancer, which sends it to the other server. Needs Debian's `haproxy`
 * package: skipped (reason in the title) without it, required with PIVOTE_LB_TEST_REQUIRED=1.
 */

const HAPROXY = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => spawnSync(p, ['-v']).status === 0);
const required = process.env.PIVOTE_LB_TEST_REQUIRED === '1';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** The configuration docs/SCALING.md gives, with this run's ports. */
function haproxyConfig(listenPort: number, servers: readonly number[]): string {
  return [
    'global',
    '  maxconn 4000',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    // Longer than three kiosk heartbeats (45 s): an idle kiosk is never cut by the balancer.
    '  timeout client 2m',
    '  timeout server 2m',
    // A connection to a server that died before the health check noticed goes to another one.
    '  retries 2',
    '  option redispatch',
    'listen pivote_kiosks',
    `  bind 127.0.0.1:${listenPort}`,
    '  balance leastconn',
    ...servers.map((p, i) => `  server s${i + 1} 127.0.0.1:${p} check inter 1s fall 2 rise 2`),
    '',
  ].join('\n');
}

if (!HAPROXY && required) {
  describe('kiosks behind HAProxy', () => {
    it('needs haproxy', () => {
      throw new Error('haproxy is not installed (apt-get install haproxy) and PIVOTE_LB_TEST_REQUIRED=1');
    });
  });
} else if (!HAPROXY) {
  describe.skip('kiosks behind HAProxy — SKIPPED: haproxy is not installed (apt-get install haproxy)', () => {
    it('skipped', () => undefined);
  });
} else {
  describePg('kiosks behind HAProxy (TCP mode) in front of two servers', (pgc) => {
    const { cleanups, fresh } = pgProcessTests(pgc, 'pivote-lb-');

    function startHaproxy(config: string, dir: string): ChildProcess {
      const file = join(dir, 'haproxy.cfg');
      writeFileSync(file, config);
      const p = spawn(HAPROXY!, ['-f', file, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
      cleanups.push(() => new Promise<void>((resolve) => {
        if (p.exitCode !== null || p.signalCode !== null) return resolve();
        p.once('exit', () => resolve());
        p.kill('SIGKILL');
      }));
      return p;
    }

    it('a server dies: the balancer sends the reconnecting kiosk to the other one; every vote stored once', async () => {
      const { db, store, dir } = await fresh();
      const secret = newSecret();
      await store.addKiosk({ id: 'behind-lb', name: 'behind-lb', location: 'e2e', secret, createdAt: Date.now() });
      const poll = await store.openPoll('Through the balancer?', ['yes', 'no'], Date.now());
      const tokenFile = join(dir, 'admin-token');
      const servers: ServerProcess[] = [];
      for (let i = 0; i < 2; i++) servers.push(await startServerProcess(db.url, 0, ['--admin-token-file', tokenFile]));
      const lbPort = await freePort();
      const haproxy = startHaproxy(haproxyConfig(lbPort, servers.map((s) => s.port)), dir);
      let haproxyErr = '';
      haproxy.stderr!.on('data', (c: Buffer) => (haproxyErr += c.toString()));

      const kiosk = KioskProcess.start({ server: `127.0.0.1:${lbPort}`, kioskId: 'behind-lb', secret, dataDir: join(dir, 'kiosk'), logLevel: 'info' });
      await kiosk.until(() => kiosk.connection === 'online' && kiosk.isLit(1), 'online through the balancer', 20_000).catch((err: Error) => {
        throw new Error(`${err.message}\nhaproxy: ${haproxyErr}`);
      });
      await kiosk.press(1);
      await kiosk.statsUntil((s) => s.acked === 1, 'first press acknowledged');
      const holder = servers.findIndex((s) => s.logs.some((l) => l.msg === 'kiosk authenticated' && l.kioskId === 'behind-lb'));
      expect(holder).toBeGreaterThanOrEqual(0);

      const t0 = performance.now();
      servers[holder]!.process.kill('SIGKILL');
      await kiosk.until(() => kiosk.connection !== 'online', 'the kiosk to notice');
      await kiosk.until(() => kiosk.connection === 'online', 'online again through the balancer', 20_000);
      process.stdout.write(`  load balancer: kiosk online again on the other server ${(performance.now() - t0).toFixed(0)} ms after the kill\n`);
      const other = servers[1 - holder]!;
      expect(other.logs.some((l) => l.msg === 'kiosk authenticated' && l.kioskId === 'behind-lb')).toBe(true);
      await new Promise((r) => setTimeout(r, 1_600)); // the kiosk's lockout after its first press
      await kiosk.press(2);
      await kiosk.statsUntil((s) => s.acked === 2 && s.pending === 0, 'second press acknowledged');
      const votes = await store.listVotes({ pollId: poll.id });
      expect(votes.map((v) => v.button)).toEqual([1, 2]);
      expect(await other.stop()).toBe(0);
    });
  });
}
