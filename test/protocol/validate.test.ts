import { describe, expect, it } from 'vitest';
import { PivoteError } from '../../src/protocol/errors.js';
import { parseKioskMessage, parseServerMessage } from '../../src/protocol/validate.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof PivoteError) return err.code;
    throw err;
  }
  return 'no error';
}

const vote = { type: 'vote', voteId: 'a1', seq: 1, pollId: 3, button: 2, ageMs: 10 };

describe('parseKioskMessage', () => {
  it('accepts every valid kiosk message and drops unknown extra fields', () => {
    expect(parseKioskMessage({ type: 'hello', v: 1, kioskId: 'k-1.a_b', software: 'x', extra: 1 })).toEqual({
      type: 'hello', v: 1, kioskId: 'k-1.a_b', software: 'x',
    });
    expect(parseKioskMessage({ type: 'auth', mac: 'a'.repeat(64) })).toEqual({ type: 'auth', mac: 'a'.repeat(64) });
    expect(parseKioskMessage(vote)).toEqual(vote);
    expect(parseKioskMessage({ ...vote, pollId: null, ageMs: null })).toMatchObject({ pollId: null, ageMs: null });
    expect(parseKioskMessage({ type: 'heartbeat', queued: 0 })).toEqual({ type: 'heartbeat', queued: 0 });
  });

  it.each([
    ['not an object', [1], 'PV_BAD_MESSAGE'],
    ['type missing', { v: 1 }, 'PV_BAD_MESSAGE'],
    ['unknown type', { type: 'launch' }, 'PV_UNKNOWN_TYPE'],
    ['kiosk id with a space', { type: 'hello', v: 1, kioskId: 'a b', software: '' }, 'PV_BAD_MESSAGE'],
    ['kiosk id too long', { type: 'hello', v: 1, kioskId: 'a'.repeat(65), software: '' }, 'PV_BAD_MESSAGE'],
    ['mac upper-case', { type: 'auth', mac: 'A'.repeat(64) }, 'PV_BAD_MESSAGE'],
    ['mac short', { type: 'auth', mac: 'a'.repeat(63) }, 'PV_BAD_MESSAGE'],
    ['seq zero', { ...vote, seq: 0 }, 'PV_BAD_MESSAGE'],
    ['seq a string', { ...vote, seq: '1' }, 'PV_BAD_MESSAGE'],
    ['seq fractional', { ...vote, seq: 1.5 }, 'PV_BAD_MESSAGE'],
    ['seq beyond 2^53', { ...vote, seq: 2 ** 60 }, 'PV_BAD_MESSAGE'],
    ['button 9', { ...vote, button: 9 }, 'PV_BAD_MESSAGE'],
    ['button 0', { ...vote, button: 0 }, 'PV_BAD_MESSAGE'],
    ['negative age', { ...vote, ageMs: -1 }, 'PV_BAD_MESSAGE'],
    ['age of ten years', { ...vote, ageMs: 10 * 366 * 86_400_000 }, 'PV_BAD_MESSAGE'],
    ['pollId missing', { type: 'vote', voteId: 'a', seq: 1, button: 1, ageMs: 0 }, 'PV_BAD_MESSAGE'],
    ['voteId empty', { ...vote, voteId: '' }, 'PV_BAD_MESSAGE'],
    ['queued negative', { type: 'heartbeat', queued: -5 }, 'PV_BAD_MESSAGE'],
  ])('refuses %s', (_name, value, code) => {
    expect(codeOf(() => parseKioskMessage(value))).toBe(code);
  });
});

describe('parseServerMessage', () => {
  const poll = { id: 1, question: 'How was it?', options: ['Good', 'Bad'], openedAt: 1 };
  it('accepts every valid server message', () => {
    expect(parseServerMessage({ type: 'challenge', v: 1, nonce: 'f'.repeat(64), serverTime: 5 }).type).toBe('challenge');
    expect(parseServerMessage({ type: 'welcome', kioskId: 'k', window: 64, heartbeatMs: 15000, poll, serverTime: 1 })).toMatchObject({ poll });
    expect(parseServerMessage({ type: 'poll', poll: null })).toEqual({ type: 'poll', poll: null });
    expect(parseServerMessage({ type: 'ack', voteId: 'v', seq: 1, status: 'duplicate', flagged: false }).type).toBe('ack');
    expect(parseServerMessage({ type: 'reject', voteId: 'v', seq: 1, code: 'PV_POLL_CLOSED', message: 'm' })).toMatchObject({ code: 'PV_POLL_CLOSED' });
    expect(parseServerMessage({ type: 'heartbeat_ack', serverTime: 1 }).type).toBe('heartbeat_ack');
  });
  it('maps an error code it does not know to PV_INTERNAL', () => {
    expect(parseServerMessage({ type: 'error', code: 'PV_FROM_THE_FUTURE', message: 'x' })).toMatchObject({ code: 'PV_INTERNAL' });
  });
  it('refuses a poll with one option and an ack with an unknown status', () => {
    expect(codeOf(() => parseServerMessage({ type: 'poll', poll: { ...poll, options: ['x'] } }))).toBe('PV_BAD_MESSAGE');
    expect(codeOf(() => parseServerMessage({ type: 'ack', voteId: 'v', seq: 1, status: 'ok', flagged: false }))).toBe('PV_BAD_MESSAGE');
  });
});
