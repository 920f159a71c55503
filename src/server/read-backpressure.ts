import type { Logger } from 'pino';
import type { Session } from './session.js';

/**
 * Bounded memory while votes wait (a database that is away): past `maxPending` unanswered votes
 * over all connections, the server stops reading from its kiosks until half of them are
 * answered. The kiosks keep their votes meanwhile; what they send waits in the sockets.
 */
export class ReadBackpressure {
  private on = false;

  constructor(
    private readonly opts: { maxPending: number; log: Logger; pending: () => number; sessions: () => Iterable<Session>; monotonic: () => number },
  ) {}

  get paused(): boolean {
    return this.on;
  }

  /** After bytes arrived: stop reading if too much waits. Hot path: one comparison. */
  check(): void {
    if (this.on || this.opts.pending() < this.opts.maxPending) return;
    this.on = true;
    this.opts.log.warn({ pendingVotes: this.opts.pending(), limit: this.opts.maxPending }, 'too many votes wait for the store: reading from kiosks paused');
    for (const session of this.opts.sessions()) if (session.authenticated) session.pauseReading();
  }

  /** After a batch was answered: read again once half of the limit is left. */
  release(): void {
    if (!this.on || this.opts.pending() > this.opts.maxPending / 2) return;
    this.on = false;
    this.opts.log.info({ pendingVotes: this.opts.pending() }, 'reading from kiosks again');
    const now = this.opts.monotonic();
    for (const session of this.opts.sessions()) session.resumeReading(now);
  }
}
