import type { FleetResult } from '../scenarios/fleet.js';
import type { KioskResult } from '../scenarios/kiosk.js';
import { pointAt, type LatencyResult } from '../scenarios/latency.js';
import type { ThroughputResult } from '../scenarios/throughput.js';
import { TARGET_NAMES } from '../targets/target.js';
import type { BenchResults, GoalCheck } from './results.js';
import { ms, num, times, type Table } from './table.js';

/** The report's tables, built from results; rendered for the terminal and for the docs alike. */

export function throughputTable(r: ThroughputResult): Table {
  const rows: string[][] = [];
  for (const t of TARGET_NAMES) {
    const m = r.byTarget[t]?.median;
    if (!m) continue;
    rows.push([t, num(m.ackedPerS), ms(m.latencyMs.p50), ms(m.latencyMs.p99), ms(m.eventLoopDelayP99Ms), `${num(m.serverCpuPct, 0)} %`, `${num(m.generatorCpuPct, 0)} %`]);
  }
  return {
    title: `Throughput: ${num(r.clients)} kiosks, each keeping ${r.window} votes in flight (median of ${r.runs}, ${r.measureS} s each)`,
    header: ['target', 'acked votes/s', 'p50', 'p99', 'server loop p99', 'server CPU', 'generator CPU'],
    rows,
    notes: [
      `pivote ÷ ceiling = ${times(r.pivoteOverCeiling)}`,
      `pivote ÷ Mosquitto = ${times(r.pivoteOverMosquitto)} (mqtt.js clients), ${times(r.pivoteOverMosquittoLean)} (lean MQTT clients)`,
    ],
  };
}

export function latencyTable(r: LatencyResult): Table {
  const rows: string[][] = [];
  for (const t of TARGET_NAMES) {
    const p = pointAt(r.byTarget[t]?.median, r.headlineRate);
    if (!p) continue;
    rows.push([t, ms(p.latencyMs.p50), ms(p.latencyMs.p95), ms(p.latencyMs.p99), ms(p.latencyMs.max), num(p.unanswered, 0), ms(p.eventLoopDelayP99Ms), ms(p.eventLoopDelayMaxMs), `${num(p.serverCpuPct, 0)} %`, ms(p.generatorEventLoopP99Ms)]);
  }
  return {
    title: `Ack latency at ${num(r.headlineRate)} votes/s offered by ${num(r.clients)} kiosks (median of ${r.runs} runs, ${r.measureS} s each)`,
    header: ['target', 'p50', 'p95', 'p99', 'max', 'unanswered', 'server loop p99', 'server loop max', 'server CPU', 'generator loop p99'],
    rows,
    notes: [
      `p99 pivote ÷ ceiling = ${times(r.p99PivoteOverCeiling)}`,
      `p99 pivote ÷ Mosquitto = ${times(r.p99PivoteOverMosquitto)} (mqtt.js clients), ${times(r.p99PivoteOverMosquittoLean)} (lean MQTT clients)`,
    ],
  };
}

export function sweepTable(r: LatencyResult): Table {
  const targets = TARGET_NAMES.filter((t) => r.byTarget[t]);
  const header = ['offered/s', ...targets.flatMap((t) => [`${t} p50`, `${t} p99`, `${t} acked/s`])];
  const rows = r.rates.map((rate) => [
    num(rate),
    ...targets.flatMap((t) => {
      const p = pointAt(r.byTarget[t]?.median, rate);
      const sat = p && p.unanswered > 0 ? ' *' : '';
      return [ms(p?.latencyMs.p50), `${ms(p?.latencyMs.p99)}${sat}`, num(p?.ackedPerS)];
    }),
  ]);
  return { title: `Ack latency against offered load, ${num(r.clients)} kiosks (medians of ${r.runs} runs)`, header, rows, notes: ['* some votes due in the window were still unanswered at the end: the target could not keep up'] };
}

export function fleetTable(r: FleetResult): Table {
  const rows: string[][] = [];
  for (const t of TARGET_NAMES) {
    const m = r.byTarget[t]?.median;
    if (!m) continue;
    rows.push([
      t,
      num(m.connected, 0),
      `${num(m.rssIdleMB, 0)} MB`,
      `${num(m.rssFleetMB, 0)} MB`,
      `${num(m.perConnectionKB, 1)} KB`,
      m.eventLoopDelayP99Ms === null ? '–' : ms(m.eventLoopDelayP99Ms),
      ms(m.ackLatencyMs.p99),
      m.heartbeatRttMs.count > 0 ? ms(m.heartbeatRttMs.p99) : '–',
      `${num(m.serverCpuPct, 0)} %`,
      ms(m.generatorEventLoopP99Ms),
    ]);
  }
  return {
    title: `Fleet: ${num(r.size)} kiosks heart-beating every ${num(r.heartbeatMs)} ms, ${r.voters} voting at ${num(r.offeredPerS)} votes/s (median of ${r.runs})`,
    header: ['target', 'connected', 'RSS idle', 'RSS with fleet', 'per kiosk', 'server loop p99', 'ack p99', 'heartbeat p99', 'server CPU', 'generator loop p99'],
    rows,
    notes: [
      `RSS pivote ÷ ceiling = ${times(r.rssPivoteOverCeiling)}`,
      `RSS pivote ÷ Mosquitto = ${times(r.rssPivoteOverMosquitto)} (mqtt.js clients), ${times(r.rssPivoteOverMosquittoLean)} (lean MQTT clients)`,
    ],
  };
}

export function kioskTable(r: KioskResult): Table {
  return {
    title: `Kiosk process (mock GPIO, outbox fsync included), ${r.presses} presses ${r.pressIntervalMs} ms apart (median of ${r.runs})`,
    header: ['started as', 'RSS idle', 'private idle', 'RSS pressing', 'peak RSS', 'press→confirmation p50', 'p99', 'max', 'confirmed'],
    rows: r.variants.map((v) => {
      const m = v.median;
      return [
        v.label, `${num(m.rssIdleMB, 1)} MB`, `${num(m.privateIdleMB, 1)} MB`, `${num(m.rssPressingMB, 1)} MB`, `${num(m.peakRssMB, 1)} MB`,
        ms(m.pressToConfirmationMs.p50), ms(m.pressToConfirmationMs.p99), ms(m.pressToConfirmationMs.max), `${num(m.confirmed, 0)}/${m.presses}`,
      ];
    }),
    notes: ['private = RssAnon: resident memory that is not file pages of the node binary and shared libraries'],
  };
}

/** The targets, checked against this run's medians. */
export function checkGoals(r: Pick<BenchResults, 'throughput' | 'latency' | 'fleet' | 'kiosk'>): GoalCheck[] {
  const goals: GoalCheck[] = [];
  const tp = r.throughput?.byTarget.pivote?.median;
  if (tp && r.throughput) {
    goals.push({ goal: `throughput ≥ 20,000 durable votes/s with ${num(r.throughput.clients)} kiosks`, measured: `${num(tp.ackedPerS)} votes/s`, met: tp.ackedPerS >= 20_000 });
    const rc = r.throughput.pivoteOverCeiling;
    goals.push({ goal: 'throughput ≥ 0.5 × ceiling', measured: times(rc), met: rc === null ? null : rc >= 0.5 });
  }
  const lp = pointAt(r.latency?.byTarget.pivote?.median, r.latency?.headlineRate ?? -1);
  if (lp && r.latency) goals.push({ goal: `ack p99 ≤ 20 ms at ${num(r.latency.headlineRate)} votes/s`, measured: ms(lp.latencyMs.p99), met: lp.latencyMs.p99 <= 20 });
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

export function allTables(r: BenchResults): Table[] {
  const tables: Table[] = [];
  if (r.throughput) tables.push(throughputTable(r.throughput));
  if (r.latency) tables.push(latencyTable(r.latency), sweepTable(r.latency));
  if (r.fleet) tables.push(fleetTable(r.fleet));
  if (r.kiosk) tables.push(kioskTable(r.kiosk));
  tables.push(goalsTable(r.goals));
  return tables;
}
