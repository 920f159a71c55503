import type { OptionCount } from '../store/types.js';
import { percentages } from '../admin/results-view.js';

/** What the demo shows; rendering is pure so it is tested without a terminal. */
export interface DemoView {
  question: string;
  counts: readonly OptionCount[];
  flagged: number;
  kiosks: readonly { id: string; status: string; queued: number }[];
  pressed: number;
  acknowledged: number;
  elapsedMs: number;
  durationMs: number | undefined;
  server: string;
  dataDir: string;
  /** The dashboard's address and a one-time login link. */
  dashboard?: string;
  login?: string;
}

const BAR_WIDTH = 30;

export function totalCounted(view: Pick<DemoView, 'counts'>): number {
  return view.counts.reduce((n, c) => n + c.count, 0);
}

/** The full screen, for a terminal that is redrawn in place. */
export function renderDemoScreen(view: DemoView): string {
  const total = totalCounted(view);
  const pct = percentages(view.counts.map((c) => c.count));
  const labelWidth = Math.max(...view.counts.map((c) => c.label.length));
  const max = Math.max(1, ...view.counts.map((c) => c.count));
  const lines = [
    `pivote demo — server ${view.server}, data in ${view.dataDir}`,
    ...(view.dashboard ? [`dashboard ${view.dashboard}  (log in: ${view.login ?? 'with the admin token'})`] : []),
    '',
    `  ${view.question}`,
    '',
    ...view.counts.map((c, i) => {
      const bar = '█'.repeat(Math.round((c.count / max) * BAR_WIDTH)).padEnd(BAR_WIDTH, '·');
      return `  ${c.button}  ${c.label.padEnd(labelWidth)}  ${bar}  ${String(c.count).padStart(4)}  ${(pct[i] ?? 0).toFixed(1).padStart(5)} %`;
    }),
    '',
    `  votes counted: ${total}${view.flagged > 0 ? `   (+${view.flagged} flagged as repeated presses, not counted)` : ''}`,
    `  presses: ${view.pressed}   acknowledged: ${view.acknowledged}`,
    '',
    ...view.kiosks.map((k) => `  kiosk ${k.id.padEnd(8)} ${k.status.padEnd(10)} queued ${k.queued}`),
    '',
    `  ${elapsed(view)}   Ctrl-C to stop`,
  ];
  return lines.join('\n') + '\n';
}

/** One line per update, for logs and CI where there is no terminal to redraw. */
export function renderDemoLine(view: DemoView): string {
  const total = totalCounted(view);
  const parts = view.counts.map((c) => `${c.label} ${c.count}`).join(', ');
  return `[${(view.elapsedMs / 1000).toFixed(0).padStart(3)} s] votes counted: ${total} (${parts})\n`;
}

function elapsed(view: DemoView): string {
  const s = (view.elapsedMs / 1000).toFixed(0);
  return view.durationMs === undefined ? `${s} s` : `${s} / ${(view.durationMs / 1000).toFixed(0)} s`;
}
