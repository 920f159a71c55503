import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { StoreAdmin } from '../../src/admin/store-admin.js';
import { LiveState } from '../../src/http/live/live-state.js';
import { ServerEvents } from '../../src/server/events.js';
import type { Timers } from '../../src/server/timers.js';
import { MemoryVoteStore } from '../../src/store/memory/memory-store.js';
import type { ResultsQuery } from '../../src/store/types.js';

/**
 * When the live tally is counted again from the rows. A count reads every row of the poll (on
 * SQLite on the store's thread, so acks wait meanwhile): it must happen only when something says
 * the running tally may be short, not on a timer, and never back to back.
 */

/** A store whose counts take `countTakesMs` of the fake clock, and are counted. */
class CountingStore extends MemoryVoteStore {
  counts = 0;
  countTakesMs = 0;
  constructor(private readonly clock: { now: number }) {
    super();
  }
  override async countVotes(q: ResultsQuery) {
    this.counts++;
    this.clock.now += this.countTakesMs / 2; // two counts per recount
    return super.countVotes(q);
  }
}

async function setup(opts: { recountMs?: number | null } = {}) {
  const clock = { now: 1_000_000 };
  const store = new CountingStore(clock);
  await store.openPoll('Q', ['A', 'B'], clock.now);
  const events = new ServerEvents();
  let tick: (() => void) | undefined;
  const timers: Timers = {
    setTimeout: () => undefined,
    clearTimeout: () => undefined,
    setInterval: (fn) => ((tick = fn), 1),
    clearInterval: () => undefined,
    setImmediate: () => undefined,
  };
  const now = () => clock.now;
  const live = new LiveState({ store, admin: new StoreAdmin({ store, clock: now }), events, clock: now, timers, log: pino({ level: 'silent' }), ...opts });
  await live.start();
  live.subscribe({ send: () => undefined }); // someone watches
  /** Moves the clock on by `ms` and runs one tick; lets the count it may start finish. */
  const advance = async (ms: number): Promise<void> => {
    clock.now += ms;
    tick!();
    await new Promise((r) => setImmediate(r));
  };
  return { store, events, live, advance, pollId: live.pollId! };
}

describe('live tally recounts', () => {
  it('counts once when it adopts the poll, then never on a timer on a store of its own', async () => {
    const t = await setup();
    expect(t.store.counts).toBe(2); // counted and with flagged: one recount
    for (let i = 0; i < 200; i++) await t.advance(250); // 50 s of ticks
    expect(t.store.counts).toBe(2);
    t.live.stop();
  });

  it('counts again when votes arrived through another server, at most every 750 ms', async () => {
    const t = await setup();
    const before = t.store.counts;
    for (let i = 0; i < 8; i++) {
      t.events.emit('remote-votes', { pollId: t.pollId, stored: 1 });
      await t.advance(250);
    }
    // 2 s of ticks with remote votes at each: recounts 750 ms and 1,500 ms after the adoption's.
    expect((t.store.counts - before) / 2).toBe(2);
    t.live.stop();
  });

  it('a slow count is done less often: at least 20 times as long apart as it took', async () => {
    const t = await setup();
    t.store.countTakesMs = 200; // a big poll: every recount takes 200 ms, so 4 s apart
    const before = t.store.counts;
    for (let i = 0; i < 40; i++) {
      t.events.emit('remote-votes', { pollId: t.pollId, stored: 1 });
      await t.advance(250);
    }
    // 10 s of ticks (plus 200 ms per count): 750 ms after the adoption's count, then ≥ 4 s apart.
    expect((t.store.counts - before) / 2).toBe(3);
    t.live.stop();
  });

  it('on a shared database the periodic safety net counts every recountMs', async () => {
    const t = await setup({ recountMs: 10_000 });
    const before = t.store.counts;
    for (let i = 0; i < 120; i++) await t.advance(250); // 30 s
    expect((t.store.counts - before) / 2).toBe(3);
    t.live.stop();
  });

  it('votes of another poll do not make this one count again', async () => {
    const t = await setup();
    const before = t.store.counts;
    t.events.emit('remote-votes', { pollId: t.pollId + 1, stored: 5 });
    for (let i = 0; i < 8; i++) await t.advance(250);
    expect(t.store.counts).toBe(before);
    t.live.stop();
  });
});
