import { describe, expect, it } from 'vitest';
import { isKioskOnline, type KioskRecord } from '../../src/store/types.js';

describe('isKioskOnline', () => {
  const kiosk = (connected: boolean, lastSeenAt: number | null): KioskRecord => ({
    id: 'k1', name: 'k1', location: '', secret: 's', secretVersion: 1, createdAt: 0, revokedAt: null, lastSeenAt, connectedAt: null,
    software: null, queued: 0, buttons: null, connected, idConflict: null,
  });
  const now = 1_000_000;

  it('is online while connected and heard from within staleMs (inclusive)', () => {
    expect(isKioskOnline(kiosk(true, now - 45_000), now, 45_000)).toBe(true);
    expect(isKioskOnline(kiosk(true, now - 45_001), now, 45_000)).toBe(false);
  });

  it('is offline when not connected or never seen', () => {
    expect(isKioskOnline(kiosk(false, now), now, 45_000)).toBe(false);
    expect(isKioskOnline(kiosk(true, null), now, 45_000)).toBe(false);
  });
});
