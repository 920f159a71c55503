import { PivoteError } from '../protocol/errors.js';
import type { PublicResults } from '../store/model/polls.js';

/** commander argParsers shared by commands: each refuses a bad value with PV_USAGE (exit 2). */

export function positiveId(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new PivoteError('PV_USAGE', `${flag} must be a positive whole number; got "${value}"`);
    return n;
  };
}

/**
 * A time: ISO 8601 (`2026-12-04T18:00`, `2026-12-04T18:00:00+01:00`; without a zone it is the
 * machine's local time) or from now (`+90m`, `+2h`, `+1d`). `none` clears a schedule.
 */
export function timeParser(flag: string, now: () => number, allowNone: boolean) {
  // commander turns a parser's null into '', so clearing is said with the word itself.
  return (value: string): number | 'none' => {
    if (allowNone && value === 'none') return 'none';
    const rel = /^\+(\d{1,6})([smhd])$/.exec(value);
    if (rel) return now() + Number(rel[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd'];
    const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
    if (!Number.isFinite(ms)) {
      throw new PivoteError('PV_USAGE', `${flag} must be a time such as 2026-12-04T18:00 or +90m${allowNone ? ', or none' : ''}; got "${value}"`);
    }
    return ms;
  };
}

/** PUBLIC_RESULTS of the store's poll model, repeated so `--help` does not load the store
 *  (test/cli/lazy-commands.test.ts checks they agree). */
export const PUBLIC_CHOICES: readonly PublicResults[] = ['never', 'always', 'after-close'];

export function publicParser(value: string): PublicResults {
  if ((PUBLIC_CHOICES as readonly string[]).includes(value)) return value as PublicResults;
  throw new PivoteError('PV_USAGE', `--public must be one of ${PUBLIC_CHOICES.join(', ')}; got "${value}"`);
}

export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];
