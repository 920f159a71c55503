import { PivoteError } from '../protocol/errors.js';

/**
 * The one place the kiosk turns the OS errors it expects at start-up — a config or secret file
 * that is missing or not readable, a data folder it may not create or write — into catalog
 * errors that say which file, what went wrong and (through the code's hint) what to do. Pure:
 * callers do the I/O and pass what was thrown. (GPIO errors have their own: gpio/os-errors.ts.)
 */

/** errno (EACCES) or SQLite (SQLITE_CANTOPEN) code of a thrown error, if it has one. */
export function osCodeOf(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

const PROBLEMS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EEXIST: 'a file of that name is in the way',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  SQLITE_CANTOPEN: 'the database file cannot be opened or created there',
  SQLITE_READONLY: 'the database file is read-only',
  SQLITE_FULL: 'no space left on the device',
  SQLITE_PERM: 'permission denied',
};

/** "permission denied (EACCES)"; an unknown error keeps its own message. */
export function describeOsError(err: unknown): string {
  const code = osCodeOf(err);
  const known = code === undefined ? undefined : PROBLEMS[code] ?? (code.startsWith('SQLITE_IOERR') ? 'a disk I/O error' : undefined);
  if (known !== undefined) return `${known} (${code})`;
  return err instanceof Error ? err.message : String(err);
}

/** Is this one of the errors a wrong path, owner or mode causes (as opposed to a bug)? */
export function isExpectedOsError(err: unknown): boolean {
  const code = osCodeOf(err);
  return code !== undefined && (code in PROBLEMS || code.startsWith('SQLITE_IOERR'));
}

/** A file pivote must read (the config, a secret file) cannot be read. */
export function unreadableFileError(what: string, path: string, err: unknown, details: Record<string, unknown> = {}): PivoteError {
  return new PivoteError('PV_CONFIG_UNREADABLE', `cannot read ${what} ${path}: ${describeOsError(err)}`, {
    path,
    errno: osCodeOf(err),
    ...details,
  }, { cause: err });
}

/** The data folder (outbox, kiosk log) cannot be created or written. */
export function dataDirError(dataDir: string, action: string, err: unknown): PivoteError {
  if (err instanceof PivoteError) return err;
  return new PivoteError('PV_DATA_DIR_UNWRITABLE', `cannot ${action} the kiosk's data folder ${dataDir}: ${describeOsError(err)}`, {
    dataDir,
    errno: osCodeOf(err),
  }, { cause: err });
}

/** Runs one storage step; an expected OS error becomes PV_DATA_DIR_UNWRITABLE, anything else is rethrown. */
export function inDataDir<T>(dataDir: string, action: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (isExpectedOsError(err)) throw dataDirError(dataDir, action, err);
    throw err;
  }
}
