#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { registerAdminToken } from './commands/admin-token.js';
import { registerDemo } from './commands/demo.js';
import { registerFleet } from './commands/fleet.js';
import { registerKiosk } from './commands/kiosk.js';
import { registerPoll } from './commands/poll.js';
import { registerResults } from './commands/results.js';
import { registerSim } from './commands/sim.js';
import { registerServer } from './commands/server.js';
import type { CliContext, RegisterCommand } from './context.js';
import { reportError } from './errors.js';

/**
 * Every top-level command, one register function per file in ./commands. Add new ones here.
 * Those files hold only options and help (all of them are loaded to build the program); each
 * action import()s its implementation from ./actions, so `pivote kiosk` never loads the server,
 * the SQLite store or the simulator, and `--help` loads none of them. Keep it that way: a static
 * import of ./actions, the server, the store or the kiosk app from ./commands costs every
 * command memory and start-up time (see test/cli/lazy-commands.test.ts).
 */
const COMMANDS: readonly RegisterCommand[] = [
  registerServer, registerFleet, registerPoll, registerResults, registerAdminToken, registerKiosk, registerSim, registerDemo,
];

function packageVersion(): string {
  try {
    // src/cli/main.ts and dist/cli/main.js both sit two levels below package.json.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function cliActor(): string {
  try {
    return `cli ${userInfo().username}@${hostname()}`;
  } catch {
    return `cli ${hostname()}`;
  }
}

/** The real world: the only place that reads process.env or writes process.stdout. */
export function processContext(): CliContext {
  return {
    stdout: (text) => void process.stdout.write(text),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderr: (text) => void process.stderr.write(text),
    now: () => Date.now(),
    env: process.env,
    debug: process.env.PIVOTE_DEBUG === '1',
    actor: cliActor(),
  };
}

/** Commander settings each command needs; `.command()` copies them, `addCommand` does not. */
function configure(cmd: Command, ctx: CliContext): void {
  cmd.exitOverride();
  cmd.configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr });
  for (const sub of cmd.commands) configure(sub, ctx);
}

/**
 * The whole `pivote` program. Errors are thrown, never process.exit()ed, so tests run it
 * in-process; use runCli() to get the exit code and the error line.
 */
export function buildProgram(ctx: CliContext = processContext()): Command {
  const program = new Command('pivote')
    .description('Raspberry Pi vote kiosks and the central server that tallies them')
    .version(packageVersion(), '-V, --version', 'print the pivote version')
    .showSuggestionAfterError()
    .showHelpAfterError('(add --help for usage)');
  configure(program, ctx);
  for (const register of COMMANDS) register(program, ctx);
  configure(program, ctx);
  return program;
}

/** Runs one command line (without `node pivote`) and returns the process exit code. */
export async function runCli(argv: readonly string[], ctx: CliContext = processContext()): Promise<number> {
  try {
    await buildProgram(ctx).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    return reportError(err, ctx);
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    // npm installs the bin as a symlink; compare real paths.
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await runCli(process.argv.slice(2));
}
