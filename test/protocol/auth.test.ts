import { describe, expect, it } from 'vitest';
import { authPayload, computeAuthMac, newNonce, newSecret, verifyAuthMac } from '../../src/protocol/auth.js';

describe('HMAC challenge-response', () => {
  const secret = newSecret();
  const nonce = newNonce();

  it('matches the documented construction (vector computed with openssl dgst -hmac)', () => {
    expect(authPayload('kiosk-1', '00'.repeat(32))).toBe(`pivote-auth-v1\nkiosk-1\n${'00'.repeat(32)}`);
    expect(computeAuthMac('s3cret', 'kiosk-1', '00'.repeat(32))).toBe(
      '519f6ced2e79a599683e3273007a54ce8607a44c46e62ef2bbe9c05157ab20c0',
    );
  });

  it('verifies the right MAC and refuses a wrong secret, another kiosk id, another nonce', () => {
    const mac = computeAuthMac(secret, 'k1', nonce);
    expect(verifyAuthMac(secret, 'k1', nonce, mac)).toBe(true);
    expect(verifyAuthMac(newSecret(), 'k1', nonce, mac)).toBe(false);
    expect(verifyAuthMac(secret, 'k2', nonce, mac)).toBe(false);
    expect(verifyAuthMac(secret, 'k1', newNonce(), mac)).toBe(false);
    expect(verifyAuthMac(secret, 'k1', nonce, mac.slice(0, 62))).toBe(false);
  });

  it('makes fresh nonces and secrets', () => {
    expect(newNonce()).toMatch(/^[0-9a-f]{64}$/);
    expect(newNonce()).not.toBe(newNonce());
    expect(newSecret()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
