import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPivote } from '../hostile/helpers/server-process.js';
import { killAll, startServerProcess, type ServerProcess } from './processes.js';

/**
 * The organiser's commands against a running server through its HTTP API (`--url`), as under
 * systemd where the database file is not theirs to open: real server process, real HTTP, the
 * CLI as separate processes. The answers must be the ones `--db` gives.
 */
describe('pivote poll|fleet|results|export --url (real server process)', () => {
  let dir: string;
  let db: string;
  let server: ServerProcess;
  const url = () => ['--url', server.httpUrl, '--token-file', server.tokenFile];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pivote-url-'));
    db = join(dir, 'pivote.db');
    server = await startServerProcess(db);
  }, 60_000);
  afterAll(async () => {
    await killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('made the admin token file at its first start, readable by its owner only, and printed it once', () => {
    expect(statSync(server.tokenFile).mode & 0o777).toBe(0o600);
    expect(server.stderr.join('')).toMatch(/Admin token for the dashboard and the HTTP API \(shown once; kept in .+admin-token, mode 0600\):\n {2}pvt_/);
  });

  it('administers the running server over HTTP and answers as --db does', async () => {
    const add = await runPivote(['fleet', 'add', 'sim-1', 'sim-2', '--format', 'json', ...url()]);
    expect(add.code, add.stderr).toBe(0);
    expect((JSON.parse(add.stdout) as { id: string }[]).map((k) => k.id)).toEqual(['sim-1', 'sim-2']);
    const open = await runPivote(['poll', 'open', '--question', 'Tea or coffee?', '--option', 'Tea', '--option', 'Coffee', ...url()]);
    expect(open.stdout).toContain('Opened poll 1: Tea or coffee?');
    const viaUrl = await runPivote(['fleet', 'list', '--format', 'json', ...url()]);
    const viaDb = await runPivote(['fleet', 'list', '--format', 'json', '--db', db]);
    expect(JSON.parse(viaUrl.stdout).map((k: { id: string }) => k.id)).toEqual(JSON.parse(viaDb.stdout).map((k: { id: string }) => k.id));
    const resultsUrl = await runPivote(['results', '--format', 'json', ...url()]);
    const resultsDb = await runPivote(['results', '--format', 'json', '--db', db]);
    expect(JSON.parse(resultsUrl.stdout)).toEqual(JSON.parse(resultsDb.stdout));
    const exportUrl = await runPivote(['export', ...url()]);
    expect(exportUrl.stdout.split('\n')[0]).toBe('kiosk_id,vote_id,seq,poll_id,button,option,pressed_at,received_at,clock_unknown,flagged');
    const audit = await runPivote(['poll', 'list', '--format', 'json', ...url()]);
    expect(JSON.parse(audit.stdout)[0]).toMatchObject({ id: 1, state: 'open' });
  });

  it('says what is wrong with a wrong token, a missing one and a server that is not there', async () => {
    const noToken = await runPivote(['fleet', 'list', '--url', server.httpUrl]);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/^error PV_ADMIN_AUTH_REQUIRED: /);
    const badFile = join(dir, 'wrong-token');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(badFile, `pvt_${'x'.repeat(43)}\n`);
    const wrong = await runPivote(['poll', 'close', '--url', server.httpUrl, '--token-file', badFile]);
    expect(wrong.stderr).toMatch(/^error PV_ADMIN_AUTH_FAILED: /);
    expect(wrong.stderr).not.toMatch(/\n\s+at /);
    const gone = await runPivote(['results', '--url', 'http://127.0.0.1:1', '--token-file', server.tokenFile]);
    expect(gone.stderr).toMatch(/^error PV_SERVER_UNREACHABLE: cannot reach http:\/\/127\.0\.0\.1:1/);
    const bad = await runPivote(['results', '--url', 'ftp://x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error PV_USAGE: /);
  });
});
