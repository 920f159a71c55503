import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import type { TrendBucket } from '../api/types.js';
import { formatDateTime } from '../lib/format.js';

interface Props {
  trend: TrendBucket[];
  labels: string[];
  bucketMinutes: number;
}

type UPlotModule = { default: typeof uPlot };

/** uPlot is loaded only when a trend is shown, so the other pages never download it. */
let uplotLoading: Promise<UPlotModule> | null = null;
function loadUPlot(): Promise<UPlotModule> {
  uplotLoading ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([m]) => m);
  return uplotLoading;
}

function paletteColour(i: number): string {
  return getComputedStyle(document.documentElement).getPropertyValue(`--c${(i % 8) + 1}`).trim() || '#555';
}

/**
 * Votes per time bucket and option over the poll's life. uPlot draws the time axis, its ticks
 * and the hover legend; the same numbers are in a table below for screen readers and copying.
 */
export function TrendChart({ trend, labels, bucketMinutes }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<unknown>(null);

  useEffect(() => {
    const el = box.current;
    if (!el || trend.length === 0) return undefined;
    let chart: uPlot | null = null;
    let observer: ResizeObserver | null = null;
    let cancelled = false;
    loadUPlot().then(
      ({ default: UPlot }) => {
        if (cancelled) return;
        const xs = trend.map((b) => Date.parse(b.start) / 1000);
        const series = labels.map((_, i) => trend.map((b) => b.counts[i] ?? 0));
        const width = (): number => Math.max(280, el.clientWidth);
        chart = new UPlot(
          {
            width: width(),
            height: 260,
            scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
            axes: [{}, { label: `votes / ${bucketMinutes} min` }],
            series: [{}, ...labels.map((label, i) => ({ label, stroke: paletteColour(i), width: 2, points: { show: trend.length < 60 } }))],
            cursor: { drag: { x: false, y: false } },
          },
          [xs, ...series],
          el,
        );
        observer = new ResizeObserver(() => chart?.setSize({ width: width(), height: 260 }));
        observer.observe(el);
      },
      (err: unknown) => setFailed(err),
    );
    return () => {
      cancelled = true;
      observer?.disconnect();
      chart?.destroy();
    };
  }, [trend, labels, bucketMinutes]);

  if (trend.length === 0) return <p class="muted">No votes yet.</p>;
  return (
    <>
      <div ref={box} class="trend-chart" role="img" aria-label={`Votes per ${bucketMinutes} minutes and option over the poll's life; the table below has the numbers.`} />
      {failed ? <p class="muted">The chart could not be drawn; the numbers are in the table.</p> : null}
      <details class="trend-table">
        <summary>Trend as a table</summary>
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">From</th>
                {labels.map((l, i) => (
                  <th key={i} scope="col" class="num">{l}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {trend.map((b) => (
                <tr key={b.start}>
                  <th scope="row">{formatDateTime(b.start)}</th>
                  {labels.map((_, i) => (
                    <td key={i} class="num">{b.counts[i] ?? 0}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}
