import type { Command } from 'commander';
import { PivoteError } from '../../protocol/errors.js';
import type { CliContext } from '../context.js';
import { waitForStopSignal } from '../signals.js';
import type { DemoOptions, StopSignal } from '../options.js';

/**
 * `pivote demo`: the whole system in one process on loopback — a server on an embedded SQLite
 * file, a sample poll, three simulated kiosks running the real kiosk code on mock GPIO where
 * simulated people vote (a now-and-then button-masher shows the repeated-press rule) — with
 * the tally redrawn live. Everything it writes stays in --data-dir. This file holds the options
 * and help; the demo itself is in ../actions/demo.ts, imported when the command runs.
 */

function positive(flag: string, integer: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw new PivoteError('PV_USAGE', `${flag} must be a ${integer ? 'whole ' : ''}number above 0; got "${value}"`);
    }
    return n;
  };
}

export function registerDemo(program: Command, ctx: CliContext, stopSignal: StopSignal = () => waitForStopSignal()): void {
  program
    .command('demo')
    .description('run a server, a sample poll and three simulated kiosks on this machine, and show the tally live')
    .option('--duration <s>', 'stop after s seconds (default: until Ctrl-C)', positive('--duration', false))
    .option('--data-dir <dir>', 'folder for the database, kiosk outboxes and log (reset at start)', '.pivote-demo')
    .option('--kiosks <n>', 'how many simulated kiosks', positive('--kiosks', true), 3)
    .option('--rate <r>', 'load instead of people: presses per second over all kiosks (the repeated-press rule then flags many)', positive('--rate', false))
    .option('--seed <x>', 'random seed, to repeat the same presses', positive('--seed', true))
    .option('--http-port <n>', 'port of the dashboard on 127.0.0.1 (any free one if taken)', positive('--http-port', true), 8080)
    .addHelpText('after', '\nNo network beyond 127.0.0.1 is used. Logs go to <data-dir>/demo.log.\nThe dashboard runs too: open the printed link in a browser on this machine.\n')
    .action(async (opts: DemoOptions) => {
      const { runDemo } = await import('../actions/demo.js');
      await runDemo(ctx, opts, stopSignal);
    });
}
