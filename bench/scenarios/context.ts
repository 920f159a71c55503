import type { BenchOptions } from '../options.js';
import type { Fleet } from '../targets/provision.js';
import type { TargetName } from '../targets/target.js';
import type { SessionSpec } from './session.js';

/** What every scenario gets from the harness. */
export interface ScenarioContext {
  opts: BenchOptions;
  /** Registered kiosks (as many as the largest scenario needs) and the open poll. */
  fleet: Fleet;
  workDir: string;
  /** Targets to run, in order; Mosquitto only when available. */
  targets: TargetName[];
  mosquittoPath: string | null;
  /** CPUs of the machine. */
  nproc: number;
  log: (line: string) => void;
}

/** Runs × targets, interleaved (p c m p c m …) so drifting machine load hits every target alike. */
export async function interleaved<T>(ctx: ScenarioContext, runs: number, fn: (target: TargetName, run: number) => Promise<T>): Promise<Map<TargetName, T[]>> {
  const out = new Map<TargetName, T[]>(ctx.targets.map((t) => [t, []]));
  for (let run = 1; run <= runs; run++) {
    for (const target of ctx.targets) {
      ctx.log(`  run ${run}/${runs}: ${target}`);
      out.get(target)!.push(await fn(target, run));
    }
  }
  return out;
}

export const MB = 1024 * 1024;

/** The part of a session every scenario fills the same way; each adds its clients, heartbeat,
 *  settle time and phases. */
export function sessionBase(ctx: ScenarioContext, target: TargetName, runLabel: string): Omit<SessionSpec, 'clients' | 'heartbeatMs' | 'settleMs' | 'phases'> {
  const { opts } = ctx;
  return {
    target,
    fleet: ctx.fleet,
    workDir: ctx.workDir,
    runLabel,
    window: opts.window,
    generators: opts.generators,
    nproc: ctx.nproc,
    cpuProf: opts.cpuProf,
    ...(opts.pivoteCli !== undefined && { pivoteCli: opts.pivoteCli }),
    ...(opts.baselineCli !== undefined && { baselineCli: opts.baselineCli }),
    mosquittoPath: ctx.mosquittoPath,
    idleMs: opts.quick ? 200 : 1_000,
    log: ctx.log,
  };
}

/** Per target: every run's sample and their median. */
export function mediansByTarget<S>(samples: Map<TargetName, S[]>, medianOf: (runs: S[]) => S): Partial<Record<TargetName, { runs: S[]; median: S }>> {
  const out: Partial<Record<TargetName, { runs: S[]; median: S }>> = {};
  for (const [target, runs] of samples) out[target] = { runs, median: medianOf(runs) };
  return out;
}
