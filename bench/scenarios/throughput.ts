import { medianOf, pairedRatio, ratio, type LatencySummary } from '../stats.js';
import type { TargetName } from '../targets/target.js';
import { interleaved, mediansByTarget, sessionBase, type ScenarioContext } from './context.js';
import { runSession, type Limit } from './session.js';

/**
 * Saturating load: every kiosk keeps `window` votes unanswered and sends the next as soon as
 * one is answered. Window 1 is the fleet's real shape (a kiosk has one voter, who presses and
 * waits); a large window measures what the server does when every kiosk floods it.
 */
export interface ThroughputSample {
  ackedPerS: number;
  latencyMs: LatencySummary;
  serverCpuPct: number;
  /** Server CPU time ÷ acknowledged votes in the measured window. */
  serverUsPerVote: number | null;
  /** The server's event-loop thread, and its other threads (the store's, V8's helpers). */
  serverMainCpuPct: number;
  serverOtherCpuPct: number;
  generatorCpuPct: number;
  generatorUsPerVote: number | null;
  /** Every process on the machine, % of one core. */
  machineBusyPct: number;
  /** Set when the generator, or the machine as a whole, ran out of CPU (not the server). */
  limitedBy: Limit | null;
  /** The server's event-loop delay p99 over the phase (Node targets). */
  eventLoopDelayP99Ms: number | null;
  generatorEventLoopP99Ms: number;
  rejected: number;
  dropped: number;
  connected: number;
}

export interface ThroughputShape {
  window: number;
  byTarget: Partial<Record<TargetName, { runs: ThroughputSample[]; median: ThroughputSample }>>;
  /** Ratios of medians. */
  pivoteOverCeiling: number | null;
  /** Against Mosquitto with mqtt.js clients, and with the lean MQTT client. */
  pivoteOverMosquitto: number | null;
  pivoteOverMosquittoLean: number | null;
  /** Server µs per vote, pivote ÷ ceiling: how much more work a stored vote is than an answered one. */
  usPerVotePivoteOverCeiling: number | null;
  /** A/B against another build (--baseline-cli): votes/s and server µs per vote, pivote ÷
   *  baseline, the median of the ratios of runs made one after the other (pair by pair). */
  pivoteOverBaseline: number | null;
  usPerVotePivoteOverBaseline: number | null;
}

export interface ThroughputResult {
  clients: number;
  measureS: number;
  runs: number;
  generators: number;
  /** One per window, in the order measured (window 1 first). */
  shapes: ThroughputShape[];
}

/** The verdict of most runs: a limit other than the server's only when more than half hit one. */
export function limitNote(runs: readonly { limitedBy: Limit | null }[]): Limit | null {
  const hits = runs.map((r) => r.limitedBy).filter((l): l is Limit => l !== null);
  if (hits.length * 2 <= runs.length) return null;
  return hits.includes('generator') ? 'generator' : 'machine';
}

export async function runThroughput(ctx: ScenarioContext): Promise<ThroughputResult> {
  const { opts } = ctx;
  const shapes: ThroughputShape[] = [];
  for (const window of opts.windows) {
    ctx.log(`throughput: ${opts.clients} kiosks, window ${window}, ${opts.durationS} s measured, ${opts.generators} generator processes`);
    const samples = await interleaved(ctx, opts.runs, async (target, run) => {
      const r = await runSession({
        ...sessionBase(ctx, target, `throughput-w${window}-${target}-${run}`),
        window,
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
        serverUsPerVote: p.serverUsPerVote,
        serverMainCpuPct: p.cpu.serverMainPct,
        serverOtherCpuPct: p.cpu.serverOtherPct,
        generatorCpuPct: p.generatorCpuPct,
        generatorUsPerVote: p.generatorUsPerVote,
        machineBusyPct: p.cpu.machineBusyPct,
        limitedBy: p.limitedBy,
        eventLoopDelayP99Ms: p.eventLoopDelayMs?.p99 ?? null,
        generatorEventLoopP99Ms: p.generatorEventLoopP99Ms,
        rejected: p.rejected,
        dropped: p.dropped,
        connected: r.connected,
      };
      ctx.log(
        `    ${Math.round(s.ackedPerS).toLocaleString('en-US')} acks/s, server CPU ${s.serverCpuPct.toFixed(0)} % (${s.serverUsPerVote?.toFixed(1) ?? '–'} µs/vote), ` +
          `generator CPU ${s.generatorCpuPct.toFixed(0)} % (busiest process ${p.cpu.generatorMaxPct.toFixed(0)} %), machine ${s.machineBusyPct.toFixed(0)} %${s.limitedBy ? `, LIMITED BY THE ${s.limitedBy.toUpperCase()}` : ''}`,
      );
      return s;
    });
    const byTarget: ThroughputShape['byTarget'] = mediansByTarget(samples, (runs) => ({ ...medianOf(runs), limitedBy: limitNote(runs) }));
    const med = (t: TargetName): number | undefined => byTarget[t]?.median.ackedPerS;
    const us = (t: TargetName): number | null | undefined => byTarget[t]?.median.serverUsPerVote;
    shapes.push({
      window,
      byTarget,
      pivoteOverCeiling: ratio(med('pivote'), med('ceiling')),
      pivoteOverMosquitto: ratio(med('pivote'), med('mosquitto')),
      pivoteOverMosquittoLean: ratio(med('pivote'), med('mosquitto-lean')),
      usPerVotePivoteOverCeiling: ratio(us('pivote'), us('ceiling')),
      pivoteOverBaseline: pairedRatio(samples.get('pivote'), samples.get('baseline'), (s) => s.ackedPerS),
      usPerVotePivoteOverBaseline: pairedRatio(samples.get('pivote'), samples.get('baseline'), (s) => s.serverUsPerVote),
    });
  }
  return { clients: opts.clients, measureS: opts.durationS, runs: opts.runs, generators: opts.generators, shapes };
}
