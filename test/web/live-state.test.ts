import { describe, expect, it } from 'vitest';
import type { Alert, Kiosk, Poll, Snapshot } from '../../src/web/api/types.js';
import { applyEvent, initialLiveState, labelledOptions, type LiveState } from '../../src/web/state/live-state.js';

const poll = (over: Partial<Poll> = {}): Poll => ({
  id: 3, question: 'How was your visit?', options: ['Great', 'OK', 'Poor'], state: 'open', createdAt: '2026-12-04T09:00:00.000Z',
  openedAt: '2026-12-04T10:00:00.000Z', closedAt: null, opensAt: null, closesAt: null, publicResults: 'never', kiosksShort: [], ...over,
});

const kiosk = (id: string, over: Partial<Kiosk> = {}): Kiosk => ({
  id, name: id, location: '', online: true, onlineSince: '2026-12-04T10:00:00.000Z', offlineSince: null,
  lastSeenAt: '2026-12-04T10:05:00.000Z', software: 'pivote-kiosk/0.1.0', queued: 0, buttons: 4, votesToday: 0,
  revoked: false, revokedAt: null, createdAt: '2026-12-01T00:00:00.000Z', idConflict: null, ...over,
});

const alert = (id: number, over: Partial<Alert> = {}): Alert => ({
  id, ruleId: 1, kind: 'kiosk-offline', subject: 'hall-1', message: `alert ${id}`, raisedAt: `2026-12-04T10:0${id}:00.000Z`,
  clearedAt: null, acknowledgedAt: null, acknowledgedBy: null, ...over,
});

function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    poll: poll(),
    results: {
      poll: { id: 3, question: 'How was your visit?', options: ['Great', 'OK', 'Poor'], state: 'open', openedAt: '2026-12-04T10:00:00.000Z', closedAt: null },
      includeFlagged: false, total: 4, flaggedExcluded: 1,
      options: [{ button: 1, label: 'Great', count: 3, percent: 75 }, { button: 3, label: 'Poor', count: 1, percent: 25 }],
    },
    kiosks: [kiosk('hall-1'), kiosk('hall-2', { online: false })],
    alerts: [alert(1), alert(2, { acknowledgedAt: '2026-12-04T10:09:00.000Z' })],
    serverTime: '2026-12-04T10:10:00.000Z',
    ...over,
  };
}

const LOCAL_NOW = Date.parse('2026-12-04T10:09:58.000Z');
const live = (): LiveState => applyEvent(initialLiveState, 'snapshot', snapshot(), LOCAL_NOW);

describe('live dashboard state', () => {
  it('a snapshot replaces everything: every option in button order (zero where absent), unacknowledged alerts, clock offset', () => {
    const s = live();
    expect(s.status).toBe('live');
    expect(s.tally?.options).toEqual([
      { button: 1, label: 'Great', count: 3, percent: 75 },
      { button: 2, label: 'OK', count: 0, percent: 0 },
      { button: 3, label: 'Poor', count: 1, percent: 25 },
    ]);
    expect(s.tally).toMatchObject({ total: 4, flagged: 1, perMinute: null });
    expect(s.alerts.map((a) => a.id)).toEqual([1]);
    expect(s.clockOffsetMs).toBe(2000);
    expect(s.kiosks).toHaveLength(2);
  });

  it('a snapshot without any poll leaves no tally; one with a poll but no results starts at zero', () => {
    expect(applyEvent(initialLiveState, 'snapshot', snapshot({ poll: null, results: null }), LOCAL_NOW).tally).toBeNull();
    const empty = applyEvent(initialLiveState, 'snapshot', snapshot({ results: null }), LOCAL_NOW);
    expect(empty.tally?.options.map((o) => o.count)).toEqual([0, 0, 0]);
  });

  it('a tally of the shown poll updates counts, percentages and the rate, keeping labels', () => {
    const s = applyEvent(live(), 'tally', {
      pollId: 3, total: 5, flagged: 2, perMinute: 4.5, lastVoteAt: '2026-12-04T10:10:01.000Z',
      options: [{ button: 1, count: 3, percent: 60 }, { button: 2, count: 1, percent: 20 }, { button: 3, count: 1, percent: 20 }],
    }, LOCAL_NOW);
    expect(s.tally?.options.map((o) => [o.label, o.count, o.percent])).toEqual([['Great', 3, 60], ['OK', 1, 20], ['Poor', 1, 20]]);
    expect(s.tally).toMatchObject({ total: 5, flagged: 2, perMinute: 4.5 });
  });

  it('a tally of another poll is ignored (its poll event comes first)', () => {
    const before = live();
    expect(applyEvent(before, 'tally', { pollId: 9, total: 1, flagged: 0, perMinute: 1, lastVoteAt: null, options: [] }, LOCAL_NOW)).toBe(before);
  });

  it('a newly opened poll becomes the shown one, from zero; closing the shown poll keeps its counts', () => {
    const opened = applyEvent(live(), 'poll', { poll: poll({ id: 4, question: 'Tea?', options: ['Tea', 'Coffee'] }) }, LOCAL_NOW);
    expect(opened.poll?.id).toBe(4);
    expect(opened.tally).toMatchObject({ pollId: 4, total: 0 });
    expect(opened.tally?.options.map((o) => o.label)).toEqual(['Tea', 'Coffee']);
    const closed = applyEvent(live(), 'poll', { poll: poll({ state: 'closed', closedAt: '2026-12-04T11:00:00.000Z' }) }, LOCAL_NOW);
    expect(closed.poll?.state).toBe('closed');
    expect(closed.tally?.total).toBe(4);
  });

  it('a scheduled draft does not replace the shown poll but tells poll lists to refresh', () => {
    const before = live();
    const after = applyEvent(before, 'poll', { poll: poll({ id: 7, state: 'draft', openedAt: null }) }, LOCAL_NOW);
    expect(after.poll?.id).toBe(3);
    expect(after.pollsVersion).toBe(before.pollsVersion + 1);
  });

  it('presence merges the changed kiosks only; kiosks replaces the list', () => {
    const s = applyEvent(live(), 'presence', { kiosks: [{ id: 'hall-2', online: true, lastSeenAt: '2026-12-04T10:11:00.000Z', queued: 3, software: 'x', buttons: 2, idConflict: null }] }, LOCAL_NOW);
    expect(s.kiosks.find((k) => k.id === 'hall-2')).toMatchObject({ online: true, queued: 3, buttons: 2, name: 'hall-2' });
    expect(s.kiosks.find((k) => k.id === 'hall-1')).toEqual(kiosk('hall-1'));
    expect(applyEvent(s, 'kiosks', { kiosks: [kiosk('only')] }, LOCAL_NOW).kiosks.map((k) => k.id)).toEqual(['only']);
  });

  it('alerts: a raised one is listed newest first, a cleared one stays, an acknowledged one goes', () => {
    let s = applyEvent(live(), 'alert', { alert: alert(5) }, LOCAL_NOW);
    expect(s.alerts.map((a) => a.id)).toEqual([5, 1]);
    s = applyEvent(s, 'alert', { alert: alert(5, { clearedAt: '2026-12-04T10:12:00.000Z' }) }, LOCAL_NOW);
    expect(s.alerts.map((a) => [a.id, a.clearedAt !== null])).toEqual([[5, true], [1, false]]);
    s = applyEvent(s, 'alert', { alert: alert(1, { acknowledgedAt: '2026-12-04T10:13:00.000Z' }) }, LOCAL_NOW);
    expect(s.alerts.map((a) => a.id)).toEqual([5]);
  });

  it('labelledOptions keeps every label even when the server sent only non-zero options', () => {
    expect(labelledOptions(['a', 'b'], [{ button: 2, count: 1, percent: 100 }])).toEqual([
      { button: 1, label: 'a', count: 0, percent: 0 },
      { button: 2, label: 'b', count: 1, percent: 100 },
    ]);
  });
});
