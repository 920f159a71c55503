import type { PollRecord } from '../../store/types.js';
import type { CliContext } from '../context.js';
import { withStore } from '../db.js';
import { formatTime, renderJson, renderTable } from '../output.js';

/** `pivote poll open|close|list`, loaded only when one of them runs (see ../commands/poll.ts). */

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

export async function pollOpen(ctx: CliContext, opts: { question: string; option?: string[]; db: string }): Promise<void> {
  const opened = await withStore(opts.db, 'write', (store) => store.openPoll(opts.question, opts.option ?? [], ctx.now()));
  ctx.stdout(`Opened poll ${opened.id}: ${opened.question}\n${describePoll(opened)}`);
}

export async function pollClose(ctx: CliContext, opts: { db: string }): Promise<void> {
  const closed = await withStore(opts.db, 'write', (store) => store.closePoll(ctx.now()));
  ctx.stdout(
    `Closed poll ${closed.id}: ${closed.question}\n` +
      'Votes pressed before now still count when they arrive; see `pivote results`.\n',
  );
}

export async function pollList(ctx: CliContext, opts: { format: 'table' | 'json'; db: string }): Promise<void> {
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
}
