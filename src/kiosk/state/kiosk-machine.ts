import type { ErrorCode } from '../../protocol/errors.js';
import type { PollInfo } from '../../protocol/messages.js';
import type { FeedbackCommand } from '../feedback/feedback.js';
import type { ConnectionStatus } from '../connection/status.js';

/**
 * What a kiosk does with a button press, as a pure function: (state, event) -> (state, effects).
 * No timers, no I/O, no clock: time arrives inside the events, and everything the kiosk must do
 * comes out as effects that the runtime carries out in order.
 *
 * The order of effects is the guarantee: a valid press yields `record` first; only once the
 * runtime has written it to the outbox does it feed back `recorded`, and only then can any
 * feedback about that vote appear.
 */

export const DEFAULT_LOCKOUT_MS = 1500;

export type KioskEvent =
  | { type: 'press'; button: number; atMs: number }
  | { type: 'lockoutExpired'; atMs: number }
  | { type: 'pollChanged'; poll: PollInfo | null }
  /** The runtime wrote the press from the last `record` effect to the outbox. */
  | { type: 'recorded'; button: number; voteId: string }
  /** Writing to the outbox failed: nothing was recorded. */
  | { type: 'recordFailed'; button: number }
  | { type: 'acked'; voteId: string; status: 'stored' | 'duplicate'; flagged: boolean }
  | { type: 'rejected'; voteId: string; code: ErrorCode }
  | { type: 'connection'; status: ConnectionStatus };

export type KioskEffect =
  /** Append to the outbox, then feed back `recorded` (or `recordFailed`). */
  | { type: 'record'; button: number; pollId: number; pressedAtMs: number }
  /** Feed back `lockoutExpired` at `untilMs` (same clock as the events' `atMs`). */
  | { type: 'startLockout'; untilMs: number }
  | { type: 'feedback'; command: FeedbackCommand }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; event: string; data: Record<string, unknown> };

/** The vote whose outcome the voter at the kiosk is waiting to see. */
export interface CurrentVote {
  button: number;
  voteId: string | null;
  /** recording: `record` emitted, not yet confirmed written. awaitingAck: sent or about to be.
   *  savedOffline: the voter was told it is saved and will be sent. */
  phase: 'recording' | 'awaitingAck' | 'savedOffline';
}

export interface KioskState {
  readonly lockoutMs: number;
  readonly poll: PollInfo | null;
  readonly connection: ConnectionStatus;
  /** Presses before this time are logged and dropped; null when no lockout runs. */
  readonly lockoutUntilMs: number | null;
  readonly current: CurrentVote | null;
}

export interface Step {
  state: KioskState;
  effects: KioskEffect[];
}

export function initialKioskState(options: {
  lockoutMs?: number;
  poll?: PollInfo | null;
  connection?: ConnectionStatus;
} = {}): KioskState {
  return {
    lockoutMs: options.lockoutMs ?? DEFAULT_LOCKOUT_MS,
    poll: options.poll ?? null,
    connection: options.connection ?? 'offline',
    lockoutUntilMs: null,
    current: null,
  };
}

/** What to show when the kiosk starts, before any event. */
export function startupEffects(state: KioskState): KioskEffect[] {
  return [feedback({ kind: 'showOptions', count: optionCount(state) }), feedback({ kind: 'status', status: state.connection })];
}

export function optionCount(state: Pick<KioskState, 'poll'>): number {
  return state.poll?.options.length ?? 0;
}

export function kioskStep(state: KioskState, event: KioskEvent): Step {
  switch (event.type) {
    case 'press':
      return onPress(state, event.button, event.atMs);
    case 'lockoutExpired':
      return state.lockoutUntilMs !== null && event.atMs >= state.lockoutUntilMs ? endLockout(state) : same(state);
    case 'pollChanged':
      return onPollChanged(state, event.poll);
    case 'recorded':
      return onRecorded(state, event.button, event.voteId);
    case 'recordFailed': {
      const effects = [
        log('error', 'recordFailed', { button: event.button }),
        feedback({ kind: 'notAccepted', button: event.button, reason: { kind: 'notSaved' } }),
      ];
      return { state: { ...state, current: null }, effects };
    }
    case 'acked':
      return onOutcome(state, event.voteId, { status: event.status, flagged: event.flagged }, (button) => ({
        kind: 'confirmed',
        button,
        flagged: event.flagged,
      }));
    case 'rejected':
      return onOutcome(state, event.voteId, { code: event.code }, (button) => ({
        kind: 'notAccepted',
        button,
        reason: { kind: 'refused', code: event.code },
      }));
    case 'connection':
      return onConnection(state, event.status);
  }
}

/** Runs several events in order; handy for tests and replay. */
export function runKiosk(state: KioskState, events: readonly KioskEvent[]): Step {
  const effects: KioskEffect[] = [];
  for (const event of events) {
    const step = kioskStep(state, event);
    state = step.state;
    effects.push(...step.effects);
  }
  return { state, effects };
}

function onPress(state: KioskState, button: number, atMs: number): Step {
  const prefix: KioskEffect[] = [];
  if (state.lockoutUntilMs !== null) {
    if (atMs < state.lockoutUntilMs) {
      const remainingMs = state.lockoutUntilMs - atMs;
      return same(state, [log('info', 'pressDuringLockout', { button, remainingMs }), feedback({ kind: 'ignored', button, remainingMs })]);
    }
    // The lockout is over even if its timer has not fired yet: finish it before this press.
    const ended = endLockout(state);
    state = ended.state;
    prefix.push(...ended.effects);
  }
  const poll = state.poll;
  if (poll === null) {
    return same(state, [...prefix, log('info', 'pressNoPoll', { button }), feedback({ kind: 'notAccepted', button, reason: { kind: 'noPoll' } })]);
  }
  if (!Number.isInteger(button) || button < 1 || button > poll.options.length) {
    return same(state, [
      ...prefix,
      log('info', 'pressNotAnOption', { button, options: poll.options.length }),
      feedback({ kind: 'notAccepted', button, reason: { kind: 'notAnOption', options: poll.options.length } }),
    ]);
  }
  const untilMs = atMs + state.lockoutMs;
  return {
    state: { ...state, lockoutUntilMs: untilMs, current: { button, voteId: null, phase: 'recording' } },
    effects: [...prefix, { type: 'record', button, pollId: poll.id, pressedAtMs: atMs }, { type: 'startLockout', untilMs }],
  };
}

function endLockout(state: KioskState): Step {
  const effects: KioskEffect[] = [];
  const current = state.current;
  // No answer during the lockout: the vote is safe in the outbox and will be sent; say so
  // rather than leave the voter guessing.
  if (current?.phase === 'awaitingAck') effects.push(feedback({ kind: 'savedOffline', button: current.button }));
  effects.push(feedback({ kind: 'showOptions', count: optionCount(state) }));
  return { state: { ...state, lockoutUntilMs: null, current: null }, effects };
}

function onPollChanged(state: KioskState, poll: PollInfo | null): Step {
  const effects: KioskEffect[] = [];
  if ((state.poll?.id ?? null) !== (poll?.id ?? null)) {
    effects.push(log('info', 'pollChanged', { from: state.poll?.id ?? null, to: poll?.id ?? null }));
  }
  effects.push(feedback({ kind: 'showOptions', count: optionCount({ poll }) }));
  return { state: { ...state, poll }, effects };
}

function onRecorded(state: KioskState, button: number, voteId: string): Step {
  const current = state.current;
  if (current?.phase !== 'recording' || current.button !== button) {
    return same(state, [log('warn', 'recordedWithoutPress', { button, voteId })]);
  }
  if (state.connection === 'online') {
    return same({ ...state, current: { button, voteId, phase: 'awaitingAck' } });
  }
  return {
    state: { ...state, current: { button, voteId, phase: 'savedOffline' } },
    effects: [feedback({ kind: 'savedOffline', button })],
  };
}

function onOutcome(
  state: KioskState,
  voteId: string,
  data: Record<string, unknown>,
  show: (button: number) => FeedbackCommand,
): Step {
  const current = state.current;
  const accepted = !('code' in data);
  const event = accepted ? 'voteAcked' : 'voteRejected';
  // Outcomes of earlier votes (sent after a reconnect, long after their voter left) are logged
  // but not shown: a blink now would mislead whoever stands at the kiosk.
  if (current?.voteId !== voteId) return same(state, [log(accepted ? 'debug' : 'warn', event, { voteId, ...data })]);
  return {
    state: { ...state, current: null },
    effects: [log('debug', event, { voteId, ...data }), feedback(show(current.button))],
  };
}

function onConnection(state: KioskState, status: ConnectionStatus): Step {
  if (status === state.connection) return same(state);
  const effects: KioskEffect[] = [feedback({ kind: 'status', status })];
  let current = state.current;
  if (current?.phase === 'awaitingAck' && status !== 'online') {
    current = { ...current, phase: 'savedOffline' };
    effects.push(feedback({ kind: 'savedOffline', button: current.button }));
  }
  return { state: { ...state, connection: status, current }, effects };
}

function same(state: KioskState, effects: KioskEffect[] = []): Step {
  return { state, effects };
}

function feedback(command: FeedbackCommand): KioskEffect {
  return { type: 'feedback', command };
}

function log(level: 'debug' | 'info' | 'warn' | 'error', event: string, data: Record<string, unknown>): KioskEffect {
  return { type: 'log', level, event, data };
}
