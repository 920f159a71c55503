import { medianOf, pairedRatio, ratio, type LatencySummary } from '../stats.js';
import type { TargetName } from '../targets/target.js';
import { interleaved, sessionBase, type ScenarioContext } from './context.js';
import { runSession, type Limit, type PhaseSample } from './session.js';

/**
 * Fixed offered load (open loop), spread round-robin over the kiosks, one vote per write;
 * latency from the vote's due time to its ack. The sweep goes up until the target's p99
 * passes STOP_P99_MS: the points above it are not measured, except the headline rates, which
 * every run measures.
 */
export const STOP_P99_MS = 50;

export interface LatencyPoint {
  offeredPerS: number;
  ackedPerS: number;
  latencyMs: LatencySummary;
  /** Due in the measured window but never answered: > 0 means the target could not keep up. */
  unanswered: number;
  serverCpuPct: number;
  serverUsPerVote: number | null;
  generatorCpuPct: number;
  machineBusyPct: number;
  limitedBy: Limit | null;
  /** The server's event-loop delay (beyond the 10 ms sampling interval) over the phase. */
  eventLoopDelayP99Ms: number | null;
  eventLoopDelayMaxMs: number | null;
  /** The load generator's own: when high, latencies include the generator's stalls too. */
  generatorEventLoopP99Ms: number;
  /** Runs that measured this point (the others had stopped below it). */
  runs: number;
}

export interface LatencyResult {
  clients: number;
  window: number;
  /** Seconds measured at the headline rates, and at the other points of the sweep. */
  measureS: number;
  sweepS: number;
  runs: number;
  rates: number[];
  /** The rates the targets are judged at (full duration each). */
  headlineRates: number[];
  /** Per target: every run's sweep, and the median sweep (one point per rate measured). */
  byTarget: Partial<Record<TargetName, { runs: LatencyPoint[][]; median: LatencyPoint[] }>>;
  /** p99 at each headline rate, pivote over the others (lower is better for pivote when < 1). */
  p99Ratios: { rate: number; overCeiling: number | null; overMosquitto: number | null; overMosquittoLean: number | null; overBaseline: number | null }[];
}

export function pointAt(points: readonly LatencyPoint[] | undefined, rate: number): LatencyPoint | undefined {
  return points?.find((p) => p.offeredPerS === rate);
}

function toPoint(p: PhaseSample): LatencyPoint {
  return {
    offeredPerS: p.offeredPerS ?? 0,
    ackedPerS: p.ackedPerS,
    latencyMs: p.latencyMs,
    unanswered: p.unanswered,
    serverCpuPct: p.serverCpuPct,
    serverUsPerVote: p.serverUsPerVote,
    generatorCpuPct: p.generatorCpuPct,
    machineBusyPct: p.cpu.machineBusyPct,
    limitedBy: p.limitedBy,
    eventLoopDelayP99Ms: p.eventLoopDelayMs?.p99 ?? null,
    eventLoopDelayMaxMs: p.eventLoopDelayMs?.max ?? null,
    generatorEventLoopP99Ms: p.generatorEventLoopP99Ms,
    runs: 1,
  };
}

/** Per rate, the median of the runs that measured it. */
export function medianSweep(runs: readonly LatencyPoint[][], rates: readonly number[]): LatencyPoint[] {
  const out: LatencyPoint[] = [];
  for (const rate of rates) {
    const here = runs.map((points) => pointAt(points, rate)).filter((p): p is LatencyPoint => p !== undefined);
    if (here.length === 0) continue;
    const limits = here.map((p) => p.limitedBy).filter((l): l is Limit => l !== null);
    out.push({ ...medianOf(here), limitedBy: limits.length * 2 > here.length ? (limits.includes('generator') ? 'generator' : 'machine') : null, runs: here.length });
  }
  return out;
}

export async function runLatency(ctx: ScenarioContext): Promise<LatencyResult> {
  const { opts } = ctx;
  const rates = [...new Set([...opts.rates, ...opts.headlineRates])].sort((a, b) => a - b);
  const sweepS = Math.max(2, Math.round(opts.durationS / 3));
  ctx.log(`latency: ${opts.clients} kiosks, offered ${rates.join(', ')} votes/s until p99 > ${STOP_P99_MS} ms; ${opts.durationS} s measured at ${opts.headlineRates.join(' and ')}/s, ${sweepS} s at the others`);
  const samples = await interleaved(ctx, opts.runs, async (target, run) => {
    const r = await runSession({
      ...sessionBase(ctx, target, `latency-${target}-${run}`),
      clients: opts.clients,
      heartbeatMs: 15_000,
      settleMs: opts.quick ? 100 : 500,
      phases: (done) => {
        const last = done[done.length - 1];
        const stopped = done.some((p) => p.latencyMs.p99 > STOP_P99_MS);
        const next = rates.find((r) => r > (last?.offeredPerS ?? -1) && (!stopped || opts.headlineRates.includes(r)));
        if (next === undefined) return null;
        const rate = next;
        const headline = opts.headlineRates.includes(rate);
        return {
          mode: 'open' as const,
          voters: opts.clients,
          rate,
          warmupMs: (done.length === 0 ? opts.warmupS : Math.min(1, opts.warmupS)) * 1000,
          measureMs: (headline ? opts.durationS : sweepS) * 1000,
          drainMs: 10_000,
        };
      },
    });
    const points = r.phases.map(toPoint);
    ctx.log(`    p99 ${points.map((p) => `${p.offeredPerS}/s: ${p.latencyMs.p99.toFixed(1)} ms${p.limitedBy ? ` (${p.limitedBy}-bound)` : ''}`).join(', ')}`);
    return points;
  });
  const byTarget: LatencyResult['byTarget'] = {};
  for (const [target, runs] of samples) byTarget[target] = { runs, median: medianSweep(runs, rates) };
  const p99 = (t: TargetName, rate: number): number | undefined => pointAt(byTarget[t]?.median, rate)?.latencyMs.p99;
  return {
    clients: opts.clients,
    window: opts.window,
    measureS: opts.durationS,
    sweepS,
    runs: opts.runs,
    rates,
    headlineRates: opts.headlineRates,
    byTarget,
    p99Ratios: opts.headlineRates.map((rate) => ({
      rate,
      overCeiling: ratio(p99('pivote', rate), p99('ceiling', rate)),
      overMosquitto: ratio(p99('pivote', rate), p99('mosquitto', rate)),
      overMosquittoLean: ratio(p99('pivote', rate), p99('mosquitto-lean', rate)),
      overBaseline: pairedRatio(samples.get('pivote'), samples.get('baseline'), (points) => pointAt(points, rate)?.latencyMs.p99),
    })),
  };
}
