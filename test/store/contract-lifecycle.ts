import { describe, expect, it } from 'vitest';
import type { VoteStore } from '../../src/store/types.js';
import { NO_BURST, T0, expectCode, newKiosk, newVote, seed } from './contract-helpers.js';

/** Kiosk lifecycle and poll drafts/schedule: the organiser's changes, each audited. */
export function describeLifecycleContract(store: () => VoteStore): void {
  const actions = async () => (await store().listAudit({ limit: 100 })).map((e) => `${e.action} ${e.subject ?? ''} ${e.actor}`.trim()).reverse();

  describe('kiosk lifecycle', () => {
    it('adds several kiosks in one call, all or none', async () => {
      await store().addKiosk(newKiosk('k2'));
      await expectCode(store().addKiosks([newKiosk('k1'), newKiosk('k2'), newKiosk('k3')]), 'PV_KIOSK_EXISTS');
      expect((await store().listKiosks()).map((k) => k.id)).toEqual(['k2']);
      await expectCode(store().addKiosks([newKiosk('k4'), newKiosk('k4')]), 'PV_KIOSK_EXISTS');
      expect((await store().listKiosks()).map((k) => k.id)).toEqual(['k2']);
      const added = await store().addKiosks([newKiosk('k1'), newKiosk('k3')], 'cli test@host');
      expect(added.map((k) => k.id)).toEqual(['k1', 'k3']);
      expect(await actions()).toEqual(['kiosk.add k2 system', 'kiosk.add k1 cli test@host', 'kiosk.add k3 cli test@host']);
    });

    it('refuses ids, names and locations the rules do not allow with PV_BAD_KIOSK', async () => {
      await expectCode(store().addKiosk(newKiosk('bad id')), 'PV_BAD_KIOSK');
      await expectCode(store().addKiosk(newKiosk('k1', { name: '  ' })), 'PV_BAD_KIOSK');
      await expectCode(store().addKiosk(newKiosk('k1', { location: 'x'.repeat(101) })), 'PV_BAD_KIOSK');
      await expectCode(store().addKiosk(newKiosk('k1', { name: 'Hall\u0000 1' })), 'PV_BAD_KIOSK');
      expect(await store().listKiosks()).toEqual([]);
    });

    it('renames and relocates, trimmed; an unknown kiosk is PV_UNKNOWN_KIOSK', async () => {
      await store().addKiosk(newKiosk('k1'));
      const k = await store().updateKiosk('k1', { name: ' Main hall ', location: 'Entrance ' }, T0 + 1, 'api 10.0.0.7');
      expect(k).toMatchObject({ id: 'k1', name: 'Main hall', location: 'Entrance' });
      expect((await store().updateKiosk('k1', { location: '' }, T0 + 2)).location).toBe('');
      await expectCode(store().updateKiosk('ghost', { name: 'x' }, T0), 'PV_UNKNOWN_KIOSK');
      const [entry] = await store().listAudit({ limit: 1, beforeId: 3 });
      expect(entry).toMatchObject({ at: T0 + 1, actor: 'api 10.0.0.7', action: 'kiosk.update', subject: 'k1', details: { name: 'Main hall', location: 'Entrance' } });
    });

    it('rotates a secret: new secret, next version, and the access version moves', async () => {
      await store().addKiosk(newKiosk('k1'));
      const v0 = await store().kioskAccessVersion();
      const k = await store().rotateKioskSecret('k1', 'new-secret', T0 + 1);
      expect(k).toMatchObject({ secret: 'new-secret', secretVersion: 2 });
      expect(await store().kioskAccessVersion()).not.toBe(v0);
      expect(await store().listKioskAccess()).toEqual([{ id: 'k1', refused: false, secretVersion: 2 }]);
      const [entry] = await store().listAudit({ limit: 1 });
      expect(entry).toMatchObject({ action: 'kiosk.rotate-secret', subject: 'k1', details: { secretVersion: 2 } });
      expect(JSON.stringify(await store().listAudit({ limit: 100 }))).not.toContain('new-secret');
    });

    it('refuses to rotate a revoked kiosk (PV_KIOSK_REVOKED); reactivating gives it a new secret', async () => {
      await store().addKiosk(newKiosk('k1'));
      await expectCode(store().reactivateKiosk('k1', 'x', T0), 'PV_KIOSK_NOT_REVOKED');
      await store().revokeKiosk('k1', T0 + 1);
      await expectCode(store().rotateKioskSecret('k1', 'x', T0 + 2), 'PV_KIOSK_REVOKED');
      const k = await store().reactivateKiosk('k1', 'fresh', T0 + 3);
      expect(k).toMatchObject({ revokedAt: null, secret: 'fresh', secretVersion: 2 });
      expect(await store().listKioskAccess()).toEqual([{ id: 'k1', refused: false, secretVersion: 2 }]);
    });

    it('removes only a revoked kiosk; its votes stay; its id can be added again as a new kiosk', async () => {
      const poll = await seed(store());
      await store().recordVotes([newVote('k1', 'v1', { pollId: poll.id })], NO_BURST);
      await expectCode(store().removeKiosk('k1', T0), 'PV_KIOSK_NOT_REVOKED');
      await store().revokeKiosk('k1', T0 + 1);
      await store().removeKiosk('k1', T0 + 2);
      expect(await store().getKiosk('k1')).toBeUndefined();
      expect((await store().listKiosks()).map((k) => k.id)).toEqual(['k2', 'k3']);
      expect(await store().listKioskAccess()).toContainEqual({ id: 'k1', refused: true, secretVersion: 1 });
      expect((await store().listVotes()).map((v) => v.voteId)).toEqual(['v1']);
      expect((await store().countVotes({ pollId: poll.id, includeFlagged: false }))[0]?.count).toBe(1);
      await expectCode(store().removeKiosk('k1', T0 + 3), 'PV_UNKNOWN_KIOSK');
      const again = await store().addKiosk(newKiosk('k1', { secret: 'second-device', createdAt: T0 + 4 }));
      expect(again).toMatchObject({ id: 'k1', secret: 'second-device', secretVersion: 2, revokedAt: null, createdAt: T0 + 4, lastSeenAt: null });
      expect(await store().listKioskAccess()).toContainEqual({ id: 'k1', refused: false, secretVersion: 2 });
    });

    it('keeps buttons and an id conflict from presence; a new secret ends the conflict', async () => {
      await store().addKiosk(newKiosk('k1'));
      const conflict = { at: T0 + 5, addresses: ['10.0.0.5', '10.0.0.9'] };
      await store().updatePresence([{ kioskId: 'k1', lastSeenAt: T0 + 5, connected: true, connectedAt: T0 + 4, buttons: 4, idConflict: conflict }]);
      expect(await store().getKiosk('k1')).toMatchObject({ buttons: 4, connectedAt: T0 + 4, idConflict: conflict });
      await store().updatePresence([{ kioskId: 'k1', lastSeenAt: T0 + 6 }]);
      expect(await store().getKiosk('k1')).toMatchObject({ buttons: 4, connectedAt: T0 + 4, idConflict: conflict });
      await store().rotateKioskSecret('k1', 'n', T0 + 7);
      expect((await store().getKiosk('k1'))?.idConflict).toBeNull();
    });
  });

  describe('poll drafts and schedule', () => {
    it('makes a draft with a schedule; it is not the open poll and has no opening time', async () => {
      const d = await store().createDraftPoll({ question: 'Q', options: ['A', 'B'], opensAt: T0 + 60_000, closesAt: T0 + 120_000, publicResults: 'always' }, T0);
      expect(d).toMatchObject({ state: 'draft', createdAt: T0, openedAt: null, closedAt: null, opensAt: T0 + 60_000, closesAt: T0 + 120_000, publicResults: 'always' });
      expect(await store().getOpenPoll()).toBeUndefined();
      await expectCode(store().createDraftPoll({ question: 'Q', options: ['A', 'B'], opensAt: T0 + 5, closesAt: T0 + 5 }, T0), 'PV_BAD_POLL');
    });

    it('opens a draft by hand once; a second open poll is refused', async () => {
      const d = await store().createDraftPoll({ question: 'Q', options: ['A', 'B'] }, T0);
      const other = await store().openPoll('Other', ['C', 'D'], T0 + 1);
      await expectCode(store().openDraftPoll(d.id, T0 + 2), 'PV_POLL_ALREADY_OPEN');
      await store().closePoll(T0 + 3);
      expect(await store().openDraftPoll(d.id, T0 + 4)).toMatchObject({ id: d.id, state: 'open', openedAt: T0 + 4 });
      await expectCode(store().openDraftPoll(d.id, T0 + 5), 'PV_POLL_NOT_DRAFT');
      await expectCode(store().openDraftPoll(other.id + 100, T0 + 5), 'PV_POLL_NOT_FOUND');
    });

    it('runs the schedule once: closes at closesAt, opens the due draft, closing the open poll for it', async () => {
      const open = await store().openPoll('Morning', ['A', 'B'], T0, { closesAt: T0 + 1_000 });
      const d = await store().createDraftPoll({ question: 'Afternoon', options: ['C', 'D'], opensAt: T0 + 5_000 }, T0);
      expect(await store().runSchedule(T0 + 999)).toEqual({ closed: null, opened: null });
      const first = await store().runSchedule(T0 + 1_000);
      expect(first.closed).toMatchObject({ id: open.id, state: 'closed', closedAt: T0 + 1_000 });
      expect(first.opened).toBeNull();
      expect(await store().runSchedule(T0 + 1_001)).toEqual({ closed: null, opened: null });
      const second = await store().runSchedule(T0 + 6_000);
      expect(second).toMatchObject({ closed: null, opened: { id: d.id, state: 'open', openedAt: T0 + 6_000, opensAt: null } });
      const third = await store().createDraftPoll({ question: 'Evening', options: ['E', 'F'], opensAt: T0 + 7_000 }, T0);
      const swap = await store().runSchedule(T0 + 8_000);
      expect(swap.closed).toMatchObject({ id: d.id, state: 'closed' });
      expect(swap.opened).toMatchObject({ id: third.id, state: 'open' });
      expect((await actions()).filter((a) => a.endsWith('scheduler'))).toEqual([
        `poll.close ${open.id} scheduler`, `poll.open ${d.id} scheduler`, `poll.close ${d.id} scheduler`, `poll.open ${third.id} scheduler`,
      ]);
    });

    it('reschedules and changes visibility; opensAt only on drafts; deletes only drafts', async () => {
      const d = await store().createDraftPoll({ question: 'Q', options: ['A', 'B'] }, T0);
      expect(await store().updatePoll(d.id, { opensAt: T0 + 10, publicResults: 'after-close' }, T0 + 1)).toMatchObject({ opensAt: T0 + 10, publicResults: 'after-close' });
      expect(await store().updatePoll(d.id, { opensAt: null }, T0 + 2)).toMatchObject({ opensAt: null, publicResults: 'after-close' });
      const open = await store().openPoll('Open', ['C', 'D'], T0 + 3);
      await expectCode(store().updatePoll(open.id, { opensAt: T0 + 10 }, T0 + 4), 'PV_POLL_NOT_DRAFT');
      expect(await store().updatePoll(open.id, { closesAt: T0 + 60_000 }, T0 + 5)).toMatchObject({ closesAt: T0 + 60_000 });
      await expectCode(store().updatePoll(open.id, { closesAt: T0 }, T0 + 6), 'PV_BAD_POLL');
      await expectCode(store().deleteDraftPoll(open.id, T0 + 7), 'PV_POLL_NOT_DRAFT');
      await store().deleteDraftPoll(d.id, T0 + 8);
      expect(await store().getPoll(d.id)).toBeUndefined();
      await expectCode(store().updatePoll(d.id, { publicResults: 'always' }, T0 + 9), 'PV_POLL_NOT_FOUND');
      await store().closePoll(T0 + 10);
      await expectCode(store().updatePoll(open.id, { closesAt: T0 + 99_000 }, T0 + 11), 'PV_BAD_POLL');
      expect(await store().updatePoll(open.id, { publicResults: 'always' }, T0 + 12)).toMatchObject({ state: 'closed', publicResults: 'always' });
    });

    it('never hands out a deleted draft id again', async () => {
      const d = await store().createDraftPoll({ question: 'Q', options: ['A', 'B'] }, T0);
      await store().deleteDraftPoll(d.id, T0 + 1);
      const next = await store().openPoll('Q2', ['A', 'B'], T0 + 2);
      expect(next.id).toBeGreaterThan(d.id);
    });
  });
}
