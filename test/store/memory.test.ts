import { MemoryVoteStore } from '../../src/store/memory/memory-store.js';
import { describeVoteStoreContract } from './contract.js';

describeVoteStoreContract('memory', async () => {
  const store = new MemoryVoteStore();
  return { store, cleanup: () => store.close() };
});
