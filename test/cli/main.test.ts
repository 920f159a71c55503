import { describe, expect, it } from 'vitest';
import { reportError } from '../../src/cli/errors.js';
import { buildProgram } from '../../src/cli/main.js';
import { PivoteError } from '../../src/protocol/errors.js';
import { TempDir, captureContext, initDb, run } from './helpers.js';

const COMMANDS = [
  ['fleet'],
  ['fleet', 'add'],
  ['fleet', 'list'],
  ['fleet', 'revoke'],
  ['fleet', 'set'],
  ['fleet', 'rotate-secret'],
  ['fleet', 'reactivate'],
  ['fleet', 'remove'],
  ['poll'],
  ['poll', 'schedule'],
  ['poll', 'delete'],
  ['export'],
  ['admin-token', 'show'],
  ['admin-token', 'rotate'],
  ['db', 'init'],
  ['poll', 'open'],
  ['poll', 'close'],
  ['poll', 'list'],
  ['results'],
];

describe('pivote program', () => {
  it.each(COMMANDS)('%s %s --help describes the command and exits 0', async (...path) => {
    const r = await run([...path.filter(Boolean), '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: pivote /);
    const cmd = path.filter(Boolean).reduce((c, name) => c.commands.find((s) => s.name() === name) ?? c, buildProgram(captureContext()));
    expect(cmd.description().length).toBeGreaterThan(10);
    expect(r.stdout).toContain(cmd.description().slice(0, 30));
    if (cmd.commands.length === 0) expect(r.stdout).toContain('--db <path|url>');
  });

  it('lists every command in the top-level help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const name of ['fleet', 'poll', 'results']) expect(r.stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
  });

  it('prints the version', async () => {
    const r = await run(['--version']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    [['bogus']],
    [['fleet', 'list', '--bogus']],
    [['fleet', 'revoke']],
    [['fleet', 'revoke', 'a', 'b']],
  ])('exits 2 on a commander usage error: %j', async (args) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stdout).toBe('');
  });

  it('exits non-zero with the usage when a command group is given no subcommand', async () => {
    const r = await run(['fleet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: pivote fleet');
  });

  it('buildProgram runs a command in-process with the given output and throws instead of exiting', async () => {
    const tmp = new TempDir();
    try {
      const db = tmp.file('pivote.db');
      await initDb(db);
      const ctx = captureContext();
      await buildProgram(ctx).parseAsync(['poll', 'open', '--question', 'Q', '--option', 'A', '--option', 'B', '--db', db], { from: 'user' });
      expect(ctx.out.join('')).toContain('Opened poll 1: Q');
      await expect(buildProgram(ctx).parseAsync(['poll', 'close', '--db', db, '--help'], { from: 'user' })).rejects.toMatchObject({ exitCode: 0 });
      await expect(buildProgram(ctx).parseAsync(['fleet', 'revoke', 'x', '--db', db], { from: 'user' })).rejects.toMatchObject({
        code: 'PV_UNKNOWN_KIOSK',
      });
    } finally {
      tmp.remove();
    }
  });
});

describe('reportError', () => {
  it('prints a PivoteError as `error CODE: message` and its hint, exit 1 (2 for PV_USAGE)', () => {
    const ctx = captureContext();
    expect(reportError(new PivoteError('PV_NO_OPEN_POLL', 'no poll is open'), ctx)).toBe(1);
    expect(ctx.err.join('')).toBe(
      'error PV_NO_OPEN_POLL: no poll is open\nhint: Open a poll with `pivote poll open --question Q --option A --option B`.\n',
    );
    expect(reportError(new PivoteError('PV_USAGE', 'bad'), captureContext())).toBe(2);
  });

  it('shows the stack of an unexpected error only in debug mode', () => {
    const err = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    const quiet = captureContext();
    expect(reportError(err, quiet)).toBe(1);
    expect(quiet.err.join('')).toBe('error SQLITE_BUSY: database is locked\nhint: another process kept the database locked; retry in a moment.\n');
    const loud = captureContext(undefined, true);
    reportError(new Error('boom'), loud);
    expect(loud.err.join('')).toMatch(/^error: boom\nError: boom\n\s+at /);
  });
});
