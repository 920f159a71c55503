import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Challenge-response: the server sends a fresh 32-byte nonce; the kiosk answers with
 * HMAC-SHA256(secret, payload). The payload binds the protocol label and the kiosk id, so a MAC
 * made for one kiosk or one connection is worthless for another (no replay across nonces).
 */
export const AUTH_LABEL = 'pivote-auth-v1';

export function authPayload(kioskId: string, nonce: string): string {
  return `${AUTH_LABEL}\n${kioskId}\n${nonce}`;
}

export function computeAuthMac(secret: string, kioskId: string, nonce: string): string {
  return createHmac('sha256', secret).update(authPayload(kioskId, nonce)).digest('hex');
}

/** Constant-time check; a MAC of the wrong length is rejected without comparing. */
export function verifyAuthMac(secret: string, kioskId: string, nonce: string, mac: string): boolean {
  const expected = Buffer.from(computeAuthMac(secret, kioskId, nonce), 'hex');
  const given = Buffer.from(mac, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function newNonce(): string {
  return randomBytes(32).toString('hex');
}

/** A kiosk secret: 32 random bytes, base64url, shown once by `pivote fleet add`. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}
