import { describe, expect, it } from 'vitest';
import type { PollInfo } from '../../src/protocol/messages.js';
import type { FeedbackCommand } from '../../src/kiosk/feedback/feedback.js';
import {
  initialKioskState,
  kioskStep,
  runKiosk,
  startupEffects,
  type KioskEffect,
  type KioskEvent,
  type KioskState,
} from '../../src/kiosk/state/kiosk-machine.js';

const poll3: PollInfo = { id: 7, question: 'Best fruit?', options: ['apple', 'pear', 'plum'], openedAt: 0 };
const poll2: PollInfo = { id: 8, question: 'Tea or coffee?', options: ['tea', 'coffee'], openedAt: 0 };

/** Effects without logs, in a compact form that reads like a script. */
function visible(effects: KioskEffect[]): string[] {
  return effects.flatMap((e) => {
    switch (e.type) {
      case 'record':
        return [`record(${e.button}, poll ${e.pollId}, at ${e.pressedAtMs})`];
      case 'startLockout':
        return [`lockout until ${e.untilMs}`];
      case 'feedback':
        return [show(e.command)];
      case 'log':
        return [];
    }
  });
}

function show(c: FeedbackCommand): string {
  return c.kind === 'showOptions' ? `showOptions(${c.count})` : c.kind === 'status' ? `status(${c.status})` : `${c.kind}(${'button' in c ? c.button : ''})`;
}

function logEvents(effects: KioskEffect[]): string[] {
  return effects.flatMap((e) => (e.type === 'log' ? [e.event] : []));
}

const online = (lockoutMs = 1500): KioskState => initialKioskState({ lockoutMs, poll: poll3, connection: 'online' });
const offline = (): KioskState => initialKioskState({ poll: poll3, connection: 'offline' });

describe('kiosk machine', () => {
  it('starts by lighting the options of the cached poll and the status', () => {
    expect(visible(startupEffects(online()))).toEqual(['showOptions(3)', 'status(online)']);
    expect(visible(startupEffects(initialKioskState()))).toEqual(['showOptions(0)', 'status(offline)']);
  });

  const table: { name: string; state: () => KioskState; events: KioskEvent[]; effects: string[] }[] = [
    {
      name: 'online: press, record, ack -> confirmed, lockout end restores the options',
      state: online,
      events: [
        { type: 'press', button: 2, atMs: 1000 },
        { type: 'recorded', button: 2, voteId: 'v1' },
        { type: 'acked', voteId: 'v1', status: 'stored', flagged: false },
        { type: 'lockoutExpired', atMs: 2500 },
      ],
      effects: ['record(2, poll 7, at 1000)', 'lockout until 2500', 'confirmed(2)', 'showOptions(3)'],
    },
    {
      name: 'a duplicate or flagged ack still confirms to the voter',
      state: online,
      events: [
        { type: 'press', button: 1, atMs: 0 },
        { type: 'recorded', button: 1, voteId: 'v1' },
        { type: 'acked', voteId: 'v1', status: 'duplicate', flagged: true },
      ],
      effects: ['record(1, poll 7, at 0)', 'lockout until 1500', 'confirmed(1)'],
    },
    {
      name: 'offline: recorded -> saved-offline pattern at once',
      state: offline,
      events: [
        { type: 'press', button: 3, atMs: 10 },
        { type: 'recorded', button: 3, voteId: 'v1' },
      ],
      effects: ['record(3, poll 7, at 10)', 'lockout until 1510', 'savedOffline(3)'],
    },
    {
      name: 'online, connection drops before the ack -> saved offline, then a late ack still confirms',
      state: online,
      events: [
        { type: 'press', button: 1, atMs: 0 },
        { type: 'recorded', button: 1, voteId: 'v1' },
        { type: 'connection', status: 'offline' },
        { type: 'connection', status: 'connecting' },
        { type: 'connection', status: 'online' },
        { type: 'acked', voteId: 'v1', status: 'duplicate', flagged: false },
      ],
      effects: [
        'record(1, poll 7, at 0)',
        'lockout until 1500',
        'status(offline)',
        'savedOffline(1)',
        'status(connecting)',
        'status(online)',
        'confirmed(1)',
      ],
    },
    {
      name: 'online but no answer before the lockout ends -> saved, will send',
      state: online,
      events: [
        { type: 'press', button: 2, atMs: 0 },
        { type: 'recorded', button: 2, voteId: 'v1' },
        { type: 'lockoutExpired', atMs: 1500 },
        { type: 'acked', voteId: 'v1', status: 'stored', flagged: false },
      ],
      effects: ['record(2, poll 7, at 0)', 'lockout until 1500', 'savedOffline(2)', 'showOptions(3)'],
    },
    {
      name: 'rejected by the server -> not accepted',
      state: online,
      events: [
        { type: 'press', button: 2, atMs: 0 },
        { type: 'recorded', button: 2, voteId: 'v1' },
        { type: 'rejected', voteId: 'v1', code: 'PV_POLL_CLOSED' },
      ],
      effects: ['record(2, poll 7, at 0)', 'lockout until 1500', 'notAccepted(2)'],
    },
    {
      name: 'no poll open: not accepted, nothing recorded, no lockout',
      state: () => initialKioskState({ connection: 'online' }),
      events: [
        { type: 'press', button: 1, atMs: 0 },
        { type: 'press', button: 1, atMs: 1 },
      ],
      effects: ['notAccepted(1)', 'notAccepted(1)'],
    },
    {
      name: 'a button beyond the poll\'s options: not accepted, nothing recorded',
      state: () => initialKioskState({ poll: poll2, connection: 'online' }),
      events: [{ type: 'press', button: 3, atMs: 0 }],
      effects: ['notAccepted(3)'],
    },
    {
      name: 'presses during the lockout are dropped; the first one after it counts',
      state: online,
      events: [
        { type: 'press', button: 1, atMs: 0 },
        { type: 'recorded', button: 1, voteId: 'v1' },
        { type: 'press', button: 2, atMs: 100 },
        { type: 'press', button: 1, atMs: 1499 },
        { type: 'lockoutExpired', atMs: 1500 },
        { type: 'press', button: 2, atMs: 1600 },
      ],
      effects: [
        'record(1, poll 7, at 0)',
        'lockout until 1500',
        'ignored(2)',
        'ignored(1)',
        'savedOffline(1)',
        'showOptions(3)',
        'record(2, poll 7, at 1600)',
        'lockout until 3100',
      ],
    },
    {
      name: 'a press after the lockout time counts even before the timer event arrives',
      state: online,
      events: [
        { type: 'press', button: 1, atMs: 0 },
        { type: 'recorded', button: 1, voteId: 'v1' },
        { type: 'acked', voteId: 'v1', status: 'stored', flagged: false },
        { type: 'press', button: 3, atMs: 1500 },
        { type: 'lockoutExpired', atMs: 1500 }, // stale: the new lockout runs until 3000
      ],
      effects: ['record(1, poll 7, at 0)', 'lockout until 1500', 'confirmed(1)', 'showOptions(3)', 'record(3, poll 7, at 1500)', 'lockout until 3000'],
    },
    {
      name: 'poll changes light the new options at once; closing it darkens them',
      state: online,
      events: [
        { type: 'pollChanged', poll: poll2 },
        { type: 'press', button: 3, atMs: 0 },
        { type: 'pollChanged', poll: null },
        { type: 'press', button: 1, atMs: 10 },
      ],
      effects: ['showOptions(2)', 'notAccepted(3)', 'showOptions(0)', 'notAccepted(1)'],
    },
    {
      name: 'the outbox failed to write: not accepted, never confirmed',
      state: online,
      events: [
        { type: 'press', button: 2, atMs: 0 },
        { type: 'recordFailed', button: 2 },
      ],
      effects: ['record(2, poll 7, at 0)', 'lockout until 1500', 'notAccepted(2)'],
    },
    {
      name: 'outcomes of older votes (resent after a reconnect) are not shown',
      state: online,
      events: [
        { type: 'acked', voteId: 'old-1', status: 'stored', flagged: false },
        { type: 'rejected', voteId: 'old-2', code: 'PV_POLL_CLOSED' },
      ],
      effects: [],
    },
    {
      name: 'status LED mirrors every change, once',
      state: offline,
      events: [
        { type: 'connection', status: 'connecting' },
        { type: 'connection', status: 'connecting' },
        { type: 'connection', status: 'error' },
        { type: 'connection', status: 'online' },
      ],
      effects: ['status(connecting)', 'status(error)', 'status(online)'],
    },
  ];

  it.each(table)('$name', ({ state, events, effects }) => {
    expect(visible(runKiosk(state(), events).effects)).toEqual(effects);
  });

  it('records before anything can show that the press counted', () => {
    const { effects } = kioskStep(offline(), { type: 'press', button: 1, atMs: 0 });
    expect(effects[0]).toEqual({ type: 'record', button: 1, pollId: 7, pressedAtMs: 0 });
    expect(effects.some((e) => e.type === 'feedback')).toBe(false);
  });

  it('logs presses that were dropped during the lockout', () => {
    const { effects } = runKiosk(online(), [
      { type: 'press', button: 1, atMs: 0 },
      { type: 'press', button: 1, atMs: 5 },
    ]);
    expect(logEvents(effects)).toContain('pressDuringLockout');
  });

  it('a lockout of 0 ms lets every press count', () => {
    const { effects } = runKiosk(online(0), [
      { type: 'press', button: 1, atMs: 0 },
      { type: 'recorded', button: 1, voteId: 'a' },
      { type: 'press', button: 2, atMs: 0 },
    ]);
    expect(visible(effects).filter((e) => e.startsWith('record'))).toEqual(['record(1, poll 7, at 0)', 'record(2, poll 7, at 0)']);
  });

  it('is pure: the input state is not modified', () => {
    const state = online();
    const frozen = JSON.stringify(state);
    runKiosk(state, [
      { type: 'press', button: 1, atMs: 0 },
      { type: 'recorded', button: 1, voteId: 'a' },
      { type: 'pollChanged', poll: poll2 },
    ]);
    expect(JSON.stringify(state)).toBe(frozen);
  });

  it('says why a press did not count, and whether a counted vote was flagged, for displays that can show it', () => {
    const online = { ...initialKioskState({ poll: poll2 }), connection: 'online' as const };
    const feedbackOf = (events: KioskEvent[], state: KioskState = online): FeedbackCommand[] =>
      runKiosk(state, events).effects.flatMap((e) => (e.type === 'feedback' && e.command.kind !== 'showOptions' ? [e.command] : []));
    expect(feedbackOf([{ type: 'press', button: 1, atMs: 0 }], initialKioskState())).toEqual([{ kind: 'notAccepted', button: 1, reason: { kind: 'noPoll' } }]);
    expect(feedbackOf([{ type: 'press', button: 3, atMs: 0 }])).toEqual([{ kind: 'notAccepted', button: 3, reason: { kind: 'notAnOption', options: 2 } }]);
    const pressed: KioskEvent[] = [{ type: 'press', button: 2, atMs: 0 }, { type: 'recorded', button: 2, voteId: 'v1' }];
    expect(feedbackOf([...pressed, { type: 'acked', voteId: 'v1', status: 'stored', flagged: true }])).toEqual([{ kind: 'confirmed', button: 2, flagged: true }]);
    expect(feedbackOf([...pressed, { type: 'rejected', voteId: 'v1', code: 'PV_POLL_CLOSED' }])).toEqual([
      { kind: 'notAccepted', button: 2, reason: { kind: 'refused', code: 'PV_POLL_CLOSED' } },
    ]);
    expect(feedbackOf([{ type: 'press', button: 2, atMs: 0 }, { type: 'recordFailed', button: 2 }])).toEqual([
      { kind: 'notAccepted', button: 2, reason: { kind: 'notSaved' } },
    ]);
    expect(feedbackOf([...pressed, { type: 'press', button: 1, atMs: 400 }])).toEqual([{ kind: 'ignored', button: 1, remainingMs: 1100 }]);
  });
});
