import { PivoteError } from '../protocol/errors.js';
import { KIOSK_ID_PATTERN, MAX_ID_LENGTH } from '../protocol/messages.js';
import type { KioskPatch, NewKiosk } from './model/kiosks.js';

/** Shared by every VoteStore so all of them refuse the same kiosk data with the same code. */

export const MAX_KIOSK_NAME_LENGTH = 100;
export const MAX_KIOSK_LOCATION_LENGTH = 100;

export function checkKioskId(id: string): void {
  if (!KIOSK_ID_PATTERN.test(id)) {
    throw new PivoteError('PV_BAD_KIOSK', `kiosk id "${id}" must be 1-${MAX_ID_LENGTH} letters, digits, '.', '-' or '_'`, { kioskId: id });
  }
}

function checkText(what: 'name' | 'location', value: string, min: number, max: number): string {
  // U+0000 shows as nothing anywhere, and PostgreSQL text cannot hold it.
  if (value.includes('\u0000')) throw new PivoteError('PV_BAD_KIOSK', `a kiosk ${what} must not contain NUL characters`, { [what]: value });
  const v = value.trim();
  if (v.length < min || v.length > max) {
    throw new PivoteError('PV_BAD_KIOSK', `a kiosk ${what} must be ${min}-${max} characters`, { [what]: value });
  }
  return v;
}

export function validateNewKiosk(k: NewKiosk): NewKiosk {
  checkKioskId(k.id);
  return { ...k, name: checkText('name', k.name, 1, MAX_KIOSK_NAME_LENGTH), location: checkText('location', k.location, 0, MAX_KIOSK_LOCATION_LENGTH) };
}

export function validateKioskPatch(p: KioskPatch): KioskPatch {
  const out: KioskPatch = {};
  if (p.name !== undefined) out.name = checkText('name', p.name, 1, MAX_KIOSK_NAME_LENGTH);
  if (p.location !== undefined) out.location = checkText('location', p.location, 0, MAX_KIOSK_LOCATION_LENGTH);
  return out;
}
