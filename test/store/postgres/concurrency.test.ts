import { afterEach, beforeEach, expect, it } from 'vitest';
import { isPivoteError } from '../../../src/protocol/errors.js';
import { openPostgresVoteStore, type PostgresVoteStore } from '../../../src/store/postgres/postgres-store.js';
import type { BurstPolicy, NewVote, RecordOutcome } from '../../../src/store/types.js';
import { describePg, type TestDatabase } from '../../support/postgres/test-db.js';
import { NO_BURST, T0, newKiosk, newVote } from '../contract-helpers.js';

/**
 * Several servers on one database: two stores (two pools, as two processes would have) race on
 * the same rows. Each race is run several times; whatever the interleaving, the answers must be
 * those of SOME one-at-a-time order.
 */
describePg('postgres store: several servers at once', (pgc) => {
  let db: TestDatabase;
  let a: PostgresVoteStore;
  let b: PostgresVoteStore;
  beforeEach(async () => {
    db = await pgc.create();
    [a, b] = await Promise.all([openPostgresVoteStore(db.url), openPostgresVoteStore(db.url)]);
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });

  it('two servers opening a poll at once: one opens it, the other gets PV_POLL_ALREADY_OPEN naming it', async () => {
    for (let round = 0; round < 10; round++) {
      const results = await Promise.allSettled([a.openPoll(`Q${round}a`, ['x', 'y'], T0), b.openPoll(`Q${round}b`, ['x', 'y'], T0)]);
      const opened = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(opened).toHaveLength(1);
      expect(refused).toHaveLength(1);
      const winner = (opened[0] as PromiseFulfilledResult<{ id: number }>).value;
      expect(isPivoteError(refused[0]!.reason, 'PV_POLL_ALREADY_OPEN')).toBe(true);
      expect(refused[0]!.reason.details).toEqual({ pollId: winner.id });
      // Two closers: one closes, the other finds nothing open.
      const closes = await Promise.allSettled([a.closePoll(T0 + 1), b.closePoll(T0 + 1)]);
      expect(closes.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(isPivoteError(closes.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason, 'PV_NO_OPEN_POLL')).toBe(true);
    }
    expect((await a.listPolls()).filter((p) => p.state === 'open')).toEqual([]);
    expect(await a.listPolls()).toHaveLength(10);
  });

  it('the schedule run by several servers at once makes each change once', async () => {
    const stores = [a, b, await openPostgresVoteStore(db.url), await openPostgresVoteStore(db.url)];
    try {
      for (let round = 0; round < 5; round++) {
        const at = T0 + round * 100_000;
        if (round === 0) await a.openPoll('First', ['x', 'y'], at, { closesAt: at + 10 });
        const draft = await a.createDraftPoll({ question: `Next ${round}`, options: ['x', 'y'], opensAt: at + 50 }, at);
        const outcomes = await Promise.all(stores.map((s) => s.runSchedule(at + 60)));
        expect(outcomes.filter((o) => o.opened !== null).map((o) => o.opened?.id)).toEqual([draft.id]);
        expect(outcomes.filter((o) => o.closed !== null)).toHaveLength(1);
        expect((await a.getOpenPoll())?.id).toBe(draft.id);
      }
      const actions = (await a.listAudit({ limit: 100 })).filter((e) => e.actor === 'scheduler').map((e) => e.action);
      expect(actions.filter((x) => x === 'poll.open')).toHaveLength(5);
      expect(actions.filter((x) => x === 'poll.close')).toHaveLength(5);
    } finally {
      await stores[2]!.close();
      await stores[3]!.close();
    }
  });

  it('a draft opened by hand while another server opens a poll: one wins, the other gets PV_POLL_ALREADY_OPEN', async () => {
    for (let round = 0; round < 10; round++) {
      const draft = await a.createDraftPoll({ question: `D${round}`, options: ['x', 'y'] }, T0);
      const results = await Promise.allSettled([a.openDraftPoll(draft.id, T0 + 1), b.openPoll(`P${round}`, ['x', 'y'], T0 + 1)]);
      const winners = results.filter((r) => r.status === 'fulfilled');
      const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(winners).toHaveLength(1);
      expect(isPivoteError(losers[0]?.reason, 'PV_POLL_ALREADY_OPEN')).toBe(true);
      expect(losers[0]?.reason.details).toEqual({ pollId: winners[0]!.value.id });
      await a.closePoll(T0 + 2);
    }
  });

  it('an alert raised by several servers at once is raised once', async () => {
    const rule = await a.addAlertRule({ kind: 'flagged-burst', params: { count: 3, minutes: 5 }, enabled: true }, T0);
    for (let round = 0; round < 10; round++) {
      const raised = await Promise.all([a, b, a, b].map((s) => s.raiseAlert({ ruleId: rule.id, subject: `s${round}`, message: 'm', at: T0 })));
      expect(raised.filter((r) => r.raised)).toHaveLength(1);
      expect(new Set(raised.map((r) => r.alert.id)).size).toBe(1);
    }
  });

  it('the same votes through two servers at once are stored once: stored there, duplicate here', async () => {
    for (const id of ['k1', 'k2', 'k3']) await a.addKiosk(newKiosk(id));
    const poll = await a.openPoll('Q', ['x', 'y'], T0);
    for (let round = 0; round < 10; round++) {
      const batch = Array.from({ length: 200 }, (_, i) =>
        newVote(`k${(i % 3) + 1}`, `r${round}-v${i}`, { pollId: poll.id, seq: round * 1000 + i + 1, pressedAt: T0 + round * 1000 + i }),
      );
      const [ra, rb] = await Promise.all([a.recordVotes(batch, NO_BURST), b.recordVotes(batch, NO_BURST)]);
      for (let i = 0; i < batch.length; i++) {
        expect([ra[i]?.status, rb[i]?.status].sort()).toEqual(['duplicate', 'stored']);
      }
    }
    const counts = await a.countVotes({ pollId: poll.id, includeFlagged: true });
    expect(counts.reduce((n, c) => n + c.count, 0)).toBe(2000);
  });

  it("one kiosk's presses split over two concurrent batches are flagged as in some serial order", async () => {
    // Six presses 1 ms apart, at most 2 in a window: A holds presses 0, 2, 4 and B 1, 3, 5.
    // A first: A = F F T, then B = F T T. B first: B = F F T, then A = F T T.
    // Four flagged either way; two (each batch blind to the other) would be wrong.
    const burst: BurstPolicy = { windowMs: 10_000, maxVotes: 2 };
    const poll = await a.openPoll('Q', ['x', 'y'], T0);
    const filler = (round: number, tag: string): NewVote[] =>
      Array.from({ length: 300 }, (_, i) => newVote(`f${i % 30}`, `${tag}${round}-${i}`, { pollId: poll.id, pressedAt: T0 + round * 100_000 + i * 1000 }));
    for (let i = 0; i < 30; i++) await a.addKiosk(newKiosk(`f${i}`));
    for (let round = 0; round < 8; round++) {
      const kiosk = `k${round}`;
      await a.addKiosk(newKiosk(kiosk));
      const press = (n: number): NewVote => newVote(kiosk, `p${n}`, { pollId: poll.id, seq: n + 1, pressedAt: T0 + n });
      // Other kiosks' votes (their flags do not matter here) make each transaction long enough
      // for the two to overlap.
      const batchA = [...filler(round, 'a'), press(0), press(2), press(4)];
      const batchB = [...filler(round, 'b'), press(1), press(3), press(5)];
      const [ra, rb] = await Promise.all([a.recordVotes(batchA, burst), b.recordVotes(batchB, burst)]);
      const flags = (r: RecordOutcome[]) => r.slice(-3).map((o) => o.status === 'stored' && o.flagged);
      const aFirst = JSON.stringify([[false, false, true], [false, true, true]]);
      const bFirst = JSON.stringify([[false, true, true], [false, false, true]]);
      expect([aFirst, bFirst]).toContain(JSON.stringify([flags(ra), flags(rb)]));
    }
  });
});
