/**
 * A small SVG line-plot writer with logarithmic axes: enough for "latency against offered load",
 * no plotting library. Pure: data in, SVG text out.
 */

export interface PlotPoint {
  x: number;
  y: number;
  /** Drawn as an open marker (e.g. the target could not keep up at this point). */
  hollow?: boolean;
}

export interface PlotSeries {
  name: string;
  color: string;
  /** SVG stroke-dasharray, e.g. "6 4"; solid when absent. */
  dash?: string;
  width?: number;
  points: PlotPoint[];
}

export interface PlotLine {
  at: number;
  label: string;
  color: string;
}

export interface PlotSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: PlotSeries[];
  /** Horizontal reference lines (y values) and vertical ones (x values). */
  hLines?: PlotLine[];
  vLines?: PlotLine[];
  formatX?: (v: number) => string;
  formatY?: (v: number) => string;
  width?: number;
  height?: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (n: number): string => (Math.round(n * 10) / 10).toString();

/** 1-2-5 steps covering [lo, hi]. */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(Number(v.toPrecision(3)));
    }
  }
  return ticks;
}

/** The range of the data widened to whole 1-2-5 steps, so the first and last ticks frame it. */
function logRange(values: number[]): [number, number] {
  const pos = values.filter((v) => v > 0 && Number.isFinite(v));
  if (pos.length === 0) return [1, 10];
  const steps = (v: number, up: boolean): number => {
    const e = Math.floor(Math.log10(v));
    const cands = [1, 2, 5, 10].map((m) => m * 10 ** e);
    return up ? cands.find((c) => c >= v * 0.999)! : [...cands].reverse().find((c) => c <= v * 1.001)!;
  };
  const lo = steps(Math.min(...pos), false);
  const hi = steps(Math.max(...pos), true);
  return lo === hi ? [lo / 2, hi * 2] : [lo, hi];
}

export function linePlotSvg(spec: PlotSpec): string {
  const W = spec.width ?? 800;
  const H = spec.height ?? 460;
  const left = 72;
  const right = 200;
  const top = spec.subtitle ? 58 : 42;
  const bottom = 56;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const all = spec.series.flatMap((s) => s.points);
  const [x0, x1] = logRange([...all.map((p) => p.x), ...(spec.vLines ?? []).map((l) => l.at)]);
  const [y0, y1] = logRange([...all.map((p) => p.y), ...(spec.hLines ?? []).map((l) => l.at)]);
  const sx = (v: number): number => left + ((Math.log10(v) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0))) * pw;
  const sy = (v: number): number => top + ph - ((Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * ph;
  const fx = spec.formatX ?? String;
  const fy = spec.formatY ?? String;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="22" font-size="16" font-weight="bold">${esc(spec.title)}</text>`);
  if (spec.subtitle) out.push(`<text x="${left}" y="40" fill="#555555">${esc(spec.subtitle)}</text>`);
  // Grid and ticks.
  for (const t of logTicks(x0, x1)) {
    const x = fmt(sx(t));
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + ph}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${x}" y="${top + ph + 18}" text-anchor="middle">${esc(fx(t))}</text>`);
  }
  for (const t of logTicks(y0, y1)) {
    const y = fmt(sy(t));
    out.push(`<line x1="${left}" y1="${y}" x2="${left + pw}" y2="${y}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${left - 8}" y="${fmt(sy(t) + 4)}" text-anchor="end">${esc(fy(t))}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#888888"/>`);
  out.push(`<text x="${left + pw / 2}" y="${H - 14}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`);
  for (const l of spec.hLines ?? []) {
    const y = fmt(sy(l.at));
    out.push(`<line x1="${left}" y1="${y}" x2="${left + pw}" y2="${y}" stroke="${l.color}" stroke-dasharray="2 3"/>`);
    out.push(`<text x="${left + 4}" y="${fmt(sy(l.at) - 4)}" fill="${l.color}">${esc(l.label)}</text>`);
  }
  for (const l of spec.vLines ?? []) {
    const x = fmt(sx(l.at));
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + ph}" stroke="${l.color}" stroke-dasharray="2 3"/>`);
    out.push(`<text x="${fmt(sx(l.at) + 4)}" y="${top + 14}" fill="${l.color}">${esc(l.label)}</text>`);
  }
  // Series.
  spec.series.forEach((s, i) => {
    const pts = s.points.filter((p) => p.x > 0 && p.y > 0).sort((a, b) => a.x - b.x);
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    if (pts.length > 1) {
      const d = pts.map((p, j) => `${j === 0 ? 'M' : 'L'}${fmt(sx(p.x))} ${fmt(sy(p.y))}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 2}"${dash}/>`);
    }
    for (const p of pts) {
      const fill = p.hollow ? '#ffffff' : s.color;
      out.push(`<circle cx="${fmt(sx(p.x))}" cy="${fmt(sy(p.y))}" r="3.5" fill="${fill}" stroke="${s.color}" stroke-width="1.5"/>`);
    }
    // Legend entry.
    const ly = top + 10 + i * 20;
    const lx = left + pw + 16;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 26}" y2="${ly}" stroke="${s.color}" stroke-width="${s.width ?? 2}"${dash}/>`);
    out.push(`<circle cx="${lx + 13}" cy="${ly}" r="3.5" fill="${s.color}"/>`);
    out.push(`<text x="${lx + 34}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  const noteY = top + 10 + spec.series.length * 20 + 8;
  out.push(`<circle cx="${left + pw + 29}" cy="${noteY}" r="3.5" fill="#ffffff" stroke="#555555" stroke-width="1.5"/>`);
  out.push(`<text x="${left + pw + 50}" y="${noteY + 4}" fill="#555555">could not keep up</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
