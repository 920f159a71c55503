import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, ROOT } from './build.js';

/**
 * README.md's "Try a kiosk on a laptop", command by command, as written there — the real
 * binary for `npx pivote`, with only what a test cannot do replaced: the server listens on a
 * free port instead of 7070 (its HTTP side too), the `--keys` terminal is the `--mock-control` pipe, the pasted
 * secret is the one `fleet add` printed. Whatever the walkthrough leaves behind must be ignored
 * by git, so trying it in a checkout leaves the checkout clean.
 */

let dir: string | undefined;
const running: ChildProcess[] = [];
beforeAll(async () => {
  await ensureBuilt();
}, 200_000);
afterEach(async () => {
  for (const p of running.splice(0)) {
    if (p.exitCode === null && p.signalCode === null) {
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await gone;
    }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The first ```sh block of the section. */
function walkthrough(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Try a kiosk on a laptop'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== '');
}

/** Shell words: spaces split, double quotes group (all the walkthrough uses). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

function lines(p: ChildProcess): { all: unknown[]; wait: (what: string, match: (v: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>> } {
  const all: unknown[] = [];
  const waiters = new Set<() => void>();
  const keep = (line: string): void => {
    try {
      all.push(JSON.parse(line));
    } catch {
      all.push(line);
    }
    for (const w of waiters) w();
  };
  createInterface({ input: p.stdout! }).on('line', keep);
  createInterface({ input: p.stderr! }).on('line', keep);
  const wait = (what: string, match: (v: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = all.find((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && match(v as Record<string, unknown>));
        if (found) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}: ${all.map((v) => JSON.stringify(v)).join('\n')}`));
      }, 30_000);
      waiters.add(check);
      check();
    });
  return { all, wait };
}

describe('README: try a kiosk on a laptop', () => {
  it('works as written, and leaves nothing git would see', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pivote-readme-'));
    const home = join(dir, 'home');
    const cwd = join(dir, 'checkout');
    spawnSync('mkdir', ['-p', home, cwd]);
    const env = { ...process.env, HOME: home, XDG_STATE_HOME: '' };
    const commands = walkthrough();
    expect(commands.length).toBeGreaterThanOrEqual(6);

    let secret: string | undefined;
    let port: number | undefined;
    let results = '';
    for (const command of commands) {
      const argv = words(command);
      if (argv[0] === 'cat' && argv[1] === '>') {
        expect(secret, 'a secret printed before it is pasted').toBeDefined();
        writeFileSync(join(cwd, argv[2]!), `${secret}\n`);
        continue;
      }
      expect(argv.slice(0, 2), command).toEqual(['npx', 'pivote']);
      const args = argv.slice(2);
      if (args[0] === 'server') {
        expect(args, 'the README server uses the default port').not.toContain('--port');
        const server = spawn(process.execPath, [CLI, ...args, '--host', '127.0.0.1', '--port', '0', '--http-port', '0', '--log-level', 'info'], { cwd, env });
        running.push(server);
        const listening = await lines(server).wait('the server to listen', (l) => l.msg === 'listening for kiosks' && typeof l.port === 'number');
        port = listening.port as number;
        continue;
      }
      if (args[0] === 'kiosk') {
        expect(port).toBeDefined();
        const server = args.indexOf('--server');
        expect(args[server + 1], 'the README kiosk uses the default port').toBe('127.0.0.1');
        const kioskArgs = args.map((a, i) => (a === '--keys' ? '--mock-control' : i === server + 1 ? `127.0.0.1:${port}` : a));
        const kiosk = spawn(process.execPath, [CLI, ...kioskArgs], { cwd, env });
        running.push(kiosk);
        const out = lines(kiosk);
        await out.wait('the kiosk online', (l) => l.type === 'connection' && l.status === 'online');
        // The poll reaches the kiosk within a second of the server seeing it.
        for (let i = 0; i < 100; i++) {
          const n = out.all.length;
          kiosk.stdin!.write('stats\n');
          const stats = await out.wait('stats', (l) => l.type === 'stats' && out.all.indexOf(l) >= n);
          if (stats.pollId !== null) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        kiosk.stdin!.write('press 1\n');
        for (let i = 0; i < 200; i++) {
          const n = out.all.length;
          kiosk.stdin!.write('stats\n');
          const stats = await out.wait('stats', (l) => l.type === 'stats' && out.all.indexOf(l) >= n);
          if (stats.acked === 1) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        kiosk.stdin!.write('quit\n');
        await new Promise((r) => (kiosk.exitCode !== null ? r(undefined) : kiosk.once('exit', r)));
        expect(kiosk.exitCode).toBe(0);
        continue;
      }
      const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, `${command}\n${r.stderr}`).toBe(0);
      if (args[0] === 'fleet' && args[1] === 'add') secret = /Secret: (\S+)/.exec(r.stdout)?.[1];
      if (args[0] === 'results') results = r.stdout;
    }
    expect(results).toMatch(/Tea/);
    expect(results).toMatch(/\b1\b/);
    // The kiosk kept its data where the README says, not in the folder it ran in.
    expect(existsSync(join(home, '.local', 'state', 'pivote', 'kiosk-laptop-1', 'outbox.sqlite'))).toBe(true);
    const left = readdirSync(cwd);
    expect(left.length).toBeGreaterThan(0);
    for (const name of left) {
      const ignored = spawnSync('git', ['check-ignore', '-q', '--no-index', name], { cwd: ROOT });
      expect(ignored.status, `${name} would show in git status`).toBe(0);
    }
  }, 120_000);
});
