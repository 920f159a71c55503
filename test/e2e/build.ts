import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The end-to-end tests run the real `pivote` binary (dist/cli/main.js) and the dashboard it serves
 * (dist/web). `ensureBuilt` runs `npm run build` when either is missing or older than any source
 * file in src/. It is called once from the vitest globalSetup and again (cheaply) by each e2e
 * file, guarded by a lock directory so two test files never build at the same time.
 */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');
export const WEB_INDEX = join(ROOT, 'dist', 'web', 'index.html');
const SOURCE = /\.(ts|tsx|css|html)$/;
const LOCK = join(tmpdir(), `pivote-e2e-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`);
const LOCK_STALE_MS = 5 * 60_000;
const BUILD_TIMEOUT_MS = 180_000;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (SOURCE.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function mtimeOrZero(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** `npm run build` writes the CLI first, the dashboard last: the older of the two says when. */
function builtAt(): number {
  return Math.min(mtimeOrZero(CLI), mtimeOrZero(WEB_INDEX));
}

export function isBuildFresh(): boolean {
  return builtAt() >= newestMtime(join(ROOT, 'src'));
}

async function takeLock(): Promise<void> {
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > LOCK_STALE_MS) rmdirSync(LOCK); // a crashed run
      } catch {
        // removed by its owner meanwhile
      }
      if (Date.now() > deadline) throw new Error(`e2e: waited too long for another build (lock ${LOCK})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export async function ensureBuilt(): Promise<void> {
  if (isBuildFresh()) return;
  await takeLock();
  try {
    if (isBuildFresh()) return; // built by whoever held the lock
    const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: BUILD_TIMEOUT_MS });
    if (result.status !== 0) {
      throw new Error(`e2e: \`npm run build\` failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
    }
  } finally {
    rmdirSync(LOCK);
  }
}
