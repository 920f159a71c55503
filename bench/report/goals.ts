import { pointAt } from '../scenarios/latency.js';
import type { BenchResults, GoalCheck } from './results.js';
import { ms, num, times, us, type Table } from './table.js';

/** The targets, checked against this run's medians (on a 2-core machine). */
export function checkGoals(r: Pick<BenchResults, 'throughput' | 'latency' | 'dashboard' | 'fleet' | 'kiosk'>): GoalCheck[] {
  const goals: GoalCheck[] = [];
  const tp = r.throughput;
  const w1 = tp?.shapes.find((s) => s.window === 1);
  const w1p = w1?.byTarget.pivote?.median;
  if (tp && w1 && w1p) {
    const u = w1p.serverUsPerVote;
    goals.push({ goal: 'window 1: server CPU per acknowledged vote ≤ 30 µs', measured: us(u), met: u === null ? null : u <= 30 });
    const rc = w1.pivoteOverCeiling;
    const ceilingLimit = w1.byTarget.ceiling?.median.limitedBy ?? null;
    goals.push({
      goal: `window 1, ${num(tp.clients)} kiosks: votes/s ≥ 0.8 × the ceiling`,
      measured: `${times(rc)}${ceilingLimit !== null ? ` (the ceiling was ${ceilingLimit}-bound)` : ''}`,
      met: rc === null ? null : rc >= 0.8,
    });
  }
  const w64 = tp?.shapes.find((s) => s.window === 64);
  const w64p = w64?.byTarget.pivote?.median;
  if (tp && w64 && w64p) {
    goals.push({ goal: `window 64: ≥ 20,000 durable votes/s with ${num(tp.clients)} kiosks`, measured: `${num(w64p.ackedPerS)} votes/s`, met: w64p.ackedPerS >= 20_000 });
    const rc = w64.pivoteOverCeiling;
    goals.push({ goal: 'window 64: votes/s ≥ 0.23 × the ceiling', measured: times(rc), met: rc === null ? null : rc >= 0.23 });
  }
  for (const [rate, limit] of [[1_000, 20], [10_000, 10]] as const) {
    const lp = pointAt(r.latency?.byTarget.pivote?.median, rate);
    if (lp) goals.push({ goal: `ack p99 ≤ ${limit} ms at ${num(rate)} votes/s offered`, measured: ms(lp.latencyMs.p99), met: lp.latencyMs.p99 <= limit && lp.unanswered === 0 });
  }
  const d = r.dashboard;
  if (d) {
    const cost = d.throughputRatio === null ? null : 1 - d.throughputRatio;
    goals.push({ goal: `${d.streams} open dashboards cost < 5 % of window-1 votes/s`, measured: cost === null ? '–' : `${cost > 0 ? `${num(cost * 100, 1)} %` : 'none'} (with ÷ without ${times(d.throughputRatio)})`, met: cost === null ? null : cost < 0.05 });
    const cpu = d.cpuPerVoteRatio;
    goals.push({ goal: `${d.streams} open dashboards raise the server's CPU per vote at window 1 by < 5 %`, measured: `with ÷ without ${times(cpu)}`, met: cpu === null ? null : cpu < 1.05 });
    const p99 = d.offeredP99Ratio;
    goals.push({ goal: `${d.streams} open dashboards raise ack p99 at ${num(d.offeredPerS)}/s by < 5 %`, measured: `with ÷ without ${times(p99)}`, met: p99 === null ? null : p99 < 1.05 });
    goals.push({ goal: 'a vote on the live stream < 1 s after its ack (p99)', measured: `${ms(d.ackToStreamMs.p99)} (p50 ${ms(d.ackToStreamMs.p50)}, ${num(d.ackToStreamMs.count, 0)} votes)`, met: d.ackToStreamMs.count === 0 ? null : d.ackToStreamMs.p99 < 1_000 });
  }
  const fp = r.fleet?.byTarget.pivote?.median;
  if (fp && r.fleet) goals.push({ goal: `${num(r.fleet.size)} connected kiosks in ≤ 300 MB server RSS`, measured: `${num(fp.rssFleetMB, 0)} MB (${num(fp.connected, 0)} connected)`, met: fp.rssFleetMB <= 300 && fp.connected >= r.fleet.size });
  for (const v of r.kiosk?.variants ?? []) {
    const peak = Math.max(v.median.rssPressingMB, v.median.peakRssMB);
    goals.push({ goal: `kiosk process ≤ 60 MB RSS (${v.label})`, measured: `${num(peak, 1)} MB peak`, met: peak <= 60 });
  }
  return goals;
}

export function goalsTable(goals: readonly GoalCheck[]): Table {
  return {
    title: 'Targets (2-core machine)',
    header: ['target', 'measured', 'met'],
    rows: goals.map((g) => [g.goal, g.measured, g.met === null ? '–' : g.met ? 'yes' : 'NO']),
  };
}
