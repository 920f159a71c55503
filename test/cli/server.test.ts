import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectPvError, run } from './helpers.js';

describe('pivote server (argument handling; the running server is covered by test/e2e)', () => {
  let blocker: Server | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
    blocker = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('refuses a port that is already taken with PV_LISTEN_FAILED, not a stack trace', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    dir = mkdtempSync(join(tmpdir(), 'pivote-cli-server-'));
    const r = await run(['server', '--host', '127.0.0.1', '--port', String(port), '--http-port', '0', '--db', join(dir, 'p.db'), '--log-level', 'fatal']);
    expectPvError(r, 'PV_LISTEN_FAILED');
    expect(r.stderr).toContain(String(port));
  });

  it('refuses an HTTP port that is already taken with PV_LISTEN_FAILED naming it, and stops the kiosk side again', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    dir = mkdtempSync(join(tmpdir(), 'pivote-cli-server-'));
    const r = await run(['server', '--host', '127.0.0.1', '--port', '0', '--http-port', String(port), '--db', join(dir, 'p.db'), '--log-level', 'fatal']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error PV_LISTEN_FAILED: the HTTP port ${port} on 127.0.0.1 is already in use$`, 'm'));
  });

  it.each([
    [['--port', '70000']],
    [['--port', 'abc']],
    [['--log-level', 'loud']],
    [['--burst-max', '0']],
  ])('refuses bad option %j with PV_USAGE', async (args) => {
    expectPvError(await run(['server', ...args]), 'PV_USAGE');
  });

  it('documents every option in --help', async () => {
    const r = await run(['server', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--host', '--port', '--db', '--log-level', '--max-connections', '--heartbeat-ms', '--burst-window', '--burst-max']) {
      expect(r.stdout).toContain(flag);
    }
  });
});
