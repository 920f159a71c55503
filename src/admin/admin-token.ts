import { randomBytes } from 'node:crypto';
import { closeSync, fchownSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PivoteError } from '../protocol/errors.js';

/**
 * The organiser's admin token: a file holding one line, mode 0600, beside the database
 * (`<db>.admin-token`) unless a path is given. The server makes it at its first start and reads
 * it again whenever the file changes, so `pivote admin-token rotate` (a new file, renamed into
 * place) takes effect at once, in a running server too.
 */

export const MIN_TOKEN_LENGTH = 32;

/** Where the token of an SQLite database lives by default. */
export function defaultTokenPath(dbPath: string): string {
  return `${dbPath}.admin-token`;
}

export function newAdminToken(): string {
  return `pvt_${randomBytes(32).toString('base64url')}`;
}

/** Reads and checks a token file: PV_TOKEN_FILE when missing, unreadable or too short. */
export function readTokenFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by this user' : (err as Error).message;
    throw new PivoteError('PV_TOKEN_FILE', `the admin token file ${path} ${why}`, { path }, { cause: err });
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new PivoteError('PV_TOKEN_FILE', `the admin token file ${path} must hold one token of at least ${MIN_TOKEN_LENGTH} characters`, { path });
  }
  return token;
}

/** Writes a token atomically (temp file with mode 0600, fsync, rename): a reader sees the old
 *  token or the new one, never half of one. Written by root (`sudo pivote admin-token rotate`),
 *  the file is given to the owner of its folder, the server's user, or the server could not
 *  read it. */
export function writeTokenFile(path: string, token: string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${Date.now()}-${process.pid}.admin-token.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${token}\n`);
    fsyncSync(fd);
    if (process.getuid?.() === 0) {
      const owner = statSync(dir);
      fchownSync(fd, owner.uid, owner.gid);
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** The token file's token, made first if there is none. `created` says whether it was. */
export function ensureTokenFile(path: string): { token: string; created: boolean } {
  try {
    statSync(path);
  } catch {
    const token = newAdminToken();
    try {
      writeTokenFile(path, token);
      return { token, created: true };
    } catch (err) {
      throw new PivoteError('PV_TOKEN_FILE', `cannot write the admin token file ${path}: ${(err as Error).message}`, { path }, { cause: err });
    }
  }
  return { token: readTokenFile(path), created: false };
}

/**
 * The current token, re-read when the file's modification time or size changes (checked at
 * most once per `checkEveryMs`): what the HTTP server compares presented tokens with.
 */
export class TokenSource {
  private token: string;
  private stamp: string;
  private checkedAt = 0;

  constructor(
    readonly path: string,
    private readonly now: () => number = () => Date.now(),
    private readonly checkEveryMs = 1_000,
  ) {
    this.token = readTokenFile(path);
    this.stamp = this.fileStamp();
  }

  current(): string {
    const now = this.now();
    if (now - this.checkedAt >= this.checkEveryMs) {
      this.checkedAt = now;
      const stamp = this.fileStamp();
      if (stamp !== this.stamp) {
        try {
          this.token = readTokenFile(this.path);
          this.stamp = stamp;
        } catch {
          // Half-replaced by hand, or unreadable for a moment: keep the last good token.
        }
      }
    }
    return this.token;
  }

  private fileStamp(): string {
    try {
      const s = statSync(this.path, { bigint: true });
      return `${s.mtimeNs}:${s.size}:${s.ino}`;
    } catch {
      return 'missing';
    }
  }
}
