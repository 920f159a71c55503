import type { Logger } from 'pino';
import type { PollInfo } from '../protocol/messages.js';
import type { BurstPolicy, KioskRecord, VoteStore } from '../store/types.js';
import type { ServerEvents } from './events.js';
import type { GroupCommitter } from './group-committer.js';
import type { ServerLimits } from './limits.js';
import type { PollCache } from './poll-cache.js';
import type { PresenceTracker } from './presence.js';
import type { Session } from './session.js';

/** What message handlers may use; the server implements it. */
export interface ServerContext {
  readonly store: VoteStore;
  readonly limits: ServerLimits;
  readonly burst: BurstPolicy;
  readonly log: Logger;
  /** Server wall clock, ms since the epoch (serverTime, receivedAt, presence). */
  readonly clock: () => number;
  readonly polls: PollCache;
  readonly committer: GroupCommitter<Session>;
  readonly presence: PresenceTracker;
  readonly events: ServerEvents;
  readonly shuttingDown: boolean;
  /** The open poll as the server last saw it (what `welcome` and `poll` carry). */
  openPoll(): PollInfo | null;
  /** Claims the kiosk's connection across the servers sharing the database: the epoch, or null
   *  when the store serves one server only (connection-claims.ts). */
  claimConnection(kioskId: string): Promise<number | null>;
  /** Makes an authenticated session the kiosk's live connection and welcomes it. */
  admit(session: Session, kiosk: KioskRecord, epoch?: number | null): void;
}
