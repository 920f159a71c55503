import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { SIM_LOCKOUT_MS } from '../../src/kiosk/sim/simulation.js';
import { CLI, ensureBuilt } from '../e2e/build.js';
import { captureContext } from './helpers.js';

/**
 * `pivote <cmd>` loads only that command's implementation, and pretty logging only for a
 * terminal: on a Pi Zero every module costs start-up time, and the kiosk has a 60 MB RSS budget.
 * Each case runs the built CLI with a preload that records every module the process loaded
 * (ES modules through a loader hook, CommonJS ones from require.cache at exit).
 */

const PRELOAD = `
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
const out = process.env.PIVOTE_MODULE_LOG;
register('data:text/javascript,' + encodeURIComponent(
  "import { appendFileSync } from 'node:fs';" +
  "export async function load(url, context, next) { appendFileSync(process.env.PIVOTE_MODULE_LOG, url + '\\\\n'); return next(url, context); }"
));
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => appendFileSync(out, Object.keys(cache).map((p) => 'cjs:' + p + '\\n').join('')));
`;

let dir = '';

beforeAll(async () => {
  await ensureBuilt();
}, 200_000);

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

interface Loaded {
  code: number | null;
  stderr: string;
  modules: string[];
}

/** Runs `node dist/cli/main.js <args>` with `stdin` written to it; resolves with what it loaded. */
function loadedBy(args: readonly string[], stdin = ''): Promise<Loaded> {
  dir = mkdtempSync(join(tmpdir(), 'pivote-lazy-'));
  const preload = join(dir, 'preload.mjs');
  const log = join(dir, 'modules.log');
  writeFileSync(preload, PRELOAD);
  writeFileSync(log, '');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(preload).href, CLI, ...args], {
      cwd: dir,
      env: { ...process.env, PIVOTE_MODULE_LOG: log },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) });
    });
    child.stdin.end(stdin);
  });
}

/** Module paths as `dist/…` or `node_modules/<package>`, whichever applies. */
function names(modules: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const m of modules) {
    const path = m.replace(/^cjs:/, '').replace(/^file:\/\//, '');
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
    const dist = /\/dist\/(.+)$/.exec(path);
    if (pkg) out.add(`node_modules/${pkg[1]}`);
    else if (dist) out.add(`dist/${dist[1]}`);
  }
  return out;
}

const under = (loaded: Set<string>, prefix: string): string[] => [...loaded].filter((m) => m.startsWith(prefix));

describe('lazy command loading (built CLI in a child process)', () => {
  it('--help loads the command definitions only: no implementation, database, logger or kiosk', async () => {
    const r = await loadedBy(['--help']);
    expect(r.code, r.stderr).toBe(0);
    const loaded = names(r.modules);
    expect(loaded).toContain('dist/cli/commands/kiosk.js'); // the recorder works
    expect(loaded).toContain('node_modules/commander');
    expect(under(loaded, 'dist/cli/actions/')).toEqual([]);
    expect(under(loaded, 'dist/server/').filter((m) => m !== 'dist/server/limits.js')).toEqual([]);
    expect(under(loaded, 'dist/store/')).toEqual([]);
    expect(under(loaded, 'dist/admin/')).toEqual([]);
    expect(under(loaded, 'dist/http/')).toEqual([]);
    expect(under(loaded, 'dist/kiosk/app/')).toEqual([]);
    expect(under(loaded, 'dist/kiosk/sim/')).toEqual([]);
    expect(loaded).not.toContain('dist/cli/kiosk-config.js'); // the kiosk's config only when it runs
    expect(loaded).not.toContain('node_modules/fastify');
    for (const pkg of ['better-sqlite3', 'pino', 'pino-pretty']) expect(loaded).not.toContain(`node_modules/${pkg}`);
  });

  it('pivote kiosk (as under systemd, plus the test control pipe) loads no server, store, simulator or pino-pretty', async () => {
    // Port 1 on loopback refuses at once: the kiosk starts offline, then `quit` stops it.
    const r = await loadedBy(
      ['kiosk', '--gpio', 'mock', '--mock-control', '--server', '127.0.0.1:1', '--kiosk-id', 'lazy-1', '--secret', 'x'.repeat(32), '--data-dir', 'data', '--log-level', 'warn'],
      'quit\n',
    );
    expect(r.code, r.stderr).toBe(0);
    const loaded = names(r.modules);
    expect(loaded).toContain('dist/kiosk/app/kiosk-app.js');
    expect(loaded).toContain('node_modules/better-sqlite3'); // the outbox
    expect(loaded).toContain('node_modules/pino');
    expect(under(loaded, 'dist/cli/actions/')).toEqual(['dist/cli/actions/kiosk.js']);
    expect(under(loaded, 'dist/server/').filter((m) => m !== 'dist/server/limits.js')).toEqual([]);
    expect(under(loaded, 'dist/store/')).toEqual([]);
    expect(under(loaded, 'dist/kiosk/sim/')).toEqual([]);
    expect(loaded).not.toContain('dist/kiosk/app/keys-ui.js');
    expect(loaded).not.toContain('node_modules/pino-pretty');
  });

  it('pivote poll list loads the store but no kiosk, server or logger', async () => {
    const r = await loadedBy(['poll', 'list', '--db', 'new.db']);
    expect(r.code, r.stderr).toBe(1); // read-only on a missing database: PV_NOT_A_PIVOTE_DB
    expect(r.stderr).toMatch(/^error PV_NOT_A_PIVOTE_DB: /);
    const loaded = names(r.modules);
    expect(loaded).toContain('dist/store/sqlite/sqlite-store.js');
    expect(under(loaded, 'dist/cli/actions/')).toEqual(['dist/cli/actions/poll.js']);
    expect(under(loaded, 'dist/kiosk/app/')).toEqual([]);
    expect(under(loaded, 'dist/server/').filter((m) => m !== 'dist/server/limits.js')).toEqual([]);
    expect(under(loaded, 'dist/http/')).toEqual([]);
    expect(loaded).not.toContain('node_modules/pino');
    expect(loaded).not.toContain('node_modules/fastify');
  });
});

describe('defaults repeated in the light command definitions', () => {
  it('fleet list\'s online window and poll --public choices agree with the admin layer and the store', async () => {
    const { ONLINE_WINDOW_S } = await import('../../src/cli/commands/fleet.js');
    const { ONLINE_STALE_MS } = await import('../../src/admin/views.js');
    const { PUBLIC_CHOICES } = await import('../../src/cli/parse.js');
    const { PUBLIC_RESULTS } = await import('../../src/store/model/polls.js');
    expect(ONLINE_WINDOW_S * 1000).toBe(ONLINE_STALE_MS);
    expect(PUBLIC_CHOICES).toEqual(PUBLIC_RESULTS);
  });

  it('pivote sim --lockout-ms defaults to the simulator\'s SIM_LOCKOUT_MS', () => {
    const sim = buildProgram(captureContext()).commands.find((c) => c.name() === 'sim');
    const option = sim?.options.find((o) => o.long === '--lockout-ms');
    expect(option?.defaultValue).toBe(SIM_LOCKOUT_MS);
  });
});
