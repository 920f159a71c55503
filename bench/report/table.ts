/** A table as data, rendered for the terminal (aligned columns) or as Markdown. */
export interface Table {
  title: string;
  header: string[];
  rows: string[][];
  /** Lines under the table (ratios, notes). */
  notes?: string[];
}

const isNumeric = (s: string): boolean => /^[-+~≈]?[\d.,]+( ?[%x×]| ms| µs| MB| KB| s)?( \*)?( †)?$/.test(s.trim());

export function renderText(t: Table): string {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i > 0 && isNumeric(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [t.title, line(t.header), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)];
  for (const n of t.notes ?? []) out.push(`  ${n}`);
  return out.join('\n');
}

export function renderMarkdown(t: Table): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const align = t.header.map((_, i) => (i > 0 && t.rows.some((r) => isNumeric(r[i] ?? '')) ? '---:' : '---'));
  const out = [`**${t.title}**`, '', `| ${t.header.map(esc).join(' | ')} |`, `| ${align.join(' | ')} |`, ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`)];
  if (t.notes && t.notes.length > 0) out.push('', ...t.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

/** 12,345 / 1.23 / 0.123: enough digits to compare, not more. */
export function num(v: number | null | undefined, digits?: number): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (Number.isInteger(v) && digits === undefined) return v.toLocaleString('en-US');
  if (digits !== undefined) return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function ms(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${num(v)} ms`;
}

export function us(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${num(v)} µs`;
}

export function times(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : `${v.toFixed(2)} ×`;
}
