import { PivoteError } from '../../protocol/errors.js';
import { busyError, gpioErrorFromOs } from '../os-errors.js';
import { describePin } from '../pin-names.js';

/**
 * Errors of the chardev backend: the addon throws with errno names as `code`; these turn them
 * into catalog errors that name the line, the chip and the fix. Pure, so every case is tested.
 */

export const UDEV_RULE = 'SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"';

export const PERMISSION_FIX =
  'add the kiosk user to the gpio group (sudo usermod -aG gpio <user>, then log in again); ' +
  `Raspberry Pi OS ships the udev rule for it, elsewhere put ${UDEV_RULE} in /etc/udev/rules.d/60-gpiochip.rules ` +
  'and run sudo udevadm trigger';

export function errnoOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

export interface LineContext {
  bcm: number;
  /** /dev/gpiochipN */
  chipPath: string;
  offset: number;
  /** What we were doing, e.g. "requesting the line". */
  action: string;
  /** The line's current consumer, when known (named in PV_GPIO_BUSY). */
  consumer?: string | undefined;
}

/** Maps an addon error raised for one line. */
export function chardevLineError(err: unknown, ctx: LineContext): PivoteError {
  if (err instanceof PivoteError) return err;
  const errno = errnoOf(err);
  const where = `${ctx.chipPath} line ${ctx.offset}`;
  const details = { bcm: ctx.bcm, backend: 'chardev', chip: ctx.chipPath, offset: ctx.offset, errno };
  switch (errno) {
    case 'EBUSY': {
      const holder = ctx.consumer === undefined || ctx.consumer === '' ? '' : ` (the kernel says "${ctx.consumer}" holds it)`;
      const e = busyError(ctx.bcm, `${ctx.action} on ${where} failed with EBUSY${holder}`, { ...details, consumer: ctx.consumer });
      return new PivoteError(e.code, e.message, e.details, { cause: err });
    }
    case 'EACCES':
    case 'EPERM':
      return new PivoteError(
        'PV_GPIO_PERMISSION',
        `${describePin(ctx.bcm)}: ${ctx.action} on ${where} failed with ${errno}: this user may not use ${ctx.chipPath}; ${PERMISSION_FIX}`,
        details,
        { cause: err },
      );
    case 'ENOENT':
    case 'ENODEV':
    case 'ENXIO':
      return new PivoteError(
        'PV_GPIO_UNAVAILABLE',
        `${describePin(ctx.bcm)}: ${ctx.action} failed with ${errno}: ${ctx.chipPath} is gone (the GPIO chip was removed or renumbered); restart to rescan`,
        details,
        { cause: err },
      );
    default:
      return gpioErrorFromOs(err, { bcm: ctx.bcm, backend: 'chardev', action: `${ctx.action} on ${where}` });
  }
}

/** No /dev/gpiochip* at all. */
export function noChipsError(devDir: string): PivoteError {
  return new PivoteError(
    'PV_GPIO_UNAVAILABLE',
    `chardev backend unavailable: no GPIO character device in ${devDir} (no /dev/gpiochip*); ` +
      'on a Raspberry Pi check the kernel (CONFIG_GPIO_CDEV), elsewhere use --gpio mock',
    { backend: 'chardev', devDir },
  );
}

/** Chips exist but none that could be opened carries the Pi's header. */
export function noHeaderChipError(
  devDir: string,
  seen: readonly { path: string; label: string }[],
  denied: readonly string[],
  wanted: string,
): PivoteError {
  const found = seen.map((c) => `${c.path}=${c.label}`).join(', ') || 'none readable';
  if (denied.length > 0) {
    return new PivoteError(
      'PV_GPIO_PERMISSION',
      `chardev backend: cannot open ${denied.join(', ')} (EACCES), so the Raspberry Pi GPIO chip cannot be found; ${PERMISSION_FIX}`,
      { backend: 'chardev', devDir, denied, found },
    );
  }
  return new PivoteError(
    'PV_GPIO_UNAVAILABLE',
    `chardev backend: no Raspberry Pi GPIO chip in ${devDir} (looked for ${wanted}; found ${found})`,
    { backend: 'chardev', devDir, found },
  );
}
