import { fileURLToPath } from 'node:url';
import { median, medianOf, ratio } from '../stats.js';
import { startPivoteCluster } from '../targets/pivote-cluster.js';
import { benchPostgres, findPgbench, type BenchPostgres } from '../targets/postgres.js';
import { sessionBase, type ScenarioContext } from './context.js';
import { runPgbench, type PgbenchSample, type PgbenchVariant } from './pgbench.js';
import { runSession, type Limit, type PhaseSample } from './session.js';
import { limitNote } from './throughput.js';

/**
 * Several pivote servers on one PostgreSQL, next to the single SQLite server, on this machine in
 * one run: one shape per engine and server count (SQLite × 1, PostgreSQL × 1, 2, 3 by default),
 * the kiosks spread evenly over the servers; each measured at window 1 saturating (the fleet's
 * real shape) and at a fixed offered load, run after run in alternating order. Beside them,
 * PostgreSQL's own pgbench inserting into a copy of the vote table: the engine's ceiling here.
 * CPU is read per server process and for all of PostgreSQL's processes, per 1,000 votes, so
 * that a reader can project machines this run cannot have (on one machine, every server, the
 * database and the load generator share the same cores).
 */

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface ClusterSample {
  /** Window 1, saturating. */
  ackedPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** Each server's CPU, % of one core (one entry per server), and all of them per 1,000 votes (CPU ms). */
  serverCpuPctEach: number[];
  serverCpuPct: number;
  serverMsPer1000: number | null;
  /** PostgreSQL's processes together (0 for SQLite, whose work is inside the server). */
  databaseCpuPct: number;
  databaseMsPer1000: number | null;
  generatorCpuPct: number;
  machineBusyPct: number;
  limitedBy: Limit | null;
  /** The fixed offered load. */
  offeredP50Ms: number;
  offeredP99Ms: number;
  offeredUnanswered: number;
  offeredServerMsPer1000: number | null;
  offeredDatabaseMsPer1000: number | null;
  connected: number;
  rejected: number;
}

export interface ClusterShape {
  engine: 'sqlite' | 'postgres';
  servers: number;
  runs: ClusterSample[];
  median: ClusterSample;
  /** Window 1 votes/s ÷ pgbench's inserts/s, one per pgbench variant: the median of the ratios
   *  of each run's pair (measured minutes apart, so drift between runs cancels); PostgreSQL shapes only. */
  overPgbench: number[];
}

export interface ClusterResult {
  /** Why nothing was measured (no PostgreSQL here). */
  skipped?: string;
  postgres: string | null;
  pgbench: string | null;
  clients: number;
  generators: number;
  runs: number;
  measureS: number;
  offeredPerS: number;
  shapes: ClusterShape[];
  pgbenchVariants: { variant: PgbenchVariant; runs: PgbenchSample[]; median: PgbenchSample }[];
  /** PostgreSQL × 1 window 1 votes/s ÷ SQLite's. */
  postgresOverSqlite: number | null;
}

interface ShapeSpec {
  engine: 'sqlite' | 'postgres';
  servers: number;
}

export async function runCluster(ctx: ScenarioContext): Promise<ClusterResult> {
  const { opts } = ctx;
  const offered = opts.headlineRates[0] ?? 1_000;
  const base: ClusterResult = {
    postgres: null, pgbench: null, clients: opts.clients, generators: opts.generators, runs: opts.runs, measureS: opts.durationS, offeredPerS: offered,
    shapes: [], pgbenchVariants: [], postgresOverSqlite: null,
  };
  const avail = benchPostgres(ctx.fleet, opts.pivoteCli, REPO);
  if (!avail.ok) {
    ctx.log(`cluster: skipped — ${avail.reason}`);
    return { ...base, skipped: avail.reason };
  }
  const pgc = await avail.start();
  try {
    const found = findPgbench(pgc.bindir);
    if ('missing' in found) return { ...base, postgres: pgc.version, skipped: found.missing };
    const specs: ShapeSpec[] = [{ engine: 'sqlite', servers: 1 }, ...opts.clusterServers.map((n): ShapeSpec => ({ engine: 'postgres', servers: n }))];
    const variants = opts.pgbenchRows.map((rowsPerTxn): PgbenchVariant => ({ rowsPerTxn, clients: opts.pgbenchClients }));
    ctx.log(`cluster: ${opts.clients} kiosks, ${specs.map(label).join(', ')}, window 1 and ${offered}/s offered; ${pgc.version}; pgbench ${variants.map((v) => `${v.rowsPerTxn} row(s)/transaction`).join(', ')}, ${opts.pgbenchClients} clients`);
    const samples = specs.map((): ClusterSample[] => []);
    const pgbenchRuns = variants.map((): PgbenchSample[] => []);
    for (let run = 1; run <= opts.runs; run++) {
      // Alternate the order, so a drift in the machine's load does not favour one shape.
      const order = specs.map((_, i) => i);
      if (run % 2 === 0) order.reverse();
      for (const i of order) {
        const spec = specs[i]!;
        ctx.log(`  run ${run}/${opts.runs}: ${label(spec)}`);
        const s = await oneShape(ctx, pgc, spec, run, offered);
        samples[i]!.push(s);
        ctx.log(
          `    window 1: ${Math.round(s.ackedPerS).toLocaleString('en-US')} acks/s, p99 ${s.p99Ms.toFixed(1)} ms; servers ${s.serverCpuPctEach.map((p) => `${p.toFixed(0)} %`).join(' + ')}` +
            `, PostgreSQL ${s.databaseCpuPct.toFixed(0)} %, machine ${s.machineBusyPct.toFixed(0)} %; ${offered}/s: p99 ${s.offeredP99Ms.toFixed(1)} ms`,
        );
      }
      const pb = await runPgbench(pgc, found.path, variants, opts.durationS, opts.clients, ctx.workDir, ctx.nproc);
      pb.forEach((p, i) => pgbenchRuns[i]!.push(p));
      ctx.log(`    pgbench: ${pb.map((p) => `${p.rowsPerTxn} row(s)/transaction ${Math.round(p.insertsPerS).toLocaleString('en-US')} inserts/s`).join('; ')}`);
    }
    const shapes = specs.map((spec, i): ClusterShape => {
      const runs = samples[i]!;
      return {
        ...spec,
        runs,
        median: { ...medianOf(runs), limitedBy: limitNote(runs), serverCpuPctEach: Array.from({ length: spec.servers }, (_, k) => median(runs.map((r) => r.serverCpuPctEach[k] ?? Number.NaN))) },
        overPgbench: spec.engine === 'postgres' ? pgbenchRuns.map((pb) => median(runs.flatMap((s, r) => ratio(s.ackedPerS, pb[r]?.insertsPerS) ?? []))) : [],
      };
    });
    const sqlite = shapes.find((s) => s.engine === 'sqlite');
    const pgOne = shapes.find((s) => s.engine === 'postgres' && s.servers === 1);
    return {
      ...base,
      postgres: pgc.version,
      pgbench: found.version,
      shapes,
      pgbenchVariants: variants.map((variant, i) => ({ variant, runs: pgbenchRuns[i]!, median: medianOf(pgbenchRuns[i]!) })),
      postgresOverSqlite: ratio(pgOne?.median.ackedPerS, sqlite?.median.ackedPerS),
    };
  } finally {
    await pgc.stop();
  }
}

export function label(s: { engine: 'sqlite' | 'postgres'; servers: number }): string {
  return `${s.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, ${s.servers} server${s.servers === 1 ? '' : 's'}`;
}

async function oneShape(ctx: ScenarioContext, pgc: BenchPostgres, spec: ShapeSpec, run: number, offered: number): Promise<ClusterSample> {
  const { opts } = ctx;
  const phase = { warmupMs: opts.warmupS * 1000, measureMs: opts.durationS * 1000, drainMs: 30_000 };
  const runLabel = `cluster-${spec.engine}-${spec.servers}-${run}`;
  const db = spec.engine === 'postgres' ? await pgc.createRunDatabase(`${spec.servers}_servers_${run}`) : undefined;
  try {
    const r = await runSession({
      ...sessionBase(ctx, 'pivote', runLabel),
      window: 1,
      clients: opts.clients,
      heartbeatMs: 15_000,
      settleMs: opts.quick ? 100 : 500,
      ...(db !== undefined && { start: (start) => startPivoteCluster(start, db.url, spec.servers, () => pgc.cpuMs()) }),
      phases: [
        { mode: 'closed', voters: opts.clients, ...phase },
        { mode: 'open', voters: opts.clients, rate: offered, ...phase },
      ],
    });
    const [closed, open] = r.phases as [PhaseSample, PhaseSample];
    return {
      ackedPerS: closed.ackedPerS,
      p50Ms: closed.latencyMs.p50,
      p99Ms: closed.latencyMs.p99,
      serverCpuPctEach: closed.cpu.serverEachPct,
      serverCpuPct: closed.serverCpuPct,
      // µs per vote is CPU ms per 1,000 votes.
      serverMsPer1000: closed.serverUsPerVote,
      databaseCpuPct: db === undefined ? 0 : closed.cpu.backingPct,
      databaseMsPer1000: closed.backingUsPerVote,
      generatorCpuPct: closed.generatorCpuPct,
      machineBusyPct: closed.cpu.machineBusyPct,
      limitedBy: closed.limitedBy,
      offeredP50Ms: open.latencyMs.p50,
      offeredP99Ms: open.latencyMs.p99,
      offeredUnanswered: open.unanswered,
      offeredServerMsPer1000: open.serverUsPerVote,
      offeredDatabaseMsPer1000: open.backingUsPerVote,
      connected: r.connected,
      rejected: closed.rejected + open.rejected,
    };
  } finally {
    await db?.drop();
  }
}
