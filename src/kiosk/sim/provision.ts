import { newSecret } from '../../protocol/auth.js';
import { PivoteError } from '../../protocol/errors.js';
import type { VoteStore } from '../../store/types.js';

/**
 * Simulated kiosks are registered like real ones (`sim-1` … `sim-N`), so the server authenticates
 * them with the same HMAC handshake. Existing ones are reused with their stored secret, so a
 * second run adds no rows and keeps the per-kiosk history.
 */

export interface SimKiosk {
  id: string;
  secret: string;
}

export async function provisionSimKiosks(store: VoteStore, count: number, now: number, prefix = 'sim'): Promise<SimKiosk[]> {
  const kiosks: SimKiosk[] = [];
  for (let i = 1; i <= count; i++) {
    const id = `${prefix}-${i}`;
    const existing = await store.getKiosk(id);
    if (existing) {
      if (existing.revokedAt !== null) {
        throw new PivoteError('PV_KIOSK_REVOKED', `kiosk ${id} is revoked; the simulator cannot use it (use another database)`, { kioskId: id });
      }
      kiosks.push({ id, secret: existing.secret });
      continue;
    }
    const secret = newSecret();
    await store.addKiosk({ id, name: `Simulated kiosk ${i}`, location: 'simulation', secret, createdAt: now });
    kiosks.push({ id, secret });
  }
  return kiosks;
}
