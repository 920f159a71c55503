import type { PollInfo } from '../../protocol/messages.js';
import type { ConnectionStatus } from '../connection/status.js';

/**
 * What `pivote kiosk --keys` draws, as pure functions: state in, text out, so it is tested
 * without a terminal. keys-ui.ts does the I/O.
 */

export interface KeysScreenState {
  kioskId: string;
  server: string;
  backend: string;
  connection: ConnectionStatus;
  poll: PollInfo | null;
  /** Option LED i lit? (index 0 = button 1) */
  leds: readonly boolean[];
  statusLit: boolean;
  queued: number;
  /** Shown at the bottom, e.g. "pressed 2". */
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

const CONNECTION_TEXT: Record<ConnectionStatus, string> = {
  online: 'online',
  connecting: 'connecting…',
  offline: 'offline: votes are kept and sent later',
  error: 'refused by the server: check kiosk id and secret',
};

export function renderKeysScreen(s: KeysScreenState): string {
  const lines: string[] = [];
  lines.push(`${paint(s.color, '1', 'pivote kiosk')} ${s.kioskId}  (${s.backend} GPIO)  server ${s.server}`);
  lines.push('');
  lines.push(s.poll ? `Poll ${s.poll.id}: ${s.poll.question}` : paint(s.color, '2', 'No poll is open: presses are not recorded.'));
  lines.push('');
  s.leds.forEach((lit, i) => {
    const option = s.poll?.options[i];
    const label = option === undefined ? paint(s.color, '2', '(not an option)') : option;
    lines.push(`  [${i + 1}]  ${lamp(lit, s.color)}  ${label}`);
  });
  lines.push('');
  lines.push(`  status ${lamp(s.statusLit, s.color, '1;33')}  ${CONNECTION_TEXT[s.connection]}`);
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
