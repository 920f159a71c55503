import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPivote, startServerProcess, type ServerProcess } from '../hostile/helpers/server-process.js';
import { makeTestCerts, type TestCerts } from './helpers/certs.js';

/** `pivote sim` reaches a TLS server with the same trust options a kiosk config has. */
describe('pivote sim over TLS', () => {
  let certs: TestCerts;
  let server: ServerProcess | undefined;
  let dbPath: string;
  beforeAll(async () => {
    certs = makeTestCerts(mkdtempSync(join(tmpdir(), 'pivote-sim-tls-')));
    dbPath = join(certs.dir, 'p.db');
    expect((await runPivote(['db', 'init', '--db', dbPath])).code).toBe(0);
    const opened = await runPivote(['poll', 'open', '--db', dbPath, '--question', 'Q', '--option', 'A', '--option', 'B']);
    expect(opened.code, opened.stderr).toBe(0);
    server = await startServerProcess({ dbPath, args: ['--tls-cert', certs.server.cert, '--tls-key', certs.server.key] });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(certs.dir, { recursive: true, force: true });
  });

  const sim = (...trust: string[]) =>
    runPivote(['sim', '--server', `127.0.0.1:${server!.port}`, '--db', dbPath, '--kiosks', '2', '--votes', '4', '--format', 'json', '--drain-timeout', '5', ...trust], 30_000);

  it('delivers every vote when it trusts the CA, and when it pins the certificate', async () => {
    for (const trust of [['--tls-ca', certs.ca.cert], ['--tls-fingerprint', certs.serverFingerprint]]) {
      const r = await sim(...trust);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ pressed: 4, acknowledged: 4, queued: 0, ok: true });
    }
  });

  it('delivers nothing to a server it cannot verify', async () => {
    const r = await sim('--tls-ca', certs.otherCa.cert);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PV_');
  });
});
