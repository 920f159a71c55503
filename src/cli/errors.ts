import { CommanderError } from 'commander';
import { isPivoteError } from '../protocol/errors.js';
import type { CliContext } from './context.js';

/** Exit codes: 0 ok, 1 a PivoteError (the request was understood but refused), 2 bad usage. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

/**
 * Prints `error PV_CODE: message` and the code's hint on stderr and returns the exit code.
 * Commander has already printed its own usage errors; those only need the exit code. A
 * PivoteError is expected, so it never gets a stack trace; anything else is a bug or an
 * environment problem (disk full, database locked) and shows its stack only with debug on.
 */
export function reportError(err: unknown, ctx: CliContext): number {
  if (err instanceof CommanderError) {
    // Help and --version arrive here too, with exit code 0.
    return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (isPivoteError(err)) {
    ctx.stderr(`error ${err.code}: ${err.message}\n`);
    ctx.stderr(`hint: ${err.hint}\n`);
    return err.code === 'PV_USAGE' ? EXIT_USAGE : EXIT_ERROR;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  ctx.stderr(`error${typeof code === 'string' ? ` ${code}` : ''}: ${e.message}\n`);
  if (ctx.debug && e.stack) ctx.stderr(`${e.stack}\n`);
  else if (code === 'SQLITE_BUSY') ctx.stderr('hint: another process kept the database locked; retry in a moment.\n');
  else ctx.stderr('hint: run again with PIVOTE_DEBUG=1 for details.\n');
  return EXIT_ERROR;
}
