import { STOP_P99_MS, type LatencyResult } from '../scenarios/latency.js';
import { TARGET_NAMES, type TargetName } from '../targets/target.js';
import { linePlotSvg, type PlotSeries } from './svg.js';

const COLORS: Record<TargetName, string> = { pivote: '#1f5fbf', baseline: '#7f8c8d', ceiling: '#2a9d3a', mosquitto: '#e07b00', 'mosquitto-lean': '#9b59b6' };

const kilo = (v: number): string => (v >= 1000 ? `${v / 1000}k` : String(v));
const msLabel = (v: number): string => `${v} ms`;

/** Ack latency p50 (dashed) and p99 (solid) against offered load, one colour per target. */
export function latencyPlot(r: LatencyResult, subtitle: string): string {
  const series: PlotSeries[] = [];
  for (const t of TARGET_NAMES) {
    const points = r.byTarget[t]?.median;
    if (!points) continue;
    series.push({ name: `${t} p99`, color: COLORS[t], width: 2.5, points: points.map((p) => ({ x: p.offeredPerS, y: p.latencyMs.p99, hollow: p.unanswered > 0 || p.limitedBy !== null })) });
    series.push({ name: `${t} p50`, color: COLORS[t], width: 1.5, dash: '6 4', points: points.map((p) => ({ x: p.offeredPerS, y: p.latencyMs.p50, hollow: p.unanswered > 0 || p.limitedBy !== null })) });
  }
  return linePlotSvg({
    title: `Ack latency against offered load, ${r.clients.toLocaleString('en-US')} kiosks`,
    subtitle,
    xLabel: 'offered load (votes/s, log scale)',
    yLabel: 'send → ack latency (log scale)',
    series,
    hLines: [
      { at: 10, label: 'target: p99 ≤ 10 ms at 10k/s', color: '#c0392b' },
      { at: STOP_P99_MS, label: `sweep stops past ${STOP_P99_MS} ms`, color: '#999999' },
    ],
    vLines: r.headlineRates.map((rate) => ({ at: rate, label: `${kilo(rate)}/s`, color: '#777777' })),
    formatX: kilo,
    formatY: msLabel,
  });
}
