import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, ROOT } from './build.js';

/** `npm run demo` as a user in a checkout runs it: its closing hint is a command that works there. */

let dirs: string[] = [];
beforeAll(async () => {
  await ensureBuilt();
}, 200_000);
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

describe('pivote demo from a checkout', () => {
  it('counts votes, and the command it suggests runs where the user is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pivote-demo-e2e-'));
    dirs.push(dir);
    const demo = spawnSync(process.execPath, [CLI, 'demo', '--duration', '2', '--data-dir', join(dir, 'data')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(demo.status, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/votes counted: [1-9]\d*\./);
    const hint = /try `([^`]+)`/.exec(demo.stdout)?.[1];
    expect(hint).toMatch(/^npx pivote results --db /);
    // The exact words, through a shell, from the same folder (no global install here).
    const results = spawnSync('sh', ['-c', hint!], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, npm_config_yes: 'false' } });
    expect(results.status, results.stderr).toBe(0);
    expect(results.stdout).toMatch(/How was your visit today\?/);
  }, 120_000);
});
