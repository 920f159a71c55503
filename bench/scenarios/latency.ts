import { medianOf, ratio, type LatencySummary } from '../stats.js';
import type { TargetName } from '../targets/target.js';
import { interleaved, sessionBase, type ScenarioContext } from './context.js';
import { runSession } from './session.js';

/** Fixed offered load, spread round-robin over the kiosks; latency from the due time to the ack. */
export interface LatencyPoint {
  offeredPerS: number;
  ackedPerS: number;
  latencyMs: LatencySummary;
  /** Due in the measured window but never answered: > 0 means the target could not keep up. */
  unanswered: number;
  serverCpuPct: number;
  /** The server's event-loop delay (beyond the 10 ms sampling interval) over the phase. */
  eventLoopDelayP99Ms: number | null;
  eventLoopDelayMaxMs: number | null;
  /** The load generator's own: when high, latencies include the generator's stalls too. */
  generatorEventLoopP99Ms: number;
}

export interface LatencyResult {
  clients: number;
  measureS: number;
  runs: number;
  rates: number[];
  headlineRate: number;
  /** Per target: every run's sweep, and the median sweep (one point per rate). */
  byTarget: Partial<Record<TargetName, { runs: LatencyPoint[][]; median: LatencyPoint[] }>>;
  /** p99 at the headline rate, pivote over the others (lower is better for pivote when < 1). */
  p99PivoteOverCeiling: number | null;
  p99PivoteOverMosquitto: number | null;
  p99PivoteOverMosquittoLean: number | null;
}

export function pointAt(points: readonly LatencyPoint[] | undefined, rate: number): LatencyPoint | undefined {
  return points?.find((p) => p.offeredPerS === rate);
}

export async function runLatency(ctx: ScenarioContext): Promise<LatencyResult> {
  const { opts } = ctx;
  const rates = [...opts.rates].sort((a, b) => a - b);
  ctx.log(`latency: ${opts.clients} kiosks, offered ${rates.join(', ')} votes/s, ${opts.durationS} s measured at ${opts.latencyRate}/s, ${Math.max(2, opts.durationS / 2)} s at the others`);
  const samples = await interleaved(ctx, opts.runs, async (target, run) => {
    const r = await runSession({
      ...sessionBase(ctx, target, `latency-${target}-${run}`),
      clients: opts.clients,
      heartbeatMs: 15_000,
      settleMs: opts.quick ? 100 : 500,
      // The headline rate gets the full duration; the other points of the sweep half of it.
      phases: rates.map((rate) => ({
        mode: 'open' as const,
        voters: opts.clients,
        rate,
        warmupMs: opts.warmupS * 1000,
        measureMs: (rate === opts.latencyRate ? opts.durationS : Math.max(2, opts.durationS / 2)) * 1000,
        drainMs: 10_000,
      })),
    });
    const points = r.phases.map(
      (p): LatencyPoint => ({
        offeredPerS: p.offeredPerS ?? 0,
        ackedPerS: p.ackedPerS,
        latencyMs: p.latencyMs,
        unanswered: p.unanswered,
        serverCpuPct: p.serverCpuPct,
        eventLoopDelayP99Ms: p.eventLoopDelayMs?.p99 ?? null,
        eventLoopDelayMaxMs: p.eventLoopDelayMs?.max ?? null,
        generatorEventLoopP99Ms: p.generatorEventLoopP99Ms,
      }),
    );
    ctx.log(`    p99 ${points.map((p) => `${p.offeredPerS}/s: ${p.latencyMs.p99.toFixed(1)} ms`).join(', ')}`);
    return points;
  });
  const byTarget: LatencyResult['byTarget'] = {};
  for (const [target, runs] of samples) {
    byTarget[target] = { runs, median: rates.map((rate) => medianOf(runs.map((points) => pointAt(points, rate)!))) };
  }
  const p99 = (t: TargetName): number | undefined => pointAt(byTarget[t]?.median, opts.latencyRate)?.latencyMs.p99;
  return {
    clients: opts.clients,
    measureS: opts.durationS,
    runs: opts.runs,
    rates,
    headlineRate: opts.latencyRate,
    byTarget,
    p99PivoteOverCeiling: ratio(p99('pivote'), p99('ceiling')),
    p99PivoteOverMosquitto: ratio(p99('pivote'), p99('mosquitto')),
    p99PivoteOverMosquittoLean: ratio(p99('pivote'), p99('mosquitto-lean')),
  };
}
