import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliReference, errorReference } from '../../scripts/reference-docs.js';
import { ERRORS } from '../../src/protocol/errors.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('generated reference docs are current (run `npm run docs` to refresh)', () => {
  it('docs/CLI.md matches every command\'s --help', () => {
    expect(read('docs/CLI.md')).toBe(cliReference());
  });
  it('docs/ERRORS.md lists every code of the catalog with its hint', () => {
    expect(read('docs/ERRORS.md')).toBe(errorReference());
  });
  it('docs/PROTOCOL.md documents every wire error code', () => {
    const protocol = read('docs/PROTOCOL.md');
    const wire = Object.keys(ERRORS).filter((c) => !/^PV_(GPIO|CONFIG)_|^PV_(UNKNOWN_KIOSK|KIOSK_EXISTS|POLL_ALREADY_OPEN|NO_OPEN_POLL|BAD_POLL|POLL_NOT_FOUND|NOT_A_PIVOTE_DB|DB_TOO_NEW|DB_ACCESS_DENIED|STORE_FAILED|STORE_UNAVAILABLE|MIGRATE_TARGET_IN_USE|MIGRATE_CONFLICT|USAGE|LISTEN_FAILED|SIM_INCOMPLETE|KIOSK_NOT_REVOKED|BAD_KIOSK|POLL_NOT_DRAFT|ALERT_NOT_FOUND|BAD_ALERT_RULE|BAD_REQUEST|NOT_FOUND|ADMIN_AUTH_REQUIRED|ADMIN_AUTH_FAILED|SESSION_EXPIRED|CSRF|RATE_LIMITED|PUBLIC_RESULTS_OFF|NOT_READY|SERVER_UNREACHABLE|TOKEN_FILE|DATA_DIR_UNWRITABLE)$|^PV_TLS_/.test(c));
    for (const code of wire) expect(protocol, code).toContain(`\`${code}\``);
  });
});
