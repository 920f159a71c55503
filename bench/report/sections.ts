import { label, type ClusterResult } from '../scenarios/cluster.js';
import type { DashboardResult } from '../scenarios/dashboard.js';
import type { FleetResult } from '../scenarios/fleet.js';
import type { KioskResult } from '../scenarios/kiosk.js';
import { pointAt, STOP_P99_MS, type LatencyResult } from '../scenarios/latency.js';
import type { Limit } from '../scenarios/session.js';
import type { ThroughputResult, ThroughputShape } from '../scenarios/throughput.js';
import { TARGET_NAMES } from '../targets/target.js';
import { goalsTable } from './goals.js';
import type { BenchResults } from './results.js';
import { ms, num, times, us, type Table } from './table.js';

/** The report's tables, built from results; rendered for the terminal and for the docs alike. */

const SHAPE_NAMES: Record<number, string> = { 1: "the fleet's real shape: one voter per kiosk, who presses and waits for the answer" };

function shapeTitle(r: ThroughputResult, window: number): string {
  const what = SHAPE_NAMES[window] ?? (window >= 16 ? 'every kiosk floods the server' : 'a few votes queued per kiosk');
  return `Window ${window} (${what}): ${num(r.clients)} kiosks, each keeping ${window} vote${window === 1 ? '' : 's'} in flight, saturating (median of ${r.runs}, ${r.measureS} s each)`;
}

function limitText(l: Limit | null): string {
  return l === null ? '–' : l === 'generator' ? 'generator' : 'machine';
}

/** What "limited by" means, said once under each table that has the column. */
const LIMIT_NOTE =
  'limited by: "generator" = a load-generator process used ≥ 90 % of a core, so the figure is partly the generator\'s; ' +
  '"machine" = all cores were busy (server, generators and anything else running), so the figure is the machine\'s; "–" = the server was the limit';

export function throughputTable(r: ThroughputResult, shape: ThroughputShape): Table {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const t of TARGET_NAMES) {
    const m = shape.byTarget[t]?.median;
    if (!m) continue;
    rows.push([
      t, num(m.ackedPerS), ms(m.latencyMs.p50), ms(m.latencyMs.p99),
      `${num(m.serverCpuPct, 0)} %`, us(m.serverUsPerVote), `${num(m.generatorCpuPct, 0)} %`, us(m.generatorUsPerVote), `${num(m.machineBusyPct, 0)} %`, limitText(m.limitedBy),
    ]);
    if (m.limitedBy !== null) notes.push(`${t}: ${m.limitedBy === 'generator' ? 'the load generator saturated' : 'the machine saturated'} in most runs: its figure is a floor, not the server's limit`);
  }
  return {
    title: shapeTitle(r, shape.window),
    header: ['target', 'acked votes/s', 'p50', 'p99', 'server CPU', 'server CPU per vote', 'generator CPU', 'generator CPU per vote', 'machine busy', 'limited by'],
    rows,
    notes: [
      `pivote ÷ ceiling = ${times(shape.pivoteOverCeiling)} (votes/s); server CPU per vote, pivote ÷ ceiling = ${times(shape.usPerVotePivoteOverCeiling)}`,
      `pivote ÷ Mosquitto = ${times(shape.pivoteOverMosquitto)} (mqtt.js clients), ${times(shape.pivoteOverMosquittoLean)} (lean MQTT clients)`,
      ...(shape.pivoteOverBaseline === null ? [] : [`A/B: pivote ÷ baseline = ${times(shape.pivoteOverBaseline)} (votes/s), ${times(shape.usPerVotePivoteOverBaseline)} (server CPU per vote)`]),
      ...notes,
      `CPU in % of one core (${r.generators} generator processes together); per vote = CPU time in the measured window ÷ votes acknowledged in it`,
      LIMIT_NOTE,
    ],
  };
}

export function latencyTable(r: LatencyResult): Table {
  const rows: string[][] = [];
  for (const rate of r.headlineRates) {
    for (const t of TARGET_NAMES) {
      const p = pointAt(r.byTarget[t]?.median, rate);
      if (!p) continue;
      rows.push([
        num(rate), t, ms(p.latencyMs.p50), ms(p.latencyMs.p95), ms(p.latencyMs.p99), ms(p.latencyMs.max), num(p.unanswered, 0),
        `${num(p.serverCpuPct, 0)} %`, us(p.serverUsPerVote), ms(p.eventLoopDelayP99Ms), `${num(p.generatorCpuPct, 0)} %`, limitText(p.limitedBy),
      ]);
    }
  }
  return {
    title: `Ack latency at a fixed offered load, ${num(r.clients)} kiosks, one vote per write (median of ${r.runs} runs, ${r.measureS} s each)`,
    header: ['offered/s', 'target', 'p50', 'p95', 'p99', 'max', 'unanswered', 'server CPU', 'server CPU per vote', 'server loop p99', 'generator CPU', 'limited by'],
    rows,
    notes: [
      ...r.p99Ratios.map(
        (q) =>
          `at ${num(q.rate)}/s: p99 pivote ÷ ceiling = ${times(q.overCeiling)}, ÷ Mosquitto = ${times(q.overMosquitto)} (mqtt.js), ${times(q.overMosquittoLean)} (lean MQTT)` +
          (q.overBaseline === null ? '' : `; A/B: p99 pivote ÷ baseline = ${times(q.overBaseline)}`),
      ),
      'latency is from the moment each vote was due (open loop), so a stalled server cannot hide it',
      LIMIT_NOTE,
    ],
  };
}

export function sweepTable(r: LatencyResult): Table {
  const targets = TARGET_NAMES.filter((t) => r.byTarget[t]);
  const header = ['offered/s', ...targets.flatMap((t) => [`${t} p50`, `${t} p99`, `${t} acked/s`])];
  const rows = r.rates
    .filter((rate) => targets.some((t) => pointAt(r.byTarget[t]?.median, rate)))
    .map((rate) => [
      num(rate),
      ...targets.flatMap((t) => {
        const p = pointAt(r.byTarget[t]?.median, rate);
        if (!p) return ['·', '·', '·'];
        const mark = `${p.unanswered > 0 ? ' *' : ''}${p.limitedBy !== null ? ' †' : ''}`;
        return [ms(p.latencyMs.p50), `${ms(p.latencyMs.p99)}${mark}`, num(p.ackedPerS)];
      }),
    ]);
  return {
    title: `Ack latency against offered load, ${num(r.clients)} kiosks, window ${r.window}, one vote per write, until p99 passes ${STOP_P99_MS} ms (medians of ${r.runs} runs; ${r.measureS} s at ${r.headlineRates.map((x) => num(x)).join(' and ')}/s, ${r.sweepS} s at the others)`,
    header,
    rows,
    notes: [
      '* some votes due in the window were still unanswered at the end: the target could not keep up',
      '† the load generator or the machine saturated at this point (see "limited by" above): the latency includes theirs',
      `· not measured: the target's p99 had passed ${STOP_P99_MS} ms at a lower load`,
    ],
  };
}

export function dashboardTable(r: DashboardResult): Table {
  const row = (label: string, m: DashboardResult['with']['median']): string[] => [
    label, num(m.windowOneAckedPerS), ms(m.windowOneP99Ms), us(m.windowOneUsPerVote), ms(m.offeredP50Ms), ms(m.offeredP99Ms), `${num(m.serverRssMB, 0)} MB`, limitText(m.limitedBy),
  ];
  return {
    title: `Open dashboards: ${num(r.clients)} kiosks, with and without ${r.streams} live event streams (pivote; median of ${r.runs} runs each, in alternating order, ${r.measureS} s per phase)`,
    header: ['streams', 'window 1 acked votes/s', 'window 1 p99', 'server CPU per vote', `p50 at ${num(r.offeredPerS)}/s`, `p99 at ${num(r.offeredPerS)}/s`, 'server RSS', 'limited by'],
    rows: [row('none', r.without.median), row(num(r.streams), r.with.median)],
    notes: [
      `with ÷ without, run by run: window 1 votes/s ${times(r.throughputRatio)}, server CPU per vote ${times(r.cpuPerVoteRatio)}, p99 at ${num(r.offeredPerS)}/s ${times(r.offeredP99Ratio)}`,
      `the streams are read by one more process on the same machine (bench/load/dashboard-watchers.ts); on the busy 2 cores it takes CPU from the server and the load generators, which a dashboard on another computer would not`,
      `from a vote's ack to the first live tally that counts it: p50 ${ms(r.ackToStreamMs.p50)}, p99 ${ms(r.ackToStreamMs.p99)}, max ${ms(r.ackToStreamMs.max)} (${num(r.ackToStreamMs.count, 0)} probe votes; updates are sent at most 4 times a second)`,
      `server memory with the streams open: ${num(r.rssWithMB, 0)} MB against ${num(r.rssWithoutMB, 0)} MB without`,
      LIMIT_NOTE,
    ],
  };
}

export function clusterTables(r: ClusterResult): Table[] {
  const title = `Servers on one PostgreSQL, next to one on SQLite: ${num(r.clients)} kiosks spread evenly over the servers, window 1 saturating and ${num(r.offeredPerS)} votes/s offered (median of ${r.runs} runs, in alternating order, ${r.measureS} s per phase)`;
  if (r.skipped !== undefined) return [{ title, header: ['skipped'], rows: [[r.skipped]] }];
  const perK = (v: number | null): string => (v === null || !Number.isFinite(v) ? '–' : `${num(v)} ms`);
  const rows = r.shapes.map((s) => {
    const m = s.median;
    return [
      label(s), num(m.ackedPerS), ms(m.p50Ms), ms(m.p99Ms), ms(m.offeredP50Ms), ms(m.offeredP99Ms),
      m.serverCpuPctEach.map((p) => `${num(p, 0)} %`).join(' + '), perK(m.serverMsPer1000),
      s.engine === 'sqlite' ? '(in the server)' : `${num(m.databaseCpuPct, 0)} %`, s.engine === 'sqlite' ? '–' : perK(m.databaseMsPer1000),
      `${num(m.machineBusyPct, 0)} %`, limitText(m.limitedBy),
    ];
  });
  const best = r.pgbenchVariants.reduce<ClusterResult['pgbenchVariants'][number] | undefined>((b, v) => (b === undefined || v.median.insertsPerS > b.median.insertsPerS ? v : b), undefined);
  // What a core carries, from the cost of a vote: 1,000,000 µs ÷ µs per vote (= CPU ms per 1,000 votes).
  const projection = r.shapes.flatMap((s) => {
    const { serverMsPer1000: sv, databaseMsPer1000: db } = s.median;
    if (s.engine !== 'postgres' || sv === null || db === null) return [];
    return [`${label(s)}: a server core ≈ 1,000,000 µs ÷ ${num(sv)} µs ≈ ${num(1e6 / sv, 0)} votes/s, a database core ≈ 1,000,000 µs ÷ ${num(db)} µs ≈ ${num(1e6 / db, 0)} votes/s`];
  });
  const shapes: Table = {
    title,
    header: ['shape', 'acked votes/s', 'p50', 'p99', `p50 at ${num(r.offeredPerS)}/s`, `p99 at ${num(r.offeredPerS)}/s`, 'each server CPU', 'server CPU per 1,000 votes', 'PostgreSQL CPU', 'PostgreSQL CPU per 1,000 votes', 'machine busy', 'limited by'],
    rows,
    notes: [
      ...r.shapes
        .filter((s) => s.engine === 'postgres')
        .map((s) => `${label(s)}: votes/s ÷ pgbench = ${r.pgbenchVariants.map((v, i) => `${times(s.overPgbench[i])} (${v.variant.rowsPerTxn} row${v.variant.rowsPerTxn === 1 ? '' : 's'}/transaction)`).join(', ')}`),
      `PostgreSQL, 1 server ÷ SQLite, 1 server = ${times(r.postgresOverSqlite)} (votes/s at window 1)`,
      'CPU in % of one core, read from /proc over the measured window of the window-1 phase; server CPU per 1,000 votes = every server\'s CPU ms together ÷ thousands of votes acknowledged (what a vote costs the server that took it); PostgreSQL\'s = all of its processes\' CPU ms ÷ the same',
      `at ${num(r.offeredPerS)} votes/s offered, CPU per 1,000 votes (servers; PostgreSQL): ${r.shapes.map((s) => `${label(s)} ${perK(s.median.offeredServerMsPer1000)}${s.engine === 'postgres' ? `; ${perK(s.median.offeredDatabaseMsPer1000)}` : ''}`).join(', ')} — commits of a few votes, and the fixed work of the connections spread over few votes`,
      ...(projection.length > 0 ? [`projection to separate machines, at saturation: ${projection.join('; ')}${best ? `; and no more than pgbench's ${num(best.median.insertsPerS, 0)} inserts/s (${best.variant.rowsPerTxn} rows/transaction) on this disk` : ''}`] : []),
      'on one machine every server, PostgreSQL and the load generator share the same cores: once all are busy ("machine"), more servers divide the same CPU instead of adding to it; the per-vote costs are what carries over to separate machines',
      LIMIT_NOTE,
    ],
  };
  const pgbench: Table = {
    title: `PostgreSQL's own pgbench on the same cluster: inserts into a copy of the vote table (its unique key and indexes), synchronous_commit on (median of ${r.runs}, ${r.measureS} s each)`,
    header: ['rows per transaction', 'clients', 'inserts/s', 'transactions/s', 'latency (average)', 'PostgreSQL CPU', 'PostgreSQL CPU per 1,000 inserts', 'machine busy'],
    rows: r.pgbenchVariants.map(({ variant, median: m }) => [
      num(variant.rowsPerTxn), num(variant.clients), num(m.insertsPerS), num(m.transactionsPerS), ms(m.latencyAvgMs), `${num(m.postgresCpuPct, 0)} %`, perK(m.postgresMsPer1000), `${num(m.machineBusyPct, 0)} %`,
    ]),
    notes: [`${r.postgres ?? '?'}; ${r.pgbench ?? '?'}; pgbench's own CPU is part of "machine busy"`],
  };
  return [shapes, pgbench];
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

export function allTables(r: BenchResults): Table[] {
  const tables: Table[] = [];
  for (const shape of r.throughput?.shapes ?? []) tables.push(throughputTable(r.throughput!, shape));
  if (r.latency) tables.push(latencyTable(r.latency), sweepTable(r.latency));
  if (r.dashboard) tables.push(dashboardTable(r.dashboard));
  if (r.cluster) tables.push(...clusterTables(r.cluster));
  if (r.fleet) tables.push(fleetTable(r.fleet));
  if (r.kiosk) tables.push(kioskTable(r.kiosk));
  tables.push(goalsTable(r.goals));
  return tables;
}
