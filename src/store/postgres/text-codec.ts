/**
 * PostgreSQL text cannot hold U+0000, which the wire protocol allows in the strings a kiosk
 * chooses (vote ids, the software string): one such vote would make its whole batch fail on
 * every resend. Those columns are stored escaped — NUL as `\0`, a backslash as `\\` — which is
 * reversible and keeps distinct ids distinct. Strings without either character, i.e. nearly
 * all, are stored as they are.
 */

const NEEDS_ESCAPE = /[\\\u0000]/;

export function encodeText(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(/[\\\u0000]/g, (c) => (c === '\\' ? '\\\\' : '\\0')) : s;
}

export function decodeText(s: string): string {
  return s.includes('\\') ? s.replace(/\\([\s\S])/g, (_, c: string) => (c === '0' ? '\u0000' : c)) : s;
}
