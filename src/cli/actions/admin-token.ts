import { existsSync } from 'node:fs';
import { ensureTokenFile, newAdminToken, readTokenFile, writeTokenFile } from '../../admin/admin-token.js';
import { PivoteError } from '../../protocol/errors.js';
import { dbTarget, tokenPathFor } from '../admin-target.js';
import type { CliContext } from '../context.js';
import type { AdminTokenOptions } from '../options.js';

/** `pivote db init`, `pivote admin-token show|rotate` (see ../commands/admin-token.ts). */

export async function dbInit(ctx: CliContext, opts: AdminTokenOptions): Promise<void> {
  const target = dbTarget(opts, ctx);
  const { isPostgresUrl, openStore } = await import('../../store/open-store.js');
  if (!isPostgresUrl(target) && existsSync(target)) throw new PivoteError('PV_USAGE', `${target} exists already; \`pivote db init\` only makes new databases`, { path: target });
  // A PostgreSQL database must exist (made by its administrator); this creates pivote's tables in it.
  await (await openStore(target, { use: 'cli' })).close();
  const path = tokenPathFor({ ...opts, db: target });
  const { token, created } = ensureTokenFile(path);
  ctx.stdout(`Created the pivote database ${isPostgresUrl(target) ? 'tables' : target}.\n`);
  if (created) ctx.stdout(`Admin token (also in ${path}, readable only by you): ${token}\n`);
}

export function tokenShow(ctx: CliContext, opts: AdminTokenOptions): void {
  ctx.stdout(`${readTokenFile(tokenPathFor({ ...opts, db: dbTarget(opts, ctx) }))}\n`);
}

export async function tokenRotate(ctx: CliContext, opts: AdminTokenOptions): Promise<void> {
  const path = tokenPathFor({ ...opts, db: dbTarget(opts, ctx) });
  const token = newAdminToken();
  try {
    writeTokenFile(path, token);
  } catch (err) {
    throw new PivoteError('PV_TOKEN_FILE', `cannot write ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  // Recorded in the database's audit log when there is one (never the token itself).
  const target = dbTarget(opts, ctx);
  const { isPostgresUrl, openStore } = await import('../../store/open-store.js');
  if (isPostgresUrl(target) || existsSync(target)) {
    const store = await openStore(target, { use: 'cli', create: false });
    try {
      await store.appendAudit({ at: ctx.now(), actor: ctx.actor ?? 'cli', action: 'admin-token.rotate', subject: null, details: { file: path } });
    } finally {
      await store.close();
    }
  }
  ctx.stdout(`New admin token (in ${path}): ${token}\nThe old token and every login made with it stopped working; a running server uses the new one within a second.\n`);
}
