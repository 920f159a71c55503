import os from 'node:os';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { DEFAULT_LIMITS } from '../src/server/limits.js';
import { TARGET_NAMES, type TargetName } from './targets/target.js';

export const SCENARIOS = ['throughput', 'latency', 'dashboard', 'cluster', 'fleet', 'kiosk'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchOptions {
  scenarios: ScenarioName[];
  targets: TargetName[];
  quick: boolean;
  runs: number;
  /** Kiosks for throughput and latency. */
  clients: number;
  fleetSize: number;
  fleetVoters: number;
  /** Votes/s offered by the fleet's voters together. */
  fleetRate: number;
  fleetHeartbeatMs: number;
  /** Unanswered votes per kiosk in the latency sweep and the fleet (the server's window). */
  window: number;
  /** The throughput scenario's shapes: votes each kiosk keeps in flight (1 = the fleet's real shape). */
  windows: number[];
  /** Load-generator processes the kiosks are spread over. */
  generators: number;
  /** Measured seconds per phase (warm-up and drain come on top). */
  durationS: number;
  warmupS: number;
  /** Offered loads of the latency sweep, votes/s (it stops once p99 passes 50 ms). */
  rates: number[];
  /** The points the targets are judged at, measured for the full duration. */
  headlineRates: number[];
  kioskPresses: number;
  /** Live event streams held open in the dashboard scenario (as that many dashboards). */
  dashboardStreams: number;
  /** The cluster scenario: pivote servers on one PostgreSQL, one shape per count. */
  clusterServers: number[];
  /** pgbench variants: rows inserted per transaction; and its client connections. */
  pgbenchRows: number[];
  pgbenchClients: number;
  resultsDir: string;
  writeDocs: boolean;
  cpuProf: boolean;
  /** Bench this build of the pivote CLI instead (before/after comparisons). */
  pivoteCli: string | undefined;
  /** Another build run as the target `baseline`, interleaved with pivote (A/B gains). */
  baselineCli: string | undefined;
  installMosquitto: boolean;
  keepWork: boolean;
  workDir: string | undefined;
  /** Only rewrite docs/PERFORMANCE.md (and the plot) from this results file; run nothing. */
  docsFrom: string | undefined;
}

const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter((s) => s !== '');
const int = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number, got ${JSON.stringify(v)}`);
  return n;
};

function oneOf<T extends string>(name: string, allowed: readonly T[], values: string[]): T[] {
  for (const v of values) if (!(allowed as readonly string[]).includes(v)) throw new Error(`${name}: unknown ${JSON.stringify(v)}; choose from ${allowed.join(', ')}`);
  return values as T[];
}

/** `baseline` runs right after pivote when a baseline build is given, and never without one. */
function withBaseline(targets: TargetName[], baselineCli: string | undefined): TargetName[] {
  const rest = targets.filter((t) => t !== 'baseline');
  if (baselineCli === undefined) {
    if (targets.includes('baseline')) throw new Error('--targets baseline needs --baseline-cli <path>');
    return rest;
  }
  const at = rest.indexOf('pivote') + 1;
  return [...rest.slice(0, at), 'baseline', ...rest.slice(at)];
}

/** Parses `npm run bench -- …` arguments. `--quick` shrinks everything to a few seconds. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const program = new Command('bench')
    .description('pivote benchmark: durable votes/s, ack latency, kiosks held; side by side with a ceiling server and Mosquitto')
    .addOption(new Option('--scenario <names>', `comma-separated: ${SCENARIOS.join(', ')} (default all)`).argParser(list))
    .addOption(new Option('--targets <names>', `comma-separated: ${TARGET_NAMES.join(', ')} (default all)`).argParser(list))
    .option('--quick', 'a few seconds per scenario, one run, small counts: a smoke check, not figures')
    .option('--runs <n>', 'runs per scenario and target (medians are quoted)', int('--runs'))
    .option('--clients <n>', 'kiosks for throughput and latency', int('--clients'))
    .option('--fleet-size <n>', 'connected kiosks in the fleet scenario', int('--fleet-size'))
    .option('--fleet-voters <n>', 'of which this many vote', int('--fleet-voters'))
    .option('--fleet-rate <n>', 'votes/s the fleet voters offer together', int('--fleet-rate'))
    .option('--fleet-heartbeat-ms <ms>', 'heartbeat interval the fleet server asks for (pivote server --heartbeat-ms)', int('--fleet-heartbeat-ms'))
    .option('--window <n>', 'unanswered votes per kiosk in the latency sweep and the fleet (pivote default 64)', int('--window'))
    .option('--windows <list>', 'throughput shapes: votes each kiosk keeps in flight (default 1,64)', (v) => list(v).map(int('--windows')))
    .option('--generators <n>', 'load-generator processes the kiosks are spread over (default: one per CPU, at least 2)', int('--generators'))
    .option('--duration <s>', 'measured seconds per phase', int('--duration'))
    .option('--rates <list>', 'offered loads for the latency sweep, votes/s (it stops once p99 passes 50 ms)', (v) => list(v).map(int('--rates')))
    .option('--headline-rates <list>', 'offered loads the targets are judged at, measured for the full duration (default 1000,10000)', (v) => list(v).map(int('--headline-rates')))
    .option('--kiosk-presses <n>', 'button presses in the kiosk scenario', int('--kiosk-presses'))
    .option('--dashboard-streams <n>', 'live event streams (open dashboards) in the dashboard scenario', int('--dashboard-streams'))
    .option('--cluster-servers <list>', 'cluster scenario: pivote servers on one PostgreSQL, one shape per count (default 1,2,3)', (v) => list(v).map(int('--cluster-servers')))
    .option('--pgbench-rows <list>', "cluster scenario: rows per transaction of PostgreSQL's pgbench inserts (default 1,64)", (v) => list(v).map(int('--pgbench-rows')))
    .option('--pgbench-clients <n>', "cluster scenario: pgbench's connections (default: the commits the largest cluster keeps in flight, 2 per server)", int('--pgbench-clients'))
    .option('--results-dir <dir>', 'where <date>.json goes', 'bench/results')
    .option('--write-docs', 'also rewrite the generated part of docs/PERFORMANCE.md and its SVG plot')
    .option('--cpu-prof', 'write V8 CPU profiles of the Node servers (kept with --keep-work)')
    .option('--pivote-cli <path>', 'bench another build of the CLI, e.g. an older dist/cli/main.js, for before/after figures')
    .option('--baseline-cli <path>', 'also bench this build as the target "baseline", interleaved with pivote run by run (A/B gains; adds it to the targets)')
    .option('--no-install', 'do not apt-get install mosquitto when it is missing')
    .option('--keep-work', 'keep the scratch directory (databases, configs, profiles)')
    .option('--docs-from <results.json>', 'run nothing: rewrite the generated part of docs/PERFORMANCE.md from a results file')
    .option('--work-dir <dir>', 'where the scratch folder is made (default: the system temp dir, unless it is tmpfs)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  program.parse([...argv], { from: 'user' });
  const o = program.opts<{
    scenario?: string[]; targets?: string[]; quick?: boolean; runs?: number; clients?: number; fleetSize?: number; fleetVoters?: number;
    fleetRate?: number; fleetHeartbeatMs?: number; window?: number; windows?: number[]; generators?: number; duration?: number; rates?: number[];
    headlineRates?: number[]; kioskPresses?: number; dashboardStreams?: number; clusterServers?: number[]; pgbenchRows?: number[]; pgbenchClients?: number;
    resultsDir: string; writeDocs?: boolean; cpuProf?: boolean; pivoteCli?: string; baselineCli?: string; install: boolean; keepWork?: boolean; workDir?: string; docsFrom?: string;
  }>();
  const quick = o.quick === true;
  const rates = o.rates ?? (quick ? [200, 1_000] : [1_000, 2_000, 5_000, 10_000, 15_000, 20_000, 30_000, 40_000, 60_000, 80_000, 120_000, 160_000]);
  const headlineRates = o.headlineRates ?? (quick ? [200] : [1_000, 10_000]);
  const clusterServers = o.clusterServers ?? [1, 2, 3];
  return {
    scenarios: oneOf('--scenario', SCENARIOS, o.scenario ?? [...SCENARIOS]),
    targets: withBaseline(oneOf('--targets', TARGET_NAMES, o.targets ?? TARGET_NAMES.filter((t) => t !== 'baseline')), o.baselineCli),
    quick,
    runs: o.runs ?? (quick ? 1 : 3),
    clients: o.clients ?? (quick ? 50 : 1_000),
    fleetSize: o.fleetSize ?? (quick ? 200 : 10_000),
    fleetVoters: o.fleetVoters ?? (quick ? 10 : 100),
    fleetRate: o.fleetRate ?? (quick ? 10 : 100),
    fleetHeartbeatMs: o.fleetHeartbeatMs ?? (quick ? 1_000 : 5_000),
    window: o.window ?? 64,
    windows: o.windows ?? [1, 64],
    generators: o.generators ?? Math.max(2, os.availableParallelism()),
    durationS: o.duration ?? (quick ? 2 : 10),
    warmupS: quick ? 0.5 : 2,
    rates,
    headlineRates,
    kioskPresses: o.kioskPresses ?? (quick ? 3 : 15),
    dashboardStreams: o.dashboardStreams ?? (quick ? 10 : 100),
    clusterServers,
    pgbenchRows: o.pgbenchRows ?? [1, 64],
    // As many transactions at once as pivote's largest cluster has commits in flight.
    pgbenchClients: o.pgbenchClients ?? DEFAULT_LIMITS.maxCommitsInFlight * Math.max(...clusterServers),
    resultsDir: o.resultsDir,
    writeDocs: o.writeDocs === true,
    cpuProf: o.cpuProf === true,
    pivoteCli: o.pivoteCli === undefined ? undefined : resolve(o.pivoteCli),
    baselineCli: o.baselineCli === undefined ? undefined : resolve(o.baselineCli),
    installMosquitto: o.install,
    keepWork: o.keepWork === true,
    workDir: o.workDir,
    docsFrom: o.docsFrom,
  };
}
