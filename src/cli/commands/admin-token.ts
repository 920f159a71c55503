import type { Command } from 'commander';
import { DEFAULT_DB_PATH } from '../target-options.js';
import type { CliContext } from '../context.js';
import type { AdminTokenOptions } from '../options.js';

/**
 * `pivote db init` and `pivote admin-token show|rotate`: options and help only; the work is in
 * ../actions/admin-token.ts, imported when one of them runs.
 */
export function registerAdminToken(program: Command, ctx: CliContext): void {
  const withDb = (cmd: Command): Command =>
    cmd
      .option('--db <path|url>', 'the pivote database: an SQLite file or a postgres:// URL (or PIVOTE_DB_URL)', DEFAULT_DB_PATH)
      .option('--token-file <file>', 'the admin token file (default: <db>.admin-token beside the database)');

  const db = program.command('db').description('create a pivote database');
  withDb(db.command('init').description('create a new pivote database and its admin token (the server also does this at its first start)')).action(
    async (opts: AdminTokenOptions) => {
      const { dbInit } = await import('../actions/admin-token.js');
      await dbInit(ctx, opts);
    },
  );

  const token = program
    .command('admin-token')
    .description("the organiser's admin token for the dashboard and the HTTP API")
    .addHelpText('after', '\nThe token lives in a file with mode 0600 beside the database (<db>.admin-token),\nor in the file given to `pivote server --admin-token-file`.\n');
  withDb(token.command('show').description('print the current admin token')).action(async (opts: AdminTokenOptions) => {
    const { tokenShow } = await import('../actions/admin-token.js');
    tokenShow(ctx, opts);
  });
  withDb(token.command('rotate').description('write a new admin token: the old one and every login session made with it stop working at once')).action(
    async (opts: AdminTokenOptions) => {
      const { tokenRotate } = await import('../actions/admin-token.js');
      await tokenRotate(ctx, opts);
    },
  );
}
