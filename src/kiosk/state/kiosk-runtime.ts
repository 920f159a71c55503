import { pino, type Logger } from 'pino';
import type { ErrorCode } from '../../protocol/errors.js';
import type { PollInfo } from '../../protocol/messages.js';
import type { KioskClient } from '../connection/client.js';
import type { KioskClock } from '../clock/clock.js';
import { applyFeedback, type KioskFeedback } from '../feedback/feedback.js';
import { initialKioskState, kioskStep, startupEffects, type KioskEffect, type KioskEvent, type KioskState } from './kiosk-machine.js';
import type { NewPress, OutboxVote } from '../outbox/outbox.js';
import type { ConnectionStatus } from '../connection/status.js';
import { systemTimers, type TimerHandle, type Timers } from '../clock/timers.js';

/**
 * Carries out what the pure kiosk machine decides: writes presses to the outbox, runs the
 * lockout timer, drives the feedback, logs. This is the seam the rest of the kiosk plugs into:
 * GPIO buttons call `press(n)`, the client's events call the other inputs (see bindClient),
 * and a GPIO LED adapter (or the simulator's printer) implements KioskFeedback.
 */

export interface PressRecorder {
  /** Durable when it returns (the Outbox). */
  append(press: NewPress): OutboxVote;
}

export interface KioskRuntimeOptions {
  recorder: PressRecorder;
  feedback: KioskFeedback;
  clock: KioskClock;
  timers?: Timers;
  logger?: Logger;
  lockoutMs?: number;
  /** The poll to accept votes for until the server says otherwise (e.g. Outbox.lastPoll()). */
  initialPoll?: PollInfo | null;
  /** Remembers the latest poll across restarts (e.g. Outbox.saveLastPoll). */
  savePoll?: (poll: PollInfo | null) => void;
  /** Called after each vote is durably recorded; wire it to KioskClient.voteAppended. */
  onRecorded?: (vote: OutboxVote) => void;
}

export class KioskRuntime {
  private readonly options: KioskRuntimeOptions;
  private readonly timers: Timers;
  private readonly log: Logger;
  private machine: KioskState;
  private readonly queue: KioskEvent[] = [];
  private running = false;
  private lockoutTimer: TimerHandle | undefined;
  private stopped = false;

  constructor(options: KioskRuntimeOptions) {
    this.options = options;
    this.timers = options.timers ?? systemTimers;
    this.log = options.logger ?? pino({ level: 'silent' });
    this.machine = initialKioskState({
      ...(options.lockoutMs !== undefined && { lockoutMs: options.lockoutMs }),
      poll: options.initialPoll ?? null,
    });
  }

  get state(): KioskState {
    return this.machine;
  }

  /** Shows the initial display (options of the cached poll, status LED). */
  start(): void {
    this.execute(startupEffects(this.machine));
  }

  /**
   * A debounced button press. `atMs` is when it happened on the clock's monotonic scale
   * (e.g. the GPIO edge timestamp in ms); default: now.
   */
  press(button: number, atMs: number = this.options.clock.nowMs()): void {
    this.dispatch({ type: 'press', button, atMs: Math.floor(atMs) });
  }

  pollChanged(poll: PollInfo | null): void {
    this.options.savePoll?.(poll);
    this.dispatch({ type: 'pollChanged', poll });
  }

  connectionChanged(status: ConnectionStatus): void {
    this.dispatch({ type: 'connection', status });
  }

  voteAcked(voteId: string, status: 'stored' | 'duplicate', flagged: boolean): void {
    this.dispatch({ type: 'acked', voteId, status, flagged });
  }

  voteRejected(voteId: string, code: ErrorCode): void {
    this.dispatch({ type: 'rejected', voteId, code });
  }

  /** Stops the lockout timer; later inputs are ignored. */
  stop(): void {
    this.stopped = true;
    if (this.lockoutTimer !== undefined) this.timers.clearTimeout(this.lockoutTimer);
    this.lockoutTimer = undefined;
  }

  /** Events raised while effects run (e.g. `recorded`) queue up: the machine sees one at a time. */
  private dispatch(event: KioskEvent): void {
    if (this.stopped) return;
    this.queue.push(event);
    if (this.running) return;
    this.running = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        const step = kioskStep(this.machine, next);
        this.machine = step.state;
        this.execute(step.effects);
      }
    } finally {
      this.running = false;
    }
  }

  private execute(effects: readonly KioskEffect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case 'record':
          this.record(effect.button, effect.pollId, effect.pressedAtMs);
          break;
        case 'startLockout':
          this.startLockout(effect.untilMs);
          break;
        case 'feedback':
          try {
            applyFeedback(effect.command, this.options.feedback);
          } catch (err) {
            // A broken LED must not stop votes from being recorded.
            this.log.error({ err, command: effect.command }, 'feedback failed');
          }
          break;
        case 'log':
          this.log[effect.level]({ event: effect.event, ...effect.data }, effect.event);
          break;
      }
    }
  }

  private record(button: number, pollId: number, pressedMonoMs: number): void {
    let vote: OutboxVote;
    try {
      vote = this.options.recorder.append({ button, pollId, pressedMonoMs, bootId: this.options.clock.bootId });
    } catch (err) {
      this.log.error({ err, button, pollId }, 'could not record a press');
      this.dispatch({ type: 'recordFailed', button });
      return;
    }
    this.log.info({ voteId: vote.voteId, seq: vote.seq, button, pollId }, 'vote recorded');
    this.dispatch({ type: 'recorded', button, voteId: vote.voteId });
    this.options.onRecorded?.(vote);
  }

  private startLockout(untilMs: number): void {
    if (this.lockoutTimer !== undefined) this.timers.clearTimeout(this.lockoutTimer);
    const delay = Math.max(0, untilMs - this.options.clock.nowMs());
    this.lockoutTimer = this.timers.setTimeout(() => {
      this.lockoutTimer = undefined;
      this.dispatch({ type: 'lockoutExpired', atMs: Math.max(untilMs, this.options.clock.nowMs()) });
    }, delay);
  }
}

/** Feeds a client's events into a runtime. */
export function bindClient(runtime: KioskRuntime, client: Pick<KioskClient, 'on'>): void {
  client.on('status', (status) => runtime.connectionChanged(status));
  client.on('poll', (poll) => runtime.pollChanged(poll));
  client.on('acked', (voteId, status, flagged) => runtime.voteAcked(voteId, status, flagged));
  client.on('rejected', (voteId, code) => runtime.voteRejected(voteId, code));
}
