import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newSecret } from '../../../src/protocol/auth.js';
import { openSqliteVoteStore } from '../../../src/store/sqlite/sqlite-store.js';
import type { PollRecord, StoredVote } from '../../../src/store/types.js';

/** A temp folder for one test's database, certificates and the like. */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), 'pivote-hostile-'));
  readonly dbPath = join(this.dir, 'pivote.db');
  file(name: string): string {
    return join(this.dir, name);
  }
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Seeded {
  secrets: Map<string, string>;
  poll: PollRecord | undefined;
}

/** Registers kiosks (fresh secrets) and opens a poll in a SQLite database, as the admin CLI would. */
export async function seedDb(dbPath: string, kioskIds: readonly string[], pollOptions: string[] | null = ['yes', 'no', 'maybe']): Promise<Seeded> {
  const store = openSqliteVoteStore(dbPath);
  try {
    const secrets = new Map<string, string>();
    for (const id of kioskIds) {
      const secret = newSecret();
      await store.addKiosk({ id, name: id, location: 'test', secret, createdAt: Date.now() });
      secrets.set(id, secret);
    }
    const poll = pollOptions ? await store.openPoll('Hostile?', pollOptions, Date.now() - 1000) : undefined;
    return { secrets, poll };
  } finally {
    await store.close();
  }
}

/** Every stored vote, read from the database file (the server may still be running: WAL). */
export async function readVotes(dbPath: string): Promise<StoredVote[]> {
  const store = openSqliteVoteStore(dbPath, { readonly: true });
  try {
    return await store.listVotes();
  } finally {
    await store.close();
  }
}
