import { PivoteError } from '../protocol/errors.js';

/**
 * Wall-clock parts of an instant in a named time zone (IANA, e.g. Europe/Paris), with Intl only:
 * results by hour, the weekday × hour heat map and "votes today" are read in the organiser's zone,
 * not in UTC. Pure; formatters are cached per zone.
 */
export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 1 = Monday … 7 = Sunday (ISO 8601). */
  weekday: number;
  /** `+01:00`, `-05:30`, `+00:00`. */
  offset: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** The machine's own zone: what `--tz` and `?tz=` default to. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit',
        minute: '2-digit', second: '2-digit', weekday: 'short', timeZoneName: 'longOffset',
      });
    } catch {
      throw new PivoteError('PV_USAGE', `unknown time zone "${tz}"; use an IANA name such as Europe/Paris, America/New_York or UTC`, { tz });
    }
    formatters.set(tz, f);
  }
  return f;
}

/** Throws PV_USAGE for a zone Intl does not know; returns the canonical name. */
export function checkTimeZone(tz: string): string {
  return formatter(tz).resolvedOptions().timeZone;
}

export function zonedParts(ms: number, tz: string): ZonedParts {
  const parts: Record<string, string> = {};
  for (const p of formatter(tz).formatToParts(ms)) parts[p.type] = p.value;
  const gmt = parts.timeZoneName ?? 'GMT';
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS[parts.weekday ?? 'Mon'] ?? 1,
    offset: gmt === 'GMT' ? '+00:00' : gmt.slice(3),
  };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** The local hour an instant falls in, as `2026-12-04T11:00+01:00`: two different hours that
 *  read the same on the wall (the hour repeated when summer time ends) keep distinct keys. */
export function localHourKey(ms: number, tz: string): string {
  const p = zonedParts(ms, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:00${p.offset}`;
}

/** The instant local midnight began on the day `ms` falls in, in `tz`. */
export function startOfLocalDay(ms: number, tz: string): number {
  const p = zonedParts(ms, tz);
  const sinceMidnight = ((p.hour * 60 + p.minute) * 60 + p.second) * 1000 + (ms % 1000);
  const guess = ms - sinceMidnight;
  // Across a change of offset that day (summer time), correct by the difference.
  const drift = offsetMinutes(zonedParts(guess, tz).offset) - offsetMinutes(p.offset);
  return guess - drift * 60_000;
}

function offsetMinutes(offset: string): number {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}
