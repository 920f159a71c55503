import { openPostgresVoteStore } from '../../../src/store/postgres/postgres-store.js';
import { describePg } from '../../support/postgres/test-db.js';
import { describeVoteStoreContract } from '../contract.js';

describePg('postgres store', (pg) => {
  describeVoteStoreContract('postgres', async () => {
    const db = await pg.createSchema();
    const store = await openPostgresVoteStore(db.url);
    return {
      store,
      cleanup: async () => {
        await store.close();
        await db.drop();
      },
    };
  });
});
