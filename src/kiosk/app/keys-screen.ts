import type { ErrorCode } from '../../protocol/errors.js';
import type { PollInfo } from '../../protocol/messages.js';
import type { ConnectionStatus } from '../connection/status.js';
import type { FeedbackCommand, NotAcceptedReason } from '../feedback/feedback.js';

/**
 * What `pivote kiosk --keys` draws, as pure functions: state in, text out, so it is tested
 * without a terminal. keys-ui.ts does the I/O.
 */

export interface KeysScreenState {
  kioskId: string;
  server: string;
  backend: string;
  connection: ConnectionStatus;
  /** Why the server refused us, while `connection` is error. */
  refusedWith?: ErrorCode | undefined;
  /** Has the server welcomed this kiosk since it started? */
  reachedServer: boolean;
  poll: PollInfo | null;
  /** Option LED i lit? (index 0 = button 1) */
  leds: readonly boolean[];
  statusLit: boolean;
  queued: number;
  /** Shown at the bottom: what became of the last press (see describeFeedback). */
  message: string;
  /** Where the logs go, so a user knows where to look. */
  logFile: string | undefined;
  /** ANSI colours (off when writing to something that is not a terminal). */
  color: boolean;
}

const ESC = '\u001b[';
const paint = (on: boolean, code: string, text: string): string => (on ? `${ESC}${code}m${text}${ESC}0m` : text);

function lamp(lit: boolean, color: boolean, litColor = '1;32'): string {
  return lit ? paint(color, litColor, '●') : paint(color, '2', '○');
}

const REFUSAL_TEXT: Partial<Record<ErrorCode, string>> = {
  PV_AUTH_FAILED: 'refused by the server: check kiosk id and secret',
  PV_KIOSK_REVOKED: 'refused: this kiosk was revoked; register it again with `pivote fleet add`',
  PV_KIOSK_ID_CONFLICT: 'refused: another device uses this kiosk id; give each kiosk its own id (retrying in minutes)',
  PV_UNSUPPORTED_VERSION: 'refused: the server speaks another protocol version; upgrade one of them',
  PV_TLS_UNTRUSTED: "refused: the server's certificate is not trusted (see the log)",
};

/** The status line: what is true about the link, including "never reached yet". */
export function connectionText(s: Pick<KeysScreenState, 'connection' | 'refusedWith' | 'reachedServer' | 'poll'>): string {
  switch (s.connection) {
    case 'online':
      return 'online';
    case 'connecting':
      return s.reachedServer ? 'connecting…' : 'connecting to the server…';
    case 'offline':
      if (s.poll !== null) return 'offline: votes are kept and sent later';
      return s.reachedServer ? 'offline: waiting for the server' : 'waiting for the server: not reached yet';
    case 'error':
      return (s.refusedWith && REFUSAL_TEXT[s.refusedWith]) ?? `refused by the server${s.refusedWith ? ` (${s.refusedWith})` : ''}`;
  }
}

/** The poll line: with no poll, say whether none is open or the server has not told us yet. */
export function pollText(s: Pick<KeysScreenState, 'poll' | 'reachedServer'>): string {
  if (s.poll) return `Poll ${s.poll.id}: ${s.poll.question}`;
  if (!s.reachedServer) return 'Waiting for the server to say which poll is open: presses are not recorded yet.';
  return 'No poll is open: presses are not recorded.';
}

const REFUSED_VOTE_TEXT: Partial<Record<ErrorCode, string>> = {
  PV_NO_POLL_OPEN: 'no poll was open',
  PV_UNKNOWN_POLL: 'the server does not know its poll',
  PV_POLL_CLOSED: 'pressed after the poll closed',
  PV_BAD_BUTTON: 'not an option of the poll',
  PV_INTEGRITY: 'a vote with its id was stored with other content',
};

function whyNot(reason: NotAcceptedReason): string {
  switch (reason.kind) {
    case 'noPoll':
      return 'no poll is open';
    case 'notAnOption':
      return `the poll has only ${reason.options} options`;
    case 'refused':
      return `the server refused it (${REFUSED_VOTE_TEXT[reason.code] ?? reason.code})`;
    case 'notSaved':
      return 'it could not be saved on this kiosk (see the log)';
  }
}

/** What a voter is told about their press, or undefined for commands that are not about one. */
export function describeFeedback(command: FeedbackCommand, poll: PollInfo | null): string | undefined {
  const name = (button: number): string => {
    const option = poll?.options[button - 1];
    return option === undefined ? `${button}` : `${button} (${option})`;
  };
  switch (command.kind) {
    case 'confirmed':
      return command.flagged
        ? `${name(command.button)}: stored, but flagged as a repeated press (not counted by default)`
        : `${name(command.button)}: counted`;
    case 'savedOffline':
      return `${name(command.button)}: saved, will be sent when the server answers`;
    case 'notAccepted':
      return `${name(command.button)}: not accepted: ${whyNot(command.reason)}`;
    case 'ignored':
      return `${name(command.button)}: ignored: too soon after the last vote (${(command.remainingMs / 1000).toFixed(1)} s left)`;
    default:
      return undefined;
  }
}

export function renderKeysScreen(s: KeysScreenState): string {
  const lines: string[] = [];
  lines.push(`${paint(s.color, '1', 'pivote kiosk')} ${s.kioskId}  (${s.backend} GPIO)  server ${s.server}`);
  lines.push('');
  lines.push(s.poll ? pollText(s) : paint(s.color, '2', pollText(s)));
  lines.push('');
  s.leds.forEach((lit, i) => {
    const option = s.poll?.options[i];
    const label = option === undefined ? paint(s.color, '2', '(not an option)') : option;
    lines.push(`  [${i + 1}]  ${lamp(lit, s.color)}  ${label}`);
  });
  lines.push('');
  lines.push(`  status ${lamp(s.statusLit, s.color, '1;33')}  ${connectionText(s)}`);
  lines.push(`  queued votes: ${s.queued}`);
  lines.push('');
  lines.push(`Press 1-${s.leds.length} to vote, q to quit.${s.message ? `  ${s.message}` : ''}`);
  if (s.logFile !== undefined) lines.push(paint(s.color, '2', `Logs: ${s.logFile}`));
  return `${lines.join('\n')}\n`;
}

export type KeyAction = { type: 'press'; button: number } | { type: 'quit' } | { type: 'ignore' };

/** One chunk of raw-mode input (usually one key). Ctrl-C and Ctrl-D quit too: raw mode turns off SIGINT. */
export function keyActions(chunk: string, buttons: number): KeyAction[] {
  // Arrow and function keys arrive as escape sequences that may hold digits ("\u001b[15~").
  if (chunk.startsWith('\u001b')) return [];
  return [...chunk].map((ch): KeyAction => {
    if (ch === 'q' || ch === 'Q' || ch === '\u0003' || ch === '\u0004') return { type: 'quit' };
    if (/^[1-8]$/.test(ch) && Number(ch) <= buttons) return { type: 'press', button: Number(ch) };
    return { type: 'ignore' };
  });
}

/** Home and clear before each frame (raw mode keeps output processing, so "\n" still returns). */
export function toTerminalFrame(screen: string): string {
  return `${ESC}H${ESC}2J${screen}`;
}

export const ENTER_SCREEN = `${ESC}?1049h${ESC}?25l`;
export const LEAVE_SCREEN = `${ESC}?25h${ESC}?1049l`;
