import { PivoteError } from '../../protocol/errors.js';
import type { PollRecord, VoteStore } from '../../store/types.js';
import type { ResultsOptions } from '../commands/results.js';
import type { CliContext } from '../context.js';
import { withStore } from '../db.js';
import { renderCsv, renderJson, renderTable } from '../output.js';
import { buildResultsView, type GroupResult, type ResultsView } from '../results-view.js';

/** `pivote results`, loaded only when that command runs (see ../commands/results.ts). */

/** The poll asked for, else the open one, else the newest. */
async function choosePoll(store: VoteStore, id: number | undefined): Promise<PollRecord> {
  if (id !== undefined) {
    const poll = await store.getPoll(id);
    if (!poll) throw new PivoteError('PV_POLL_NOT_FOUND', `no poll with id ${id}`, { pollId: id });
    return poll;
  }
  const poll = (await store.getOpenPoll()) ?? (await store.listPolls())[0];
  if (!poll) throw new PivoteError('PV_NO_OPEN_POLL', 'no poll has been opened yet');
  return poll;
}

async function loadView(store: VoteStore, opts: ResultsOptions): Promise<ResultsView> {
  const poll = await choosePoll(store, opts.poll);
  const includeFlagged = opts.includeFlagged ?? false;
  const q = { pollId: poll.id, includeFlagged };
  const counts = await store.countVotes(q);
  const all = includeFlagged ? counts : await store.countVotes({ ...q, includeFlagged: true });
  const grouped = opts.by ? { by: opts.by, rows: await store.countVotesBy(q, opts.by) } : undefined;
  return buildResultsView({ poll, counts, includeFlagged, totalWithFlagged: all.reduce((a, c) => a + c.count, 0), grouped });
}

const pct = (p: number): string => `${p.toFixed(1)}%`;

function renderResultsTable(v: ResultsView): string {
  const head = `Poll ${v.poll.id} (${v.poll.state}): ${v.poll.question}\n\n`;
  const main = renderTable(
    ['button', 'option', 'votes', 'percent'],
    v.options.map((o) => [String(o.button), o.label, String(o.count), pct(o.percent)]),
  );
  const plural = (n: number) => (n === 1 ? 'vote' : 'votes');
  let foot = `\nTotal: ${v.total} ${plural(v.total)} counted`;
  if (v.includeFlagged) foot += ', flagged repeated presses included';
  else if (v.flaggedExcluded > 0) foot += ` (${v.flaggedExcluded} flagged ${plural(v.flaggedExcluded)} left out; --include-flagged counts them)`;
  foot += '.\n';
  if (!v.groups || !v.by) return head + main + foot;
  const groupRow = (g: GroupResult) => [g.key, ...g.options.map((o) => `${o.count} (${pct(o.percent)})`), String(g.total)];
  const byTable = v.groups.length === 0
    ? '(no votes)\n'
    : renderTable([v.by, ...v.options.map((o) => o.label), 'total'], v.groups.map(groupRow));
  return `${head}${main}${foot}\nBy ${v.by}:\n${byTable}`;
}

/** Without --by one row per option; with --by one row per group and option (no overall rows,
 *  so summing a column never counts a vote twice). */
function renderResultsCsv(v: ResultsView): string {
  if (!v.groups || !v.by) {
    return renderCsv(['poll', 'button', 'label', 'count', 'percent'], v.options.map((o) => [v.poll.id, o.button, o.label, o.count, o.percent]));
  }
  const rows = v.groups.flatMap((g) => g.options.map((o) => [v.poll.id, g.key, o.button, o.label, o.count, o.percent]));
  return renderCsv(['poll', v.by, 'button', 'label', 'count', 'percent'], rows);
}

export async function showResults(ctx: CliContext, opts: ResultsOptions): Promise<void> {
  const view = await withStore(opts.db, 'read', (store) => loadView(store, opts));
  if (opts.format === 'json') ctx.stdout(renderJson(view));
  else if (opts.format === 'csv') ctx.stdout(renderResultsCsv(view));
  else ctx.stdout(renderResultsTable(view));
}
