import { medianOf, ratio, type LatencySummary } from '../stats.js';
import type { TargetName } from '../targets/target.js';
import { interleaved, mediansByTarget, sessionBase, type ScenarioContext } from './context.js';
import { runSession } from './session.js';

/** Every kiosk keeps its window full; acknowledged votes per second over the measured window. */
export interface ThroughputSample {
  ackedPerS: number;
  latencyMs: LatencySummary;
  serverCpuPct: number;
  generatorCpuPct: number;
  /** The server's event-loop delay p99 over the phase (Node targets). */
  eventLoopDelayP99Ms: number | null;
  generatorEventLoopP99Ms: number;
  rejected: number;
  dropped: number;
  connected: number;
}

export interface ThroughputResult {
  clients: number;
  window: number;
  measureS: number;
  runs: number;
  byTarget: Partial<Record<TargetName, { runs: ThroughputSample[]; median: ThroughputSample }>>;
  /** Ratios of medians. */
  pivoteOverCeiling: number | null;
  /** Against Mosquitto with mqtt.js clients, and with the lean MQTT client. */
  pivoteOverMosquitto: number | null;
  pivoteOverMosquittoLean: number | null;
}

export async function runThroughput(ctx: ScenarioContext): Promise<ThroughputResult> {
  const { opts } = ctx;
  ctx.log(`throughput: ${opts.clients} kiosks, window ${opts.window}, ${opts.durationS} s measured`);
  const samples = await interleaved(ctx, opts.runs, async (target, run) => {
    const r = await runSession({
      ...sessionBase(ctx, target, `throughput-${target}-${run}`),
      clients: opts.clients,
      heartbeatMs: 15_000,
      settleMs: opts.quick ? 100 : 500,
      phases: [{ mode: 'closed', voters: opts.clients, warmupMs: opts.warmupS * 1000, measureMs: opts.durationS * 1000, drainMs: 30_000 }],
    });
    const p = r.phases[0]!;
    const s: ThroughputSample = {
      ackedPerS: p.ackedPerS,
      latencyMs: p.latencyMs,
      serverCpuPct: p.serverCpuPct,
      generatorCpuPct: p.generatorCpuPct,
      eventLoopDelayP99Ms: p.eventLoopDelayMs?.p99 ?? null,
      generatorEventLoopP99Ms: p.generatorEventLoopP99Ms,
      rejected: p.rejected,
      dropped: p.dropped,
      connected: r.connected,
    };
    ctx.log(`    ${Math.round(s.ackedPerS).toLocaleString('en-US')} acks/s, server CPU ${s.serverCpuPct.toFixed(0)} %, generator CPU ${s.generatorCpuPct.toFixed(0)} %`);
    return s;
  });
  const byTarget: ThroughputResult['byTarget'] = mediansByTarget(samples, medianOf);
  const med = (t: TargetName): number | undefined => byTarget[t]?.median.ackedPerS;
  return {
    clients: opts.clients,
    window: opts.window,
    measureS: opts.durationS,
    runs: opts.runs,
    byTarget,
    pivoteOverCeiling: ratio(med('pivote'), med('ceiling')),
    pivoteOverMosquitto: ratio(med('pivote'), med('mosquitto')),
    pivoteOverMosquittoLean: ratio(med('pivote'), med('mosquitto-lean')),
  };
}
