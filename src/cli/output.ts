import { PivoteError } from '../protocol/errors.js';

/** Formatting shared by every command: tables for people, JSON and CSV for scripts. */

export type OutputFormat = 'table' | 'json' | 'csv' | 'text' | 'jsonl';

/**
 * A commander argParser for `--format`: refuses anything outside `allowed` with PV_USAGE, so a
 * typo exits 2 with the pivote error line instead of printing a table a script cannot parse.
 */
export function formatParser<F extends OutputFormat>(allowed: readonly F[]): (value: string) => F {
  return (value) => {
    if ((allowed as readonly string[]).includes(value)) return value as F;
    throw new PivoteError('PV_USAGE', `--format must be one of ${allowed.join(', ')}; got "${value}"`, { format: value });
  };
}

/** Left-aligned columns separated by two spaces; the header is upper case. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n') + '\n';
}

/** RFC 4180 quoting: a field holding a comma, quote, CR or LF is quoted, quotes doubled.
 *  Lines end in LF rather than CRLF; every CSV reader accepts it and shell tools prefer it. */
export function csvField(value: string | number | boolean | null): string {
  const s = value === null ? '' : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function renderCsv(headers: readonly string[], rows: readonly (readonly (string | number | boolean | null)[])[]): string {
  return [headers, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** ISO 8601 in UTC to the second: what tables show; JSON carries the same strings. */
export function formatTime(ms: number | null): string | null {
  return ms === null ? null : new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** "just now", "42s ago", "5m ago", "3h ago", "2d ago"; future times (clock skew) read "just now". */
export function formatAgo(ms: number, now: number): string {
  const s = Math.floor((now - ms) / 1000);
  if (s < 1) return 'just now';
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.floor(s / 60)}m ago`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}
