import { DashboardWatchers, type WatchReport } from '../load/dashboard-handle.js';
import { median, medianOf, summarize, type LatencySummary } from '../stats.js';
import { PROBE_BUTTON } from '../targets/provision.js';
import type { Target } from '../targets/target.js';
import { sessionBase, MB, type ScenarioContext } from './context.js';
import { runSession, type Limit, type PhaseSample } from './session.js';
import { limitNote } from './throughput.js';

/**
 * What open dashboards cost the kiosk path. The same pivote server is run with and without N
 * live event streams held open (as N dashboards and big screens would), in alternating order run
 * by run; each run measures window 1 saturating (the fleet's real shape) and a fixed offered load.
 * With the streams open, probe kiosks vote for an option the load generator never presses, and
 * the time from each probe vote's ack to the first live tally that counts it is recorded.
 */

/** Each probe kiosk votes every 4 s: never the 4th press within 10 s (the repeated-press rule). */
const PROBE_EVERY_MS = 4_000;

export interface DashboardSample {
  streams: number;
  windowOneAckedPerS: number;
  windowOneP99Ms: number;
  windowOneUsPerVote: number | null;
  offeredP50Ms: number;
  offeredP99Ms: number;
  offeredUnanswered: number;
  /** The server's RSS after the phases. */
  serverRssMB: number;
  limitedBy: Limit | null;
  /** With streams only. */
  ackToStream: LatencySummary | null;
  streamEvents: number;
  streamsLost: number;
}

export interface DashboardResult {
  streams: number;
  clients: number;
  runs: number;
  measureS: number;
  offeredPerS: number;
  without: { runs: DashboardSample[]; median: DashboardSample };
  with: { runs: DashboardSample[]; median: DashboardSample };
  /** Run by run, with ÷ without (median of the ratios). */
  throughputRatio: number | null;
  /** The server's CPU per acknowledged vote at window 1: what the streams cost the server itself,
   *  whatever else (the watcher process, other work) took from the machine's cores. */
  cpuPerVoteRatio: number | null;
  offeredP99Ratio: number | null;
  /** Every run's probe samples together. */
  ackToStreamMs: LatencySummary;
  rssWithMB: number;
  rssWithoutMB: number;
}

function pairedMedian(a: readonly DashboardSample[], b: readonly DashboardSample[], value: (s: DashboardSample) => number | null): number | null {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = value(a[i]!);
    const y = value(b[i]!);
    if (x !== null && y !== null && y > 0) ratios.push(x / y);
  }
  return ratios.length === 0 ? null : median(ratios);
}

export async function runDashboard(ctx: ScenarioContext): Promise<DashboardResult> {
  const { opts } = ctx;
  const streams = opts.dashboardStreams;
  const offered = opts.headlineRates[0] ?? 1_000;
  ctx.log(`dashboard: ${opts.clients} kiosks at window 1 and ${offered}/s offered, with and without ${streams} live event streams`);
  const without: DashboardSample[] = [];
  const withStreams: DashboardSample[] = [];
  const probes: number[] = [];
  for (let run = 1; run <= opts.runs; run++) {
    // Alternate the order, so a drift in the machine's load does not favour one side.
    const order = run % 2 === 1 ? [0, streams] : [streams, 0];
    for (const n of order) {
      ctx.log(`  run ${run}/${opts.runs}: ${n} streams`);
      const sample = await oneRun(ctx, run, n, offered);
      (n === 0 ? without : withStreams).push(sample.sample);
      probes.push(...sample.probeMs);
      ctx.log(
        `    window 1: ${Math.round(sample.sample.windowOneAckedPerS).toLocaleString('en-US')} acks/s, p99 ${sample.sample.windowOneP99Ms.toFixed(1)} ms; ` +
          `${offered}/s: p99 ${sample.sample.offeredP99Ms.toFixed(2)} ms; RSS ${sample.sample.serverRssMB.toFixed(0)} MB` +
          (sample.sample.ackToStream ? `; ack→stream p50 ${sample.sample.ackToStream.p50.toFixed(0)} ms, p99 ${sample.sample.ackToStream.p99.toFixed(0)} ms (${sample.sample.ackToStream.count})` : ''),
      );
    }
  }
  const med = (runs: DashboardSample[]): DashboardSample => ({ ...medianOf(runs), limitedBy: limitNote(runs), ackToStream: null, streams: runs[0]?.streams ?? 0 });
  return {
    streams,
    clients: opts.clients,
    runs: opts.runs,
    measureS: opts.durationS,
    offeredPerS: offered,
    without: { runs: without, median: med(without) },
    with: { runs: withStreams, median: med(withStreams) },
    throughputRatio: pairedMedian(withStreams, without, (s) => s.windowOneAckedPerS),
    cpuPerVoteRatio: pairedMedian(withStreams, without, (s) => s.windowOneUsPerVote),
    offeredP99Ratio: pairedMedian(withStreams, without, (s) => s.offeredP99Ms),
    ackToStreamMs: summarize(Float64Array.from(probes)),
    rssWithMB: median(withStreams.map((s) => s.serverRssMB)),
    rssWithoutMB: median(without.map((s) => s.serverRssMB)),
  };
}

async function oneRun(ctx: ScenarioContext, run: number, streams: number, offered: number): Promise<{ sample: DashboardSample; probeMs: number[] }> {
  const { opts } = ctx;
  const phase = { warmupMs: opts.warmupS * 1000, measureMs: opts.durationS * 1000, drainMs: 30_000 };
  const r = await runSession({
    ...sessionBase(ctx, 'pivote', `dashboard-${streams}-${run}`),
    window: 1,
    clients: opts.clients,
    heartbeatMs: 15_000,
    settleMs: opts.quick ? 100 : 500,
    ...(streams > 0 && { companion: (target: Target) => watch(ctx, target, streams) }),
    phases: [
      { mode: 'closed', voters: opts.clients, ...phase },
      { mode: 'open', voters: opts.clients, rate: offered, ...phase },
    ],
  });
  const [closed, open] = r.phases as [PhaseSample, PhaseSample];
  const report = r.companionReport as WatchReport | undefined;
  const probeMs = report?.ackToStreamMs ?? [];
  return {
    probeMs,
    sample: {
      streams,
      windowOneAckedPerS: closed.ackedPerS,
      windowOneP99Ms: closed.latencyMs.p99,
      windowOneUsPerVote: closed.serverUsPerVote,
      offeredP50Ms: open.latencyMs.p50,
      offeredP99Ms: open.latencyMs.p99,
      offeredUnanswered: open.unanswered,
      serverRssMB: Math.max(closed.serverRssBytes, open.serverRssBytes) / MB,
      limitedBy: closed.limitedBy,
      ackToStream: report ? summarize(Float64Array.from(probeMs)) : null,
      streamEvents: report?.events ?? 0,
      streamsLost: report?.streamsLost ?? 0,
    },
  };
}

async function watch(ctx: ScenarioContext, target: Target, streams: number): Promise<DashboardWatchers> {
  let http = target.http();
  for (let i = 0; http === undefined && i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    http = target.http();
  }
  if (http === undefined) throw new Error('the pivote server never said where its HTTP side listens');
  return DashboardWatchers.start({
    httpUrl: http.url,
    tokenFile: http.tokenFile,
    streams,
    kioskHost: '127.0.0.1',
    kioskPort: target.port,
    pollId: ctx.fleet.pollId,
    probes: ctx.fleet.probeKiosks,
    probeButton: PROBE_BUTTON,
    probeEveryMs: PROBE_EVERY_MS,
  });
}
