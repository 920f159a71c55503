import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, startServerProcess, type ServerProcess } from '../e2e/processes.js';
import { makeTestCerts, type TestCerts } from './helpers/certs.js';

/** `pivote server --tls-cert --tls-key` serves the dashboard and API over HTTPS with the same certificate. */
describe('HTTPS on the HTTP side (real server process)', () => {
  let dir: string;
  let certs: TestCerts;
  let server: ServerProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pivote-https-'));
    certs = makeTestCerts(dir);
    server = await startServerProcess(join(dir, 'p.db'), 0, ['--tls-cert', certs.server.cert, '--tls-key', certs.server.key]);
  });
  afterAll(async () => {
    await killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string, ca: Buffer | undefined, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string; cookie: string | undefined }>((resolve, reject) => {
      const req = request(`${server.httpUrl}${path}`, { ca, headers, method: headers['content-type'] ? 'POST' : 'GET' }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cookie: res.headers['set-cookie']?.[0] }));
      });
      req.on('error', reject);
      req.end(headers['content-type'] ? JSON.stringify({ token: readFileSync(server.tokenFile, 'utf8').trim() }) : undefined);
    });

  it('answers over HTTPS to a client that trusts the CA, and says so in its URL', async () => {
    expect(server.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await get('/readyz', readFileSync(certs.ca.cert));
    expect(r).toMatchObject({ status: 200, body: '{"status":"ready"}' });
  });

  it('a login cookie over HTTPS is Secure', async () => {
    const r = await get('/api/session', readFileSync(certs.ca.cert), { 'content-type': 'application/json' });
    expect(r.status).toBe(200);
    expect(r.cookie).toMatch(/; Secure/i);
  });

  it('a client that does not trust the certificate is refused by TLS', async () => {
    await expect(get('/livez', undefined)).rejects.toThrow(/self-signed|unable to verify|certificate/i);
  });
});
