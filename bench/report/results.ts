import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineInfo } from '../machine.js';
import type { BenchOptions } from '../options.js';
import type { ClusterResult } from '../scenarios/cluster.js';
import type { DashboardResult } from '../scenarios/dashboard.js';
import type { FleetResult } from '../scenarios/fleet.js';
import type { KioskResult } from '../scenarios/kiosk.js';
import type { LatencyResult } from '../scenarios/latency.js';
import type { ThroughputResult } from '../scenarios/throughput.js';
import type { MosquittoInfo } from '../targets/mosquitto.js';

/** Everything one `npm run bench` measured: the file bench/results/<date>.json. */
export interface BenchResults {
  schema: 2;
  startedAt: string;
  finishedAt: string;
  durationS: number;
  /** The command line that produced this file. */
  command: string;
  quick: boolean;
  machine: MachineInfo;
  options: Omit<BenchOptions, 'workDir' | 'resultsDir' | 'keepWork' | 'docsFrom'>;
  mosquitto: MosquittoInfo & { persistence: boolean; mqttJs: string | null };
  notes: string[];
  throughput?: ThroughputResult;
  latency?: LatencyResult;
  dashboard?: DashboardResult;
  cluster?: ClusterResult;
  fleet?: FleetResult;
  kiosk?: KioskResult;
  goals: GoalCheck[];
}

/** One target of the issue, and whether this run met it. */
export interface GoalCheck {
  goal: string;
  measured: string;
  met: boolean | null;
}

/** bench/results/2026-01-31T12-00-00Z.json (colons are not portable in file names). */
export function resultsFileName(startedAt: string): string {
  return `${startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}.json`;
}

export function writeResults(dir: string, results: BenchResults): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, resultsFileName(results.startedAt));
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  return file;
}
