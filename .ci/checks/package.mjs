// The release artefact, as a user installs it (README, systemd/README.md, systemd/install.sh):
// `npm pack`, then `npm install -g ./pivote-<version>.tgz` — here into a throwaway prefix, not
// /usr/local. Then, from the installed tree only: `pivote --version`; the chardev GPIO addon
// loads (by require and through pivote's own loader); an installed `pivote server` and an
// installed `pivote kiosk --gpio mock` store a vote that `pivote results` counts.
// Plain Node (no dependencies, no build step of its own): `node .ci/checks/package.mjs`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'pivote-package-'));
const children = new Set();
const STEP_TIMEOUT_MS = 10 * 60_000; // installing compiles native addons: slow on a busy machine, but it ends

function say(text) {
  process.stdout.write(`== ${text}\n`);
}

function fail(text) {
  process.stderr.write(`FAIL: ${text}\n`);
  process.exitCode = 1;
  throw new Error(text);
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: STEP_TIMEOUT_MS, ...options });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A long-running child whose stdout lines (JSON or not) are kept and can be waited for. */
function start(cmd, args, options) {
  const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
  children.add(p);
  p.on('exit', () => children.delete(p));
  const lines = [];
  const waiters = new Set();
  const keep = (line) => {
    let value = line;
    try {
      value = JSON.parse(line);
    } catch {
      // not JSON: kept as text
    }
    lines.push(value);
    for (const w of waiters) w();
  };
  createInterface({ input: p.stdout }).on('line', keep);
  createInterface({ input: p.stderr }).on('line', keep);
  const waitFor = (what, match, timeoutMs = 60_000) =>
    new Promise((resolveWait, rejectWait) => {
      const check = () => {
        const found = lines.find((l) => typeof l === 'object' && l !== null && match(l));
        if (found) {
          cleanup();
          resolveWait(found);
        } else if (p.exitCode !== null) {
          cleanup();
          rejectWait(new Error(`${args.join(' ')} exited (${p.exitCode}) before ${what}:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        rejectWait(new Error(`timed out waiting for ${what}:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      p.on('exit', check);
      check();
    });
  return { process: p, lines, waitFor };
}

async function main() {
  say(`npm pack (pivote ${version})`);
  const packed = run('npm', ['pack', '--pack-destination', work, '--json'], { cwd: ROOT });
  const [info] = JSON.parse(packed.slice(packed.indexOf('[')));
  const tarball = join(work, info.filename);
  if (info.filename !== `pivote-${version}.tgz`) fail(`npm pack made ${info.filename}, the docs say pivote-${version}.tgz`);
  const files = new Set(info.files.map((f) => f.path));
  for (const needed of ['dist/cli/main.js', 'native/gpio-chardev/package.json', 'native/gpio-chardev/binding.gyp', 'native/gpio-chardev/src/gpio_chardev.c', 'systemd/install.sh', 'hardware/kiosk.example.json']) {
    if (!files.has(needed)) fail(`the tarball lacks ${needed}`);
  }
  for (const path of files) {
    if (/^(test|bench|src|scripts|\.ci)\//.test(path) || path.startsWith('dist/bench/') || path.includes('/build/')) fail(`the tarball ships ${path}`);
  }

  say(`npm install -g --prefix <tmp> ./${info.filename} (compiles the native addons)`);
  const prefix = join(work, 'prefix');
  // Not from the checkout: a user installs the tarball wherever they copied it to.
  run('npm', ['install', '-g', '--prefix', prefix, tarball, '--no-audit', '--no-fund'], { cwd: work, stdio: ['ignore', 'inherit', 'inherit'] });
  const bin = join(prefix, 'bin', 'pivote');
  const pkg = join(prefix, 'lib', 'node_modules', 'pivote');
  if (!realpathSync(bin).startsWith(realpathSync(pkg))) fail(`${bin} does not point into ${pkg}`);

  say('installed pivote --version');
  const shown = run(bin, ['--version']).trim();
  if (shown !== version) fail(`pivote --version printed "${shown}", expected ${version}`);

  say('the chardev GPIO addon is built and loads from the installed tree');
  const addonPkg = join(pkg, 'node_modules', '@pivote', 'gpio-chardev');
  if (!existsSync(addonPkg)) fail(`${addonPkg} is missing: the chardev addon was not installed`);
  run(process.execPath, ['-e', `const a = require(${JSON.stringify(addonPkg)}); if (typeof a.requestLines !== 'function' || a.constants.EVENT_SIZE !== 48) process.exit(3);`]);
  const loader = pathToFileURL(join(pkg, 'dist', 'gpio', 'chardev', 'addon.js')).href;
  run(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(loader)}); m.loadChardevAddon();`]);

  say('installed pivote server + installed pivote kiosk --gpio mock: a vote is stored and counted');
  const run1 = join(work, 'run');
  run('mkdir', ['-p', run1]);
  const db = join(run1, 'votes.db');
  const server = start(bin, ['server', '--host', '127.0.0.1', '--port', '0', '--http-port', '0', '--db', db, '--log-level', 'info'], { cwd: run1 });
  const listening = await server.waitFor('the server to listen', (l) => l.msg === 'listening for kiosks' && typeof l.port === 'number');
  const http = await server.waitFor('the dashboard to listen', (l) => l.msg === 'dashboard and HTTP API listening' && typeof l.url === 'string');
  const added = JSON.parse(run(bin, ['fleet', 'add', 'pkg-1', '--db', db, '--format', 'json'], { cwd: run1 }));
  const secret = added.secret ?? added.kiosk?.secret;
  if (typeof secret !== 'string') fail(`fleet add --format json gave no secret: ${JSON.stringify(added)}`);
  writeFileSync(join(run1, 'pkg-1.secret'), `${secret}\n`, { mode: 0o600 });
  run(bin, ['poll', 'open', '--db', db, '--question', 'Packaged?', '--option', 'Yes', '--option', 'No'], { cwd: run1 });

  const kiosk = start(
    bin,
    ['kiosk', '--gpio', 'mock', '--mock-control', '--server', `127.0.0.1:${listening.port}`, '--kiosk-id', 'pkg-1', '--secret-file', join(run1, 'pkg-1.secret'), '--data-dir', join(run1, 'kiosk')],
    { cwd: run1 },
  );
  await kiosk.waitFor('the kiosk to be online', (l) => l.type === 'connection' && l.status === 'online');
  // The poll reaches the kiosk within a second of `poll open`.
  for (let i = 0; ; i++) {
    const marker = kiosk.lines.length;
    kiosk.process.stdin.write('stats\n');
    const stats = await kiosk.waitFor('stats', (l) => l.type === 'stats' && kiosk.lines.indexOf(l) >= marker);
    if (stats.pollId !== null) break;
    if (i > 100) fail('the kiosk never learned the open poll');
    await new Promise((r) => setTimeout(r, 100));
  }
  kiosk.process.stdin.write('press 1\n');
  for (let i = 0; ; i++) {
    const marker = kiosk.lines.length;
    kiosk.process.stdin.write('stats\n');
    const stats = await kiosk.waitFor('stats', (l) => l.type === 'stats' && kiosk.lines.indexOf(l) >= marker);
    if (stats.acked === 1) break;
    if (i > 200) fail(`the vote was never acknowledged: ${JSON.stringify(stats)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  kiosk.process.stdin.write('quit\n');
  await new Promise((r) => (kiosk.process.exitCode !== null ? r() : kiosk.process.once('exit', r)));
  if (kiosk.process.exitCode !== 0) fail(`the kiosk exited ${kiosk.process.exitCode}`);

  const results = JSON.parse(run(bin, ['results', '--db', db, '--format', 'json'], { cwd: run1 }));
  const text = JSON.stringify(results);
  if (!/"count":1\b/.test(text) || !text.includes('Yes')) fail(`results do not count the vote: ${text}`);
  say('the installed server serves the built dashboard, and answers `results --url` as `--db`');
  const page = await fetch(`${http.url}/`);
  const html = await page.text();
  if (page.status !== 200 || !/<script type="module"[^>]+src="\/assets\/[^"]+\.js"/.test(html)) fail(`the dashboard is not served from the package: ${page.status} ${html.slice(0, 200)}`);
  const viaUrl = JSON.parse(run(bin, ['results', '--url', http.url, '--token-file', http.tokenFile, '--format', 'json'], { cwd: run1 }));
  if (JSON.stringify(viaUrl) !== JSON.stringify(results)) fail(`results --url differ from --db: ${JSON.stringify(viaUrl)}`);
  say('ok: the packaged pivote installs, runs, stores and counts a vote, serves its dashboard; the chardev addon loads');
}

try {
  await main();
} catch (err) {
  if (process.exitCode !== 1) {
    process.stderr.write(`FAIL: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all([...children].map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.once('exit', r)))));
  rmSync(work, { recursive: true, force: true });
}
