import type { Command } from 'commander';
import { PivoteError } from '../../protocol/errors.js';
import type { ResultsGrouping } from '../../admin/results-view.js';
import { addTargetOptions } from '../target-options.js';
import type { CliContext } from '../context.js';
import type { ExportOptions, ResultsOptions } from '../options.js';
import { formatParser } from '../output.js';
import { positiveId } from '../parse.js';

/**
 * `pivote results` and `pivote export`: options and help only; the counting and rendering are
 * in ../actions/results.ts, imported when a command runs.
 */

function parseBy(value: string): ResultsGrouping {
  if (value === 'kiosk' || value === 'location' || value === 'hour') return value;
  throw new PivoteError('PV_USAGE', `--by must be kiosk, location or hour; got "${value}"`);
}

export function registerResults(program: Command, ctx: CliContext): void {
  addTargetOptions(
    program
      .command('results')
      .summary('show vote counts and percentages of a poll')
      .description(
        'show vote counts and percentages per option, counted from the stored votes ' +
          '(the open poll, else the newest). Percentages are rounded to 0.1 by largest remainder so they add up to 100.',
      )
      .option('--poll <id>', 'the poll to count (see `pivote poll list`)', positiveId('--poll'))
      .option('--by <group>', 'also break the counts down by kiosk, location or hour', parseBy)
      .option('--tz <zone>', "time zone of --by hour, e.g. Europe/Paris (default: this machine's)")
      .option('--include-flagged', 'count votes flagged as repeated presses too')
      .option('--format <format>', 'table, json or csv', formatParser(['table', 'json', 'csv'] as const), 'table'),
  ).action(async (opts: ResultsOptions) => {
    const { showResults } = await import('../actions/results.js');
    await showResults(ctx, opts);
  });

  addTargetOptions(
    program
      .command('export')
      .summary('write every stored vote as CSV or JSON lines, for audits')
      .description('write every stored vote (kiosk, poll, button, option, derived press time, received time, clock unknown, flagged) to stdout, in the order stored')
      .option('--poll <id>', 'only this poll', positiveId('--poll'))
      .option('--exclude-flagged', 'leave out votes flagged as repeated presses')
      .option('--format <format>', 'csv or jsonl', formatParser(['csv', 'jsonl'] as const), 'csv'),
  ).action(async (opts: ExportOptions) => {
    const { exportVotes } = await import('../actions/results.js');
    await exportVotes(ctx, opts);
  });
}
