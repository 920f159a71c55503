import { AUTH_FAILURE_BACKOFF, Backoff, DEFAULT_BACKOFF, ID_CONFLICT_BACKOFF, type BackoffOptions } from './backoff.js';
import type { ServerAddress } from '../transport/server-address.js';
import type { TimerHandle, Timers } from '../clock/timers.js';

/**
 * When and where to try next. The client asks for the next attempt after every failure; this
 * decides the delay (jittered backoff; a slower one while the server is refusing our
 * credentials) and the server (failover: the next one in the list after a failed attempt).
 */

export interface ReconnectOptions {
  servers: readonly ServerAddress[];
  timers: Timers;
  backoff?: BackoffOptions;
  /** Used while the last refusal was an authentication failure or revocation. */
  slowBackoff?: BackoffOptions;
  /** Used while the server refuses this kiosk id as used by two devices. */
  conflictBackoff?: BackoffOptions;
}

/** How hard to knock: after a network failure, after a refusal, after an id conflict. */
export type RetryPace = 'normal' | 'refused' | 'conflict';

export class ReconnectPlan {
  private readonly servers: readonly ServerAddress[];
  private readonly timers: Timers;
  private readonly fast: Backoff;
  private readonly slow: Backoff;
  private readonly conflict: Backoff;
  private index = 0;
  private timer: TimerHandle | undefined;

  constructor(options: ReconnectOptions) {
    if (options.servers.length === 0) throw new RangeError('at least one server is needed');
    this.servers = options.servers;
    this.timers = options.timers;
    this.fast = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
    this.slow = new Backoff(options.slowBackoff ?? AUTH_FAILURE_BACKOFF);
    this.conflict = new Backoff(options.conflictBackoff ?? ID_CONFLICT_BACKOFF);
  }

  /** The server the next attempt goes to. */
  get server(): ServerAddress {
    return this.servers[this.index % this.servers.length] as ServerAddress;
  }

  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** An attempt failed before the server welcomed us: try the next server next time. */
  failover(): void {
    this.index = (this.index + 1) % this.servers.length;
  }

  /** Welcomed: the next disconnection starts again from the shortest delay. */
  succeeded(): void {
    this.fast.reset();
    this.slow.reset();
    this.conflict.reset();
  }

  /** Runs `attempt` after a backoff delay; returns the delay. Replaces any scheduled attempt. */
  schedule(pace: RetryPace, attempt: () => void): number {
    this.cancel();
    const delay = (pace === 'conflict' ? this.conflict : pace === 'refused' ? this.slow : this.fast).next();
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      attempt();
    }, delay);
    return delay;
  }

  cancel(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
