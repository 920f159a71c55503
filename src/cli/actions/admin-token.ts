import { existsSync } from 'node:fs';
import { ensureTokenFile, newAdminToken, readTokenFile, writeTokenFile } from '../../admin/admin-token.js';
import { PivoteError } from '../../protocol/errors.js';
import { tokenPathFor } from '../admin-target.js';
import type { CliContext } from '../context.js';
import type { AdminTokenOptions } from '../options.js';

/** `pivote db init`, `pivote admin-token show|rotate` (see ../commands/admin-token.ts). */

export async function dbInit(ctx: CliContext, opts: AdminTokenOptions): Promise<void> {
  if (existsSync(opts.db)) throw new PivoteError('PV_USAGE', `${opts.db} exists already; \`pivote db init\` only makes new databases`, { path: opts.db });
  const { openSqliteVoteStore } = await import('../../store/sqlite/sqlite-store.js');
  await openSqliteVoteStore(opts.db).close();
  const path = tokenPathFor(opts);
  const { token, created } = ensureTokenFile(path);
  ctx.stdout(`Created the pivote database ${opts.db}.\n`);
  if (created) ctx.stdout(`Admin token (also in ${path}, readable only by you): ${token}\n`);
}

export function tokenShow(ctx: CliContext, opts: AdminTokenOptions): void {
  ctx.stdout(`${readTokenFile(tokenPathFor(opts))}\n`);
}

export async function tokenRotate(ctx: CliContext, opts: AdminTokenOptions): Promise<void> {
  const path = tokenPathFor(opts);
  const token = newAdminToken();
  try {
    writeTokenFile(path, token);
  } catch (err) {
    throw new PivoteError('PV_TOKEN_FILE', `cannot write ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  // Recorded in the database's audit log when there is one beside (never the token itself).
  if (existsSync(opts.db)) {
    const { openSqliteVoteStore } = await import('../../store/sqlite/sqlite-store.js');
    const store = openSqliteVoteStore(opts.db, { create: false });
    try {
      await store.appendAudit({ at: ctx.now(), actor: ctx.actor ?? 'cli', action: 'admin-token.rotate', subject: null, details: { file: path } });
    } finally {
      await store.close();
    }
  }
  ctx.stdout(`New admin token (in ${path}): ${token}\nThe old token and every login made with it stopped working; a running server uses the new one within a second.\n`);
}
