import type { Command } from 'commander';
import { DEFAULT_DB_PATH } from '../target-options.js';
import type { CliContext } from '../context.js';
import type { AdminTokenOptions, DbMigrateOptions } from '../options.js';
import { formatParser } from '../output.js';

/**
 * `pivote db init|migrate` and `pivote admin-token show|rotate`: options and help only; the work
 * is in ../actions/admin-token.ts and ../actions/db-migrate.ts, imported when one of them runs.
 */
export function registerAdminToken(program: Command, ctx: CliContext): void {
  const withDb = (cmd: Command): Command =>
    cmd
      .option('--db <path|url>', 'the pivote database: an SQLite file or a postgres:// URL (or PIVOTE_DB_URL)', DEFAULT_DB_PATH)
      .option('--token-file <file>', 'the admin token file (default: <db>.admin-token beside the database)');

  const db = program.command('db').description('create a pivote database, or copy one into PostgreSQL');
  withDb(db.command('init').description('create a new pivote database and its admin token (the server also does this at its first start)')).action(
    async (opts: AdminTokenOptions) => {
      const { dbInit } = await import('../actions/admin-token.js');
      await dbInit(ctx, opts);
    },
  );

  db.command('migrate')
    .description('copy an SQLite deployment (kiosks, polls, votes, audit log, alerts) into a PostgreSQL database, or a small one back')
    .requiredOption('--from <path|url>', 'the SQLite file the server used (pivote.db), or a postgres:// URL to copy from')
    .requiredOption('--to <url|path>', 'the PostgreSQL database: postgres://user@host:5432/name (it must exist; the tables are made if missing), or an SQLite file to copy into')
    .option('--format <format>', 'text or json', formatParser(['text', 'json'] as const), 'text')
    .addHelpText(
      'after',
      '\nEverything is copied in one transaction: on any error the PostgreSQL database is left as it was.\n' +
        'Ids, times and flags are kept; the kiosks keep their secrets, so they connect to the new servers as they are.\n' +
        'Running it again copies only what is missing (nothing, if nothing changed) and says so; rows already\n' +
        'there are never overwritten. Each run checks, by counts, that every SQLite row is in PostgreSQL.\n' +
        'Stop the SQLite server before the last run, so that no vote arrives there afterwards.\n' +
        'From PostgreSQL into an SQLite file (new, or an earlier copy of the same database): for a small\n' +
        'deployment, since the copy is held in one transaction.\n' +
        'The admin token is not in the database: give the servers the same file with --admin-token-file.\n',
    )
    .action(async (opts: DbMigrateOptions) => {
      const { dbMigrate } = await import('../actions/db-migrate.js');
      await dbMigrate(ctx, opts);
    });

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
