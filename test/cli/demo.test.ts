import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { registerDemo } from '../../src/cli/commands/demo.js';
import { renderDemoLine, renderDemoScreen, type DemoView } from '../../src/cli/demo-screen.js';
import { reportError } from '../../src/cli/errors.js';
import { pathFromCwd, pivoteCommand, type InvocationFacts } from '../../src/cli/invocation.js';
import { captureContext } from './helpers.js';

const view: DemoView = {
  question: 'How was it?',
  counts: [
    { button: 1, label: 'Great', count: 3 },
    { button: 2, label: 'Poor', count: 1 },
  ],
  flagged: 2,
  kiosks: [{ id: 'demo-1', status: 'online', queued: 0 }],
  pressed: 6,
  acknowledged: 6,
  elapsedMs: 4200,
  durationMs: 10_000,
  server: '127.0.0.1:4000',
  dataDir: '/d',
};

describe('demo screen (pure rendering)', () => {
  it('shows each option with count and percentage, the flagged votes and the kiosks', () => {
    const screen = renderDemoScreen(view);
    expect(screen).toMatch(/1\s+Great\s+█+\s+3\s+75\.0 %/);
    expect(screen).toMatch(/2\s+Poor\s+█+·+\s+1\s+25\.0 %/);
    expect(screen).toContain('votes counted: 4');
    expect(screen).toContain('+2 flagged');
    expect(screen).toContain('demo-1');
    expect(screen).toContain('4 / 10 s');
  });
  it('has a one-line form for logs', () => {
    expect(renderDemoLine(view)).toBe('[  4 s] votes counted: 4 (Great 3, Poor 1)\n');
  });
});

describe('pivote demo (real server, real kiosks on mock GPIO, loopback only)', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('counts votes within a short run and writes only inside its data folder', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pivote-demo-test-'));
    const dataDir = join(dir, 'data');
    const ctx = captureContext(() => Date.now());
    const program = new Command('pivote').exitOverride();
    registerDemo(program, ctx, () => new Promise(() => undefined));
    let code = 0;
    try {
      await program.parseAsync(['demo', '--duration', '2', '--data-dir', dataDir, '--seed', '7'], { from: 'user' });
    } catch (err) {
      code = reportError(err, ctx);
    }
    const out = ctx.out.join('');
    expect(code, ctx.err.join('')).toBe(0);
    const counted = Number(/votes counted: (\d+)\.\n/.exec(out)?.[1]);
    expect(counted).toBeGreaterThan(0);
    // Tests run in the checkout, where `pivote` is `npx pivote`.
    expect(out).toContain(`try \`npx pivote results --db ${join(dataDir, 'demo.db')}\``);
    expect(readdirSync(dir)).toEqual(['data']);
    expect(readdirSync(dataDir).sort()).toEqual(['demo.db', 'demo.db.admin-token', 'demo.log', 'kiosks'].concat(readdirSync(dataDir).filter((f) => /^demo\.db-(wal|shm)$/.test(f))).sort());
    expect(out).toMatch(/^Dashboard: http:\/\/127\.0\.0\.1:\d+\nLog in with this one-time link: http:\/\/127\.0\.0\.1:\d+\/login\?code=[\w-]{32}\n/m);
  });
});

describe('the command a hint prints (where the user is)', () => {
  const facts = (over: Partial<InvocationFacts>): InvocationFacts => ({
    mainPath: '/home/ada/pivote/dist/cli/main.js',
    packageRoot: '/home/ada/pivote',
    cwd: '/home/ada/pivote',
    env: { PATH: '/usr/bin:/bin' },
    realpath: () => undefined,
    ...over,
  });

  it('installed: `pivote`, when the pivote on PATH is this one', () => {
    const installed = facts({
      mainPath: '/usr/local/lib/node_modules/pivote/dist/cli/main.js',
      packageRoot: '/usr/local/lib/node_modules/pivote',
      cwd: '/home/ada',
      env: { PATH: '/usr/bin:/usr/local/bin' },
      realpath: (p) => (p === '/usr/local/bin/pivote' ? '/usr/local/lib/node_modules/pivote/dist/cli/main.js' : undefined),
    });
    expect(pivoteCommand(installed)).toBe('pivote');
  });

  it('in a checkout (npm run demo): `npx pivote`; a pivote on PATH that is another install does not count', () => {
    expect(pivoteCommand(facts({}))).toBe('npx pivote');
    expect(pivoteCommand(facts({ cwd: '/home/ada/pivote/docs' }))).toBe('npx pivote');
    expect(pivoteCommand(facts({ env: { PATH: '/usr/local/bin' }, realpath: () => '/usr/local/lib/node_modules/pivote/dist/cli/main.js' }))).toBe('npx pivote');
  });

  it('elsewhere: node and the full path', () => {
    expect(pivoteCommand(facts({ cwd: '/tmp' }))).toBe('node /home/ada/pivote/dist/cli/main.js');
  });

  it('paths below the current folder are given relative to it', () => {
    expect(pathFromCwd({ cwd: '/home/ada/pivote' }, '/home/ada/pivote/.pivote-demo/demo.db')).toBe('.pivote-demo/demo.db');
    expect(pathFromCwd({ cwd: '/home/ada/pivote' }, '/tmp/demo.db')).toBe('/tmp/demo.db');
  });
});
