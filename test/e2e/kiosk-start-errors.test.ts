import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Outbox, outboxPath } from '../../src/kiosk/outbox/outbox.js';
import { CLI, ensureBuilt, ROOT } from './build.js';

/**
 * What a user sees when `pivote kiosk` cannot start for an expected reason, from the real binary:
 * exactly two lines on stderr (`error PV_…: what` and `hint: …`), exit 1 or 2, and no stack trace
 * anywhere — not on stderr, not in the log lines on stdout.
 */

let dirs: string[] = [];

beforeAll(async () => {
  await ensureBuilt();
}, 200_000);

afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pivote-kiosk-start-'));
  dirs.push(dir);
  return dir;
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function pivote(args: string[], opts: { prefix?: string[]; env?: NodeJS.ProcessEnv; stdin?: string } = {}, timeoutMs = 20_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const [cmd, ...pre] = opts.prefix ?? [process.execPath];
    const p = spawn(cmd!, [...pre, ...(opts.prefix ? [process.execPath] : []), CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    p.stdin.end(opts.stdin ?? '');
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`pivote ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The contract: one error line with the code, one hint line, nothing else; no stack anywhere. */
function expectOneError(r: Outcome, code: string, exitCode = code === 'PV_USAGE' ? 2 : 1): string {
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(2);
  expect(lines[0]).toMatch(new RegExp(`^error ${code}: \\S`));
  expect(lines[1]).toMatch(/^hint: \S/);
  for (const text of [r.stdout, r.stderr]) {
    expect(text).not.toMatch(/\n\s+at \S/);
    expect(text).not.toMatch(/"stack"/);
  }
  expect(r.code).toBe(exitCode);
  return r.stderr;
}

const EXAMPLE = JSON.parse(readFileSync(join(ROOT, 'hardware', 'kiosk.example.json'), 'utf8')) as Record<string, unknown>;

/** The example config with a readable secret file and the given changes, in a temp folder. */
function exampleConfig(changes: Record<string, unknown> = {}): string {
  const dir = workDir();
  writeFileSync(join(dir, 'kiosk.secret'), 'x'.repeat(32) + '\n');
  const path = join(dir, 'kiosk.json');
  writeFileSync(path, JSON.stringify({ ...EXAMPLE, secretFile: join(dir, 'kiosk.secret'), dataDir: join(dir, 'data'), ...changes }, null, 2));
  return path;
}

const hasGpioHardware = existsSync('/sys/class/gpio') || (existsSync('/dev') && spawnSync('sh', ['-c', 'ls /dev/gpiochip* >/dev/null 2>&1']).status === 0);

describe('pivote kiosk: expected start failures print one error and a fitting hint, no stack', () => {
  // On a machine with GPIO (a Pi), chardev and auto would start; there only the others must fail.
  const unavailable = hasGpioHardware ? ['pigpio'] : ['onoff', 'pigpio', 'chardev', 'auto'];
  it.each(unavailable)('--gpio %s on a machine without that GPIO', async (backend) => {
    const r = await pivote(['kiosk', '--gpio', backend, '--server', '127.0.0.1:1', '--kiosk-id', 'k1', '--secret', 'x'.repeat(32), '--data-dir', join(workDir(), 'd')]);
    const stderr = expectOneError(r, 'PV_GPIO_UNAVAILABLE');
    expect(stderr).toMatch(/--gpio mock/);
  });

  it.each([
    ['statusLed', 'BOARD27', /config key "statusLed" has "BOARD27": header pin 27 is ID_SD/],
    ['buttons', ['GPIO5', 'BOARD1', 'GPIO13', 'GPIO19'], /config key "buttons" has "BOARD1": header pin 1 is a 3.3 V power pin/],
    ['leds', ['GPIO17', 'GPIO0', 'GPIO22', 'GPIO23'], /config key "leds" has "GPIO0": GPIO0 \(pin 27\) is ID_SD/],
  ])('a reserved pin in %s names the config key', async (key, value, message) => {
    const r = await pivote(['kiosk', '--config', exampleConfig({ [key]: value }), '--gpio', 'mock']);
    expect(expectOneError(r, 'PV_GPIO_RESERVED')).toMatch(message);
  });

  it('the example config run by a user who may not create its data folder', async () => {
    // /var/lib/pivote-kiosk belongs to root; as root, a folder owned by someone else stands in for
    // it, with the permission to override ownership dropped (setpriv): the kernel says EACCES.
    const parent = join(workDir(), 'var-lib');
    mkdirSync(parent);
    chmodSync(parent, 0o555);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(parent, 65534, 65534);
    const config = exampleConfig({ dataDir: join(parent, 'pivote-kiosk'), gpio: 'mock' });
    const r = await pivote(['kiosk', '--config', config], asRoot ? { prefix: ['setpriv', '--bounding-set=-dac_override,-dac_read_search'] } : {});
    const stderr = expectOneError(r, 'PV_DATA_DIR_UNWRITABLE');
    expect(stderr).toContain(`cannot create the kiosk's data folder ${join(parent, 'pivote-kiosk')}: permission denied (EACCES)`);
    expect(stderr).toMatch(/hint: .*run it as a user who may write there/);
    expect(stderr).not.toMatch(/PIVOTE_DEBUG/);
  });

  it('a data folder path through a file (ENOTDIR)', async () => {
    const dir = workDir();
    writeFileSync(join(dir, 'a-file'), '');
    const r = await pivote(['kiosk', '--config', exampleConfig({ dataDir: join(dir, 'a-file', 'data'), gpio: 'mock' })]);
    expect(expectOneError(r, 'PV_DATA_DIR_UNWRITABLE')).toMatch(/a part of the path is a file, not a folder \(ENOTDIR\)/);
  });

  it('a config file that does not exist: the path, not "add the missing key"', async () => {
    const r = await pivote(['kiosk', '--config', join(workDir(), 'kiosk.json')]);
    const stderr = expectOneError(r, 'PV_CONFIG_UNREADABLE');
    expect(stderr).toMatch(/no such file or folder \(ENOENT\)/);
    expect(stderr).not.toMatch(/missing key/);
  });

  it('a config file that is not JSON: the line and column', async () => {
    const dir = workDir();
    writeFileSync(join(dir, 'kiosk.json'), '{\n  "server": "127.0.0.1:7070",\n  "kioskId": "hall-1",\n}\n');
    const stderr = expectOneError(await pivote(['kiosk', '--config', join(dir, 'kiosk.json')]), 'PV_CONFIG_SYNTAX');
    expect(stderr).toMatch(/line 4, column 1: a trailing comma/);
  });

  it('flags without --kiosk-id: a usage error about the flag', async () => {
    const stderr = expectOneError(await pivote(['kiosk', '--gpio', 'mock', '--server', '127.0.0.1', '--secret-file', 'x']), 'PV_USAGE');
    expect(stderr).toMatch(/--kiosk-id ID/);
    expect(stderr).toMatch(/hint: Run the command with --help/);
  });
});

describe('pivote kiosk: flags', () => {
  it('--secret-file and --server without a port (7070)', async () => {
    const dir = workDir();
    writeFileSync(join(dir, 'k.secret'), 'x'.repeat(32) + '\n');
    const r = await pivote(
      ['kiosk', '--gpio', 'mock', '--mock-control', '--server', '127.0.0.1', '--kiosk-id', 'flags-1', '--secret-file', join(dir, 'k.secret'), '--log-level', 'debug', '--data-dir', join(dir, 'data')],
      { stdin: 'stats\nquit\n' },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/"server":"127\.0\.0\.1:7070"/);
  });

  it('without --data-dir keeps its data in the user\'s state folder, not the current folder', async () => {
    const home = workDir();
    const cwd = workDir();
    const r = await new Promise<Outcome>((resolve, reject) => {
      const p = spawn(process.execPath, [CLI, 'kiosk', '--gpio', 'mock', '--mock-control', '--server', '127.0.0.1:1', '--kiosk-id', 'laptop-1', '--secret', 'x'.repeat(32)], {
        cwd,
        env: { ...process.env, HOME: home, XDG_STATE_HOME: '' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      p.stdin.end('quit\n');
      p.on('error', reject);
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(home, '.local', 'state', 'pivote', 'kiosk-laptop-1', 'outbox.sqlite'))).toBe(true);
    expect(spawnSync('ls', ['-A', cwd], { encoding: 'utf8' }).stdout).toBe('');
  });
});

describe('pivote kiosk --keys in a real terminal', () => {
  it('says what became of a press, and on quitting how many votes wait and when they will be sent', async () => {
    const dir = workDir();
    const data = join(dir, 'data');
    mkdirSync(data);
    // A poll known from an earlier run, the server unreachable: the press is saved offline.
    const seed = new Outbox(outboxPath(data));
    seed.saveLastPoll({ id: 1, question: 'Tea or coffee?', options: ['Tea', 'Coffee'], openedAt: 1 });
    seed.close();
    const command = [process.execPath, CLI, 'kiosk', '--gpio', 'mock', '--keys', '--server', '127.0.0.1:1', '--kiosk-id', 'keys-1', '--secret', 'x'.repeat(32), '--data-dir', data]
      .map((a) => `'${a}'`)
      .join(' ');
    // util-linux script(1) gives the kiosk a pseudo-terminal, as a person's terminal would.
    const p = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const waitFor = async (pattern: RegExp, what: string): Promise<void> => {
      for (let i = 0; i < 400 && !pattern.test(out); i++) await new Promise((r) => setTimeout(r, 25));
      expect(out, what).toMatch(pattern);
    };
    try {
      await waitFor(/Press 1-4 to vote/, 'the first screen');
      p.stdin.write('2');
      await waitFor(/2 \(Coffee\): saved, will be sent when the server answers/, 'the outcome of the press');
      p.stdin.write('q');
      await waitFor(/1 vote was not sent to the server yet\.\r?\nThey are kept in .* and will be sent the next time this kiosk starts\./, 'the goodbye');
      const code = await new Promise<number | null>((resolve) => (p.exitCode !== null ? resolve(p.exitCode) : p.on('close', resolve)));
      expect(code).toBe(0);
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  });
});
