import { PivoteError } from '../protocol/errors.js';
import { describePin, headerPinForBcm } from './pin-names.js';

/**
 * Turns the errno-style errors of the OS and the GPIO libraries into catalog errors that say
 * which pin and why. Pure: no I/O, so every mapping is unit-tested.
 */

/** Why a pin is probably held, from the overlays that commonly claim it. */
export function likelyHolder(bcm: number): string {
  const alt = headerPinForBcm(bcm)?.alt;
  if (bcm === 7 || bcm === 8) return `SPI enabled (dtparam=spi=on claims ${alt ?? 'the chip-selects'})`;
  if (bcm >= 9 && bcm <= 11) return `SPI enabled (dtparam=spi=on uses ${alt ?? 'it'})`;
  if (bcm === 2 || bcm === 3) return `I2C enabled (dtparam=i2c_arm=on uses ${alt ?? 'it'}), or a gpio-shutdown overlay on GPIO3`;
  if (bcm === 14 || bcm === 15) return `the serial console / enable_uart=1 (${alt ?? 'UART'})`;
  if (bcm === 4) return 'the w1-gpio (1-Wire) overlay';
  if (bcm >= 18 && bcm <= 21) return `an audio/I2S overlay (${alt ?? 'PCM'})`;
  return 'an overlay such as act-led/gpio-led (activity LED moved to this pin), gpio-poweroff, or another process (pigpiod, a previous run)';
}

export function busyError(bcm: number, cause: string, details: Record<string, unknown> = {}): PivoteError {
  return new PivoteError(
    'PV_GPIO_BUSY',
    `${describePin(bcm)} is busy: ${cause}. Likely held by ${likelyHolder(bcm)}; check config.txt dtoverlay/dtparam lines or choose another pin`,
    { bcm, ...details },
  );
}

export function claimedTwiceError(bcm: number, heldBy: string | undefined): PivoteError {
  return new PivoteError(
    'PV_GPIO_BUSY',
    `${describePin(bcm)} is already claimed${heldBy === undefined ? '' : ` by ${heldBy}`} in this process`,
    { bcm, heldBy },
  );
}

export function releasedError(bcm: number, why = 'the line was released'): PivoteError {
  return new PivoteError('PV_GPIO_RELEASED', `${describePin(bcm)}: ${why}`, { bcm });
}

function errnoOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface OsErrorContext {
  bcm: number;
  backend: string;
  /** What we were doing, e.g. "exporting sysfs GPIO 529". */
  action: string;
  sysfsNumber?: number;
}

/** Maps EBUSY → PV_GPIO_BUSY, EACCES/EPERM → PV_GPIO_PERMISSION, anything else → PV_GPIO_UNAVAILABLE. */
export function gpioErrorFromOs(err: unknown, ctx: OsErrorContext): PivoteError {
  if (err instanceof PivoteError) return err;
  const errno = errnoOf(err);
  const details: Record<string, unknown> = { bcm: ctx.bcm, backend: ctx.backend, errno };
  if (ctx.sysfsNumber !== undefined) details['sysfsNumber'] = ctx.sysfsNumber;
  const options = { cause: err };
  switch (errno) {
    case 'EBUSY': {
      const e = busyError(ctx.bcm, `${ctx.action} failed with EBUSY`, details);
      return new PivoteError(e.code, e.message, details, options);
    }
    case 'EACCES':
    case 'EPERM':
      return new PivoteError(
        'PV_GPIO_PERMISSION',
        `${describePin(ctx.bcm)}: ${ctx.action} failed with ${errno}; this user may not access GPIO`,
        details,
        options,
      );
    case 'EINVAL':
      return new PivoteError(
        'PV_GPIO_NO_SUCH_PIN',
        `${describePin(ctx.bcm)}: ${ctx.action} failed with EINVAL; the kernel does not know this line (wrong chip base?)`,
        details,
        options,
      );
    default:
      return new PivoteError(
        'PV_GPIO_UNAVAILABLE',
        `${describePin(ctx.bcm)}: ${ctx.action} failed: ${messageOf(err)}`,
        details,
        options,
      );
  }
}
