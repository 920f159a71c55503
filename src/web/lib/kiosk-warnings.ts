import type { Kiosk, Poll } from '../api/types.js';

/** Why a kiosk needs the organiser's attention, in words (pure, for the fleet page and its tests). */
export function kioskWarnings(kiosk: Kiosk, poll: Poll | null): string[] {
  const warnings: string[] = [];
  if (poll && poll.state === 'open') {
    const short = poll.kiosksShort.find((s) => s.id === kiosk.id);
    const buttons = short?.buttons ?? kiosk.buttons;
    if (buttons !== null && buttons < poll.options.length) {
      warnings.push(`Has ${buttons} buttons but the poll has ${poll.options.length} options: nobody can vote for ${poll.options.slice(buttons).map((o) => `“${o}”`).join(', ')} here.`);
    }
  }
  if (kiosk.idConflict) {
    warnings.push(`Two devices used this kiosk id at once (${kiosk.idConflict.addresses.join(', ')}): a cloned SD card? Give each device its own id.`);
  }
  if (kiosk.queued > 0 && !kiosk.online && !kiosk.revoked) {
    warnings.push(`${kiosk.queued} votes wait on the kiosk until it reconnects.`);
  }
  return warnings;
}

export interface FleetSummary {
  online: number;
  offline: number;
  revoked: number;
  withWarnings: number;
}

export function fleetSummary(kiosks: readonly Kiosk[], poll: Poll | null): FleetSummary {
  const active = kiosks.filter((k) => !k.revoked);
  return {
    online: active.filter((k) => k.online).length,
    offline: active.filter((k) => !k.online).length,
    revoked: kiosks.length - active.length,
    withWarnings: active.filter((k) => kioskWarnings(k, poll).length > 0).length,
  };
}
