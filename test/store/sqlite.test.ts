import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteVoteStore } from '../../src/store/sqlite/sqlite-store.js';
import { describeVoteStoreContract } from './contract.js';

describeVoteStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pivote-contract-'));
  const store = openSqliteVoteStore(join(dir, 'votes.db'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
