import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../e2e/build.js';

/**
 * The kernel test's watchdog (test/kernel/lib/watchdog.sh): a VM that keeps printing runs as long
 * as it needs, however busy the host; one that stops printing for the silence limit is killed.
 * A `sleep` stands in for QEMU, a file for its console.
 */

const children: ChildProcess[] = [];
let dir: string | undefined;
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function setup(): { console: string; pidfile: string; marker: string; vm: ChildProcess } {
  dir = mkdtempSync(join(tmpdir(), 'pivote-watchdog-'));
  const vm = spawn('sleep', ['60']);
  children.push(vm);
  const paths = { console: join(dir, 'console.log'), pidfile: join(dir, 'qemu.pid'), marker: join(dir, 'hung') };
  writeFileSync(paths.console, 'booting\n');
  writeFileSync(paths.pidfile, `${vm.pid}\n`);
  return { ...paths, vm };
}

function watch(paths: { console: string; pidfile: string; marker: string }, silenceS: number, progressS: number): { done: Promise<number | null>; stderr: () => string; process: ChildProcess } {
  const lib = join(ROOT, 'test', 'kernel', 'lib');
  const script = `. '${lib}/common.sh'; . '${lib}/watchdog.sh'; kt_watch_vm "$1" "$2" "$3" "$4" "$5"`;
  const p = spawn('bash', ['-c', script, 'watch', paths.console, paths.pidfile, paths.marker, String(silenceS), String(progressS)], {
    env: { ...process.env, KT_WATCH_POLL: '0.1' },
  });
  children.push(p);
  let stderr = '';
  p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return { done: new Promise((r) => p.on('exit', (code) => r(code))), stderr: () => stderr, process: p };
}

describe('the kernel test watchdog', () => {
  it('kills a VM that prints nothing for the silence limit, and leaves the marker', async () => {
    const paths = setup();
    const w = watch(paths, 1, 100);
    const vmExit = new Promise((r) => paths.vm.on('exit', (_code, signal) => r(signal)));
    expect(await w.done).toBe(0);
    expect(await vmExit).toBe('SIGKILL');
    expect(existsSync(paths.marker)).toBe(true);
    expect(w.stderr()).toMatch(/no output from the VM for \d+ s: it hangs/);
  }, 20_000);

  it('lets a VM that keeps printing run past the silence limit, and reports progress meanwhile', async () => {
    const paths = setup();
    const w = watch(paths, 2, 1);
    const writer = setInterval(() => appendFileSync(paths.console, 'test passed\n'), 300);
    try {
      await new Promise((r) => setTimeout(r, 4500));
    } finally {
      clearInterval(writer);
    }
    expect(paths.vm.exitCode).toBeNull();
    expect(paths.vm.signalCode).toBeNull();
    expect(existsSync(paths.marker)).toBe(false);
    expect(w.stderr()).toMatch(/VM running \d+ s, last output \d+ s ago, load average [\d.]+ [\d.]+ [\d.]+/);
    w.process.kill('SIGTERM');
    await w.done;
  }, 20_000);
});
