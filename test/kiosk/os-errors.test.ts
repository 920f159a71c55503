import { describe, expect, it } from 'vitest';
import { PivoteError } from '../../src/protocol/errors.js';
import { dataDirError, describeOsError, inDataDir, isExpectedOsError, unreadableFileError } from '../../src/kiosk/os-errors.js';

const errno = (code: string): Error => Object.assign(new Error(`${code}: something, mkdir '/var/lib/pivote-kiosk'`), { code });

describe('kiosk OS errors (pure)', () => {
  it.each([
    ['EACCES', 'permission denied (EACCES)'],
    ['EROFS', 'the file system is read-only (EROFS)'],
    ['ENOTDIR', 'a part of the path is a file, not a folder (ENOTDIR)'],
    ['ENOSPC', 'no space left on the device (ENOSPC)'],
    ['SQLITE_CANTOPEN', 'the database file cannot be opened or created there (SQLITE_CANTOPEN)'],
    ['SQLITE_IOERR_WRITE', 'a disk I/O error (SQLITE_IOERR_WRITE)'],
  ])('%s is expected and said in words', (code, words) => {
    expect(isExpectedOsError(errno(code))).toBe(true);
    expect(describeOsError(errno(code))).toBe(words);
  });

  it('anything else is not expected (a bug keeps its stack) and keeps its own message', () => {
    expect(isExpectedOsError(new TypeError('x is not a function'))).toBe(false);
    expect(isExpectedOsError(errno('EWEIRD'))).toBe(false);
    expect(describeOsError(new TypeError('x is not a function'))).toBe('x is not a function');
  });

  it('inDataDir turns an expected failure into PV_DATA_DIR_UNWRITABLE naming the folder, and rethrows the rest', () => {
    expect(() => inDataDir('/var/lib/pivote-kiosk', 'create', () => { throw errno('EACCES'); })).toThrow(
      expect.objectContaining({ code: 'PV_DATA_DIR_UNWRITABLE', message: "cannot create the kiosk's data folder /var/lib/pivote-kiosk: permission denied (EACCES)" }),
    );
    const bug = new TypeError('bug');
    expect(() => inDataDir('/d', 'create', () => { throw bug; })).toThrow(bug);
    expect(inDataDir('/d', 'create', () => 42)).toBe(42);
    const already = new PivoteError('PV_USAGE', 'x');
    expect(dataDirError('/d', 'create', already)).toBe(already);
  });

  it('unreadableFileError names the file and why', () => {
    const e = unreadableFileError('the kiosk config', '/etc/pivote/kiosk.json', errno('ENOENT'));
    expect(e).toMatchObject({ code: 'PV_CONFIG_UNREADABLE', message: 'cannot read the kiosk config /etc/pivote/kiosk.json: no such file or folder (ENOENT)' });
  });
});
