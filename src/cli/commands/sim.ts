import type { Command } from 'commander';
import { PivoteError } from '../../protocol/errors.js';
import { parseServerAddress, type ServerAddress } from '../../kiosk/transport/server-address.js';
import type { CliContext } from '../context.js';
import type { SimCommandOptions, StopSignal } from '../options.js';
import { addTargetOptions } from '../target-options.js';
import { formatParser } from '../output.js';
import { waitForStopSignal } from '../signals.js';

/**
 * `pivote sim`: N simulated kiosks (real kiosk code, mock GPIO) in this process, where simulated
 * people vote (or, with --rate, buttons are pressed at a fixed rate) against a running server. Exit 0 when every press was acknowledged. This file holds
 * the options and help; the simulation is in ../actions/sim.ts, imported when the command runs.
 */

/**
 * SIM_LOCKOUT_MS of src/kiosk/sim/simulation.ts, repeated here because importing it would load
 * the whole kiosk for every `pivote` command; test/cli/lazy-commands.test.ts keeps them equal.
 */
export const SIM_LOCKOUT_DEFAULT_MS = 1000;


function number(flag: string, check: (n: number) => boolean, what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || !check(n)) throw new PivoteError('PV_USAGE', `${flag} must be ${what}; got "${value}"`);
    return n;
  };
}
const wholeAtLeast = (flag: string, min: number) => number(flag, (n) => Number.isInteger(n) && n >= min, `a whole number >= ${min}`);
const positive = (flag: string) => number(flag, (n) => n > 0, 'a number above 0');

/** `--server a:7070,b:7070` or `--server a:7070 --server b:7070`: several servers of one database. */
function serverFlag(value: string, previous: ServerAddress[] | undefined): ServerAddress[] {
  const added = value.split(',').map((part) => {
    const parsed = parseServerAddress(part.trim());
    if (!parsed.ok) throw new PivoteError('PV_USAGE', `--server: ${parsed.problem}`);
    return parsed.address;
  });
  return [...(previous ?? []), ...added];
}

export function registerSim(program: Command, ctx: CliContext, stopSignal: StopSignal = () => waitForStopSignal()): void {
  addTargetOptions(
    program
      .command('sim')
      .description('run N simulated kiosks (mock GPIO) against a server where simulated people vote; report what was acknowledged')
      .requiredOption('--server <host[:port]>', 'the running `pivote server` (port 7070 if not given); several servers of one database: repeat it or separate them with commas (the kiosks are spread over them and fail over to the next)', serverFlag)
      .requiredOption('--kiosks <n>', 'how many kiosks (registered as sim-1 … sim-N through --db or --url; existing ones get a new secret)', wholeAtLeast('--kiosks', 1))
      .option('--votes <m>', 'stop after m presses in total', wholeAtLeast('--votes', 1))
      .option('--rate <r>', 'load instead of people: presses per second over all kiosks, each kiosk pressed as soon as its lockout allows (the repeated-press rule then flags many)', positive('--rate'))
      .option('--duration <s>', 'stop pressing after s seconds (without it and --votes: until Ctrl-C)', positive('--duration'))
      .option('--seed <x>', 'random seed, to repeat the same presses', wholeAtLeast('--seed', 0))
      .option('--lockout-ms <ms>', 'lockout of each simulated kiosk after a press', wholeAtLeast('--lockout-ms', 0), SIM_LOCKOUT_DEFAULT_MS)
      .option('--data-dir <dir>', 'folder for the kiosks\' outboxes (default: a temporary folder, removed afterwards)')
      .option('--drain-timeout <s>', 'after the last press, wait this long for acknowledgements', positive('--drain-timeout'), 15)
      .option('--tls-ca <file>', 'connect with TLS, trusting this CA (PEM) — as the kiosk config\'s tls.ca')
      .option('--tls-fingerprint <sha256>', 'connect with TLS, pinning this server certificate fingerprint')
      .option('--format <format>', 'text or json', formatParser(['text', 'json'] as const), 'text')
      .option('--log-level <level>', 'kiosk logs on stderr: fatal, error, warn, info, debug or trace', 'warn'),
  )
    .addHelpText(
      'after',
      '\nWithout --rate, people vote: one press each, a person every 3.5-4 s at each kiosk (so the\n' +
        'repeated-press rule does not flag them), now and then a button-masher whose presses are\n' +
        'flagged. 20 kiosks take 500 votes in about 1.5 minutes; more kiosks go faster.\n' +
        'The database must be the one the server uses: the simulated kiosks are registered in it.\n' +
        'Ctrl-C stops pressing; the run then waits for acknowledgements and reports.\n' +
        'Exit code 0 when every press was acknowledged, 1 otherwise.\n',
    )
    .action(async (opts: SimCommandOptions) => {
      const { runSim } = await import('../actions/sim.js');
      await runSim(ctx, opts, stopSignal);
    });
}
