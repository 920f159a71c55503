import type { OutboxVote, VoteQueue } from '../outbox/outbox.js';

/**
 * Which pending votes to put on the wire next, for one connection. It walks the outbox in seq
 * order with a cursor (so each vote is sent once per connection, and a vote appended later is
 * picked up on the next `take`), and never has more than `limit` unacknowledged votes out.
 * A new connection gets a new window starting at seq 0, which is what resends every vote the
 * server has not acknowledged, in order.
 */

/** Our own bound on votes in flight, whatever larger window a server offers. */
export const DEFAULT_MAX_IN_FLIGHT = 32;

export class SenderWindow {
  private readonly queue: Pick<VoteQueue, 'pending'>;
  readonly limit: number;
  private cursor = 0;
  private readonly inFlight = new Map<string, number>();

  constructor(queue: Pick<VoteQueue, 'pending'>, limit: number) {
    this.queue = queue;
    this.limit = Math.max(1, Math.floor(limit));
  }

  get size(): number {
    return this.inFlight.size;
  }

  /** The next votes to send (possibly none); they count as in flight from now on. */
  take(): OutboxVote[] {
    const room = this.limit - this.inFlight.size;
    if (room <= 0) return [];
    const votes = this.queue.pending(this.cursor, room);
    for (const v of votes) {
      this.inFlight.set(v.voteId, v.seq);
      this.cursor = v.seq;
    }
    return votes;
  }

  /** The server answered this vote (ack or reject). False if it was not in flight here. */
  settle(voteId: string): boolean {
    return this.inFlight.delete(voteId);
  }
}
