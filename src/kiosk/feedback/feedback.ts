import type { ErrorCode } from '../../protocol/errors.js';
import type { ConnectionStatus } from '../connection/status.js';

/** Why a press did not count, for displays that can say it (the LEDs show one pattern for all). */
export type NotAcceptedReason =
  | { kind: 'noPoll' }
  | { kind: 'notAnOption'; options: number }
  | { kind: 'refused'; code: ErrorCode }
  | { kind: 'notSaved' };

/**
 * What a kiosk shows its voters, independent of how: the GPIO LED adapter implements it with
 * patterns, the simulator prints it, tests record it. Each call is a transient pattern except
 * `showOptions` (the idle display: which option LEDs are lit) and `status` (the status LED).
 */
export interface KioskFeedback {
  /** Idle display: light options 1..count (0 = no poll open, all option LEDs dark). */
  showOptions(count: number): void;
  /** The server stored this vote (`flagged`: stored, but as a repeated press). */
  confirmed(button: number, flagged: boolean): void;
  /** Saved on the kiosk, not yet acknowledged; it will be sent when the server is reachable. */
  savedOffline(button: number): void;
  /** The press did not count: no poll open, not an option, or refused by the server. */
  notAccepted(button: number, reason: NotAcceptedReason): void;
  /** A press within the lockout after a vote: nothing is recorded (the LEDs show nothing). */
  ignored?(button: number, remainingMs: number): void;
  /** Mirrors the connection status on the status LED. */
  status(status: ConnectionStatus): void;
}

export type FeedbackCommand =
  | { kind: 'showOptions'; count: number }
  | { kind: 'confirmed'; button: number; flagged: boolean }
  | { kind: 'savedOffline'; button: number }
  | { kind: 'notAccepted'; button: number; reason: NotAcceptedReason }
  | { kind: 'ignored'; button: number; remainingMs: number }
  | { kind: 'status'; status: ConnectionStatus };

export function applyFeedback(command: FeedbackCommand, feedback: KioskFeedback): void {
  switch (command.kind) {
    case 'showOptions':
      feedback.showOptions(command.count);
      return;
    case 'confirmed':
      feedback.confirmed(command.button, command.flagged);
      return;
    case 'savedOffline':
      feedback.savedOffline(command.button);
      return;
    case 'notAccepted':
      feedback.notAccepted(command.button, command.reason);
      return;
    case 'ignored':
      feedback.ignored?.(command.button, command.remainingMs);
      return;
    case 'status':
      feedback.status(command.status);
      return;
  }
}

/** A fake for tests and the simulator: remembers every call in order. */
export class RecordingFeedback implements KioskFeedback {
  readonly calls: FeedbackCommand[] = [];

  showOptions(count: number): void {
    this.calls.push({ kind: 'showOptions', count });
  }
  confirmed(button: number, flagged: boolean): void {
    this.calls.push({ kind: 'confirmed', button, flagged });
  }
  savedOffline(button: number): void {
    this.calls.push({ kind: 'savedOffline', button });
  }
  notAccepted(button: number, reason: NotAcceptedReason): void {
    this.calls.push({ kind: 'notAccepted', button, reason });
  }
  ignored(button: number, remainingMs: number): void {
    this.calls.push({ kind: 'ignored', button, remainingMs });
  }
  status(status: ConnectionStatus): void {
    this.calls.push({ kind: 'status', status });
  }

  /** Calls of one kind, e.g. `of('confirmed')`. */
  of<K extends FeedbackCommand['kind']>(kind: K): Extract<FeedbackCommand, { kind: K }>[] {
    return this.calls.filter((c): c is Extract<FeedbackCommand, { kind: K }> => c.kind === kind);
  }

  clear(): void {
    this.calls.length = 0;
  }
}
