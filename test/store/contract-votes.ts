import { describe, expect, it } from 'vitest';
import type { BurstPolicy, PollRecord, VoteStore } from '../../src/store/types.js';
import { NO_BURST, T0, expectCode, newVote, seed } from './contract-helpers.js';

const HOUR = 3_600_000;

/** Votes, bursts, results and listing: the half of the contract that touches vote rows. */
export function describeVoteContract(store: () => VoteStore): void {
  describe('recordVotes', () => {
    it('stores a vote with every field and answers stored, unflagged', async () => {
      const poll = await seed(store());
      const v = newVote('k1', 'v1', { pollId: poll.id, button: 3, seq: 7, pressedAt: T0 + 5, receivedAt: T0 + 9, clockUnknown: true });
      expect(await store().recordVotes([v], NO_BURST)).toEqual([{ status: 'stored', flagged: false }]);
      expect(await store().listVotes()).toEqual([{ ...v, flagged: false }]);
    });

    it('answers an empty batch with no outcomes', async () => {
      await seed(store());
      expect(await store().recordVotes([], NO_BURST)).toEqual([]);
    });

    it('answers a repeat (same key and content, later arrival) as duplicate and stores it once', async () => {
      const poll = await seed(store());
      const v = newVote('k1', 'v1', { pollId: poll.id, seq: 3, button: 2 });
      await store().recordVotes([v], NO_BURST);
      // A retransmission after reconnecting: received later, press time derived differently.
      const again = { ...v, receivedAt: v.receivedAt + 30_000, pressedAt: v.pressedAt + 7, clockUnknown: true };
      expect(await store().recordVotes([again], NO_BURST)).toEqual([{ status: 'duplicate', flagged: false }]);
      expect(await store().listVotes()).toEqual([{ ...v, flagged: false }]);
    });

    it('answers a duplicate with the flag the original was stored with', async () => {
      const poll = await seed(store());
      const burst: BurstPolicy = { windowMs: 1_000, maxVotes: 1 };
      const first = newVote('k1', 'v1', { pollId: poll.id, seq: 1 });
      const second = newVote('k1', 'v2', { pollId: poll.id, seq: 2, pressedAt: T0 + 10 });
      expect(await store().recordVotes([first, second], burst)).toEqual([
        { status: 'stored', flagged: false },
        { status: 'stored', flagged: true },
      ]);
      // The policy at retry time does not matter: the stored flag is reported.
      expect(await store().recordVotes([second, first], NO_BURST)).toEqual([
        { status: 'duplicate', flagged: true },
        { status: 'duplicate', flagged: false },
      ]);
    });

    it.each([
      ['button', { button: 2 }],
      ['seq', { seq: 2 }],
    ])('refuses the same key with a different %s as PV_INTEGRITY and keeps the original', async (_field, change) => {
      const poll = await seed(store());
      const v = newVote('k1', 'v1', { pollId: poll.id });
      await store().recordVotes([v], NO_BURST);
      const [outcome] = await store().recordVotes([{ ...v, ...change }], NO_BURST);
      expect(outcome).toMatchObject({ status: 'integrity', code: 'PV_INTEGRITY' });
      expect(outcome?.status === 'integrity' && outcome.message.length > 0).toBe(true);
      expect(await store().listVotes()).toEqual([{ ...v, flagged: false }]);
    });

    it('refuses the same key with a different poll as PV_INTEGRITY', async () => {
      const p1 = await seed(store());
      const v = newVote('k1', 'v1', { pollId: p1.id });
      await store().recordVotes([v], NO_BURST);
      await store().closePoll(T0 + 1);
      const p2 = await store().openPoll('Q2', ['X', 'Y'], T0 + 2);
      const [outcome] = await store().recordVotes([{ ...v, pollId: p2.id }], NO_BURST);
      expect(outcome).toMatchObject({ status: 'integrity', code: 'PV_INTEGRITY' });
      expect(await store().listVotes({ pollId: p2.id })).toEqual([]);
    });

    it('sees earlier votes of the same batch: duplicate and integrity inside one batch', async () => {
      const poll = await seed(store());
      const v = newVote('k1', 'v1', { pollId: poll.id });
      const out = await store().recordVotes([v, v, { ...v, button: 3 }], NO_BURST);
      expect(out.map((o) => o.status)).toEqual(['stored', 'duplicate', 'integrity']);
      expect(await store().listVotes()).toHaveLength(1);
    });

    it('keeps outcomes in input order in a mixed batch', async () => {
      const poll = await seed(store());
      const a = newVote('k1', 'a', { pollId: poll.id, seq: 1 });
      await store().recordVotes([a], NO_BURST);
      const b = newVote('k1', 'b', { pollId: poll.id, seq: 2 });
      const out = await store().recordVotes([b, a, { ...a, seq: 9 }, newVote('k2', 'a', { pollId: poll.id })], NO_BURST);
      expect(out.map((o) => o.status)).toEqual(['stored', 'duplicate', 'integrity', 'stored']);
    });

    it('keys on (kiosk, voteId): the same voteId from another kiosk is a new vote', async () => {
      const poll = await seed(store());
      const out = await store().recordVotes([newVote('k1', 'same', { pollId: poll.id }), newVote('k2', 'same', { pollId: poll.id })], NO_BURST);
      expect(out.map((o) => o.status)).toEqual(['stored', 'stored']);
    });

    it('keeps vote ids exactly, whatever they hold (NUL, backslashes, emoji, line separators)', async () => {
      const poll = await seed(store());
      // Valid on the wire (well-formed Unicode), and pairwise distinct.
      const ids = ['a\u0000b', 'a\\0b', 'a\\\\0b', '\u0000', '\\', '\\\u0000', '\ud83d\ude00\u2028x', 'plain'];
      const votes = ids.map((voteId, i) => newVote('k1', voteId, { pollId: poll.id, seq: i + 1, pressedAt: T0 + i * 10_000 }));
      expect((await store().recordVotes(votes, NO_BURST)).map((o) => o.status)).toEqual(ids.map(() => 'stored'));
      expect((await store().listVotes()).map((v) => v.voteId)).toEqual(ids);
      for (const v of votes) expect(await store().getVote('k1', v.voteId)).toEqual({ ...v, flagged: false });
      expect((await store().recordVotes(votes, NO_BURST)).map((o) => o.status)).toEqual(ids.map(() => 'duplicate'));
    });

    it('stores the new votes of a wiped kiosk whose seq restarts with new vote ids', async () => {
      const poll = await seed(store());
      const before = [1, 2, 3].map((seq) => newVote('k1', `old-${seq}`, { pollId: poll.id, seq, pressedAt: T0 + seq * 10_000 }));
      await store().recordVotes(before, NO_BURST);
      const after = [1, 2].map((seq) => newVote('k1', `new-${seq}`, { pollId: poll.id, seq, pressedAt: T0 + 100_000 + seq * 10_000 }));
      expect(await store().recordVotes(after, NO_BURST)).toEqual([
        { status: 'stored', flagged: false },
        { status: 'stored', flagged: false },
      ]);
      const listed = await store().listVotes({ kioskId: 'k1' });
      expect(listed.map((v) => v.seq)).toEqual([1, 1, 2, 2, 3]);
      expect(new Set(listed.map((v) => v.voteId))).toEqual(new Set(['old-1', 'old-2', 'old-3', 'new-1', 'new-2']));
    });
  });

  describe('burst flagging', () => {
    const policy: BurstPolicy = { windowMs: 1_000, maxVotes: 2 };
    const at = (poll: PollRecord, kioskId: string, voteId: string, pressedAt: number, seq = 1) =>
      newVote(kioskId, voteId, { pollId: poll.id, pressedAt, seq });

    it('flags a press once maxVotes presses precede it in the window, counting in-batch and flagged votes', async () => {
      const poll = await seed(store());
      const presses = [0, 100, 200, 300, 300].map((dt, i) => at(poll, 'k1', `v${i}`, T0 + dt, i + 1));
      const out = await store().recordVotes(presses, policy);
      expect(out.map((o) => o.status === 'stored' && o.flagged)).toEqual([false, false, true, true, true]);
      // Flagged votes are kept, with their flag.
      expect((await store().listVotes()).map((v) => v.flagged)).toEqual([false, false, true, true, true]);
    });

    it('counts presses from earlier batches', async () => {
      const poll = await seed(store());
      await store().recordVotes([at(poll, 'k1', 'a', T0)], policy);
      await store().recordVotes([at(poll, 'k1', 'b', T0 + 400)], policy);
      expect(await store().recordVotes([at(poll, 'k1', 'c', T0 + 800)], policy)).toEqual([{ status: 'stored', flagged: true }]);
    });

    it('includes a press exactly windowMs before, and not one a millisecond older', async () => {
      const poll = await seed(store());
      await store().recordVotes([at(poll, 'k1', 'a', T0), at(poll, 'k1', 'b', T0 + 500)], policy);
      await store().recordVotes([at(poll, 'k2', 'a', T0), at(poll, 'k2', 'b', T0 + 500)], policy);
      const [edge] = await store().recordVotes([at(poll, 'k1', 'c', T0 + 1_000)], policy);
      const [past] = await store().recordVotes([at(poll, 'k2', 'c', T0 + 1_001)], policy);
      expect(edge).toEqual({ status: 'stored', flagged: true });
      expect(past).toEqual({ status: 'stored', flagged: false });
    });

    it('flags at exactly maxVotes earlier presses, not at maxVotes - 1', async () => {
      const poll = await seed(store());
      const three: BurstPolicy = { windowMs: 10_000, maxVotes: 3 };
      const out = await store().recordVotes([0, 1, 2, 3].map((dt, i) => at(poll, 'k1', `v${i}`, T0 + dt)), three);
      expect(out.map((o) => o.status === 'stored' && o.flagged)).toEqual([false, false, false, true]);
    });

    it("ignores other kiosks' presses and presses later than the vote", async () => {
      const poll = await seed(store());
      await store().recordVotes([at(poll, 'k2', 'a', T0), at(poll, 'k2', 'b', T0 + 1), at(poll, 'k3', 'a', T0 + 2)], policy);
      // Arrives after two later presses of its own kiosk (e.g. replayed from an outbox).
      await store().recordVotes([at(poll, 'k1', 'late1', T0 + 500), at(poll, 'k1', 'late2', T0 + 600)], policy);
      expect(await store().recordVotes([at(poll, 'k1', 'early', T0 + 3)], policy)).toEqual([{ status: 'stored', flagged: false }]);
    });

    it('does not count refused or duplicate votes as extra presses', async () => {
      const poll = await seed(store());
      const a = at(poll, 'k1', 'a', T0);
      await store().recordVotes([a, a, { ...a, button: 2 }], policy);
      expect(await store().recordVotes([at(poll, 'k1', 'b', T0 + 1)], policy)).toEqual([{ status: 'stored', flagged: false }]);
    });
  });

  describe('countVotes', () => {
    it('lists every option with its count, zero included, from this poll only', async () => {
      const p1 = await seed(store());
      await store().recordVotes(
        [
          newVote('k1', 'a', { pollId: p1.id, button: 1 }),
          newVote('k2', 'b', { pollId: p1.id, button: 1 }),
          newVote('k3', 'c', { pollId: p1.id, button: 3 }),
        ],
        NO_BURST,
      );
      await store().closePoll(T0 + 1);
      const p2 = await store().openPoll('Q2', ['X', 'Y'], T0 + 2);
      await store().recordVotes([newVote('k1', 'd', { pollId: p2.id, button: 2 })], NO_BURST);
      expect(await store().countVotes({ pollId: p1.id, includeFlagged: false })).toEqual([
        { button: 1, label: 'Apple', count: 2 },
        { button: 2, label: 'Bread', count: 0 },
        { button: 3, label: 'Cheese', count: 1 },
      ]);
      expect(await store().countVotes({ pollId: p2.id, includeFlagged: false })).toEqual([
        { button: 1, label: 'X', count: 0 },
        { button: 2, label: 'Y', count: 1 },
      ]);
    });

    it('excludes flagged votes unless includeFlagged', async () => {
      const poll = await seed(store());
      const burst: BurstPolicy = { windowMs: 1_000, maxVotes: 1 };
      await store().recordVotes(
        [newVote('k1', 'a', { pollId: poll.id, button: 2 }), newVote('k1', 'b', { pollId: poll.id, button: 2, seq: 2, pressedAt: T0 + 1 })],
        burst,
      );
      expect((await store().countVotes({ pollId: poll.id, includeFlagged: false })).map((c) => c.count)).toEqual([0, 1, 0]);
      expect((await store().countVotes({ pollId: poll.id, includeFlagged: true })).map((c) => c.count)).toEqual([0, 2, 0]);
    });

    it('answers an unknown poll with PV_POLL_NOT_FOUND (countVotes and countVotesBy)', async () => {
      await seed(store());
      await expectCode(store().countVotes({ pollId: 999, includeFlagged: false }), 'PV_POLL_NOT_FOUND');
      await expectCode(store().countVotesBy({ pollId: 999, includeFlagged: false }, 'kiosk'), 'PV_POLL_NOT_FOUND');
    });
  });

  describe('countVotesBy', () => {
    it('groups by kiosk, sorted by kiosk then button, without empty groups', async () => {
      const poll = await seed(store());
      await store().recordVotes(
        [
          newVote('k2', 'a', { pollId: poll.id, button: 3 }),
          newVote('k1', 'b', { pollId: poll.id, button: 2 }),
          newVote('k2', 'c', { pollId: poll.id, button: 1, seq: 2, pressedAt: T0 + 5_000 }),
          newVote('k2', 'd', { pollId: poll.id, button: 3, seq: 3, pressedAt: T0 + 9_000 }),
        ],
        NO_BURST,
      );
      expect(await store().countVotesBy({ pollId: poll.id, includeFlagged: false }, 'kiosk')).toEqual([
        { key: 'k1', button: 2, count: 1 },
        { key: 'k2', button: 1, count: 1 },
        { key: 'k2', button: 3, count: 2 },
      ]);
    });

    it('groups by the UTC hour of the press, the bucket starting at the hour', async () => {
      const poll = await seed(store());
      await store().recordVotes(
        [
          newVote('k1', 'a', { pollId: poll.id, button: 1, pressedAt: T0 + HOUR - 1 }),
          newVote('k1', 'b', { pollId: poll.id, button: 1, seq: 2, pressedAt: T0 + HOUR }),
          newVote('k2', 'c', { pollId: poll.id, button: 2, pressedAt: T0 }),
          newVote('k3', 'd', { pollId: poll.id, button: 1, pressedAt: T0 + 2 * HOUR + 59 * 60_000 }),
        ],
        NO_BURST,
      );
      expect(await store().countVotesBy({ pollId: poll.id, includeFlagged: false }, 'hour')).toEqual([
        { key: '2026-11-22T14:00:00.000Z', button: 1, count: 1 },
        { key: '2026-11-22T14:00:00.000Z', button: 2, count: 1 },
        { key: '2026-11-22T15:00:00.000Z', button: 1, count: 1 },
        { key: '2026-11-22T16:00:00.000Z', button: 1, count: 1 },
      ]);
    });

    it('excludes flagged votes unless includeFlagged', async () => {
      const poll = await seed(store());
      const burst: BurstPolicy = { windowMs: 1_000, maxVotes: 1 };
      await store().recordVotes(
        [newVote('k1', 'a', { pollId: poll.id, button: 1 }), newVote('k1', 'b', { pollId: poll.id, button: 2, seq: 2, pressedAt: T0 + 1 })],
        burst,
      );
      const q = { pollId: poll.id, includeFlagged: false };
      expect(await store().countVotesBy(q, 'kiosk')).toEqual([{ key: 'k1', button: 1, count: 1 }]);
      expect(await store().countVotesBy({ ...q, includeFlagged: true }, 'hour')).toEqual([
        { key: '2026-11-22T14:00:00.000Z', button: 1, count: 1 },
        { key: '2026-11-22T14:00:00.000Z', button: 2, count: 1 },
      ]);
    });
  });

  describe('listVotes', () => {
    it('filters by poll and kiosk and orders by (kioskId, seq), flagged votes included', async () => {
      const p1 = await seed(store());
      await store().recordVotes(
        [
          newVote('k2', 'x2', { pollId: p1.id, seq: 2, pressedAt: T0 + 10 }),
          newVote('k1', 'y3', { pollId: p1.id, seq: 3, pressedAt: T0 + 20 }),
          newVote('k2', 'x1', { pollId: p1.id, seq: 1, pressedAt: T0 + 30 }),
          newVote('k1', 'y1', { pollId: p1.id, seq: 1, pressedAt: T0 + 40 }),
        ],
        { windowMs: 1_000, maxVotes: 1 },
      );
      await store().closePoll(T0 + 100);
      const p2 = await store().openPoll('Q2', ['X', 'Y'], T0 + 200);
      await store().recordVotes([newVote('k1', 'y4', { pollId: p2.id, seq: 4, pressedAt: T0 + 300 })], NO_BURST);

      const ids = (vs: { voteId: string }[]) => vs.map((v) => v.voteId);
      expect(ids(await store().listVotes())).toEqual(['y1', 'y3', 'y4', 'x1', 'x2']);
      expect(ids(await store().listVotes({}))).toEqual(['y1', 'y3', 'y4', 'x1', 'x2']);
      expect(ids(await store().listVotes({ pollId: p1.id }))).toEqual(['y1', 'y3', 'x1', 'x2']);
      expect(ids(await store().listVotes({ kioskId: 'k1' }))).toEqual(['y1', 'y3', 'y4']);
      expect(ids(await store().listVotes({ pollId: p2.id, kioskId: 'k1' }))).toEqual(['y4']);
      expect(await store().listVotes({ kioskId: 'k3' })).toEqual([]);
      expect((await store().listVotes({ pollId: p1.id })).map((v) => v.flagged)).toEqual([true, false, true, false]);
    });
  });

  describe('getVote', () => {
    it('finds one stored vote by (kioskId, voteId), every field and its flag included; undefined otherwise', async () => {
      const poll = await seed(store());
      const v = newVote('k1', 'v1', { pollId: poll.id, button: 2, seq: 4, pressedAt: T0 + 5, receivedAt: T0 + 9 });
      await store().recordVotes([v, newVote('k1', 'v2', { pollId: poll.id, seq: 5, pressedAt: T0 + 6 })], { windowMs: 1_000, maxVotes: 1 });
      expect(await store().getVote('k1', 'v1')).toEqual({ ...v, flagged: false });
      expect(await store().getVote('k1', 'v2')).toMatchObject({ voteId: 'v2', flagged: true });
      expect(await store().getVote('k2', 'v1')).toBeUndefined(); // the key is the pair
      expect(await store().getVote('k1', 'nope')).toBeUndefined();
    });
  });
}
