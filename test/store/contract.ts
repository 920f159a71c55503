import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VoteStore } from '../../src/store/types.js';
import { NO_BURST, T0, expectCode, newKiosk, newVote, seed } from './contract-helpers.js';
import { describeAdminContract } from './contract-admin.js';
import { describeLifecycleContract } from './contract-lifecycle.js';
import { describeVoteContract } from './contract-votes.js';

export interface StoreUnderTest {
  store: VoteStore;
  cleanup(): Promise<void>;
}

/**
 * The behaviour every VoteStore implementation must share, exactly as src/store/types.ts
 * documents it. Each test gets a fresh, empty store.
 */
export function describeVoteStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`VoteStore contract: ${name}`, () => {
    let sut: StoreUnderTest | undefined;
    const store = (): VoteStore => {
      if (!sut) throw new Error('store not created');
      return sut.store;
    };

    beforeEach(async () => {
      sut = await makeStore();
    });
    afterEach(async () => {
      await sut?.cleanup();
      sut = undefined;
    });

    describe('kiosks', () => {
      it('adds a kiosk with empty presence and reads it back', async () => {
        const rec = await store().addKiosk(newKiosk('k1'));
        const expected = {
          ...newKiosk('k1'),
          secretVersion: 1,
          revokedAt: null,
          lastSeenAt: null,
          connectedAt: null,
          software: null,
          queued: 0,
          buttons: null,
          connected: false,
          idConflict: null,
        };
        expect(rec).toEqual(expected);
        expect(await store().getKiosk('k1')).toEqual(expected);
        expect(await store().getKiosk('nope')).toBeUndefined();
      });

      it('refuses a duplicate id with PV_KIOSK_EXISTS and keeps the original', async () => {
        await store().addKiosk(newKiosk('k1'));
        await expectCode(store().addKiosk(newKiosk('k1', { secret: 'other' })), 'PV_KIOSK_EXISTS');
        expect((await store().getKiosk('k1'))?.secret).toBe('secret-k1');
        expect(await store().listKiosks()).toHaveLength(1);
      });

      it('lists every kiosk in code-unit order of id', async () => {
        const ids = ['b', 'A', 'a-2', 'a_1', 'a.3', 'Z9'];
        for (const id of ids) await store().addKiosk(newKiosk(id));
        expect((await store().listKiosks()).map((k) => k.id)).toEqual([...ids].sort());
      });

      it('revokes once (a second revoke keeps the first time) and lists revoked ids', async () => {
        await store().addKiosk(newKiosk('k1'));
        await store().addKiosk(newKiosk('k2'));
        const revokedIds = async () => (await store().listKioskAccess()).filter((a) => a.refused).map((a) => a.id);
        expect(await revokedIds()).toEqual([]);
        expect((await store().revokeKiosk('k1', T0 + 10)).revokedAt).toBe(T0 + 10);
        expect((await store().revokeKiosk('k1', T0 + 20)).revokedAt).toBe(T0 + 10);
        expect((await store().getKiosk('k1'))?.revokedAt).toBe(T0 + 10);
        expect((await store().getKiosk('k2'))?.revokedAt).toBeNull();
        expect(await revokedIds()).toEqual(['k1']);
        await store().addKiosk(newKiosk('k3'));
        await store().revokeKiosk('k3', T0 + 30);
        expect((await revokedIds()).sort()).toEqual(['k1', 'k3']);
      });

      it('refuses to revoke an unknown kiosk with PV_UNKNOWN_KIOSK', async () => {
        await expectCode(store().revokeKiosk('ghost', T0), 'PV_UNKNOWN_KIOSK');
      });

      it('applies a presence batch, keeps fields an update leaves out, ignores unknown ids', async () => {
        await store().addKiosk(newKiosk('k1'));
        await store().addKiosk(newKiosk('k2'));
        await store().updatePresence([
          { kioskId: 'k1', lastSeenAt: T0 + 1, software: '1.0.0', queued: 4, connected: true },
          { kioskId: 'ghost', lastSeenAt: T0 + 1, connected: true },
          { kioskId: 'k2', lastSeenAt: T0 + 2, connected: true },
        ]);
        await store().updatePresence([{ kioskId: 'k1', lastSeenAt: T0 + 3, queued: 0 }]);
        await store().updatePresence([]);
        expect(await store().getKiosk('k1')).toMatchObject({ lastSeenAt: T0 + 3, software: '1.0.0', queued: 0, connected: true });
        expect(await store().getKiosk('k2')).toMatchObject({ lastSeenAt: T0 + 2, software: null, queued: 0, connected: true });
        expect(await store().getKiosk('ghost')).toBeUndefined();
        await store().updatePresence([{ kioskId: 'k2', lastSeenAt: T0 + 4, connected: false }]);
        expect((await store().getKiosk('k2'))?.connected).toBe(false);
      });

      it('keeps the software string a kiosk reports exactly, NUL and backslashes included', async () => {
        await store().addKiosk(newKiosk('k1'));
        const software = 'pivote\u0000 1.0 \\0 \ud83d\ude00';
        await store().updatePresence([{ kioskId: 'k1', lastSeenAt: T0, software, connected: true }]);
        expect((await store().getKiosk('k1'))?.software).toBe(software);
      });

      it('markAllDisconnected clears every connected flag and nothing else', async () => {
        await store().addKiosk(newKiosk('k1'));
        await store().addKiosk(newKiosk('k2'));
        await store().updatePresence([
          { kioskId: 'k1', lastSeenAt: T0 + 1, software: '1.0.0', queued: 2, connected: true },
          { kioskId: 'k2', lastSeenAt: T0 + 2, connected: true },
        ]);
        await store().markAllDisconnected();
        const kiosks = await store().listKiosks();
        expect(kiosks.map((k) => k.connected)).toEqual([false, false]);
        expect(kiosks[0]).toMatchObject({ lastSeenAt: T0 + 1, software: '1.0.0', queued: 2 });
      });

      it('hands out copies: changing a returned record does not change the store', async () => {
        const rec = await store().addKiosk(newKiosk('k1'));
        rec.name = 'changed';
        expect((await store().getKiosk('k1'))?.name).toBe('name of k1');
      });
    });

    describe('polls', () => {
      it('opens a poll (trimmed), which getOpenPoll and getPoll return', async () => {
        const poll = await store().openPoll('  Best snack? ', [' Apple', 'Bread '], T0);
        expect(poll).toEqual({
          id: poll.id, question: 'Best snack?', options: ['Apple', 'Bread'], state: 'open', createdAt: T0, openedAt: T0, closedAt: null,
          opensAt: null, closesAt: null, publicResults: 'never',
        });
        expect(Number.isInteger(poll.id) && poll.id > 0).toBe(true);
        expect(await store().getOpenPoll()).toEqual(poll);
        expect(await store().getPoll(poll.id)).toEqual(poll);
        expect(await store().getPoll(poll.id + 1000)).toBeUndefined();
      });

      it('refuses a second open poll with PV_POLL_ALREADY_OPEN', async () => {
        const first = await store().openPoll('Q1', ['A', 'B'], T0);
        await expectCode(store().openPoll('Q2', ['C', 'D'], T0 + 1), 'PV_POLL_ALREADY_OPEN');
        expect(await store().listPolls()).toEqual([first]);
      });

      it('closes the open poll; closing with none open is PV_NO_OPEN_POLL', async () => {
        await expectCode(store().closePoll(T0), 'PV_NO_OPEN_POLL');
        const poll = await store().openPoll('Q1', ['A', 'B'], T0);
        const closed = await store().closePoll(T0 + 60_000);
        expect(closed).toEqual({ ...poll, state: 'closed', closedAt: T0 + 60_000 });
        expect(await store().getOpenPoll()).toBeUndefined();
        expect(await store().getPoll(poll.id)).toEqual(closed);
        await expectCode(store().closePoll(T0 + 70_000), 'PV_NO_OPEN_POLL');
      });

      it.each([
        ['one option', 'Q', ['A']],
        ['nine options', 'Q', ['1', '2', '3', '4', '5', '6', '7', '8', '9']],
        ['duplicate options', 'Q', ['A', 'B', 'A']],
        ['options equal after trimming', 'Q', ['A', ' A ']],
        ['an empty option', 'Q', ['A', '  ']],
        ['an empty question', '   ', ['A', 'B']],
        ['a NUL character', 'Q', ['A\u0000', 'B']],
      ])('refuses %s with PV_BAD_POLL and stores nothing', async (_label, question, options) => {
        await expectCode(store().openPoll(question, options, T0), 'PV_BAD_POLL');
        expect(await store().listPolls()).toEqual([]);
        expect(await store().getOpenPoll()).toBeUndefined();
      });

      it('accepts 2 and 8 options (the bounds)', async () => {
        expect((await store().openPoll('Q', ['A', 'B'], T0)).options).toHaveLength(2);
        await store().closePoll(T0 + 1);
        const eight = ['1', '2', '3', '4', '5', '6', '7', '8'];
        expect((await store().openPoll('Q', eight, T0 + 2)).options).toEqual(eight);
      });

      it('lists polls newest first with increasing ids', async () => {
        const a = await store().openPoll('Q1', ['A', 'B'], T0);
        const aClosed = await store().closePoll(T0 + 1);
        const b = await store().openPoll('Q2', ['C', 'D'], T0 + 2);
        const bClosed = await store().closePoll(T0 + 3);
        const c = await store().openPoll('Q3', ['E', 'F'], T0 + 4);
        expect(a.id < b.id && b.id < c.id).toBe(true);
        expect(await store().listPolls()).toEqual([c, bClosed, aClosed]);
      });

      it('hands out copies of options', async () => {
        const poll = await store().openPoll('Q', ['A', 'B'], T0);
        poll.options.push('C');
        expect((await store().getOpenPoll())?.options).toEqual(['A', 'B']);
      });
    });

    describeVoteContract(store);
    describeLifecycleContract(store);
    describeAdminContract(store);

    describe('close', () => {
      it('rejects calls after close, and a second close is harmless', async () => {
        await seed(store());
        await store().recordVotes([newVote('k1', 'v1')], NO_BURST);
        await store().close();
        await expect(store().listPolls()).rejects.toThrow();
        await store().close();
      });
    });
  });
}
