import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Browser sessions without server-side state: the cookie is `v1.<expiresAt>.<nonce>.<mac>`,
 * the MAC keyed with the admin token. Any server holding the same token accepts it (several
 * servers behind one address), and rotating the token ends every session at once. The CSRF
 * token is derived from the session's nonce the same way. Pure; the clock is passed in.
 */

export const SESSION_TTL_MS = 12 * 3_600_000;

export interface SessionClaims {
  expiresAt: number;
  nonce: string;
}

const mac = (key: string, text: string): string => createHmac('sha256', key).update(text).digest('base64url');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Constant-time comparison of a presented admin token with the real one. */
export function tokenMatches(presented: string, token: string): boolean {
  // Compare MACs, not the strings: equal lengths whatever was presented, so no length leak.
  return sameText(mac('pivote-token-compare', presented), mac('pivote-token-compare', token));
}

export function issueSession(token: string, now: number): { cookie: string; claims: SessionClaims } {
  const claims = { expiresAt: now + SESSION_TTL_MS, nonce: randomBytes(16).toString('base64url') };
  const body = `v1.${claims.expiresAt}.${claims.nonce}`;
  return { cookie: `${body}.${mac(token, `session|${body}`)}`, claims };
}

export type SessionCheck = { ok: true; claims: SessionClaims } | { ok: false; reason: 'malformed' | 'expired' | 'invalid' };

/** `invalid` also covers a session made with a token rotated since. */
export function checkSession(cookie: string, token: string, now: number): SessionCheck {
  const parts = cookie.split('.');
  if (parts.length !== 4 || parts[0] !== 'v1' || !/^\d{1,16}$/.test(parts[1]!)) return { ok: false, reason: 'malformed' };
  const body = parts.slice(0, 3).join('.');
  if (!sameText(mac(token, `session|${body}`), parts[3]!)) return { ok: false, reason: 'invalid' };
  const expiresAt = Number(parts[1]);
  if (expiresAt <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { expiresAt, nonce: parts[2]! } };
}

export function csrfTokenFor(claims: SessionClaims, token: string): string {
  return mac(token, `csrf|${claims.nonce}`);
}

export function csrfMatches(presented: string, claims: SessionClaims, token: string): boolean {
  return sameText(presented, csrfTokenFor(claims, token));
}

/** One-time login links (`/login?code=…`, printed by the demo): single use, short-lived. */
export class LoginCodes {
  private readonly codes = new Map<string, number>();

  constructor(private readonly ttlMs = 10 * 60_000) {}

  issue(now: number): string {
    const code = randomBytes(24).toString('base64url');
    this.codes.set(code, now + this.ttlMs);
    return code;
  }

  redeem(code: string, now: number): boolean {
    const expiresAt = this.codes.get(code);
    this.codes.delete(code);
    for (const [c, t] of this.codes) if (t <= now) this.codes.delete(c);
    return expiresAt !== undefined && expiresAt > now;
  }
}
