import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { describePg } from '../support/postgres/test-db.js';
import { captureContext, expectPvError, run } from './helpers.js';
import { runCli } from '../../src/cli/main.js';

/** The organiser's commands on a PostgreSQL database: `--db postgres://…` or PIVOTE_DB_URL. */
describePg('pivote fleet|poll|results|admin-token on PostgreSQL', (pgc) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it('db init makes the tables; the commands then work with --db URL and with PIVOTE_DB_URL', async () => {
    const db = await pgc.create();
    cleanups.push(db.drop);
    const dir = mkdtempSync(join(tmpdir(), 'pivote-pg-cli-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // Before `db init` the database is empty: no command creates the tables by accident.
    expectPvError(await run(['fleet', 'list', '--db', db.url]), 'PV_NOT_A_PIVOTE_DB');
    expectPvError(await run(['db', 'init', '--db', db.url]), 'PV_USAGE'); // PostgreSQL needs a named token file
    expect((await run(['db', 'init', '--db', db.url, '--token-file', join(dir, 'token')])).code).toBe(0);
    expect((await run(['fleet', 'add', 'pg-1', '--db', db.url])).code).toBe(0);
    const withEnv = async (args: string[]) => {
      const ctx = { ...captureContext(), env: { PIVOTE_DB_URL: db.url } };
      const code = await runCli(args, ctx);
      return { code, stdout: ctx.out.join(''), stderr: ctx.err.join('') };
    };
    const opened = await withEnv(['poll', 'open', '--question', 'Q', '--option', 'A', '--option', 'B']);
    expect(opened).toMatchObject({ code: 0, stdout: expect.stringContaining('Opened poll 1: Q') });
    const list = await withEnv(['fleet', 'list', '--format', 'json']);
    expect(JSON.parse(list.stdout).map((k: { id: string }) => k.id)).toEqual(['pg-1']);
    const results = await withEnv(['results', '--format', 'json']);
    expect(JSON.parse(results.stdout)).toMatchObject({ poll: { id: 1 }, total: 0 });
    const audit = await withEnv(['admin-token', 'rotate', '--token-file', join(dir, 'token')]);
    expect(audit.code).toBe(0);
  });
});
