import type { AdminApi } from '../admin/api.js';
import { PivoteError } from '../protocol/errors.js';
import type { SimKiosk } from '../kiosk/sim/provision.js';

/**
 * `pivote sim`'s kiosks, registered through the admin interface like real ones (so `--url`
 * works as well as `--db`): `sim-1` … `sim-N`, new ones added, existing ones given a new secret —
 * the interface never reveals a stored secret — so their history stays in one kiosk row.
 */
export async function provisionThroughAdmin(admin: AdminApi, count: number, prefix = 'sim'): Promise<SimKiosk[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
  const known = new Map((await admin.listKiosks()).map((k) => [k.id, k]));
  for (const id of ids) {
    if (known.get(id)?.revoked) throw new PivoteError('PV_KIOSK_REVOKED', `kiosk ${id} is revoked; the simulator cannot use it (reactivate it, or use another prefix)`, { kioskId: id });
  }
  const missing = ids.filter((id) => !known.has(id));
  const secrets = new Map<string, string>();
  if (missing.length > 0) {
    const added = await admin.addKiosks(missing.map((id) => ({ id, name: `Simulated kiosk ${id.slice(prefix.length + 1)}`, location: 'simulation' })));
    for (const a of added) secrets.set(a.kiosk.id, a.secret);
  }
  for (const id of ids.filter((i) => known.has(i))) secrets.set(id, (await admin.rotateKioskSecret(id)).secret);
  return ids.map((id) => ({ id, secret: secrets.get(id)! }));
}
