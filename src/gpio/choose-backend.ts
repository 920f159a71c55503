import { PivoteError } from '../protocol/errors.js';
import type { PlatformFacts } from './platform-probe.js';
import { pigpioUnavailableReason } from './backends/pigpio-backend.js';
import type { BackendKind, BackendName } from './types.js';

/**
 * Pure decision for `--gpio auto`. chardev wins whenever /dev/gpiochip* exists and its addon
 * loads, as it is the only path left on current Raspberry Pi OS (CHARDEV_BUILT lets tests
 * decide as if the addon were missing). `auto` never picks mock: a kiosk that silently simulated its
 * buttons would accept no votes while looking healthy.
 */

export const CHARDEV_BUILT = true;

export const BACKEND_KINDS: readonly BackendKind[] = ['auto', 'chardev', 'onoff', 'pigpio', 'mock'];

export interface AutoChoice {
  kind: Exclude<BackendName, 'mock'>;
  reason: string;
}

export function chooseAutoBackend(facts: PlatformFacts, chardevBuilt: boolean = CHARDEV_BUILT): AutoChoice {
  const found: string[] = [];
  if (facts.gpiochips.length > 0) {
    if (chardevBuilt) return { kind: 'chardev', reason: `found /dev/${facts.gpiochips.join(', /dev/')}` };
    found.push(`/dev/${facts.gpiochips[0] ?? 'gpiochip'} exists but the chardev addon (@pivote/gpio-chardev) did not build or load when pivote was installed (needs python3, make, g++, linux-libc-dev; then install pivote again)`);
  } else {
    found.push('no /dev/gpiochip*');
  }

  if (facts.sysfs === 'ok') return { kind: 'onoff', reason: 'sysfs GPIO (/sys/class/gpio/export) is writable' };
  found.push(facts.sysfs === 'absent' ? 'no sysfs GPIO (/sys/class/gpio)' : 'sysfs GPIO exists but is not writable by this user');

  const pigpioReason = pigpioUnavailableReason(facts.model, facts.isRoot);
  if (pigpioReason === undefined) return { kind: 'pigpio', reason: `running as root on a ${facts.model ?? 'Raspberry Pi'}` };
  found.push(facts.model === undefined ? 'not a Raspberry Pi (no device-tree model)' : `pigpio not usable: ${pigpioReason}`);

  const details = { model: facts.model, gpiochips: facts.gpiochips, sysfs: facts.sysfs, isRoot: facts.isRoot };
  if (facts.sysfs === 'no-access') {
    throw new PivoteError(
      'PV_GPIO_PERMISSION',
      `--gpio auto: no usable GPIO backend (${found.join('; ')}). Add this user to the gpio group, ` +
        'or use --gpio mock to run without hardware',
      details,
    );
  }
  throw new PivoteError(
    'PV_GPIO_UNAVAILABLE',
    `--gpio auto: this machine offers no GPIO pivote can use (${found.join('; ')}). ` +
      'To run without hardware (laptop, CI, demo) pass --gpio mock explicitly',
    details,
  );
}

/** For the CLI and config loader: validates a `--gpio` value. */
export function parseBackendKind(value: string): BackendKind {
  const kind = value.trim().toLowerCase();
  if ((BACKEND_KINDS as readonly string[]).includes(kind)) return kind as BackendKind;
  throw new PivoteError('PV_CONFIG_INVALID', `unknown GPIO backend "${value}"; choose one of ${BACKEND_KINDS.join(', ')}`, {
    value,
  });
}
