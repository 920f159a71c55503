import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GoodKiosk } from '../hostile/helpers/good-kiosk.js';
import { startServerProcess, type ServerProcess } from '../hostile/helpers/server-process.js';
import { readVotes, seedDb, type Seeded } from '../hostile/helpers/seed.js';
import { connectPeer } from '../hostile/helpers/tcp-peer.js';
import { until, WirePeer } from '../hostile/helpers/wire-peer.js';
import { makeTestCerts, type TestCerts } from './helpers/certs.js';
import { KioskUnderTest } from './helpers/kiosk-under-test.js';

/**
 * `pivote server --tls-cert --tls-key` as a real process, with the real kiosk core connecting
 * through the connector its config asks for. Certificates are made by openssl for each run.
 */

const AUTH_TIMEOUT_MS = 1_500;

interface Running {
  server: ServerProcess;
  seeded: Seeded;
  dbPath: string;
}

let dir: string;
let certs: TestCerts;
let caServer: Running;
let pinServer: Running;
let plainServer: Running;
const kiosks: KioskUnderTest[] = [];

async function start(name: string, tlsArgs: string[]): Promise<Running> {
  const dbPath = join(dir, `${name}.db`);
  const seeded = await seedDb(dbPath, ['tls-1', 'tls-2', 'tls-3', 'tls-4']);
  const server = await startServerProcess({ dbPath, args: [...tlsArgs, '--auth-timeout-ms', String(AUTH_TIMEOUT_MS), '--burst-max', '1000000'] });
  return { server, seeded, dbPath };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pivote-tls-server-'));
  certs = makeTestCerts(dir);
  [caServer, pinServer, plainServer] = await Promise.all([
    start('ca', ['--tls-cert', certs.server.cert, '--tls-key', certs.server.key]),
    start('pin', ['--tls-cert', certs.selfSigned.cert, '--tls-key', certs.selfSigned.key]),
    start('plain', []),
  ]);
}, 60_000);

afterEach(async () => {
  for (const k of kiosks.splice(0)) await k.stop();
});

afterAll(async () => {
  for (const r of [caServer, pinServer, plainServer]) r?.server.kill();
  rmSync(dir, { recursive: true, force: true });
});

function kiosk(r: Running, kioskId: string, tls: ConstructorParameters<typeof KioskUnderTest>[3]): KioskUnderTest {
  const k = new KioskUnderTest(r.server.port, kioskId, r.seeded.secrets.get(kioskId)!, tls);
  kiosks.push(k);
  return k;
}

async function expectVoteCounted(r: Running, k: KioskUnderTest): Promise<void> {
  const voteId = k.press(r.seeded.poll!.id, 2);
  await k.waitForAck(voteId);
  const stored = (await readVotes(r.dbPath)).find((v) => v.voteId === voteId);
  expect(stored).toMatchObject({ button: 2, pollId: r.seeded.poll!.id });
}

async function expectRefused(k: KioskUnderTest, reason: RegExp): Promise<void> {
  const detail = await k.waitForStatus('error');
  expect(detail.code).toBe('PV_TLS_UNTRUSTED');
  expect(detail.reason).toMatch(reason);
  const line = k.logs.find((l) => l.msg === 'disconnected' && l.code === 'PV_TLS_UNTRUSTED');
  expect(line?.level).toBe(50);
  expect(String(line?.reason)).toMatch(reason);
  expect(k.statuses.some((s) => s.status === 'online')).toBe(false);
}

describe('TLS between kiosk and server', () => {
  it('a kiosk that trusts the CA connects, votes, and the vote is counted', async () => {
    const k = kiosk(caServer, 'tls-1', { ca: certs.ca.cert });
    await k.waitForStatus('online');
    await expectVoteCounted(caServer, k);
  });

  it('a kiosk that trusts another CA refuses the server: status error, PV_TLS_UNTRUSTED, the reason logged, the vote kept', async () => {
    const k = kiosk(caServer, 'tls-2', { ca: certs.otherCa.cert });
    k.press(caServer.seeded.poll!.id, 1);
    await expectRefused(k, /not signed by the configured CA|chains to a CA other/);
    expect(k.outbox.pendingCount()).toBe(1);
  });

  it('a kiosk pinning the server certificate\'s fingerprint connects and votes', async () => {
    const k = kiosk(pinServer, 'tls-1', { fingerprint: certs.selfSignedFingerprint });
    await k.waitForStatus('online');
    await expectVoteCounted(pinServer, k);
  });

  it('a kiosk pinning another fingerprint refuses the server', async () => {
    const k = kiosk(pinServer, 'tls-2', { fingerprint: certs.serverFingerprint.replaceAll(':', '').toLowerCase() });
    await expectRefused(k, /not the pinned/);
  });

  it('a TLS kiosk pointed at a plaintext server refuses it as a failed TLS handshake', async () => {
    const k = kiosk(plainServer, 'tls-1', { ca: certs.ca.cert });
    await expectRefused(k, /TLS handshake/);
  });

  it('a plaintext kiosk at a TLS server is closed cleanly by the server, which carries on', async () => {
    const peer = new WirePeer(
      await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port: caServer.server.port }, () => resolve(s));
        s.once('error', reject);
      }),
    );
    peer.send({ type: 'hello', v: 1, kioskId: 'tls-3', software: 'plain/1' });
    await until(() => peer.isEnded, 'the server closing the plaintext connection', 3_000);
    expect(peer.received).toEqual([]);
    peer.close();

    const plainKiosk = kiosk(caServer, 'tls-3', undefined);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(plainKiosk.statuses.some((s) => s.status === 'online')).toBe(false);
    // The server is unharmed: a TLS kiosk still gets in.
    const k = kiosk(caServer, 'tls-4', { ca: certs.ca.cert });
    await k.waitForStatus('online');
    expect(caServer.server.alive).toBe(true);
  });

  it('closes connections that never finish their TLS handshake by the authentication deadline, while a TLS kiosk keeps voting', async () => {
    const good = await connectPeer(caServer.server.port, { ca: readFileSync(certs.ca.cert) });
    await good.handshake('tls-4', caServer.seeded.secrets.get('tls-4')!);
    const voter = new GoodKiosk(good, caServer.seeded.poll!.id, 3);
    voter.start();
    const silent: WirePeer[] = [];
    const trickling: WirePeer[] = [];
    const open = () =>
      new Promise<WirePeer>((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port: caServer.server.port }, () => resolve(new WirePeer(s)));
        s.once('error', reject);
      });
    const opened = performance.now();
    for (let i = 0; i < 200; i++) silent.push(await open());
    // A TLS record header announcing 512 bytes of handshake, then one byte a second.
    const record = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]), Buffer.alloc(512, 1)]);
    for (let i = 0; i < 20; i++) trickling.push(await open());
    let sent = 0;
    const trickle = setInterval(() => {
      for (const p of trickling) p.write(record.subarray(sent, sent + 1));
      sent++;
    }, 1_000);
    for (const p of trickling) p.write(record.subarray(0, 1));
    try {
      await until(() => [...silent, ...trickling].every((p) => p.isEnded), 'every stalled handshake closed', AUTH_TIMEOUT_MS + 5_000);
    } finally {
      clearInterval(trickle);
    }
    const closedAfter = performance.now() - opened;
    await voter.stop();
    good.close();
    expect(closedAfter).toBeLessThan(AUTH_TIMEOUT_MS + 4_000);
    expect(voter.failures).toEqual([]);
    expect(voter.acked.size).toBeGreaterThan(5);
    expect(caServer.server.codes.get('PV_AUTH_TIMEOUT') ?? 0).toBeGreaterThanOrEqual(220);
    for (const p of [...silent, ...trickling]) p.close();
  });

  it('every server survived all of the above and stops cleanly on SIGTERM, even with TLS handshakes pending', async () => {
    const pending = await Promise.all(
      Array.from(
        { length: 20 },
        () =>
          new Promise<WirePeer>((resolve, reject) => {
            const s = net.connect({ host: '127.0.0.1', port: caServer.server.port }, () => resolve(new WirePeer(s)));
            s.once('error', reject);
          }),
      ),
    );
    for (const r of [caServer, pinServer, plainServer]) {
      expect(r.server.alive).toBe(true);
      expect(r.server.notable.filter((l) => l.level >= 50)).toEqual([]);
      const stopping = performance.now();
      expect(await r.server.stop()).toBe(0);
      expect(performance.now() - stopping).toBeLessThan(5_000);
    }
    expect(pending.every((p) => p.isEnded)).toBe(true);
  });
});
