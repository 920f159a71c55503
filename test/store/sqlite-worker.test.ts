import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isPivoteError, type PivoteError } from '../../src/protocol/errors.js';
import { openSqliteVoteStoreInWorker, type WorkerVoteStore } from '../../src/store/sqlite/worker-store.js';
import { describeVoteStoreContract } from './contract.js';
import { NO_BURST, T0, newKiosk, newVote, seed } from './contract-helpers.js';

describeVoteStoreContract('sqlite on a worker thread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pivote-contract-worker-'));
  const store = await openSqliteVoteStoreInWorker(join(dir, 'votes.db'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite on a worker thread: the thread itself', () => {
  const dirs: string[] = [];
  const stores: WorkerVoteStore[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'pivote-worker-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('refuses a file that is not a pivote database with PV_NOT_A_PIVOTE_DB, as the in-thread store does', async () => {
    const path = join(tempDir(), 'notes.txt');
    writeFileSync(path, 'not a database, just text '.repeat(100));
    const err = await openSqliteVoteStoreInWorker(path).catch((e: unknown) => e);
    expect(isPivoteError(err, 'PV_NOT_A_PIVOTE_DB')).toBe(true);
  });

  it('keeps error codes across the thread: a second open poll is PV_POLL_ALREADY_OPEN', async () => {
    const store = await openSqliteVoteStoreInWorker(join(tempDir(), 'v.db'));
    stores.push(store);
    await store.openPoll('Q?', ['a', 'b'], T0);
    const err = await store.openPoll('Again?', ['a', 'b'], T0).catch((e: unknown) => e);
    expect(isPivoteError(err, 'PV_POLL_ALREADY_OPEN')).toBe(true);
    expect((err as PivoteError).details).toMatchObject({ pollId: 1 });
  });

  it('answers calls in the order they were made, without waiting between them', async () => {
    const store = await openSqliteVoteStoreInWorker(join(tempDir(), 'v.db'));
    stores.push(store);
    const poll = await seed(store);
    // Not awaited one by one: the read must still see the write queued before it.
    const recorded = store.recordVotes([newVote('k1', 'v1', { pollId: poll.id })], NO_BURST);
    const read = store.getVote('k1', 'v1');
    expect(await recorded).toEqual([{ status: 'stored', flagged: false }]);
    expect(await read).toMatchObject({ kioskId: 'k1', voteId: 'v1' });
  });

  it('after close, refuses calls and is closed again without error', async () => {
    const store = await openSqliteVoteStoreInWorker(join(tempDir(), 'v.db'));
    await store.addKiosk(newKiosk('k1'));
    await store.close();
    await expect(store.listKiosks()).rejects.toThrow(/closed/);
    await store.close();
  });

  it('when the thread dies, fails later calls with PV_STORE_FAILED and reports it once', async () => {
    const onFailure = vi.fn();
    const store = await openSqliteVoteStoreInWorker(join(tempDir(), 'v.db'), { onFailure });
    stores.push(store);
    // The thread is private; killing it from outside is what an out-of-memory abort looks like.
    await (store as unknown as { worker: Worker }).worker.terminate();
    const later = await store.getKiosk('k1').catch((e: unknown) => e);
    expect(isPivoteError(later, 'PV_STORE_FAILED')).toBe(true);
    expect(isPivoteError(await store.listKiosks().catch((e: unknown) => e), 'PV_STORE_FAILED')).toBe(true);
    expect(onFailure).toHaveBeenCalledTimes(1);
    expect(isPivoteError(onFailure.mock.calls[0]?.[0], 'PV_STORE_FAILED')).toBe(true);
  });
});
