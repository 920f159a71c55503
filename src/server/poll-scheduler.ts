import type { Logger } from 'pino';
import type { ScheduleOutcome, VoteStore } from '../store/types.js';
import { PeriodicTask } from './periodic-task.js';
import type { Timers } from './timers.js';

export interface PollSchedulerOptions {
  store: VoteStore;
  timers: Timers;
  log: Logger;
  clock: () => number;
  intervalMs: number;
  /** Something opened or closed: re-read the open poll and push it. */
  onChange(outcome: ScheduleOutcome): Promise<void>;
}

/**
 * Opens and closes polls at the times organisers set. Each pass is one store transaction
 * (`runSchedule`), so with several servers on one database every change still happens once,
 * and a server that was down when a time came catches up at its first pass.
 */
export function pollScheduler(opts: PollSchedulerOptions): PeriodicTask {
  const passOnce = async (): Promise<void> => {
    const outcome = await opts.store.runSchedule(opts.clock(), 'scheduler');
    if (outcome.closed === null && outcome.opened === null) return;
    opts.log.info({ closed: outcome.closed?.id ?? null, opened: outcome.opened?.id ?? null }, 'poll schedule ran');
    await opts.onChange(outcome);
  };
  return new PeriodicTask(passOnce, opts.intervalMs, opts.timers, (err) => opts.log.warn({ err }, 'could not run the poll schedule; will retry'));
}
