import type { Command } from 'commander';
import { PivoteError } from '../../protocol/errors.js';
import type { PollRecord, VoteStore } from '../../store/types.js';
import type { CliContext } from '../context.js';
import { addDbOption, withStore } from '../db.js';
import { formatParser, renderCsv, renderJson, renderTable } from '../output.js';
import { buildResultsView, type GroupResult, type ResultsView } from '../results-view.js';

type Format = 'table' | 'json' | 'csv';
type By = 'kiosk' | 'hour';

interface ResultsOptions {
  poll?: number;
  by?: By;
  includeFlagged?: boolean;
  format: Format;
  db: string;
}

function parsePollId(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new PivoteError('PV_USAGE', `--poll must be a poll id (a positive integer); got "${value}"`);
  }
  return n;
}

function parseBy(value: string): By {
  if (value === 'kiosk' || value === 'hour') return value;
  throw new PivoteError('PV_USAGE', `--by must be kiosk or hour; got "${value}"`);
}

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

export function registerResults(program: Command, ctx: CliContext): void {
  addDbOption(
    program
      .command('results')
      .summary('show vote counts and percentages of a poll')
      .description(
        'show vote counts and percentages per option, counted from the stored votes ' +
          '(the open poll, else the newest). Percentages are rounded to 0.1 by largest remainder so they add up to 100.',
      )
      .option('--poll <id>', 'the poll to count (see `pivote poll list`)', parsePollId)
      .option('--by <group>', 'also break the counts down by kiosk or hour (UTC)', parseBy)
      .option('--include-flagged', 'count votes flagged as repeated presses too')
      .option('--format <format>', 'table, json or csv', formatParser(['table', 'json', 'csv'] as const), 'table'),
    'read',
  ).action(async (opts: ResultsOptions) => {
    const view = await withStore(opts.db, 'read', (store) => loadView(store, opts));
    if (opts.format === 'json') ctx.stdout(renderJson(view));
    else if (opts.format === 'csv') ctx.stdout(renderResultsCsv(view));
    else ctx.stdout(renderResultsTable(view));
  });
}
