import { describe, expect, it } from 'vitest';
import type { Kiosk, Poll } from '../../src/web/api/types.js';
import { describeRule, emptyRuleForm, ruleFromForm } from '../../src/web/lib/alert-rules.js';
import { formatAgo, formatDuration, formatPercent, fromLocalInput, toLocalInput } from '../../src/web/lib/format.js';
import { busyHours, heatGrid } from '../../src/web/lib/heatmap.js';
import { fleetSummary, kioskWarnings } from '../../src/web/lib/kiosk-warnings.js';
import { retryDelayMs } from '../../src/web/lib/retry.js';

describe('dashboard formatting', () => {
  it('durations: two units at most, rounded down', () => {
    expect(formatDuration(45_900)).toBe('45 s');
    expect(formatDuration(12 * 60_000 + 59_000)).toBe('12 min');
    expect(formatDuration(3 * 3_600_000 + 5 * 60_000)).toBe('3 h 5 min');
    expect(formatDuration(2 * 3_600_000)).toBe('2 h');
    expect(formatDuration(2 * 86_400_000 + 4 * 3_600_000 + 59 * 60_000)).toBe('2 d 4 h');
    expect(formatDuration(-5)).toBe('0 s');
  });

  it('relative times and percentages as the server sends them', () => {
    const now = Date.parse('2026-12-04T10:10:00.000Z');
    expect(formatAgo(null, now)).toBe('never');
    expect(formatAgo('2026-12-04T10:09:58.000Z', now)).toBe('just now');
    expect(formatAgo('2026-12-04T10:07:00.000Z', now)).toBe('3 min ago');
    expect(formatPercent(50)).toBe('50.0 %');
    expect(formatPercent(33.3)).toBe('33.3 %');
  });

  it('datetime-local values round-trip through ISO strings in the local zone', () => {
    const iso = fromLocalInput('2026-12-04T18:30');
    expect(iso).not.toBeNull();
    expect(toLocalInput(iso)).toBe('2026-12-04T18:30');
    expect(fromLocalInput('')).toBeNull();
    expect(toLocalInput(null)).toBe('');
  });
});

describe('heat map grid', () => {
  const cells = [
    { weekday: 1, hour: 11, count: 40, firstShare: 55 },
    { weekday: 7, hour: 15, count: 10, firstShare: 20 },
  ];

  it('is 7 × 24, Monday first, empty cells at zero; votes scale to the busiest cell', () => {
    const grid = heatGrid(cells, 'votes');
    expect(grid).toHaveLength(7);
    expect(grid.every((row) => row.length === 24)).toBe(true);
    expect(grid[0]![11]).toMatchObject({ weekday: 1, hour: 11, count: 40, level: 1 });
    expect(grid[6]![15]).toMatchObject({ count: 10, level: 0.25 });
    expect(grid[3]![3]).toMatchObject({ count: 0, firstShare: null, level: 0 });
  });

  it('share mode reads the first option\'s share; the hours shown are 08–20, widened to every hour with votes', () => {
    const grid = heatGrid(cells, 'share');
    expect(grid[0]![11]!.level).toBeCloseTo(0.55);
    expect(grid[6]![15]!.level).toBeCloseTo(0.2);
    expect(busyHours(cells)).toEqual({ from: 8, to: 20 });
    expect(busyHours([])).toEqual({ from: 8, to: 20 });
    expect(busyHours([{ weekday: 6, hour: 23, count: 2, firstShare: 50 }, { weekday: 7, hour: 6, count: 1, firstShare: 0 }])).toEqual({ from: 6, to: 23 });
  });
});

describe('alert rules in words and from the form', () => {
  it('describes each kind', () => {
    expect(describeRule({ kind: 'kiosk-offline', params: { minutes: 10 } })).toBe('A kiosk is offline or silent for 10 min');
    expect(describeRule({ kind: 'flagged-burst', params: { count: 5, minutes: 2 } })).toBe('5 flagged presses within 2 min');
    expect(describeRule({ kind: 'option-share', params: { button: 3, below: 20, lastVotes: 50 } }, ['Great', 'OK', 'Poor']))
      .toBe('The share of option 3 (“Poor”) is below 20 % over the last 50 votes');
  });

  it('turns the form into a rule, or names the field out of range', () => {
    expect(ruleFromForm({ ...emptyRuleForm, kind: 'option-share', button: '2', direction: 'above', percent: '70', lastVotes: '30' }))
      .toEqual({ rule: { kind: 'option-share', params: { button: 2, above: 70, lastVotes: 30 } } });
    expect(ruleFromForm({ ...emptyRuleForm, kind: 'flagged-burst', count: '3', minutes: '1' }))
      .toEqual({ rule: { kind: 'flagged-burst', params: { count: 3, minutes: 1 } } });
    expect(ruleFromForm({ ...emptyRuleForm, kind: 'kiosk-offline', minutes: '0' })).toMatchObject({ field: 'minutes' });
    expect(ruleFromForm({ ...emptyRuleForm, kind: 'option-share', percent: '101' })).toMatchObject({ field: 'percent' });
    expect(ruleFromForm({ ...emptyRuleForm, kind: 'option-share', button: '9' })).toMatchObject({ field: 'button' });
  });
});

describe('fleet warnings', () => {
  const poll: Poll = {
    id: 1, question: 'q', options: ['a', 'b', 'c', 'd'], state: 'open', createdAt: '2026-12-01T00:00:00.000Z', openedAt: null, closedAt: null, opensAt: null, closesAt: null,
    publicResults: 'never', kiosksShort: [{ id: 'small', buttons: 2 }],
  };
  const kiosk = (id: string, over: Partial<Kiosk> = {}): Kiosk => ({
    id, name: id, location: '', online: true, onlineSince: null, offlineSince: null, lastSeenAt: null, software: null, queued: 0,
    buttons: 4, votesToday: 0, revoked: false, revokedAt: null, createdAt: '2026-12-01T00:00:00.000Z', idConflict: null, ...over,
  });

  it('warns of missing buttons, an id used by two devices, and votes queued on an offline kiosk', () => {
    expect(kioskWarnings(kiosk('ok'), poll)).toEqual([]);
    expect(kioskWarnings(kiosk('small', { buttons: 2 }), poll)[0]).toMatch(/2 buttons but the poll has 4 options: nobody can vote for “c”, “d”/);
    expect(kioskWarnings(kiosk('twin', { idConflict: { at: 'x', addresses: ['10.0.0.5', '10.0.0.9'] } }), poll)[0]).toMatch(/10\.0\.0\.5, 10\.0\.0\.9/);
    expect(kioskWarnings(kiosk('q', { online: false, queued: 7 }), poll)[0]).toMatch(/^7 votes wait/);
    expect(kioskWarnings(kiosk('small', { buttons: 2 }), { ...poll, state: 'closed' })).toEqual([]);
  });

  it('counts online, offline, revoked and kiosks with warnings', () => {
    const kiosks = [kiosk('a'), kiosk('b', { online: false }), kiosk('c', { revoked: true, online: false }), kiosk('small', { buttons: 2 })];
    expect(fleetSummary(kiosks, poll)).toEqual({ online: 2, offline: 1, revoked: 1, withWarnings: 1 });
  });
});

describe('reconnect delay', () => {
  it('doubles from 1 s up to 15 s, jittered within the upper half', () => {
    expect(retryDelayMs(0, () => 0)).toBe(500);
    expect(retryDelayMs(0, () => 1)).toBe(1000);
    expect(retryDelayMs(3, () => 1)).toBe(8000);
    expect(retryDelayMs(10, () => 0)).toBe(7500);
    expect(retryDelayMs(10, () => 1)).toBe(15_000);
  });
});
