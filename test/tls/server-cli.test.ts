import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectPvError, run } from '../cli/helpers.js';
import { makeTestCerts, type TestCerts } from './helpers/certs.js';

/** `pivote server` TLS options: refused clearly, before listening, when they cannot work. */

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts(mkdtempSync(join(tmpdir(), 'pivote-tls-cli-')));
});
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

const server = (...args: string[]) => run(['server', '--host', '127.0.0.1', '--port', '0', '--db', join(certs.dir, 'p.db'), '--log-level', 'fatal', ...args]);

describe('pivote server --tls-cert/--tls-key', () => {
  it('needs both options or neither (PV_USAGE)', async () => {
    expectPvError(await server('--tls-cert', certs.server.cert), 'PV_USAGE');
    expectPvError(await server('--tls-key', certs.server.key), 'PV_USAGE');
  });

  it('refuses an unreadable file, a file that is not PEM, and a key of another certificate (PV_TLS_CONFIG, naming the file)', async () => {
    const missing = join(certs.dir, 'missing.pem');
    const r1 = await server('--tls-cert', missing, '--tls-key', certs.server.key);
    expectPvError(r1, 'PV_TLS_CONFIG');
    expect(r1.stderr).toContain(missing);

    const notPem = join(certs.dir, 'not.pem');
    writeFileSync(notPem, 'not a certificate');
    const r2 = await server('--tls-cert', certs.server.cert, '--tls-key', notPem);
    expectPvError(r2, 'PV_TLS_CONFIG');
    expect(r2.stderr).toContain(notPem);

    const r3 = await server('--tls-cert', certs.server.cert, '--tls-key', certs.selfSigned.key);
    expectPvError(r3, 'PV_TLS_CONFIG');
    expect(r3.stderr).toContain(certs.server.cert);
  });

  it('documents the TLS and deadline options in --help', async () => {
    const r = await run(['server', '--help']);
    for (const flag of ['--tls-cert', '--tls-key', '--auth-timeout-ms', '--frame-timeout-ms']) expect(r.stdout).toContain(flag);
  });

  it.each([[['--auth-timeout-ms', '0']], [['--frame-timeout-ms', 'soon']]])('refuses a bad deadline %j with PV_USAGE', async (args) => {
    expectPvError(await server(...args), 'PV_USAGE');
  });
});
