import { describe, expect, it } from 'vitest';
import { BUCKET_MS, type VoteStore } from '../../src/store/types.js';
import { NO_BURST, T0, expectCode, newVote, seed } from './contract-helpers.js';

/** The audit log, alerts, and the counts the dashboard and exports read. */
export function describeAdminContract(store: () => VoteStore): void {
  describe('audit log', () => {
    it('lists newest first and pages back with beforeId', async () => {
      for (let i = 0; i < 5; i++) await store().appendAudit({ at: T0 + i, actor: 'cli', action: `test.${i}`, subject: String(i), details: i % 2 ? { i } : null });
      const newest = await store().listAudit({ limit: 2 });
      expect(newest.map((e) => e.action)).toEqual(['test.4', 'test.3']);
      expect(newest[1]).toMatchObject({ at: T0 + 3, actor: 'cli', subject: '3', details: { i: 3 } });
      const older = await store().listAudit({ limit: 10, beforeId: newest[1]!.id });
      expect(older.map((e) => e.action)).toEqual(['test.2', 'test.1', 'test.0']);
    });

    it('does not record a change that was refused', async () => {
      await store().openPoll('Q', ['A', 'B'], T0);
      const before = (await store().listAudit({ limit: 100 })).length;
      await expectCode(store().openPoll('Q2', ['A', 'B'], T0), 'PV_POLL_ALREADY_OPEN');
      await expectCode(store().revokeKiosk('ghost', T0), 'PV_UNKNOWN_KIOSK');
      expect((await store().listAudit({ limit: 100 })).length).toBe(before);
    });
  });

  describe('alerts', () => {
    it('adds, changes and deletes rules; refuses bad ones with PV_BAD_ALERT_RULE', async () => {
      const r = await store().addAlertRule({ kind: 'kiosk-offline', params: { minutes: 10 }, enabled: true }, T0, 'api x');
      expect(r).toEqual({ id: r.id, kind: 'kiosk-offline', params: { minutes: 10 }, enabled: true, createdAt: T0 });
      await expectCode(store().addAlertRule({ kind: 'kiosk-offline', params: { minutes: 0 }, enabled: true }, T0), 'PV_BAD_ALERT_RULE');
      await expectCode(store().addAlertRule({ kind: 'option-share', params: { button: 1, lastVotes: 50 }, enabled: true }, T0), 'PV_BAD_ALERT_RULE');
      await expectCode(store().addAlertRule({ kind: 'flagged-burst', params: { count: 5, minutes: 1, extra: 1 }, enabled: true }, T0), 'PV_BAD_ALERT_RULE');
      expect(await store().updateAlertRule(r.id, { params: { minutes: 20 }, enabled: false }, T0 + 1)).toMatchObject({ params: { minutes: 20 }, enabled: false });
      await store().deleteAlertRule(r.id, T0 + 2);
      expect(await store().listAlertRules()).toEqual([]);
      await expectCode(store().updateAlertRule(r.id, { enabled: true }, T0 + 3), 'PV_ALERT_NOT_FOUND');
    });

    it('raises once per rule and subject while up, clears, raises anew, acknowledges once', async () => {
      const r = await store().addAlertRule({ kind: 'flagged-burst', params: { count: 3, minutes: 5 }, enabled: true }, T0);
      const a = await store().raiseAlert({ ruleId: r.id, subject: 'fleet', message: 'm1', at: T0 + 1 });
      expect(a).toMatchObject({ raised: true, alert: { ruleId: r.id, kind: 'flagged-burst', subject: 'fleet', message: 'm1', raisedAt: T0 + 1, clearedAt: null } });
      expect(await store().raiseAlert({ ruleId: r.id, subject: 'fleet', message: 'm2', at: T0 + 2 })).toMatchObject({ raised: false, alert: { id: a.alert.id, message: 'm1' } });
      expect(await store().clearAlert(r.id, 'fleet', T0 + 3)).toMatchObject({ id: a.alert.id, clearedAt: T0 + 3 });
      expect(await store().clearAlert(r.id, 'fleet', T0 + 4)).toBeUndefined();
      // Cleared but not acknowledged: still listed as active.
      expect((await store().listAlerts({ active: true, limit: 10 })).map((x) => x.id)).toEqual([a.alert.id]);
      const b = await store().raiseAlert({ ruleId: r.id, subject: 'fleet', message: 'm3', at: T0 + 5 });
      expect(b.raised).toBe(true);
      expect(b.alert.id).not.toBe(a.alert.id);
      expect(await store().acknowledgeAlert(a.alert.id, T0 + 6, 'session 1.2.3.4')).toMatchObject({ acknowledgedAt: T0 + 6, acknowledgedBy: 'session 1.2.3.4' });
      expect(await store().acknowledgeAlert(a.alert.id, T0 + 7, 'other')).toMatchObject({ acknowledgedAt: T0 + 6, acknowledgedBy: 'session 1.2.3.4' });
      expect((await store().listAlerts({ active: true, limit: 10 })).map((x) => x.id)).toEqual([b.alert.id]);
      expect((await store().listAlerts({ active: false, limit: 10 })).map((x) => x.id)).toEqual([b.alert.id, a.alert.id]);
      await expectCode(store().acknowledgeAlert(9999, T0, 'x'), 'PV_ALERT_NOT_FOUND');
      await expectCode(store().raiseAlert({ ruleId: 9999, subject: 's', message: 'm', at: T0 }), 'PV_ALERT_NOT_FOUND');
    });

    it('disabling or deleting a rule clears its alerts', async () => {
      const r = await store().addAlertRule({ kind: 'kiosk-offline', params: { minutes: 1 }, enabled: true }, T0);
      await store().raiseAlert({ ruleId: r.id, subject: 'kiosk:k1', message: 'm', at: T0 + 1 });
      await store().updateAlertRule(r.id, { enabled: false }, T0 + 2);
      expect((await store().listAlerts({ active: false, limit: 10 }))[0]?.clearedAt).toBe(T0 + 2);
    });
  });

  describe('counts for dashboards and exports', () => {
    it('counts per bucket of press time, by button', async () => {
      const poll = await seed(store());
      await store().recordVotes(
        [
          newVote('k1', 'a', { pollId: poll.id, seq: 1, button: 1, pressedAt: T0 + 1_000 }),
          newVote('k2', 'b', { pollId: poll.id, seq: 1, button: 1, pressedAt: T0 + BUCKET_MS - 1 }),
          newVote('k3', 'c', { pollId: poll.id, seq: 1, button: 2, pressedAt: T0 + BUCKET_MS }),
        ],
        NO_BURST,
      );
      expect(await store().countVotesByBucket({ pollId: poll.id, includeFlagged: false }, BUCKET_MS)).toEqual([
        { start: T0, button: 1, count: 2 },
        { start: T0 + BUCKET_MS, button: 2, count: 1 },
      ]);
      await expectCode(store().countVotesByBucket({ pollId: poll.id + 99, includeFlagged: false }, BUCKET_MS), 'PV_POLL_NOT_FOUND');
    });

    it('counts the last N votes stored, flagged ones left out unless asked', async () => {
      const poll = await seed(store());
      const burst = { windowMs: 10_000, maxVotes: 2 };
      const votes = [1, 1, 1, 2, 2].map((button, i) => newVote('k1', `v${i}`, { pollId: poll.id, seq: i + 1, button, pressedAt: T0 + i * 20_000 }));
      await store().recordVotes(votes, burst);
      const recent = await store().countRecentVotes({ pollId: poll.id, includeFlagged: false }, 3);
      expect(recent.map((c) => c.count)).toEqual([1, 2, 0]);
      expect((await store().countRecentVotes({ pollId: poll.id, includeFlagged: false }, 100)).map((c) => c.count)).toEqual([3, 2, 0]);
    });

    it('counts unflagged votes per kiosk since a time, and flagged ones since a time', async () => {
      const poll = await seed(store());
      const burst = { windowMs: 10_000, maxVotes: 1 };
      await store().recordVotes(
        [
          newVote('k1', 'old', { pollId: poll.id, seq: 1, pressedAt: T0 - 60_000, receivedAt: T0 - 59_000 }),
          newVote('k1', 'a', { pollId: poll.id, seq: 2, pressedAt: T0 + 1, receivedAt: T0 + 2 }),
          newVote('k1', 'b', { pollId: poll.id, seq: 3, pressedAt: T0 + 2, receivedAt: T0 + 3 }), // flagged
          newVote('k2', 'c', { pollId: poll.id, seq: 1, pressedAt: T0 + 3, receivedAt: T0 + 4 }),
        ],
        burst,
      );
      expect(await store().countVotesByKioskSince(T0)).toEqual([{ kioskId: 'k1', count: 1 }, { kioskId: 'k2', count: 1 }]);
      expect(await store().countFlaggedSince(T0)).toBe(1);
      expect(await store().countFlaggedSince(T0 + 3)).toBe(0);
    });

    it('pages every stored vote in storage order, by poll, with or without flagged ones', async () => {
      const poll = await seed(store());
      const batch = Array.from({ length: 7 }, (_, i) => newVote(`k${(i % 3) + 1}`, `v${i}`, { pollId: poll.id, seq: i + 1, pressedAt: T0 + i * 20_000 }));
      await store().recordVotes(batch, NO_BURST);
      const pages: string[][] = [];
      let after: number | undefined;
      for (;;) {
        const page = await store().listVotesPage({ pollId: poll.id, includeFlagged: true, limit: 3, ...(after !== undefined && { after }) });
        if (page.length === 0) break;
        pages.push(page.map((v) => v.voteId));
        after = page[page.length - 1]!.position;
      }
      expect(pages).toEqual([['v0', 'v1', 'v2'], ['v3', 'v4', 'v5'], ['v6']]);
      expect(await store().listVotesPage({ pollId: poll.id + 1, includeFlagged: true, limit: 10 })).toEqual([]);
      const [first] = await store().listVotesPage({ includeFlagged: true, limit: 1 });
      expect(first).toMatchObject({ ...batch[0], flagged: false });
    });
  });
}
