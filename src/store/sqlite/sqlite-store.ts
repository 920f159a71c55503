import type Database from 'better-sqlite3';
import { AreaVoteStore } from '../area-store.js';
import { SqliteAlerts } from './alerts.js';
import { SqliteAuditLog } from './audit-log.js';
import { SqliteKiosks } from './kiosks.js';
import { SqlitePolls } from './polls.js';
import { openPivoteDatabase, type SqliteOpenOptions } from './schema.js';
import { SqliteVotes } from './votes.js';

/**
 * VoteStore on one SQLite file shared by the server and CLI processes. better-sqlite3 is
 * synchronous, so each promise settles after its statement or transaction has returned, i.e.
 * after the commit is on disk (synchronous=FULL). The tables' work is in one class per area
 * (kiosks, polls, votes, alerts, audit log); AreaVoteStore turns it into the VoteStore.
 */
export class SqliteVoteStore extends AreaVoteStore {
  readonly kind = 'sqlite';

  constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {
    const audit = new SqliteAuditLog(db);
    super({ audit, kiosks: new SqliteKiosks(db, audit), polls: new SqlitePolls(db, audit), votes: new SqliteVotes(db), alerts: new SqliteAlerts(db, audit) });
  }

  /** Connection settings as SQLite reports them, for startup logs and tests. */
  settings(): { journalMode: string; synchronous: number; foreignKeys: boolean; busyTimeoutMs: number; readonly: boolean } {
    this.checkOpen();
    return {
      journalMode: this.db.pragma('journal_mode', { simple: true }) as string,
      synchronous: this.db.pragma('synchronous', { simple: true }) as number,
      foreignKeys: this.db.pragma('foreign_keys', { simple: true }) === 1,
      busyTimeoutMs: this.db.pragma('busy_timeout', { simple: true }) as number,
      readonly: this.db.readonly,
    };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  protected checkOpen(): void {
    if (!this.db.open) throw new Error('store is closed');
  }
}

/**
 * Opens (creating if new or empty, unless told not to) the pivote database at `path`.
 * Throws PV_NOT_A_PIVOTE_DB or PV_DB_TOO_NEW.
 */
export function openSqliteVoteStore(path: string, opts: SqliteOpenOptions = {}): SqliteVoteStore {
  return new SqliteVoteStore(openPivoteDatabase(path, opts), path);
}
