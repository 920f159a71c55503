import { medianOf, ratio, type LatencySummary } from '../stats.js';
import type { TargetName } from '../targets/target.js';
import { interleaved, MB, mediansByTarget, sessionBase, type ScenarioContext } from './context.js';
import { runSession } from './session.js';

/** Many connected kiosks heart-beating, a few voting: what holding a fleet costs the server. */
export interface FleetSample {
  connected: number;
  connectS: number;
  /** Server RSS before any kiosk connected, after the fleet connected, and at the end of the voting phase. */
  rssIdleMB: number;
  rssConnectedMB: number;
  rssFleetMB: number;
  /** (RSS with the fleet − idle RSS) / connected kiosks. */
  perConnectionKB: number;
  eventLoopDelayP99Ms: number | null;
  ackLatencyMs: LatencySummary;
  heartbeatRttMs: LatencySummary;
  serverCpuPct: number;
  generatorEventLoopP99Ms: number;
  dropped: number;
}

export interface FleetResult {
  size: number;
  voters: number;
  offeredPerS: number;
  heartbeatMs: number;
  measureS: number;
  runs: number;
  byTarget: Partial<Record<TargetName, { runs: FleetSample[]; median: FleetSample }>>;
  rssPivoteOverCeiling: number | null;
  rssPivoteOverMosquitto: number | null;
  rssPivoteOverMosquittoLean: number | null;
}

export async function runFleet(ctx: ScenarioContext): Promise<FleetResult> {
  const { opts } = ctx;
  const measureS = Math.max(opts.durationS, Math.ceil((2 * opts.fleetHeartbeatMs) / 1000));
  ctx.log(`fleet: ${opts.fleetSize} kiosks heart-beating every ${opts.fleetHeartbeatMs} ms, ${opts.fleetVoters} voting at ${opts.fleetRate} votes/s in total, ${measureS} s measured`);
  const samples = await interleaved(ctx, opts.runs, async (target, run) => {
    const r = await runSession({
      ...sessionBase(ctx, target, `fleet-${target}-${run}`),
      clients: opts.fleetSize,
      heartbeatMs: opts.fleetHeartbeatMs,
      settleMs: opts.quick ? 500 : 2_000,
      phases: [{ mode: 'open', voters: opts.fleetVoters, rate: opts.fleetRate, warmupMs: opts.warmupS * 1000, measureMs: measureS * 1000, drainMs: 10_000 }],
    });
    const p = r.phases[0]!;
    const s: FleetSample = {
      connected: r.connected,
      connectS: r.connectMs / 1000,
      rssIdleMB: r.serverRssIdleBytes / MB,
      rssConnectedMB: r.serverRssConnectedBytes / MB,
      rssFleetMB: p.serverRssBytes / MB,
      perConnectionKB: (p.serverRssBytes - r.serverRssIdleBytes) / Math.max(1, r.connected) / 1024,
      eventLoopDelayP99Ms: p.eventLoopDelayMs?.p99 ?? null,
      ackLatencyMs: p.latencyMs,
      heartbeatRttMs: p.heartbeatRttMs,
      serverCpuPct: p.serverCpuPct,
      generatorEventLoopP99Ms: p.generatorEventLoopP99Ms,
      dropped: p.dropped,
    };
    ctx.log(`    RSS ${s.rssIdleMB.toFixed(0)} → ${s.rssFleetMB.toFixed(0)} MB (${s.perConnectionKB.toFixed(1)} KB/kiosk), ack p99 ${s.ackLatencyMs.p99.toFixed(1)} ms`);
    return s;
  });
  const byTarget: FleetResult['byTarget'] = mediansByTarget(samples, medianOf);
  const rss = (t: TargetName): number | undefined => byTarget[t]?.median.rssFleetMB;
  return {
    size: opts.fleetSize,
    voters: opts.fleetVoters,
    offeredPerS: opts.fleetRate,
    heartbeatMs: opts.fleetHeartbeatMs,
    measureS,
    runs: opts.runs,
    byTarget,
    rssPivoteOverCeiling: ratio(rss('pivote'), rss('ceiling')),
    rssPivoteOverMosquitto: ratio(rss('pivote'), rss('mosquitto')),
    rssPivoteOverMosquittoLean: ratio(rss('pivote'), rss('mosquitto-lean')),
  };
}
