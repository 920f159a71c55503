import type { Command } from 'commander';
import { PivoteError } from '../../protocol/errors.js';
import type { CliContext } from '../context.js';
import { addDbOption } from '../db.js';
import { formatParser } from '../output.js';

/**
 * The `pivote results` command: options and help only; the counting and rendering are in
 * ../actions/results.ts, imported when the command runs.
 */

type Format = 'table' | 'json' | 'csv';
type By = 'kiosk' | 'hour';

export interface ResultsOptions {
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
    const { showResults } = await import('../actions/results.js');
    await showResults(ctx, opts);
  });
}
