import type { PollView } from '../../admin/views.js';
import { PivoteError } from '../../protocol/errors.js';
import { withAdmin } from '../admin-target.js';
import type { CliContext } from '../context.js';
import type { PollListOptions, PollOpenOptions, PollScheduleOptions, TargetOptions } from '../options.js';
import { formatTime, renderJson, renderTable } from '../output.js';

/** `pivote poll …`, loaded only when one of them runs (see ../commands/poll.ts). */

const shown = (t: string | null): string => (t === null ? '-' : (formatTime(Date.parse(t)) ?? '-'));

function describePoll(p: PollView): string {
  let text = p.options.map((label, i) => `  button ${i + 1}: ${label}\n`).join('');
  if (p.opensAt) text += `  opens at ${shown(p.opensAt)}\n`;
  if (p.closesAt) text += `  closes at ${shown(p.closesAt)}\n`;
  if (p.publicResults !== 'never') text += `  totals public: ${p.publicResults}\n`;
  return text;
}

/** The kiosks that cannot reach every option, said where the organiser is looking. */
function warnShortKiosks(ctx: CliContext, p: PollView): void {
  for (const k of p.kiosksShort) {
    ctx.stderr(`warning: kiosk ${k.id} has ${k.buttons} buttons: it cannot vote for option${p.options.length - k.buttons > 1 ? 's' : ''} ${k.buttons + 1}${p.options.length - k.buttons > 1 ? `-${p.options.length}` : ''} of this poll\n`);
  }
}

export async function pollOpen(ctx: CliContext, id: number | undefined, opts: PollOpenOptions): Promise<void> {
  if (id !== undefined && (opts.question !== undefined || opts.option !== undefined)) {
    throw new PivoteError('PV_USAGE', 'give either a draft id to open, or --question and --option for a new poll, not both');
  }
  if (id === undefined && opts.question === undefined) throw new PivoteError('PV_USAGE', 'a new poll needs --question and 2-8 --option; or give the id of a draft to open');
  const poll = await withAdmin(opts, ctx, 'write', (admin) =>
    id !== undefined
      ? admin.openPoll(id)
      : admin.createPoll({
          question: opts.question!,
          options: opts.option ?? [],
          ...(opts.opensAt !== undefined && { opensAt: opts.opensAt }),
          ...(opts.closesAt !== undefined && { closesAt: opts.closesAt }),
          ...(opts.public !== undefined && { publicResults: opts.public }),
        }),
  );
  const verb = poll.state === 'draft' ? `Scheduled poll ${poll.id} (a draft until it opens)` : `Opened poll ${poll.id}`;
  ctx.stdout(`${verb}: ${poll.question}\n${describePoll(poll)}`);
  warnShortKiosks(ctx, poll);
}

export async function pollSchedule(ctx: CliContext, id: number, opts: PollScheduleOptions): Promise<void> {
  if (opts.opensAt === undefined && opts.closesAt === undefined && opts.public === undefined) {
    throw new PivoteError('PV_USAGE', 'say what to change: --opens-at, --closes-at or --public');
  }
  const poll = await withAdmin(opts, ctx, 'write', (admin) =>
    admin.updatePoll(id, {
      ...(opts.opensAt !== undefined && { opensAt: opts.opensAt === 'none' ? null : opts.opensAt }),
      ...(opts.closesAt !== undefined && { closesAt: opts.closesAt === 'none' ? null : opts.closesAt }),
      ...(opts.public !== undefined && { publicResults: opts.public }),
    }),
  );
  ctx.stdout(`Poll ${poll.id} (${poll.state}): ${poll.question}\n${describePoll(poll)}`);
}

export async function pollClose(ctx: CliContext, opts: TargetOptions): Promise<void> {
  const closed = await withAdmin(opts, ctx, 'write', (admin) => admin.closePoll());
  ctx.stdout(`Closed poll ${closed.id}: ${closed.question}\nVotes pressed before now still count when they arrive; see \`pivote results\`.\n`);
}

export async function pollDelete(ctx: CliContext, id: number, opts: TargetOptions): Promise<void> {
  await withAdmin(opts, ctx, 'write', (admin) => admin.deletePoll(id));
  ctx.stdout(`Deleted draft poll ${id}.\n`);
}

export async function pollList(ctx: CliContext, opts: PollListOptions): Promise<void> {
  const polls = await withAdmin(opts, ctx, 'read', (admin) => admin.listPolls());
  if (opts.format === 'json') {
    ctx.stdout(renderJson(polls.map(({ kiosksShort: _short, ...p }) => p)));
    return;
  }
  if (polls.length === 0) {
    ctx.stdout('No polls yet; open one with `pivote poll open --question Q --option A --option B`.\n');
    return;
  }
  const rows = polls.map((p) => [
    String(p.id),
    p.state,
    p.state === 'draft' ? (p.opensAt ? `at ${shown(p.opensAt)}` : '-') : shown(p.openedAt),
    p.closedAt ? shown(p.closedAt) : p.closesAt ? `at ${shown(p.closesAt)}` : '-',
    p.publicResults,
    p.question,
    p.options.join(' | '),
  ]);
  ctx.stdout(renderTable(['id', 'state', 'opened', 'closed', 'public', 'question', 'options'], rows));
}
