import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newSecret } from '../../src/protocol/auth.js';
import { openSqliteVoteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { KioskCredentials } from '../load/ipc.js';

/**
 * A pivote database with `count` registered kiosks and one open poll, made once per bench
 * invocation and copied for every run, so each run starts from the same empty vote table.
 */
export interface Fleet {
  count: number;
  templateDb: string;
  /** JSON file of KioskCredentials[] for the load generator. */
  kiosksFile: string;
  pollId: number;
}

export async function provisionFleet(dir: string, count: number): Promise<Fleet> {
  const templateDb = join(dir, `template-${count}.db`);
  const store = openSqliteVoteStore(templateDb);
  const kiosks: KioskCredentials[] = [];
  try {
    const now = Date.now();
    for (let i = 0; i < count; i++) {
      const k = { id: `bench-${String(i).padStart(5, '0')}`, name: `Bench kiosk ${i}`, location: 'loopback', secret: newSecret(), createdAt: now };
      await store.addKiosk(k);
      kiosks.push({ id: k.id, secret: k.secret });
    }
    const poll = await store.openPoll('Benchmark poll', ['One', 'Two', 'Three', 'Four'], now);
    const kiosksFile = join(dir, `kiosks-${count}.json`);
    writeFileSync(kiosksFile, JSON.stringify(kiosks));
    return { count, templateDb, kiosksFile, pollId: poll.id };
  } finally {
    // Closing checkpoints the WAL into the main file, so copying the one file is a full copy.
    await store.close();
  }
}

export function copyFleetDb(fleet: Fleet, to: string): string {
  copyFileSync(fleet.templateDb, to);
  return to;
}
