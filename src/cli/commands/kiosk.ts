import { Command, Option } from 'commander';
// choose-backend directly, not the gpio barrel: this file is loaded for every `pivote` command,
// and the barrel would load every GPIO backend into the server and the CLI tools.
import { parseBackendKind } from '../../gpio/choose-backend.js';
import type { BackendKind } from '../../gpio/index.js';
import { PivoteError } from '../../protocol/errors.js';
import type { KioskProcessIo } from '../actions/kiosk.js';
import type { CliContext } from '../context.js';
import type { KioskCommandOptions } from '../kiosk-config.js';

/**
 * The `pivote kiosk` command: options and help only. The kiosk itself (GPIO, outbox, client)
 * is in ../actions/kiosk.ts, imported when the command runs, so other commands never load it.
 */

function parseGpioFlag(value: string): BackendKind {
  try {
    return parseBackendKind(value);
  } catch (err) {
    throw new PivoteError('PV_USAGE', `--gpio: ${(err as Error).message}`, { value });
  }
}

function positiveInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new PivoteError('PV_USAGE', `${flag} must be a positive whole number; got "${value}"`);
    return n;
  };
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** `io` replaces the process (stdin, signals, log targets) in tests; default: the real one. */
export function registerKiosk(program: Command, ctx: CliContext, io?: () => KioskProcessIo): void {
  program
    .command('kiosk')
    .description('run a vote kiosk: GPIO buttons and LEDs, durable outbox, connection to the server')
    .option('--config <file>', 'kiosk config file (see hardware/kiosk.example.json)')
    .option('--gpio <backend>', 'GPIO backend: auto, chardev, onoff, pigpio or mock (overrides the config)', parseGpioFlag)
    .option('--keys', 'with --gpio mock: press buttons with the number keys and watch the LEDs in the terminal')
    .option('--server <host[:port]>', 'without --config: the server, port 7070 if not given (repeat for failover)', collect)
    .option('--kiosk-id <id>', 'without --config: the kiosk id registered with `pivote fleet add`')
    .option('--secret-file <file>', 'without --config: a file holding the kiosk secret shown by `pivote fleet add`')
    .option('--secret <secret>', 'without --config: the secret itself (it ends up in shell history; prefer --secret-file)')
    .option('--data-dir <dir>', 'folder for the outbox and log (default with flags: ~/.local/state/pivote/kiosk-<id>; overrides the config)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
    .addOption(
      new Option('--mock-control', 'for tests: with --gpio mock, read "press N" lines on stdin and print LED changes as JSON lines on stdout (logs go to stderr)'),
    )
    .addOption(new Option('--reconnect-max-ms <ms>', 'for tests: cap the reconnect backoff').argParser(positiveInt('--reconnect-max-ms')))
    .addHelpText(
      'after',
      `
Without a config file (laptop try-out, default wiring GPIO5/6/13/19 buttons, GPIO17/27/22/23 LEDs,
GPIO24 status):
  pivote kiosk --gpio mock --keys --server 127.0.0.1 --kiosk-id laptop-1 --secret-file laptop-1.secret
On a Pi:
  pivote kiosk --config /etc/pivote/kiosk.json
Logs are JSON on stdout (pretty on a terminal); with --keys they go to <data-dir>/kiosk.log.`,
    )
    .action(async (opts: KioskCommandOptions, cmd: Command) => {
      const version = cmd.parent?.version() ?? '0.0.0';
      const { processKioskIo, runKiosk } = await import('../actions/kiosk.js');
      await runKiosk(opts, ctx, (io ?? processKioskIo)(), `pivote/${version}`);
    });
}
