import type { Command } from 'commander';
import { MAX_OPTIONS, MIN_OPTIONS } from '../../protocol/messages.js';
import type { PollRecord } from '../../store/types.js';
import type { CliContext } from '../context.js';
import { addDbOption, withStore } from '../db.js';
import { formatParser, formatTime, renderJson, renderTable } from '../output.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function pollJson(p: PollRecord) {
  return {
    id: p.id,
    question: p.question,
    options: p.options,
    state: p.state,
    openedAt: new Date(p.openedAt).toISOString(),
    closedAt: p.closedAt === null ? null : new Date(p.closedAt).toISOString(),
  };
}

function describePoll(p: PollRecord): string {
  return p.options.map((label, i) => `  button ${i + 1}: ${label}\n`).join('');
}

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
    const opened = await withStore(opts.db, 'write', (store) => store.openPoll(opts.question, opts.option ?? [], ctx.now()));
    ctx.stdout(`Opened poll ${opened.id}: ${opened.question}\n${describePoll(opened)}`);
  });

  addDbOption(
    poll
      .command('close')
      .description('close the open poll; votes pressed while it was open still count when they arrive late'),
    'write',
  ).action(async (opts: { db: string }) => {
    const closed = await withStore(opts.db, 'write', (store) => store.closePoll(ctx.now()));
    ctx.stdout(
      `Closed poll ${closed.id}: ${closed.question}\n` +
        'Votes pressed before now still count when they arrive; see `pivote results`.\n',
    );
  });

  addDbOption(
    poll
      .command('list')
      .description('list polls, newest first')
      .option('--format <format>', 'table or json', formatParser(['table', 'json'] as const), 'table'),
    'read',
  ).action(async (opts: { format: 'table' | 'json'; db: string }) => {
    const polls = await withStore(opts.db, 'read', (store) => store.listPolls());
    if (opts.format === 'json') {
      ctx.stdout(renderJson(polls.map(pollJson)));
      return;
    }
    if (polls.length === 0) {
      ctx.stdout('No polls yet; open one with `pivote poll open --question Q --option A --option B`.\n');
      return;
    }
    const rows = polls.map((p) => [
      String(p.id),
      p.state,
      formatTime(p.openedAt) ?? '-',
      formatTime(p.closedAt) ?? '-',
      p.question,
      p.options.join(' | '),
    ]);
    ctx.stdout(renderTable(['id', 'state', 'opened', 'closed', 'question', 'options'], rows));
  });
}
