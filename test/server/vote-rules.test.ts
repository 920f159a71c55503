import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeVote } from '../../src/server/vote-rules.js';
import type { OpenedPoll } from '../../src/store/types.js';

const OPENED = 1_000_000;
const CLOSED = 1_060_000;
const open: OpenedPoll = {
  id: 7, question: 'Q?', options: ['a', 'b', 'c'], state: 'open', createdAt: OPENED, openedAt: OPENED, closedAt: null,
  opensAt: null, closesAt: null, publicResults: 'never',
};
const closed: OpenedPoll = { ...open, state: 'closed', closedAt: CLOSED };

describe('judgeVote', () => {
  it('pollId null -> PV_NO_POLL_OPEN, whatever poll is passed', () => {
    expect(judgeVote({ pollId: null, button: 1, ageMs: 0 }, open, OPENED + 1)).toMatchObject({ ok: false, code: 'PV_NO_POLL_OPEN' });
    expect(judgeVote({ pollId: null, button: 1, ageMs: null }, undefined, OPENED + 1)).toMatchObject({ ok: false, code: 'PV_NO_POLL_OPEN' });
  });

  it('unknown poll -> PV_UNKNOWN_POLL (also when the poll passed is another one)', () => {
    expect(judgeVote({ pollId: 8, button: 1, ageMs: 0 }, undefined, OPENED)).toMatchObject({ ok: false, code: 'PV_UNKNOWN_POLL' });
    expect(judgeVote({ pollId: 8, button: 1, ageMs: 0 }, open, OPENED)).toMatchObject({ ok: false, code: 'PV_UNKNOWN_POLL' });
  });

  it('buttons 1..options are valid; 0, options+1 and fractions are PV_BAD_BUTTON', () => {
    for (const button of [1, 2, 3]) expect(judgeVote({ pollId: 7, button, ageMs: 0 }, open, OPENED + 5).ok).toBe(true);
    for (const button of [0, 4, 8, -1, 1.5]) {
      expect(judgeVote({ pollId: 7, button, ageMs: 0 }, open, OPENED + 5)).toMatchObject({ ok: false, code: 'PV_BAD_BUTTON' });
    }
  });

  it('press time is receive time minus age', () => {
    expect(judgeVote({ pollId: 7, button: 1, ageMs: 300 }, open, OPENED + 10_000)).toEqual({ ok: true, pressedAt: OPENED + 9_700, clockUnknown: false });
  });

  it('an estimate before the poll opened is clamped up to openedAt (a kiosk cannot know a poll before it opens)', () => {
    expect(judgeVote({ pollId: 7, button: 1, ageMs: 5_000 }, open, OPENED + 1_000)).toEqual({ ok: true, pressedAt: OPENED, clockUnknown: false });
    // even a server clock that went backwards
    expect(judgeVote({ pollId: 7, button: 1, ageMs: 0 }, open, OPENED - 50)).toEqual({ ok: true, pressedAt: OPENED, clockUnknown: false });
  });

  it('pressed while open, received after close -> counted', () => {
    expect(judgeVote({ pollId: 7, button: 2, ageMs: 70_000 }, closed, CLOSED + 60_000)).toEqual({ ok: true, pressedAt: CLOSED - 10_000, clockUnknown: false });
  });

  it('pressed exactly at close counts; one ms after is PV_POLL_CLOSED', () => {
    expect(judgeVote({ pollId: 7, button: 1, ageMs: 1_000 }, closed, CLOSED + 1_000)).toMatchObject({ ok: true, pressedAt: CLOSED });
    expect(judgeVote({ pollId: 7, button: 1, ageMs: 999 }, closed, CLOSED + 1_000)).toMatchObject({ ok: false, code: 'PV_POLL_CLOSED' });
  });

  it('ageMs null -> accepted with clockUnknown, press time = receive time bounded by the poll', () => {
    expect(judgeVote({ pollId: 7, button: 1, ageMs: null }, open, OPENED + 42)).toEqual({ ok: true, pressedAt: OPENED + 42, clockUnknown: true });
    expect(judgeVote({ pollId: 7, button: 1, ageMs: null }, closed, CLOSED + 999_999)).toEqual({ ok: true, pressedAt: CLOSED, clockUnknown: true });
    expect(judgeVote({ pollId: 7, button: 1, ageMs: null }, closed, OPENED - 5)).toEqual({ ok: true, pressedAt: OPENED, clockUnknown: true });
  });

  it('checks in a fixed order: poll, then button, then time', () => {
    expect(judgeVote({ pollId: 7, button: 9, ageMs: 0 }, closed, CLOSED + 10)).toMatchObject({ code: 'PV_BAD_BUTTON' });
  });

  const poll = fc
    .record({ openedAt: fc.integer({ min: 0, max: 2e12 }), duration: fc.option(fc.integer({ min: 0, max: 1e9 })), options: fc.integer({ min: 2, max: 8 }) })
    .map(({ openedAt, duration, options }): OpenedPoll => ({
      ...open,
      id: 1,
      question: 'q',
      options: Array.from({ length: options }, (_, i) => `o${i}`),
      state: duration === null ? 'open' : 'closed',
      createdAt: openedAt,
      openedAt,
      closedAt: duration === null ? null : openedAt + duration,
    }));
  const offset = fc.integer({ min: -1e9, max: 2e9 });
  const age = fc.option(fc.integer({ min: 0, max: 366 * 24 * 3600 * 1000 }));

  it('property: an accepted vote is pressed within the poll\'s open interval', () => {
    fc.assert(
      fc.property(poll, offset, age, fc.integer({ min: 1, max: 8 }), (p, off, ageMs, button) => {
        const v = judgeVote({ pollId: 1, button, ageMs }, p, p.openedAt + off);
        if (!v.ok) return;
        expect(v.pressedAt).toBeGreaterThanOrEqual(p.openedAt);
        if (p.closedAt !== null) expect(v.pressedAt).toBeLessThanOrEqual(p.closedAt);
        expect(v.clockUnknown).toBe(ageMs === null);
      }),
    );
  });

  it('property: an older press is never judged later, and is accepted if a newer one is', () => {
    fc.assert(
      fc.property(poll, offset, fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 1e9 }), (p, off, a1, a2) => {
        const [young, old] = a1 <= a2 ? [a1, a2] : [a2, a1];
        const at = p.openedAt + off;
        const y = judgeVote({ pollId: 1, button: 1, ageMs: young }, p, at);
        const o = judgeVote({ pollId: 1, button: 1, ageMs: old }, p, at);
        if (y.ok) {
          expect(o.ok).toBe(true);
          if (o.ok) expect(o.pressedAt).toBeLessThanOrEqual(y.pressedAt);
        }
      }),
    );
  });

  it('property: on an open poll every valid button is accepted', () => {
    fc.assert(
      fc.property(poll, offset, age, (p, off, ageMs) => {
        const openPoll: OpenedPoll = { ...p, state: 'open', closedAt: null };
        for (let b = 1; b <= openPoll.options.length; b++) expect(judgeVote({ pollId: 1, button: b, ageMs }, openPoll, openPoll.openedAt + off).ok).toBe(true);
      }),
    );
  });
});
