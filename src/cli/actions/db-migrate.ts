import { PivoteError } from '../../protocol/errors.js';
import { isPostgresUrl } from '../../store/open-store.js';
import type { CliContext } from '../context.js';
import type { DbMigrateOptions } from '../options.js';
import { renderJson, renderTable } from '../output.js';

/** `pivote db migrate --from pivote.db --to postgres://...` (see ../commands/admin-token.ts). */
export async function dbMigrate(ctx: CliContext, opts: DbMigrateOptions): Promise<void> {
  if (isPostgresUrl(opts.from)) throw new PivoteError('PV_USAGE', '--from is the SQLite file to copy (pivote.db), not a postgres:// URL', { from: opts.from });
  if (!isPostgresUrl(opts.to)) throw new PivoteError('PV_USAGE', `--to must be a postgres:// URL; got "${opts.to}"`, { to: opts.to });
  const { migrateSqliteToPostgres } = await import('../../store/migrate/sqlite-to-postgres.js');
  let lastReport = ctx.now();
  const result = await migrateSqliteToPostgres({
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
  ctx.stdout(renderTable(['table', 'in SQLite', 'copied', 'already there', 'in PostgreSQL'], rows));
  const total = result.tables.reduce((n, t) => n + t.source, 0);
  if (result.nothingCopied) ctx.stdout(`Nothing to copy: all ${total} rows of ${result.from} were already in ${result.to} (checked by counts).\n`);
  else ctx.stdout(`Copied ${result.from} into ${result.to}; all ${total} of its rows are there now (checked by counts).\n`);
}
