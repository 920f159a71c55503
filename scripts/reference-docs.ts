import type { Command } from 'commander';
import { buildProgram } from '../src/cli/main.js';
import type { CliContext } from '../src/cli/context.js';
import { ERRORS, type ErrorCode } from '../src/protocol/errors.js';

/**
 * docs/CLI.md and docs/ERRORS.md are generated from the program itself (every command's --help)
 * and from the error catalog, so the reference cannot drift: test/docs/reference.test.ts fails
 * when they are stale. Regenerate with `npm run docs`.
 */

function captureHelp(cmd: Command, sink: string[]): string {
  sink.length = 0;
  cmd.outputHelp();
  return sink.join('').trimEnd();
}

function walk(cmd: Command, path: string[], out: { path: string[]; cmd: Command }[]): void {
  out.push({ path, cmd });
  for (const sub of cmd.commands) {
    if (sub.name() === 'help') continue;
    walk(sub, [...path, sub.name()], out);
  }
}

export function cliReference(): string {
  const sink: string[] = [];
  const ctx: CliContext = {
    stdout: (t) => void sink.push(t),
    stderr: (t) => void sink.push(t),
    now: () => 0,
    env: {},
    debug: false,
  };
  const program = buildProgram(ctx);
  const all: { path: string[]; cmd: Command }[] = [];
  walk(program, ['pivote'], all);
  const parts = [
    '# pivote command reference',
    '',
    'Generated from `--help` of every command by `npm run docs`; `test/docs/reference.test.ts`',
    'fails when this file and the program disagree. Errors print `error PV_CODE: message` and a',
    'hint on stderr and exit 1 (2 for bad usage); see [ERRORS.md](ERRORS.md).',
    '',
  ];
  for (const { path, cmd } of all) {
    // A fixed width and no colour, so the file is the same from a terminal and from CI.
    cmd.configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr, getOutHelpWidth: () => 100, getOutHasColors: () => false });
    parts.push(`## ${path.join(' ')}`, '', '```text', captureHelp(cmd, sink), '```', '');
  }
  return parts.join('\n');
}

const WIRE_CLOSE: readonly ErrorCode[] = [
  'PV_FRAME_TOO_LARGE', 'PV_BAD_JSON', 'PV_BAD_UTF8', 'PV_BAD_MESSAGE', 'PV_UNKNOWN_TYPE', 'PV_UNEXPECTED_MESSAGE',
  'PV_UNSUPPORTED_VERSION', 'PV_NOT_AUTHENTICATED', 'PV_AUTH_FAILED', 'PV_AUTH_TIMEOUT', 'PV_KIOSK_REVOKED',
  'PV_REPLACED', 'PV_KIOSK_ID_CONFLICT', 'PV_IDLE_TIMEOUT', 'PV_FRAME_TIMEOUT', 'PV_TOO_MANY_CONNECTIONS', 'PV_WINDOW_EXCEEDED',
  'PV_SERVER_SHUTDOWN', 'PV_INTERNAL',
];
const WIRE_REJECT: readonly ErrorCode[] = ['PV_NO_POLL_OPEN', 'PV_UNKNOWN_POLL', 'PV_POLL_CLOSED', 'PV_BAD_BUTTON', 'PV_INTEGRITY'];

function whereSeen(code: ErrorCode): string {
  if (WIRE_CLOSE.includes(code)) return 'wire: `error` frame, then the connection closes';
  if (WIRE_REJECT.includes(code)) return 'wire: `reject` of one vote';
  if (code.startsWith('PV_GPIO_')) return 'kiosk: GPIO';
  if (code.startsWith('PV_CONFIG_')) return 'kiosk: config file';
  if (code === 'PV_DATA_DIR_UNWRITABLE') return 'kiosk: data folder';
  if (code.startsWith('PV_TLS_')) return 'kiosk or server: TLS setup';
  return 'CLI';
}

export function errorReference(): string {
  const rows = (Object.keys(ERRORS) as ErrorCode[]).map((code) => `| \`${code}\` | ${whereSeen(code)} | ${ERRORS[code].hint.replace(/\|/g, '\\|')} |`);
  return [
    '# pivote error codes',
    '',
    'Every error pivote reports on purpose carries one of these stable codes: on the wire (see',
    '[PROTOCOL.md](PROTOCOL.md#error-codes)), in CLI output (`error PV_CODE: message`, then `hint:`),',
    'and in logs (`err.code`). Match on the code, never on the message. Generated from',
    '`src/protocol/errors.ts` by `npm run docs`.',
    '',
    '| code | where you see it | what to do |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
