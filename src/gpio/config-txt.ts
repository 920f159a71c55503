import type { Pull } from './types.js';

/**
 * sysfs (and so onoff) cannot set bias resistors; on a Pi the firmware can, from config.txt.
 * These helpers build the line the docs and the warnings quote, e.g. `gpio=5,6,13,19=ip,pu`.
 */

export const CONFIG_TXT_PATHS = '/boot/firmware/config.txt (Bookworm and later) or /boot/config.txt';

/** `gpio=5,6,13,19=ip,pu` for the given pins: input with pull-up (pd for pull-down, pn for none). */
export function configTxtPullLine(bcms: readonly number[], pull: Pull): string {
  const sorted = [...new Set(bcms)].sort((a, b) => a - b);
  const flag = pull === 'up' ? 'pu' : pull === 'down' ? 'pd' : 'pn';
  return `gpio=${sorted.join(',')}=ip,${flag}`;
}

/** The warning text for inputs whose pull the backend could not set. */
export function pullNotSetMessage(backend: string, bcms: readonly number[], pull: Pull): string {
  return (
    `the ${backend} backend cannot set pull resistors; inputs ${bcms.map((b) => `GPIO${b}`).join(', ')} ` +
    `will float (random presses) unless config.txt sets the pull. Add this line to ${CONFIG_TXT_PATHS} ` +
    `and reboot: ${configTxtPullLine(bcms, pull)}`
  );
}
