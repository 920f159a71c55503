import { PivoteError } from '../../protocol/errors.js';
import { isPostgresUrl } from '../../store/open-store.js';
import type { CliContext } from '../context.js';
import type { DbMigrateOptions } from '../options.js';
import { renderJson, renderTable } from '../output.js';

/** `pivote db migrate --from pivote.db --to postgres://...`, or the other way round for a small
 *  deployment (see ../commands/admin-token.ts). */
export async function dbMigrate(ctx: CliContext, opts: DbMigrateOptions): Promise<void> {
  const toPostgres = isPostgresUrl(opts.to);
  if (isPostgresUrl(opts.from) === toPostgres) {
    throw new PivoteError('PV_USAGE', 'one of --from and --to is an SQLite file and the other a postgres:// URL', { from: opts.from, to: opts.to });
  }
  const migrate = toPostgres
    ? (await import('../../store/migrate/sqlite-to-postgres.js')).migrateSqliteToPostgres
    : (await import('../../store/migrate/postgres-to-sqlite.js')).migratePostgresToSqlite;
  let lastReport = ctx.now();
  const result = await migrate({
    from: opts.from,
    to: opts.to,
    now: ctx.now(),
    onProgress: (table, done, total) => {
      // Large tables take a while: a line every ten seconds or so.
      if (opts.format === 'text' && ctx.now() - lastReport > 10_000) {
        lastReport = ctx.now();
        ctx.stderr(`${table}: ${done} of ${total}\n`);
      }
    },
  });
  if (opts.format === 'json') {
    ctx.stdout(renderJson({ ...result, verified: true }));
    return;
  }
  const rows = result.tables.map((t) => [t.table, String(t.source), String(t.copied), String(t.alreadyThere), String(t.target)]);
  const [source, target] = toPostgres ? ['in SQLite', 'in PostgreSQL'] : ['in PostgreSQL', 'in SQLite'];
  ctx.stdout(renderTable(['table', source, 'copied', 'already there', target], rows));
  const total = result.tables.reduce((n, t) => n + t.source, 0);
  if (result.nothingCopied) ctx.stdout(`Nothing to copy: all ${total} rows of ${result.from} were already in ${result.to} (checked by counts).\n`);
  else ctx.stdout(`Copied ${result.from} into ${result.to}; all ${total} of its rows are there now (checked by counts).\n`);
}
