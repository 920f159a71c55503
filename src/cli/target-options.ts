import type { Command } from 'commander';

/** Light: loaded by every command definition (see main.ts); opening the target is admin-target.ts. */

export const DEFAULT_DB_PATH = 'pivote.db';

/**
 * Every command that reads or changes the server's state takes `--db PATH` (the database file,
 * on this machine) or `--url URL` (a running server's HTTP API, from anywhere; also PIVOTE_URL),
 * and works the same either way: both give an AdminApi.
 */
export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option('--db <path|url>', 'the pivote database: an SQLite file (it must exist: `pivote server` or `pivote db init` makes one) or a postgres:// URL (or PIVOTE_DB_URL)', DEFAULT_DB_PATH)
    .option('--url <url>', "a running server's HTTP address instead of --db, e.g. http://venue-server:8080 (or PIVOTE_URL)")
    .option('--token-file <file>', 'with --url: a file holding the admin token (or PIVOTE_TOKEN / PIVOTE_TOKEN_FILE)');
}

