import { AreaVoteStore } from '../area-store.js';
import { MemoryAlerts, MemoryAuditLog } from './audit-alerts.js';
import { MemoryKiosks } from './kiosks.js';
import { MemoryPolls } from './polls.js';
import { MemoryVotes } from './votes.js';

/** In-memory VoteStore for unit tests; same semantics as SQLite (the contract suite), no
 *  durability. Every call runs to completion before it returns, as a transaction would. */
export class MemoryVoteStore extends AreaVoteStore {
  readonly kind = 'memory';
  private closed = false;

  constructor() {
    const audit = new MemoryAuditLog();
    super({ audit, kiosks: new MemoryKiosks(audit), polls: new MemoryPolls(audit), votes: new MemoryVotes(), alerts: new MemoryAlerts(audit) });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  protected checkOpen(): void {
    if (this.closed) throw new Error('store is closed');
  }
}
