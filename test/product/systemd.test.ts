import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * systemd/install.sh, run for real into a staging root (--root), so nothing on this machine
 * changes: the user goes into <root>/etc/passwd, units into <root>/etc/systemd/system.
 */

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = join(repo, 'systemd', 'install.sh');
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs install.sh with a hard timeout; resolves (never rejects) with its exit code and output.
 *  With `asUid`, runs a copy in a world-readable folder: the checkout may sit below a folder
 *  the other user cannot enter (root's home, a 0700 mktemp -d), and bash would then exit 126. */
async function runInstall(args: readonly string[], asUid?: number): Promise<Run> {
  if (asUid === undefined) return spawnRun('bash', [script, ...args]);
  const dir = await mkdtemp(join(tmpdir(), 'pivote-install-'));
  try {
    await chmod(dir, 0o755);
    const copy = join(dir, 'install.sh');
    await copyFile(script, copy);
    await chmod(copy, 0o755);
    return await spawnRun('setpriv', [`--reuid=${asUid}`, `--regid=${asUid}`, '--clear-groups', 'bash', copy, ...args], dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function spawnRun(command: string, argv: readonly string[], cwd?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' }, ...(cwd !== undefined && { cwd }) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface Entry { type: 'file' | 'dir' | 'link'; mode: number; uid: number; gid: number; mtimeMs: number; content: string }

/** Every path under `root` with type, permissions, owner, mtime and bytes (or link target). */
async function snapshot(root: string): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const st = await lstat(path);
      const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtimeMs: st.mtimeMs };
      if (st.isSymbolicLink()) out.set(relative(root, path), { type: 'link', ...base, content: await readlink(path) });
      else if (st.isDirectory()) {
        out.set(relative(root, path), { type: 'dir', ...base, content: '' });
        await walk(path);
      } else out.set(relative(root, path), { type: 'file', ...base, content: await readFile(path, 'latin1') });
    }
  };
  await walk(root);
  return out;
}

const field = (file: string, name: string, index: number): string | undefined =>
  readFileSync(file, 'utf8').split('\n').map((l) => l.split(':')).find((f) => f[0] === name)?.[index];

let root = '';

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'pivote-install-'));
  // The start of a Raspberry Pi OS /etc: root, and the gpio group the kiosk joins.
  await mkdir(join(root, 'etc'));
  await writeFile(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  await writeFile(join(root, 'etc', 'group'), 'root:x:0:\ngpio:x:997:\n');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.skipIf(!isRoot)('install.sh --root <staging dir> (skipped unless root: it chowns files and runs useradd)', () => {
  it('installs the units, the pivote user in group gpio, /etc/pivote and the kiosk config', async () => {
    const run = await runInstall(['--server', '--kiosk', '--root', root]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);

    const etc = join(root, 'etc');
    for (const unit of ['pivote-server.service', 'pivote-kiosk.service']) {
      expect(readFileSync(join(etc, 'systemd', 'system', unit), 'utf8')).toBe(readFileSync(join(repo, 'systemd', unit), 'utf8'));
      expect((await lstat(join(etc, 'systemd', 'system', unit))).mode & 0o777).toBe(0o644);
    }
    expect(field(join(etc, 'passwd'), 'pivote', 6)).toBe('/usr/sbin/nologin');
    const pivoteGid = Number(field(join(etc, 'group'), 'pivote', 2));
    expect(Number.isInteger(pivoteGid) && pivoteGid > 0).toBe(true);
    expect(field(join(etc, 'group'), 'gpio', 3)?.split(',')).toContain('pivote');

    const dir = await lstat(join(etc, 'pivote'));
    expect({ mode: dir.mode & 0o777, uid: dir.uid, gid: dir.gid }).toEqual({ mode: 0o750, uid: 0, gid: pivoteGid });
    const config = join(etc, 'pivote', 'kiosk.json');
    expect(readFileSync(config, 'utf8')).toBe(readFileSync(join(repo, 'hardware', 'kiosk.example.json'), 'utf8'));
    const st = await lstat(config);
    expect({ mode: st.mode & 0o777, uid: st.uid, gid: st.gid }).toEqual({ mode: 0o640, uid: 0, gid: pivoteGid });

    // systemd 252 here (no libsystemd-shared in the staging root): no back-off drop-in.
    expect(existsSync(join(etc, 'systemd', 'system', 'pivote-server.service.d'))).toBe(false);
    // Not started, and no secret yet: the operator is told what to do next.
    expect(run.stdout).toMatch(/kiosk\.secret/);
    if (existsSync('/usr/bin/systemctl') || existsSync('/bin/systemctl')) {
      for (const unit of ['pivote-server.service', 'pivote-kiosk.service']) {
        expect(await readlink(join(etc, 'systemd', 'system', 'multi-user.target.wants', unit))).toBe(`/etc/systemd/system/${unit}`);
      }
    } else {
      expect(run.stdout).toMatch(/skipped: enabling/);
    }
  });

  it('is idempotent: a second run succeeds and changes no byte, mode, owner or mtime', async () => {
    const first = await runInstall(['--kiosk', '--server', '--root', root]);
    expect(first.code).toBe(0);
    const before = await snapshot(root);
    const second = await runInstall(['--kiosk', '--server', '--root', root]);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).not.toMatch(/^\+ /m);
    expect(await snapshot(root)).toEqual(before);
  });

  it('never overwrites an existing kiosk config', async () => {
    const config = join(root, 'etc', 'pivote', 'kiosk.json');
    const mine = '{ "kioskId": "already-configured" }\n';
    await mkdir(dirname(config));
    await writeFile(config, mine, { mode: 0o600 });
    const run = await runInstall(['--kiosk', '--root', root]);
    expect(run.code).toBe(0);
    expect(readFileSync(config, 'utf8')).toBe(mine);
    expect((await lstat(config)).mode & 0o777).toBe(0o600);
    expect(run.stdout).toContain(`kept: ${config}`);
  });

  it('--dry-run prints the steps and changes nothing', async () => {
    const before = await snapshot(root);
    const run = await runInstall(['--kiosk', '--dry-run', '--root', root]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^would run: useradd /m);
    expect(run.stdout).toMatch(/^would run: install .*pivote-kiosk\.service/m);
    expect(await snapshot(root)).toEqual(before);
  });

  it('adds the restart back-off drop-in only where systemd is 254 or newer', async () => {
    await mkdir(join(root, 'usr', 'lib', 'systemd'), { recursive: true });
    await writeFile(join(root, 'usr', 'lib', 'systemd', 'libsystemd-shared-257.so'), '');
    const run = await runInstall(['--server', '--root', root]);
    expect(run.code).toBe(0);
    expect(readFileSync(join(root, 'etc', 'systemd', 'system', 'pivote-server.service.d', 'restart-backoff.conf'), 'utf8')).toBe(
      readFileSync(join(repo, 'systemd', 'dropins', 'restart-backoff.conf'), 'utf8'),
    );
  });
});

describe('install.sh refuses', () => {
  it('to run without root, before touching anything', async () => {
    // As root, drop to nobody; as an ordinary user, just run it.
    const before = await snapshot(root);
    const run = await runInstall(['--kiosk', '--root', root], isRoot ? NOBODY : undefined);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/must be run as root/);
    expect(await snapshot(root)).toEqual(before);
  });

  it('to run without a role', async () => {
    const run = await runInstall(['--dry-run', '--root', root]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/choose a role: --server or --kiosk/);
  });
});
