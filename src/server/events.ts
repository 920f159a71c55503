import type { ErrorCode } from '../protocol/errors.js';
import type { AlertRecord, IdConflict, NewVote, PollRecord, RecordOutcome } from '../store/types.js';

/**
 * The server's domain events: what happened, said once, here. Kiosk pushes, the dashboard's live
 * stream, metrics and alerts all subscribe to these; none of them watches the store on its own.
 * Listeners run synchronously inside the emitting code path (the vote path among them), so they
 * must be cheap and must not throw: keep a counter, mark something dirty, schedule work.
 */
export interface DomainEvents {
  /** One committed batch: `outcomes[i]` answers `votes[i]`; only `stored` ones are new rows.
   *  `commitSeconds`: from handing the batch to the store until it was committed. */
  'votes-committed': { votes: readonly NewVote[]; outcomes: readonly RecordOutcome[]; at: number; commitSeconds: number };
  /** A vote refused before the store (no poll, closed poll, bad button…). */
  'vote-refused': { code: ErrorCode };
  /** A kiosk connection ended: `code` is why the server closed it, null when the peer did. */
  'connection-closed': { code: ErrorCode | null; authenticated: boolean };
  /** A poll changed: opened, closed, made, scheduled, its visibility changed, or deleted
   *  (`poll` is then the deleted draft). `open` is the open poll after the change. */
  'poll-changed': { poll: PollRecord | null; open: PollRecord | null; reason: PollChangeReason };
  /** Kiosks whose connection state, queued votes, version, buttons or id conflict changed. */
  'presence-changed': { kiosks: readonly PresenceChange[] };
  /** The organisers changed the fleet: added, renamed, revoked, reactivated, rotated, removed. */
  'kiosks-changed': { kioskIds: readonly string[]; action: string };
  'alert-changed': { alert: AlertRecord; change: 'raised' | 'cleared' | 'acknowledged' };
  /** Votes stored that no `votes-committed` here told of: through another server of the
   *  cluster, or by a commit whose answer was lost (its retry was answered `duplicate`). Counts
   *  only; null: an unknown number — read the rows again. */
  'remote-votes': { pollId: number; stored: number | null };
}

export type PollChangeReason = 'opened' | 'closed' | 'created' | 'updated' | 'deleted' | 'seen';

export interface PresenceChange {
  kioskId: string;
  connected: boolean;
  lastSeenAt: number;
  connectedAt: number | null;
  queued: number;
  software: string | null;
  buttons: number | null;
  idConflict: IdConflict | null;
}

export type DomainEventName = keyof DomainEvents;
type Listener<E extends DomainEventName> = (event: DomainEvents[E]) => void;

/** A typed, synchronous event bus. A listener that throws is reported, never propagated: the
 *  code that emitted (a commit being answered) must go on. */
export class ServerEvents {
  private readonly listeners: { [E in DomainEventName]?: Listener<E>[] } = {};

  constructor(private readonly onListenerError: (err: unknown, event: DomainEventName) => void = () => {}) {}

  on<E extends DomainEventName>(event: E, listener: Listener<E>): () => void {
    const list = (this.listeners[event] ??= []) as Listener<E>[];
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** True when anyone listens, so a hot path can skip building an event nobody reads. */
  has(event: DomainEventName): boolean {
    return (this.listeners[event]?.length ?? 0) > 0;
  }

  emit<E extends DomainEventName>(event: E, payload: DomainEvents[E]): void {
    const list = this.listeners[event] as Listener<E>[] | undefined;
    if (!list) return;
    for (const listener of [...list]) {
      try {
        listener(payload);
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
  }
}
