import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/main.js';
import type { ErrorCode } from '../../src/protocol/errors.js';

export const NOW = Date.UTC(2026, 10, 22, 15, 0, 0);

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CapturedContext extends CliContext {
  out: string[];
  err: string[];
}

export function captureContext(now: () => number = () => NOW, debug = false): CapturedContext {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), now, env: {}, debug };
}

/** Runs `pivote <args>` in-process against a fresh context. */
export async function run(args: string[], now: () => number = () => NOW): Promise<RunResult> {
  const ctx = captureContext(now);
  const code = await runCli(args, ctx);
  return { code, stdout: ctx.out.join(''), stderr: ctx.err.join('') };
}

/** Asserts the pivote error contract: exit code, first line `error CODE: ...`, a hint, no stack. */
export function expectPvError(r: RunResult, code: ErrorCode, exitCode = code === 'PV_USAGE' ? 2 : 1): void {
  expect(r.code).toBe(exitCode);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(new RegExp(`^error ${code}: \\S`));
  expect(lines[1]).toMatch(/^hint: \S/);
  expect(lines).toHaveLength(2);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}

/** Makes an empty pivote database (commands never create one; `pivote server` or `db init` does). */
export async function initDb(path: string): Promise<void> {
  const { openSqliteVoteStore } = await import('../../src/store/sqlite/sqlite-store.js');
  await openSqliteVoteStore(path).close();
}

export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'pivote-cli-'));
  file(name: string): string {
    return join(this.path, name);
  }
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}
