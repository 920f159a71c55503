import type { ExportRequest } from './api.js';
import type { VoteExportRow } from './views.js';

/** Pure: the text of a vote export, CSV (RFC 4180, LF line ends) or JSON lines. */

export const EXPORT_CSV_COLUMNS = [
  'kiosk_id', 'vote_id', 'seq', 'poll_id', 'button', 'option', 'pressed_at', 'received_at', 'clock_unknown', 'flagged',
] as const;

function csvField(value: string | number | boolean): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function exportHeader(format: ExportRequest['format']): string {
  return format === 'csv' ? `${EXPORT_CSV_COLUMNS.join(',')}\n` : '';
}

export function exportLines(rows: readonly VoteExportRow[], format: ExportRequest['format']): string {
  let out = '';
  for (const r of rows) {
    out += format === 'jsonl'
      ? `${JSON.stringify(r)}\n`
      : `${[r.kioskId, r.voteId, r.seq, r.pollId, r.button, r.option, r.pressedAt, r.receivedAt, r.clockUnknown, r.flagged].map(csvField).join(',')}\n`;
  }
  return out;
}
