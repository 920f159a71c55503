import type { GroupResult, ResultsView } from '../../admin/results-view.js';
import { withAdmin } from '../admin-target.js';
import type { CliContext } from '../context.js';
import type { ExportOptions, ResultsOptions } from '../options.js';
import { renderCsv, renderJson, renderTable } from '../output.js';

/** `pivote results` and `pivote export`, loaded only when they run (see ../commands/results.ts). */

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
  const view = await withAdmin(opts, ctx, 'read', (admin) =>
    admin.results({
      poll: opts.poll ?? 'current',
      ...(opts.by && { by: opts.by }),
      ...(opts.tz && { tz: opts.tz }),
      includeFlagged: opts.includeFlagged ?? false,
    }),
  );
  if (opts.format === 'json') ctx.stdout(renderJson(view));
  else if (opts.format === 'csv') ctx.stdout(renderResultsCsv(view));
  else ctx.stdout(renderResultsTable(view));
}

export async function exportVotes(ctx: CliContext, opts: ExportOptions): Promise<void> {
  await withAdmin(opts, ctx, 'read', async (admin) => {
    for await (const chunk of admin.exportVotes({ ...(opts.poll && { pollId: opts.poll }), format: opts.format, includeFlagged: !opts.excludeFlagged })) {
      ctx.stdout(chunk);
    }
  });
}
