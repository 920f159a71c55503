/** Pure formatting for the dashboard: durations, times, counts, percentages. */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "45 s", "12 min", "3 h 5 min", "2 d 4 h": two units at most, rounded down. */
export function formatDuration(ms: number): string {
  const t = Math.max(0, ms);
  if (t < MINUTE) return `${Math.floor(t / SECOND)} s`;
  if (t < HOUR) return `${Math.floor(t / MINUTE)} min`;
  if (t < DAY) {
    const h = Math.floor(t / HOUR);
    const m = Math.floor((t % HOUR) / MINUTE);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(t / DAY);
  const h = Math.floor((t % DAY) / HOUR);
  return h ? `${d} d ${h} h` : `${d} d`;
}

/** "3 min ago" relative to `nowMs`; "never" for null. */
export function formatAgo(iso: string | null, nowMs: number): string {
  if (!iso) return 'never';
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return 'unknown';
  const ms = nowMs - at;
  if (ms < 5 * SECOND) return 'just now';
  return `${formatDuration(ms)} ago`;
}

/** Local date and time, short: "4 Dec, 15:58" (with the year when it is not this year). */
export function formatDateTime(iso: string | null, nowMs: number = Date.now(), locale?: string): string {
  if (!iso) return '—';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '—';
  const sameYear = at.getFullYear() === new Date(nowMs).getFullYear();
  return at.toLocaleString(locale, {
    day: 'numeric', month: 'short', year: sameYear ? undefined : 'numeric', hour: '2-digit', minute: '2-digit',
  });
}

/** The server sends one decimal; show it as given ("50.0 %"). */
export function formatPercent(percent: number): string {
  return `${percent.toFixed(1)} %`;
}

export function formatCount(n: number, locale?: string): string {
  return n.toLocaleString(locale);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** A value for <input type="datetime-local"> in this browser's zone, from an ISO string. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The ISO string (UTC) of a datetime-local value read in this browser's zone; null when empty. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
