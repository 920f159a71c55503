import { describe, expect, it, vi } from 'vitest';
import { GroupCommitter } from '../../src/server/group-committer.js';
import type { NewVote, RecordOutcome } from '../../src/store/types.js';

function vote(i: number): NewVote {
  return { kioskId: 'k', voteId: `v${i}`, seq: i, pollId: 1, button: 1, pressedAt: i, receivedAt: i, clockUnknown: false };
}

/** A committer whose ticks and commits the test runs by hand. */
function harness(maxBatch = 1_000, maxInFlight = 1) {
  const ticks: (() => void)[] = [];
  const commits: { votes: readonly NewVote[]; resolve: (o: RecordOutcome[]) => void; reject: (e: unknown) => void }[] = [];
  const answered: { owner: string; voteId: string; outcome: RecordOutcome }[] = [];
  const failed: { owners: readonly string[]; err: unknown }[] = [];
  const callbackErrors: unknown[] = [];
  const committer = new GroupCommitter<string>({
    maxBatch,
    maxInFlight,
    schedule: (fn) => void ticks.push(fn),
    commit: (votes) => new Promise((resolve, reject) => commits.push({ votes: [...votes], resolve, reject })),
    onCommitted: (votes, owners, outcomes) => votes.forEach((v, i) => answered.push({ owner: owners[i]!, voteId: v.voteId, outcome: outcomes[i]! })),
    onFailed: (_votes, owners, err) => void failed.push({ owners: [...owners], err }),
    onCallbackError: (err) => void callbackErrors.push(err),
  });
  const tick = (): void => {
    for (const t of ticks.splice(0)) t();
  };
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  const stored = (n: number): RecordOutcome[] => Array.from({ length: n }, () => ({ status: 'stored', flagged: false }));
  return { committer, ticks, commits, answered, failed, callbackErrors, tick, settle, stored };
}

describe('GroupCommitter', () => {
  it('votes enqueued in one turn go to the store in one call at the tick', () => {
    const h = harness();
    for (let i = 1; i <= 50; i++) h.committer.enqueue(vote(i), i % 2 ? 'a' : 'b');
    expect(h.ticks).toHaveLength(1); // one tick scheduled, not fifty
    expect(h.commits).toHaveLength(0); // nothing before the tick
    h.tick();
    expect(h.commits).toHaveLength(1);
    expect(h.commits[0]!.votes.map((v) => v.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(h.committer.pending).toBe(50);
  });

  it('nobody is answered before the commit resolves; then everyone, in order, with their outcome', async () => {
    const h = harness();
    h.committer.enqueue(vote(1), 'a');
    h.committer.enqueue(vote(2), 'b');
    h.tick();
    await h.settle();
    expect(h.answered).toEqual([]);
    h.commits[0]!.resolve([{ status: 'stored', flagged: false }, { status: 'duplicate', flagged: true }]);
    await h.settle();
    expect(h.answered).toEqual([
      { owner: 'a', voteId: 'v1', outcome: { status: 'stored', flagged: false } },
      { owner: 'b', voteId: 'v2', outcome: { status: 'duplicate', flagged: true } },
    ]);
    expect(h.committer.pending).toBe(0);
    expect(h.committer.stats).toMatchObject({ commits: 1, committedVotes: 2 });
  });

  it('a full batch is committed at once, without waiting for the tick', () => {
    const h = harness(10);
    for (let i = 1; i <= 10; i++) h.committer.enqueue(vote(i), 'a');
    expect(h.commits).toHaveLength(1);
    expect(h.commits[0]!.votes).toHaveLength(10);
  });

  it('with maxInFlight 1, one commit at a time; the next batch accumulates and goes next', async () => {
    const h = harness(10);
    for (let i = 1; i <= 3; i++) h.committer.enqueue(vote(i), 'a');
    h.tick();
    expect(h.commits).toHaveLength(1);
    for (let i = 4; i <= 30; i++) h.committer.enqueue(vote(i), 'a');
    h.tick();
    expect(h.commits).toHaveLength(1); // still only the first
    h.commits[0]!.resolve(h.stored(3));
    await h.settle();
    // 27 waiting, max 10 per batch: the next starts at once since a full batch is ready
    expect(h.commits).toHaveLength(2);
    expect(h.commits[1]!.votes.map((v) => v.seq)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    h.commits[1]!.resolve(h.stored(10));
    await h.settle();
    expect(h.commits).toHaveLength(3);
    h.commits[2]!.resolve(h.stored(10));
    await h.settle();
    // 7 left and the store is free: they leave at once, without waiting for a tick.
    expect(h.commits[3]!.votes).toHaveLength(7);
    h.commits[3]!.resolve(h.stored(7));
    await h.settle();
    expect(h.answered.map((a) => a.voteId)).toEqual(Array.from({ length: 30 }, (_, i) => `v${i + 1}`));
  });

  it('with maxInFlight 2, a second FULL batch goes to the store before the first returns; a partial one waits', async () => {
    const h = harness(10, 2);
    for (let i = 1; i <= 25; i++) h.committer.enqueue(vote(i), 'a');
    // 1-10 left at once, 11-20 too (the store queues it behind the first); 21-25 wait.
    expect(h.commits.map((c) => c.votes.length)).toEqual([10, 10]);
    h.tick();
    expect(h.commits).toHaveLength(2); // a partial batch never joins a pipeline
    expect(h.committer.pending).toBe(25);
    h.commits[0]!.resolve(h.stored(10));
    await h.settle();
    expect(h.commits).toHaveLength(2); // 5 left and one in flight: they wait for it
    h.commits[1]!.resolve(h.stored(10));
    await h.settle();
    h.tick();
    expect(h.commits[2]!.votes.map((v) => v.seq)).toEqual([21, 22, 23, 24, 25]);
    h.commits[2]!.resolve(h.stored(5));
    await h.settle();
    expect(h.answered.map((a) => a.voteId)).toEqual(Array.from({ length: 25 }, (_, i) => `v${i + 1}`));
    expect(h.committer.pending).toBe(0);
  });

  it('when a commit returns, the votes that waited go to the store before its answers are written', async () => {
    const order: string[] = [];
    const commits: { resolve: (o: RecordOutcome[]) => void }[] = [];
    const ticks: (() => void)[] = [];
    const committer = new GroupCommitter<string>({
      maxBatch: 100,
      maxInFlight: 1,
      schedule: (fn) => void ticks.push(fn),
      commit: (votes) => {
        order.push(`commit ${votes.map((v) => v.seq).join(',')}`);
        return new Promise((resolve) => commits.push({ resolve }));
      },
      onCommitted: (votes) => void order.push(`answer ${votes.map((v) => v.seq).join(',')}`),
      onFailed: () => undefined,
      onCallbackError: () => undefined,
    });
    committer.enqueue(vote(1), 'a');
    for (const t of ticks.splice(0)) t();
    committer.enqueue(vote(2), 'b'); // arrives while 1 commits
    committer.enqueue(vote(3), 'c');
    commits[0]!.resolve([{ status: 'stored', flagged: false }]);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(order).toEqual(['commit 1', 'commit 2,3', 'answer 1']);
    commits[1]!.resolve([{ status: 'stored', flagged: false }, { status: 'stored', flagged: false }]);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(order).toEqual(['commit 1', 'commit 2,3', 'answer 1', 'answer 2,3']);
    await committer.drain();
  });

  it('batches are answered in the order they left, even when a later commit settles first', async () => {
    const h = harness(2, 2);
    for (let i = 1; i <= 4; i++) h.committer.enqueue(vote(i), `o${i}`);
    expect(h.commits).toHaveLength(2);
    let settled = false;
    const s = h.committer.settled().then(() => (settled = true));
    h.commits[1]!.resolve(h.stored(2)); // the second returns first
    await h.settle();
    expect(h.answered).toEqual([]); // nobody before batch 1 is answered
    expect(settled).toBe(false);
    h.commits[0]!.reject(new Error('disk full'));
    await s;
    expect(h.failed.map((f) => f.owners)).toEqual([['o1', 'o2']]);
    expect(h.answered.map((a) => a.owner)).toEqual(['o3', 'o4']);
  });

  it('a failed commit answers nobody and reports the owners; later batches still commit', async () => {
    const h = harness();
    h.committer.enqueue(vote(1), 'a');
    h.committer.enqueue(vote(2), 'b');
    h.tick();
    h.committer.enqueue(vote(3), 'c');
    h.commits[0]!.reject(new Error('disk full'));
    await h.settle();
    expect(h.answered).toEqual([]);
    expect(h.failed).toHaveLength(1);
    expect(h.failed[0]!.owners).toEqual(['a', 'b']);
    expect((h.failed[0]!.err as Error).message).toBe('disk full');
    h.tick();
    h.commits[1]!.resolve(h.stored(1));
    await h.settle();
    expect(h.answered.map((a) => a.owner)).toEqual(['c']);
  });

  it('a commit that throws synchronously is a failed commit, not a crash', async () => {
    const failed: unknown[] = [];
    const c = new GroupCommitter<string>({
      maxBatch: 10,
      maxInFlight: 1,
      schedule: (fn) => fn(),
      commit: () => {
        throw new Error('sync boom');
      },
      onCommitted: () => undefined,
      onFailed: (_v, _o, err) => void failed.push(err),
      onCallbackError: () => undefined,
    });
    c.enqueue(vote(1), 'a');
    await vi.waitFor(() => expect(failed).toHaveLength(1));
  });

  it('a store answering the wrong number of outcomes is treated as a failure', async () => {
    const h = harness();
    h.committer.enqueue(vote(1), 'a');
    h.committer.enqueue(vote(2), 'a');
    h.tick();
    h.commits[0]!.resolve(h.stored(1));
    await h.settle();
    expect(h.answered).toEqual([]);
    expect(h.failed).toHaveLength(1);
  });

  it('an answering callback that throws is reported and the committer keeps going', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const ticks: (() => void)[] = [];
    const c = new GroupCommitter<string>({
      maxBatch: 10,
      maxInFlight: 1,
      schedule: (fn) => void ticks.push(fn),
      commit: async (votes) => votes.map(() => ({ status: 'stored', flagged: false }) as const),
      onCommitted: () => {
        calls++;
        if (calls === 1) throw new Error('answer failed');
      },
      onFailed: () => undefined,
      onCallbackError: (err) => void errors.push(err),
    });
    c.enqueue(vote(1), 'a');
    ticks.shift()!();
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    c.enqueue(vote(2), 'a');
    ticks.shift()!();
    await vi.waitFor(() => expect(calls).toBe(2));
  });

  it('drain() resolves once everything queued and in flight is answered', async () => {
    const h = harness();
    await h.committer.drain(); // idle: at once
    h.committer.enqueue(vote(1), 'a');
    let drained = false;
    const d = h.committer.drain().then(() => (drained = true));
    h.tick();
    h.committer.enqueue(vote(2), 'a');
    h.commits[0]!.resolve(h.stored(1));
    await h.settle();
    expect(drained).toBe(false); // vote 2 still queued
    h.tick();
    h.commits[1]!.resolve(h.stored(1));
    await d;
    expect(drained).toBe(true);
    expect(h.answered).toHaveLength(2);
  });

  it('settled() resolves once the votes enqueued before it are committed or failed, not waiting for later ones', async () => {
    const h = harness(2);
    await h.committer.settled(); // nothing enqueued: at once
    h.committer.enqueue(vote(1), 'a');
    h.committer.enqueue(vote(2), 'a'); // a full batch: committing
    h.committer.enqueue(vote(3), 'a'); // queued behind it
    let settled = false;
    const s = h.committer.settled().then(() => (settled = true));
    h.committer.enqueue(vote(4), 'a'); // after the call: not waited for
    h.commits[0]!.resolve(h.stored(2));
    await h.settle();
    expect(settled).toBe(false); // vote 3 is in the second commit
    expect(h.commits).toHaveLength(2);
    expect(h.commits[1]!.votes.map((v) => v.seq)).toEqual([3, 4]);
    h.committer.enqueue(vote(5), 'a');
    h.commits[1]!.reject(new Error('disk full')); // a failed commit settles its votes too
    await s;
    expect(settled).toBe(true);
    expect(h.failed).toHaveLength(1);
    // Vote 5 is still queued: drain() would wait for it, settled() for what came before only.
    const later = h.committer.settled();
    h.tick();
    h.commits[2]!.resolve(h.stored(1));
    await later;
    expect(h.answered.map((x) => x.voteId)).toEqual(['v1', 'v2', 'v5']);
  });
});
