import type { Command } from 'commander';
import { MAX_OPTIONS, MIN_OPTIONS } from '../../protocol/messages.js';
import { addTargetOptions } from '../target-options.js';
import type { CliContext } from '../context.js';
import type { PollListOptions, PollOpenOptions, PollScheduleOptions, TargetOptions } from '../options.js';
import { formatParser } from '../output.js';
import { collect, positiveId, publicParser, timeParser } from '../parse.js';

/**
 * The `pivote poll` commands: options and help only; what they do is in ../actions/poll.ts,
 * imported when one of them runs.
 */
export function registerPoll(program: Command, ctx: CliContext): void {
  const poll = program.command('poll').description('open, schedule, close and list polls (one poll is open at a time)');
  const now = () => ctx.now();

  addTargetOptions(
    poll
      .command('open')
      .description(`open a new poll with ${MIN_OPTIONS}-${MAX_OPTIONS} options (option i is button i), or open the draft <id> now`)
      .argument('[id]', 'a draft poll to open now (see `pivote poll list`)', positiveId('id'))
      .option('--question <text>', 'the question kiosks show')
      .option('--option <label>', `an option; repeat ${MIN_OPTIONS}-${MAX_OPTIONS} times, in button order`, collect)
      .option('--opens-at <time>', 'make a draft the server opens at this time (2026-12-04T09:00, +30m) instead of opening now', timeParser('--opens-at', now, false))
      .option('--closes-at <time>', 'the server closes the poll at this time', timeParser('--closes-at', now, false))
      .option('--public <when>', 'who may see the totals without a token: never (default), always, after-close', publicParser),
  ).action(async (id: number | undefined, opts: PollOpenOptions) => {
    const { pollOpen } = await import('../actions/poll.js');
    await pollOpen(ctx, id, opts);
  });

  addTargetOptions(
    poll
      .command('schedule')
      .description("change a poll's opening or closing time, or who may see its totals")
      .argument('<id>', 'the poll', positiveId('id'))
      .option('--opens-at <time>', 'a draft opens at this time (none: only by hand)', timeParser('--opens-at', now, true))
      .option('--closes-at <time>', 'the poll closes at this time (none: only by hand)', timeParser('--closes-at', now, true))
      .option('--public <when>', 'never, always or after-close', publicParser),
  ).action(async (id: number, opts: PollScheduleOptions) => {
    const { pollSchedule } = await import('../actions/poll.js');
    await pollSchedule(ctx, id, opts);
  });

  addTargetOptions(
    poll
      .command('close')
      .description('close the open poll; votes pressed while it was open still count when they arrive late'),
  ).action(async (opts: TargetOptions) => {
    const { pollClose } = await import('../actions/poll.js');
    await pollClose(ctx, opts);
  });

  addTargetOptions(poll.command('delete').description('delete a draft (a poll never opened)').argument('<id>', 'the draft', positiveId('id'))).action(
    async (id: number, opts: TargetOptions) => {
      const { pollDelete } = await import('../actions/poll.js');
      await pollDelete(ctx, id, opts);
    },
  );

  addTargetOptions(
    poll
      .command('list')
      .description('list polls, newest first')
      .option('--format <format>', 'table or json', formatParser(['table', 'json'] as const), 'table'),
  ).action(async (opts: PollListOptions) => {
    const { pollList } = await import('../actions/poll.js');
    await pollList(ctx, opts);
  });
}
