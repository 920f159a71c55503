import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import type { VoteStore } from '../../src/store/types.js';
import type { PgTestContext, TestDatabase } from '../support/postgres/test-db.js';
import { ensureBuilt } from './build.js';
import { killAll } from './processes.js';

export type Cleanup = () => Promise<unknown> | void;

/**
 * For a block of end-to-end tests of real processes on PostgreSQL: builds the CLI once; after
 * each test SIGKILLs whatever still runs, then runs the test's cleanups, last first. `fresh()`
 * gives a test its own database, a store on it (as the CLI opens one) and a temp folder, all
 * removed after the test.
 */
export function pgProcessTests(pgc: PgTestContext, tempPrefix: string) {
  const cleanups: Cleanup[] = [];
  beforeAll(async () => {
    await ensureBuilt();
  }, 200_000);
  afterEach(async () => {
    await killAll();
    for (const f of cleanups.splice(0).reverse()) await f();
  });
  return {
    cleanups,
    async fresh(): Promise<{ db: TestDatabase; store: VoteStore; dir: string }> {
      const db = await pgc.create();
      cleanups.push(db.drop);
      const store = await openStore(db.url, { use: 'cli' });
      cleanups.push(() => store.close());
      const dir = mkdtempSync(join(tmpdir(), tempPrefix));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      return { db, store, dir };
    },
  };
}
