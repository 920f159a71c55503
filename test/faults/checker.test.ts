import { describe, expect, it } from 'vitest';
import { checkHistory, type History, type OutboxRecord, type ServerRecord, type Tolerances } from './checker.js';

/**
 * Hand-made histories: a clean one passes, and each kind of wrong outcome is caught and named.
 * Poll 1 is open 1000..5000, poll 2 from 6000 on (times in ms).
 */

const TOL: Tolerances = { clockSlackMs: 100, closeGapMs: 600, transitMs: 1000 };
const POLLS = [
  { id: 1, openedAt: 1000, closedAt: 5000 },
  { id: 2, openedAt: 6000, closedAt: null },
];

function pressed(seq: number, over: Partial<OutboxRecord> = {}): OutboxRecord {
  return { kioskId: 'k1', voteId: `v${seq}`, seq, pollId: 1, button: 1, pressedAt: 1000 + seq * 100, state: 'acked', outcome: 'stored', ...over };
}

function storedFor(r: OutboxRecord, over: Partial<ServerRecord> = {}): ServerRecord {
  return { kioskId: r.kioskId, voteId: r.voteId, seq: r.seq, pollId: r.pollId!, button: r.button, pressedAt: r.pressedAt + 5, receivedAt: r.pressedAt + 5, ...over };
}

/** Every recorded, non-rejected press stored as it was pressed, logged and pressed once. */
function history(outbox: OutboxRecord[], server?: ServerRecord[]): History {
  return {
    outbox,
    server: server ?? outbox.filter((r) => r.state !== 'rejected').map((r) => storedFor(r)),
    polls: POLLS,
    recordedLogs: outbox.map((r) => ({ kioskId: r.kioskId, voteId: r.voteId })),
    pressesSent: { k1: outbox.filter((r) => r.kioskId === 'k1').length, k2: outbox.filter((r) => r.kioskId === 'k2').length },
  };
}

function kinds(h: History): string[] {
  return checkHistory(h, TOL).anomalies.map((a) => a.kind);
}

describe('checkHistory', () => {
  it('passes a clean history, with resends, rightful refusals and both known limits counted', () => {
    const outbox = [
      pressed(1),
      pressed(2, { outcome: 'duplicate' }), // its first ack was lost; the resend was a duplicate
      pressed(3, { kioskId: 'k2', voteId: 'w3', pollId: 2, pressedAt: 7000 }),
      // Pressed after poll 1 closed on a kiosk that had not heard: rightly refused.
      pressed(4, { pressedAt: 5800, state: 'rejected', outcome: 'PV_POLL_CLOSED' }),
      // Pressed 300 ms after the close, accepted before the server's watcher saw it (limit).
      pressed(5, { pressedAt: 5300 }),
      // Pressed 400 ms before the close, stalled on the link for longer (limit).
      pressed(6, { pressedAt: 4600, state: 'rejected', outcome: 'PV_POLL_CLOSED' }),
    ];
    const server = outbox.filter((r) => r.state !== 'rejected').map((r) => storedFor(r));
    const result = checkHistory(history(outbox, server), TOL);
    expect(result.anomalies).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.counts).toMatchObject({
      recorded: 6, logged: 6, stored: 4, acked: 4, rejected: 2, pending: 0, resentDuplicates: 1,
      refusedClosed: 1, acceptedInCloseGap: 1, refusedInTransit: 1,
      lost: 0, duplicated: 0, phantom: 0, misattributed: 0, inconsistent: 0,
    });
  });

  it('a recorded press the server does not have is lost, whatever the kiosk was told', () => {
    const outbox = [pressed(1), pressed(2), pressed(3, { state: 'pending', outcome: null })];
    const result = checkHistory(history(outbox, [storedFor(outbox[0]!)]), TOL);
    expect(result.anomalies.map((a) => [a.kind, a.voteId])).toEqual([['lost', 'v2'], ['lost', 'v3']]);
    expect(result.counts).toMatchObject({ lost: 2, pending: 1 });
    expect(result.ok).toBe(false);
  });

  it('a press logged as recorded but missing from the outbox is lost', () => {
    const h = history([pressed(1)]);
    expect(kinds({ ...h, recordedLogs: [...h.recordedLogs, { kioskId: 'k1', voteId: 'v9' }] })).toEqual(['lost']);
  });

  it('a press refused as closed although pressed well before the close is lost', () => {
    expect(kinds(history([pressed(1, { pressedAt: 3000, state: 'rejected', outcome: 'PV_POLL_CLOSED' })]))).toEqual(['lost']);
    expect(kinds(history([pressed(1, { pollId: 2, pressedAt: 7000, state: 'rejected', outcome: 'PV_POLL_CLOSED' })]))).toEqual(['lost']);
    expect(kinds(history([pressed(1, { state: 'rejected', outcome: 'PV_BAD_BUTTON' })]))).toEqual(['lost']);
  });

  it('one press stored twice, under one id or under two ids for one seq, is duplicated', () => {
    const r = pressed(1);
    expect(kinds(history([r], [storedFor(r), storedFor(r)]))).toEqual(['duplicated']);
    expect(kinds(history([r], [storedFor(r), storedFor(r, { voteId: 'other' })]))).toEqual(['duplicated', 'phantom']);
  });

  it('a stored vote no kiosk recorded, or with content other than recorded, is phantom', () => {
    const r = pressed(1);
    expect(kinds(history([r], [storedFor(r), storedFor(pressed(2))]))).toEqual(['phantom']);
    expect(kinds(history([r], [storedFor(r, { button: 3 })]))).toEqual(['phantom']);
    // More presses recorded than were ever pressed.
    expect(kinds({ ...history([r, pressed(2)]), pressesSent: { k1: 1 } })).toEqual(['phantom']);
  });

  it('a vote stored for another poll, or outside its poll, or with a wrong press time, is misattributed', () => {
    const r = pressed(1);
    expect(kinds(history([r], [storedFor(r, { pollId: 2 })]))).toEqual(['misattributed']);
    // Pressed 2 s after poll 1 closed, far beyond the watch gap, yet stored for poll 1.
    const late = pressed(2, { pressedAt: 7000 });
    expect(kinds(history([late]))).toEqual(['misattributed']);
    // Pressed just before the close, but stored with a press time after it, received long after.
    const edge = pressed(5, { pressedAt: 4950 });
    expect(kinds(history([edge], [storedFor(edge, { pressedAt: 5040, receivedAt: 5900 })]))).toEqual(['misattributed']);
    expect(kinds(history([edge], [storedFor(edge, { pressedAt: 5040, receivedAt: 5400 })]))).toEqual([]);
    // Pressed before its poll opened.
    const early = pressed(3, { pressedAt: 500 });
    expect(kinds(history([early], [storedFor(early, { pressedAt: 1000 })]))).toEqual(['misattributed']);
    // The server derived a press time 3 s off.
    expect(kinds(history([r], [storedFor(r, { pressedAt: r.pressedAt + 3000 })]))).toEqual(['misattributed']);
    expect(kinds(history([r], [storedFor(r, { pressedAt: r.pressedAt - 500 })]))).toEqual(['misattributed']);
  });

  it('allows a longer transit only on the links the schedule held up', () => {
    const r = pressed(1, { pressedAt: 2500, state: 'rejected', outcome: 'PV_POLL_CLOSED' }); // 2.5 s before the close
    expect(checkHistory(history([r]), TOL).anomalies.map((a) => a.kind)).toEqual(['lost']);
    const held = checkHistory(history([r]), { ...TOL, transitMsByKiosk: { k1: 3000 } });
    expect(held.anomalies).toEqual([]);
    expect(held.limits).toEqual([{ kind: 'refusedInTransit', kioskId: 'k1', voteId: 'v1', ms: 2500 }]);
    expect(checkHistory(history([r]), { ...TOL, transitMsByKiosk: { k2: 3000 } }).ok).toBe(false);
  });

  it('a vote the kiosk was told was refused but the server stored is inconsistent; so is an unplaceable press', () => {
    const r = pressed(1, { state: 'rejected', outcome: 'PV_POLL_CLOSED', pressedAt: 5200 });
    expect(kinds(history([r], [storedFor(r)]))).toEqual(['inconsistent']);
    expect(kinds(history([pressed(2, { pressedAt: Number.NaN })]))).toEqual(['inconsistent']);
    expect(kinds(history([pressed(3, { pollId: 7 })], []))).toEqual(['inconsistent']);
  });

  it('names each anomaly in one history holding a lost, a duplicate, a phantom and a misattributed vote', () => {
    const ok = pressed(1);
    const lost = pressed(2);
    const dup = pressed(3);
    const mis = pressed(4);
    const server = [storedFor(ok), storedFor(dup), storedFor(dup), storedFor(mis, { pollId: 2 }), storedFor(pressed(9))];
    const result = checkHistory(history([ok, lost, dup, mis], server), TOL);
    expect(result.counts).toMatchObject({ lost: 1, duplicated: 1, phantom: 1, misattributed: 1, inconsistent: 0 });
    expect(result.anomalies.map((a) => `${a.kind}:${a.voteId}`).sort()).toEqual(['duplicated:v3', 'lost:v2', 'misattributed:v4', 'phantom:v9']);
  });
});
