import { resolve } from 'node:path';
import type { AdminApi } from '../admin/api.js';
import { defaultTokenPath, readTokenFile } from '../admin/admin-token.js';
import { PivoteError } from '../protocol/errors.js';
import { DEFAULT_DB_PATH } from './target-options.js';
import type { CliContext } from './context.js';
import type { TargetOptions } from './options.js';

function tokenFor(opts: TargetOptions, ctx: CliContext): string | undefined {
  const file = opts.tokenFile ?? ctx.env.PIVOTE_TOKEN_FILE;
  if (file !== undefined && file !== '') return readTokenFile(file);
  const token = ctx.env.PIVOTE_TOKEN;
  return token === undefined || token === '' ? undefined : token.trim();
}

/**
 * The admin interface the options point at. Through --db, listing commands open the file
 * read-only and no command creates one: a mistyped path is an error, never a new database.
 * The store and the HTTP client are imported here, when needed, so `--help` loads neither.
 */
export async function openAdmin(opts: TargetOptions, ctx: CliContext, mode: 'read' | 'write'): Promise<AdminApi> {
  const url = opts.url ?? ctx.env.PIVOTE_URL;
  if (url !== undefined && url !== '') {
    const { HttpAdmin } = await import('../admin/http-admin.js');
    return new HttpAdmin({ url, token: tokenFor(opts, ctx) });
  }
  const [{ openStore }, { StoreAdmin }] = await Promise.all([import('../store/open-store.js'), import('../admin/store-admin.js')]);
  const store = await openStore(dbTarget(opts, ctx), { use: 'cli', readonly: mode === 'read', create: false });
  return new StoreAdmin({ store, clock: () => ctx.now(), actor: ctx.actor ?? 'cli' });
}

/** `--db`, or PIVOTE_DB_URL when --db was left at its default (a PostgreSQL URL, typically). */
export function dbTarget(opts: { db: string }, ctx: CliContext): string {
  const env = ctx.env.PIVOTE_DB_URL;
  return opts.db === DEFAULT_DB_PATH && env !== undefined && env !== '' ? env : opts.db;
}

export async function withAdmin<T>(opts: TargetOptions, ctx: CliContext, mode: 'read' | 'write', fn: (admin: AdminApi) => Promise<T>): Promise<T> {
  const admin = await openAdmin(opts, ctx, mode);
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** The token file of a database (or the one named), for `pivote admin-token` and the server. */
export function tokenPathFor(opts: { db: string; tokenFile?: string; adminTokenFile?: string }): string {
  const named = opts.tokenFile ?? opts.adminTokenFile;
  if (named !== undefined) return resolve(named);
  if (/^postgres(ql)?:\/\//.test(opts.db)) {
    throw new PivoteError('PV_USAGE', 'with a PostgreSQL --db, name the admin token file with --admin-token-file (or --token-file)');
  }
  return resolve(defaultTokenPath(opts.db));
}
