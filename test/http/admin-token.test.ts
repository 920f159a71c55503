import { chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIN_TOKEN_LENGTH, TokenSource, ensureTokenFile, newAdminToken, readTokenFile, writeTokenFile } from '../../src/admin/admin-token.js';
import { isPivoteError } from '../../src/protocol/errors.js';

describe('the admin token file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pivote-token-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is made once with mode 0600 and read back; a second start keeps it', () => {
    const path = join(dir, 'db.admin-token');
    const first = ensureTokenFile(path);
    expect(first.created).toBe(true);
    expect(first.token.length).toBeGreaterThanOrEqual(MIN_TOKEN_LENGTH);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(ensureTokenFile(path)).toEqual({ token: first.token, created: false });
  });

  it('refuses a missing, short or multi-word file with PV_TOKEN_FILE', () => {
    const path = join(dir, 'bad');
    for (const content of [undefined, 'short\n', `${'a'.repeat(40)} ${'b'.repeat(40)}\n`]) {
      if (content !== undefined) writeFileSync(path, content);
      let caught: unknown;
      try {
        readTokenFile(path);
      } catch (err) {
        caught = err;
      }
      expect(isPivoteError(caught, 'PV_TOKEN_FILE')).toBe(true);
    }
  });

  it('a rotation is seen by a running reader, and a broken file keeps the last good token', () => {
    const path = join(dir, 'db.admin-token');
    const { token } = ensureTokenFile(path);
    let now = 0;
    const source = new TokenSource(path, () => now, 1_000);
    expect(source.current()).toBe(token);
    const next = newAdminToken();
    writeTokenFile(path, next);
    expect(source.current()).toBe(token); // checked at most once a second
    now += 1_000;
    expect(source.current()).toBe(next);
    writeFileSync(path, 'x');
    now += 1_000;
    expect(source.current()).toBe(next);
  });

  it.skipIf(process.getuid?.() !== 0)('written by root, belongs to the owner of its folder (the server user) [skipped unless root: only root gives files away]', () => {
    chownSync(dir, 4242, 4242);
    const path = join(dir, 'db.admin-token');
    writeTokenFile(path, newAdminToken());
    expect(statSync(path)).toMatchObject({ uid: 4242, gid: 4242 });
    expect(readFileSync(path, 'utf8')).toMatch(/^pvt_/);
  });
});
