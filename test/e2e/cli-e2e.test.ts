import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteVoteStore } from '../../src/store/sqlite/sqlite-store.js';
import { CLI, ensureBuilt, ROOT } from './build.js';
import { killAll, startServerProcess } from './processes.js';

/** The `pivote` binary as a user runs it: exit codes and output of `sim` and a bad kiosk config. */

let dirs: string[] = [];

beforeAll(async () => {
  await ensureBuilt();
}, 200_000);

afterEach(async () => {
  await killAll();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pivote-e2e-cli-'));
  dirs.push(dir);
  return dir;
}

/** Runs pivote to completion (bounded), returning exit code and output. */
function pivote(args: string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`pivote ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    p.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('pivote binary', () => {
  it('sim: provisions kiosks in the server\'s database, every press is acknowledged, exit 0', async () => {
    const db = join(workDir(), 'pivote.db');
    const store = openSqliteVoteStore(db);
    await store.openPoll('Sim?', ['a', 'b', 'c', 'd'], Date.now());
    await store.close();
    const server = await startServerProcess(db);
    const r = await pivote(['sim', '--server', `127.0.0.1:${server.port}`, '--db', db, '--kiosks', '3', '--votes', '9', '--lockout-ms', '200', '--seed', '5', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kiosks: 3, seed: 5, pressed: 9, acknowledged: 9, queued: 0, ok: true });
    const check = openSqliteVoteStore(db, { readonly: true });
    try {
      expect(await check.listVotes()).toHaveLength(9);
      expect((await check.listKiosks()).map((k) => k.id).sort()).toEqual(['sim-1', 'sim-2', 'sim-3']);
    } finally {
      await check.close();
    }
  });

  it('kiosk: a bad config is one message naming the key, exit 1, nothing started', async () => {
    const dir = workDir();
    const config = join(dir, 'kiosk.json');
    writeFileSync(config, JSON.stringify({ server: '127.0.0.1:7070', kioskId: 'k', secret: 's', buttons: ['GPIO5', 'GPIO6'], leds: ['GPIO17'], statusLed: 'GPIO24', dataDir: 'd' }));
    const r = await pivote(['kiosk', '--config', config, '--gpio', 'mock']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^error PV_CONFIG_INVALID: config key "leds" /);
    expect(lines[1]).toMatch(/^hint: /);
  });
});
