import type { TimerHandle, Timers } from '../clock/timers.js';

/**
 * Keeps one authenticated connection alive and notices when it is not: sends a heartbeat every
 * `intervalMs`, and declares the server dead when no frame at all arrived for `deadAfterMs`
 * (3 x interval by default; the server answers every heartbeat, so a healthy one is never that
 * quiet). TCP alone would take many minutes to notice a server behind a dead Wi-Fi link.
 */

export interface HeartbeatOptions {
  intervalMs: number;
  deadAfterMs?: number;
  timers: Timers;
  send(): void;
  onDead(): void;
}

export const SILENCE_FACTOR = 3;

export class Heartbeat {
  private readonly options: HeartbeatOptions;
  private readonly deadAfterMs: number;
  private sendTimer: TimerHandle | undefined;
  private deadTimer: TimerHandle | undefined;
  private running = false;

  constructor(options: HeartbeatOptions) {
    if (!(options.intervalMs > 0)) throw new RangeError('heartbeat interval must be positive');
    this.options = options;
    this.deadAfterMs = options.deadAfterMs ?? SILENCE_FACTOR * options.intervalMs;
  }

  /** Sends the first heartbeat now (it reports the queue depth at once) and arms both timers. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.armDeadline();
    this.beat();
  }

  /** Any frame from the server proves it is alive. */
  seen(): void {
    if (this.running) this.armDeadline();
  }

  stop(): void {
    this.running = false;
    const { timers } = this.options;
    if (this.sendTimer !== undefined) timers.clearTimeout(this.sendTimer);
    if (this.deadTimer !== undefined) timers.clearTimeout(this.deadTimer);
    this.sendTimer = this.deadTimer = undefined;
  }

  private beat(): void {
    if (!this.running) return;
    this.options.send();
    if (!this.running) return; // send() may have closed the connection
    this.sendTimer = this.options.timers.setTimeout(() => this.beat(), this.options.intervalMs);
  }

  private armDeadline(): void {
    const { timers } = this.options;
    if (this.deadTimer !== undefined) timers.clearTimeout(this.deadTimer);
    this.deadTimer = timers.setTimeout(() => {
      if (!this.running) return;
      this.stop();
      this.options.onDead();
    }, this.deadAfterMs);
  }
}
