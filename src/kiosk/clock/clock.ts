import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * Time on a kiosk that has no real-time clock. A Pi may boot with a wall clock that is hours or
 * years wrong, so a vote never carries a wall-clock time: it carries how long ago it was pressed,
 * measured on the monotonic clock, and the server subtracts that from its own clock.
 *
 * The monotonic clock (`process.hrtime.bigint()`, CLOCK_MONOTONIC on Linux) keeps counting across
 * a restart of the kiosk process but starts again at each boot. So a stored press time is only
 * comparable with "now" when it was taken during the same boot, which the kernel's boot id tells.
 */

export const DEFAULT_BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

/**
 * The largest age the server accepts in a vote (parseKioskMessage: one year). A larger age would
 * make the server refuse the whole frame and close the connection, jamming the outbox for ever,
 * so such an age is sent as "unknown" instead. Kept equal to MAX_AGE_MS in protocol/validate.ts.
 */
export const MAX_VOTE_AGE_MS = 366 * 24 * 3600 * 1000;

export interface KioskClock {
  /** Monotonic milliseconds (integer); only differences within one boot mean anything. */
  nowMs(): number;
  /** Identifies the current boot; a stored press from another boot has no usable age. */
  readonly bootId: string;
}

export interface BootIdResult {
  bootId: string;
  /** `kernel`: read from the boot id file. `process`: fallback, valid for this process only. */
  source: 'kernel' | 'process';
}

/**
 * Reads the kernel boot id. Where the file is absent (macOS, Windows, some containers) it falls
 * back to a random id for this process. That is deliberately pessimistic: we cannot prove that a
 * press stored by an earlier process happened during the same boot, so its age becomes unknown
 * (null) rather than a number that could be off by the length of a reboot.
 */
export function readBootId(
  path: string = DEFAULT_BOOT_ID_PATH,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): BootIdResult {
  try {
    const id = readFile(path).trim();
    if (id.length > 0) return { bootId: id, source: 'kernel' };
  } catch {
    // fall through to the per-process id
  }
  return { bootId: `process-${randomUUID()}`, source: 'process' };
}

/** The monotonic clock in integer ms, read lazily so vitest's fake hrtime drives it in tests. */
export function monotonicNowMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

export interface SystemClockOptions {
  bootIdPath?: string;
  readFile?: (path: string) => string;
}

export function createSystemClock(options: SystemClockOptions = {}): KioskClock & { bootIdSource: BootIdResult['source'] } {
  const { bootId, source } = readBootId(options.bootIdPath, options.readFile);
  return { nowMs: monotonicNowMs, bootId, bootIdSource: source };
}

/** When and during which boot a button was pressed, as the outbox stores it. */
export interface PressTime {
  pressedMonoMs: number;
  bootId: string;
}

/**
 * How long ago the press happened, in whole ms, or null when that cannot be known: the press was
 * stored during another boot, the clock reads earlier than the press (impossible within one boot,
 * so the stored data is not trustworthy), or the age exceeds what the protocol accepts.
 */
export function voteAgeMs(press: PressTime, now: { monoMs: number; bootId: string }): number | null {
  if (press.bootId !== now.bootId) return null;
  const age = Math.floor(now.monoMs - press.pressedMonoMs);
  if (!Number.isFinite(age) || age < 0 || age > MAX_VOTE_AGE_MS) return null;
  return age;
}

/** voteAgeMs against a live clock. */
export function ageFromClock(press: PressTime, clock: KioskClock): number | null {
  return voteAgeMs(press, { monoMs: clock.nowMs(), bootId: clock.bootId });
}
