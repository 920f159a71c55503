import type { CheckCounts } from './checker.js';
import { executeSchedule, type ExecuteOptions, type ScheduleRun } from './executor.js';
import { PgCluster, pgAvailability } from '../support/postgres/cluster.js';
import { FAULT_KINDS, generateSchedule, type FaultKind, type ScheduleOptions } from './schedule.js';

/**
 * Many schedules, one after another (the machine has few cores; runs in parallel would measure
 * the scheduler, not pivote), with one line per schedule and totals at the end.
 */

export interface CampaignOptions {
  seeds: readonly number[];
  schedule?: Partial<ScheduleOptions>;
  execute?: ExecuteOptions;
  /** One line per finished schedule, and the totals so far. */
  onRun?: (run: ScheduleRun, line: string, totals: CampaignTotals) => void;
  stopOnFailure?: boolean;
  /** Start no schedule after this time (epoch ms); the totals say how many ran. */
  deadline?: number;
}

export interface CampaignTotals {
  schedules: number;
  failedSeeds: number[];
  counts: CheckCounts;
  faults: Record<FaultKind, number>;
  longServerDowns: number;
  gracefulStops: number;
  proxy: ScheduleRun['proxy'];
  presses: ScheduleRun['presses'];
  problems: { seed: number; what: string }[];
  /** The furthest any vote went into each known limit (ms), see CheckResult.limits. */
  worstLimit: { acceptedInCloseGap: number; refusedInTransit: number };
  wallMs: number;
}

export function emptyTotals(): CampaignTotals {
  return {
    schedules: 0,
    failedSeeds: [],
    counts: {
      recorded: 0, logged: 0, stored: 0, acked: 0, rejected: 0, pending: 0, resentDuplicates: 0, refusedClosed: 0,
      acceptedInCloseGap: 0, refusedInTransit: 0, lost: 0, duplicated: 0, phantom: 0, misattributed: 0, inconsistent: 0,
    },
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    longServerDowns: 0,
    gracefulStops: 0,
    proxy: { connections: 0, refused: 0, cuts: 0, ackCuts: 0, expired: 0 },
    presses: { sent: 0, skipped: 0 },
    problems: [],
    worstLimit: { acceptedInCloseGap: 0, refusedInTransit: 0 },
    wallMs: 0,
  };
}

export function addRun(totals: CampaignTotals, run: ScheduleRun): void {
  totals.schedules++;
  if (!run.ok) totals.failedSeeds.push(run.seed);
  for (const k of Object.keys(totals.counts) as (keyof CheckCounts)[]) totals.counts[k] += run.check.counts[k];
  for (const k of FAULT_KINDS) totals.faults[k] += run.faults[k];
  totals.longServerDowns += run.longServerDowns;
  totals.gracefulStops += run.gracefulStops;
  for (const k of Object.keys(totals.proxy) as (keyof ScheduleRun['proxy'])[]) totals.proxy[k] += run.proxy[k];
  totals.presses.sent += run.presses.sent;
  totals.presses.skipped += run.presses.skipped;
  totals.problems.push(...run.problems.map((what) => ({ seed: run.seed, what })));
  for (const hit of run.check.limits) totals.worstLimit[hit.kind] = Math.max(totals.worstLimit[hit.kind], hit.ms);
  totals.wallMs += run.wallMs;
}

/** A run that could not even start (or threw) still counts, as a failure with its reason. */
function failedRun(seed: number, err: unknown): ScheduleRun {
  const totals = emptyTotals();
  return {
    seed,
    check: { counts: totals.counts, anomalies: [], limits: [], ok: false },
    faults: totals.faults,
    longServerDowns: 0,
    gracefulStops: 0,
    proxy: totals.proxy,
    presses: totals.presses,
    problems: [`harness error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`],
    drained: false,
    ok: false,
    wallMs: 0,
  };
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignTotals> {
  const totals = emptyTotals();
  // Several servers share one PostgreSQL: one throwaway cluster for the campaign, a database per schedule.
  const postgres = (options.schedule?.servers ?? 1) > 1 ? await startPostgres() : undefined;
  try {
    for (const seed of options.seeds) {
      if (options.deadline !== undefined && Date.now() >= options.deadline) break;
      const schedule = generateSchedule(seed, options.schedule);
      let run: ScheduleRun;
      try {
        run = await executeSchedule(schedule, { ...options.execute, ...(postgres && { postgres }) });
      } catch (err) {
        run = failedRun(seed, err);
      }
      addRun(totals, run);
      options.onRun?.(run, formatRun(run), totals);
      if (!run.ok && options.stopOnFailure) break;
    }
  } finally {
    await postgres?.stop();
  }
  return totals;
}

async function startPostgres(): Promise<PgCluster> {
  const avail = pgAvailability();
  if (!avail.ok) throw new Error(`a campaign with several servers needs PostgreSQL: ${avail.reason}`);
  return PgCluster.start(avail);
}

export function formatRun(run: ScheduleRun): string {
  const c = run.check.counts;
  const f = run.faults;
  const head =
    `seed ${run.seed} ${run.ok ? 'ok  ' : 'FAIL'} votes ${c.recorded} stored ${c.stored} rejected ${c.rejected} ` +
    `lost ${c.lost} duplicated ${c.duplicated} phantom ${c.phantom} misattributed ${c.misattributed} inconsistent ${c.inconsistent} | ` +
    `faults: server kills ${f.killServer} (${run.longServerDowns} long, ${run.gracefulStops} SIGTERM incl. kiosks), kiosk kills ${f.killKiosk}, cuts ${run.proxy.cuts}/${f.cut}, ` +
    `ack cuts ${run.proxy.ackCuts}/${f.cutAfterAck}, delays ${f.delay}, stalls ${f.stall}, partitions ${f.partition}, polls rotated ${f.rotatePoll}` +
    (f.restartDb + f.cutDb > 0 ? `, database restarts ${f.restartDb}, database cuts ${f.cutDb}` : '') +
    ' | ' +
    `resent dups ${c.resentDuplicates}, ${(run.wallMs / 1000).toFixed(1)} s`;
  const details = [
    ...run.check.anomalies.slice(0, 20).map((a) => `    ${a.kind}: ${a.kioskId} ${a.voteId}: ${a.why}`),
    ...(run.check.anomalies.length > 20 ? [`    ... ${run.check.anomalies.length - 20} more anomalies`] : []),
    ...run.problems.map((p) => `    problem: ${p}`),
    ...run.check.limits.map((l) => `    limit ${l.kind}: ${l.kioskId} ${l.voteId}: ${l.ms} ms`),
  ];
  return [head, ...details].join('\n');
}

export function formatTotals(t: CampaignTotals): string {
  const c = t.counts;
  const lines = [
    `schedules ${t.schedules}, failed ${t.failedSeeds.length}${t.failedSeeds.length ? ` (seeds ${t.failedSeeds.join(', ')})` : ''}`,
    `votes recorded ${c.recorded} (${c.logged} seen in kiosk logs), stored ${c.stored}, acked ${c.acked}, rejected ${c.rejected} (rightly PV_POLL_CLOSED ${c.refusedClosed}), pending at end ${c.pending}`,
    `lost ${c.lost}, duplicated ${c.duplicated}, phantom ${c.phantom}, misattributed ${c.misattributed}, inconsistent ${c.inconsistent}`,
    `known limits hit: accepted in the poll-close gap ${c.acceptedInCloseGap} (received up to ${t.worstLimit.acceptedInCloseGap} ms after the close), ` +
      `refused after a long transit ${c.refusedInTransit} (pressed up to ${t.worstLimit.refusedInTransit} ms before the close)`,
    `exactly-once at work: ${c.resentDuplicates} votes resent after a lost ack, answered as duplicates`,
    `faults: server kills ${t.faults.killServer} (${t.longServerDowns} down >= 2 s), kiosk kills ${t.faults.killKiosk} ` +
      `(${t.gracefulStops} of all kills by SIGTERM, the rest SIGKILL), ` +
      `cuts ${t.proxy.cuts} fired of ${t.faults.cut}, ack cuts ${t.proxy.ackCuts} fired of ${t.faults.cutAfterAck}, ` +
      `delays ${t.faults.delay}, stalls ${t.faults.stall}, partitions ${t.faults.partition}, polls closed and reopened ${t.faults.rotatePoll}` +
      (t.faults.restartDb + t.faults.cutDb > 0 ? `, database stopped and restarted ${t.faults.restartDb}, server-database connections cut ${t.faults.cutDb}` : ''),
    `presses sent ${t.presses.sent}, proxy connections ${t.proxy.connections} (${t.proxy.refused} refused while the server was down)`,
    `wall time ${(t.wallMs / 1000).toFixed(0)} s`,
  ];
  return lines.join('\n');
}
