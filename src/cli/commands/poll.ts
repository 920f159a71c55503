import type { Command } from 'commander';
import { MAX_OPTIONS, MIN_OPTIONS } from '../../protocol/messages.js';
import type { CliContext } from '../context.js';
import { addDbOption } from '../db.js';
import { formatParser } from '../output.js';

/**
 * The `pivote poll` commands: options and help only; what they do is in ../actions/poll.ts,
 * imported when one of them runs.
 */

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerPoll(program: Command, ctx: CliContext): void {
  const poll = program.command('poll').description('open, close and list polls (one poll is open at a time)');

  addDbOption(
    poll
      .command('open')
      .description(`open a poll with ${MIN_OPTIONS}-${MAX_OPTIONS} options; option i is button i`)
      .requiredOption('--question <text>', 'the question kiosks show')
      .option('--option <label>', `an option; repeat ${MIN_OPTIONS}-${MAX_OPTIONS} times, in button order`, collect),
    'write',
  ).action(async (opts: { question: string; option?: string[]; db: string }) => {
    const { pollOpen } = await import('../actions/poll.js');
    await pollOpen(ctx, opts);
  });

  addDbOption(
    poll
      .command('close')
      .description('close the open poll; votes pressed while it was open still count when they arrive late'),
    'write',
  ).action(async (opts: { db: string }) => {
    const { pollClose } = await import('../actions/poll.js');
    await pollClose(ctx, opts);
  });

  addDbOption(
    poll
      .command('list')
      .description('list polls, newest first')
      .option('--format <format>', 'table or json', formatParser(['table', 'json'] as const), 'table'),
    'read',
  ).action(async (opts: { format: 'table' | 'json'; db: string }) => {
    const { pollList } = await import('../actions/poll.js');
    await pollList(ctx, opts);
  });
}
