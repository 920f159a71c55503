import { describe, expect, it } from 'vitest';
import { isPivoteError } from '../../../src/protocol/errors.js';
import { MAX_PAYLOAD_BYTES, countStored, decodeChange, decodeNotice, encodeChange } from '../../../src/store/postgres/changes.js';
import { isUnavailableError, redactUrl, toStoreError } from '../../../src/store/postgres/errors.js';
import { presenceRounds } from '../../../src/store/postgres/presence.js';
import { VoteNotices } from '../../../src/store/postgres/vote-notices.js';
import { decodeText, encodeText } from '../../../src/store/postgres/text-codec.js';
import fc from 'fast-check';
import type { StoreChange } from '../../../src/store/types.js';

/** The PostgreSQL engine's pure parts: no database needed, so these run everywhere. */

describe('change notification payloads', () => {
  const changes: Exclude<StoreChange, { kind: 'listening' } | { kind: 'listener-lost' }>[] = [
    { kind: 'poll', pollId: 3, change: 'opened' },
    { kind: 'poll', pollId: 3, change: 'deleted' },
    { kind: 'kiosks', kioskIds: ['hall-1', 'hall-2'], change: 'added' },
    { kind: 'kiosks', kioskIds: ['hall-1'], change: 'rotated' },
    { kind: 'kiosks', kioskIds: null, change: 'removed' },
    { kind: 'alert', alertId: 4, change: 'acknowledged' },
    { kind: 'alert-rules' },
    { kind: 'votes', polls: [{ pollId: 1, stored: 998, flagged: 2 }, { pollId: 2, stored: 1, flagged: 0 }] },
    { kind: 'votes', polls: null },
    { kind: 'presence', kioskIds: ['a', 'b'] },
    { kind: 'presence', kioskIds: null },
    { kind: 'kiosk-claimed', kioskId: 'hall-1', epoch: 7, serverId: 'server-b' },
  ];

  it.each(changes.map((c) => [c.kind, c] as const))('round-trips %s', (_kind, change) => {
    const payload = encodeChange(change);
    expect(Buffer.byteLength(payload)).toBeLessThan(MAX_PAYLOAD_BYTES);
    expect(decodeChange(payload)).toEqual(change);
  });

  it.each(changes.map((c) => [c.kind, c] as const))('round-trips %s with the origin of the store that sent it', (_kind, change) => {
    const origin = '2f1c1a0e-6a43-4c1e-9a51-58d6a1f4b0aa';
    const payload = encodeChange(change, origin);
    expect(Buffer.byteLength(payload)).toBeLessThan(MAX_PAYLOAD_BYTES);
    expect(decodeNotice(payload)).toEqual({ change, origin });
    expect(decodeNotice(encodeChange(change))).toEqual({ change, origin: undefined });
  });

  it('keeps payloads under the NOTIFY limit by leaving long lists out (null: re-read everything)', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `kiosk-with-a-long-name-${i}`);
    expect(decodeChange(encodeChange({ kind: 'presence', kioskIds: ids }))).toEqual({ kind: 'presence', kioskIds: null });
    expect(decodeChange(encodeChange({ kind: 'kiosks', kioskIds: ids, change: 'added' }))).toEqual({ kind: 'kiosks', kioskIds: null, change: 'added' });
    const polls = Array.from({ length: 1000 }, (_, i) => ({ pollId: i + 1, stored: 1000, flagged: 0 }));
    expect(decodeChange(encodeChange({ kind: 'votes', polls }))).toEqual({ kind: 'votes', polls: null });
  });

  it.each([
    ['not JSON', 'hello'],
    ['no payload', undefined],
    ['a JSON number', '42'],
    ['an unknown type', '{"t":"weather","id":1}'],
    ['a poll without id', '{"t":"poll","s":"open"}'],
    ['a poll change of an unknown kind', '{"t":"poll","id":1,"c":"painted"}'],
    ['a kiosk change of an unknown kind', '{"t":"kiosks","ids":["k"],"c":"exploded"}'],
    ['an alert without id', '{"t":"alert","c":"raised"}'],
    ['a negative vote count', '{"t":"votes","p":[[1,-1,0]]}'],
    ['a claim without server', '{"t":"claim","id":"k","e":1}'],
    ['presence ids that are not strings', '{"t":"presence","ids":[1,2]}'],
  ])('ignores %s', (_label, payload) => {
    expect(decodeChange(payload)).toBeUndefined();
  });

  it('counts a batch per poll, flagged apart', () => {
    expect(
      countStored([
        { pollId: 2, flagged: false },
        { pollId: 1, flagged: true },
        { pollId: 2, flagged: true },
        { pollId: 2, flagged: false },
      ]),
    ).toEqual([
      { pollId: 1, stored: 1, flagged: 1 },
      { pollId: 2, stored: 3, flagged: 1 },
    ]);
  });
});

describe('presence rounds', () => {
  it('puts a kiosk listed twice into a later round, keeping order', () => {
    const u = (kioskId: string, lastSeenAt: number) => ({ kioskId, lastSeenAt });
    expect(presenceRounds([u('a', 1), u('b', 1), u('a', 2), u('a', 3), u('c', 1)])).toEqual([
      [u('a', 1), u('b', 1), u('c', 1)],
      [u('a', 2)],
      [u('a', 3)],
    ]);
    expect(presenceRounds([])).toEqual([]);
  });
});

describe('which database errors mean "unavailable"', () => {
  const err = (props: Record<string, unknown>, message = 'boom'): Error => Object.assign(new Error(message), props);

  it.each([
    ['connection refused', err({ code: 'ECONNREFUSED', syscall: 'connect' })],
    ['a missing unix socket', err({ code: 'ENOENT', syscall: 'connect' })],
    ['a reset connection', err({ code: 'ECONNRESET' })],
    ['admin_shutdown (restart)', err({ code: '57P01' })],
    ['cannot_connect_now (starting up)', err({ code: '57P03' })],
    ['a connection exception (class 08)', err({ code: '08006' })],
    ['too many connections', err({ code: '53300' })],
    ['a read-only standby after failover', err({ code: '25006' })],
    ['a connection that ended', err({}, 'Connection terminated unexpectedly')],
    ['a connect timeout', err({}, 'timeout exceeded when trying to connect')],
    ['a query timeout', err({}, 'Query read timeout')],
    ['every address refused', Object.assign(new AggregateError([err({ code: 'ECONNREFUSED' }), err({ code: 'ECONNREFUSED' })], 'x'))],
  ])('%s is PV_STORE_UNAVAILABLE', (_label, e) => {
    expect(isUnavailableError(e)).toBe(true);
    const mapped = toStoreError(e, { target: 'postgres://db/x', writable: true });
    expect(isPivoteError(mapped, 'PV_STORE_UNAVAILABLE')).toBe(true);
    expect((mapped as Error).cause).toBe(e);
  });

  it.each([
    ['a unique violation', err({ code: '23505' })],
    ['a foreign key violation', err({ code: '23503' })],
    ['a syntax error', err({ code: '42601' })],
    ['a file that is missing (not a connect)', err({ code: 'ENOENT', syscall: 'open' })],
    ['a plain error', new Error('something else')],
  ])('%s is passed through unchanged', (_label, e) => {
    expect(toStoreError(e, { target: 't', writable: true })).toBe(e);
  });

  it.each([
    ['a wrong password', '28P01', 'PV_DB_ACCESS_DENIED'],
    ['an unknown role', '28000', 'PV_DB_ACCESS_DENIED'],
    ['a missing privilege', '42501', 'PV_DB_ACCESS_DENIED'],
    ['a database that does not exist', '3D000', 'PV_NOT_A_PIVOTE_DB'],
  ] as const)('%s is %s', (_label, code, expected) => {
    const mapped = toStoreError(err({ code }, 'what PostgreSQL said'), { target: 'postgres://db/x', writable: true });
    expect(isPivoteError(mapped, expected)).toBe(true);
    expect((mapped as Error).message).toContain('what PostgreSQL said');
  });

  it('a read-only error is a real error for a read-only store (it tried to write)', () => {
    const e = err({ code: '25006' });
    expect(toStoreError(e, { target: 't', writable: false })).toBe(e);
  });

  it('says when the outcome of a COMMIT is unknown', () => {
    const mapped = toStoreError(err({ code: 'ECONNRESET' }), { target: 't', writable: true, commitUnknown: true });
    expect(isPivoteError(mapped, 'PV_STORE_UNAVAILABLE') && mapped.details).toMatchObject({ outcome: 'unknown' });
    expect((mapped as Error).message).toMatch(/may or may not have committed/);
  });

  it('hides the password of a URL', () => {
    expect(redactUrl('postgres://pivote:s3cret@db.example:5432/votes')).toBe('postgres://pivote:***@db.example:5432/votes');
    expect(redactUrl('postgres://pivote@db/votes')).toBe('postgres://pivote@db/votes');
  });
});

describe('vote notices', () => {
  const fakeTimers = () => {
    let now = 0;
    let pending: { fn: () => void; at: number } | undefined;
    return {
      timers: {
        setTimeout: (fn: () => void, ms: number) => (pending = { fn, at: now + ms }),
        clearTimeout: () => (pending = undefined),
        now: () => now,
      },
      advance(ms: number) {
        now += ms;
        if (pending && pending.at <= now) {
          const { fn } = pending;
          pending = undefined;
          fn();
        }
      },
    };
  };

  it('sends the first batch at once, then at most one notice per interval with the counts added up', async () => {
    const sent: unknown[] = [];
    const clock = fakeTimers();
    const notices = new VoteNotices(async (c) => void sent.push(c), 100, clock.timers);
    notices.add([{ pollId: 1, stored: 3, flagged: 1 }]);
    expect(sent).toEqual([{ kind: 'votes', polls: [{ pollId: 1, stored: 3, flagged: 1 }] }]);
    clock.advance(10);
    notices.add([{ pollId: 1, stored: 2, flagged: 0 }]);
    notices.add([{ pollId: 2, stored: 5, flagged: 0 }, { pollId: 1, stored: 1, flagged: 1 }]);
    expect(sent).toHaveLength(1);
    clock.advance(89);
    expect(sent).toHaveLength(1);
    clock.advance(1);
    expect(sent[1]).toEqual({ kind: 'votes', polls: [{ pollId: 1, stored: 3, flagged: 1 }, { pollId: 2, stored: 5, flagged: 0 }] });
    clock.advance(500);
    notices.add([{ pollId: 2, stored: 1, flagged: 0 }]);
    expect(sent).toHaveLength(3);
  });

  it('close() sends what is pending and waits for the sends', async () => {
    const finish: (() => void)[] = [];
    const sent: unknown[] = [];
    const clock = fakeTimers();
    const notices = new VoteNotices(
      (c) =>
        new Promise<void>((resolve) => {
          sent.push(c);
          finish.push(resolve);
        }),
      100,
      clock.timers,
    );
    notices.add([{ pollId: 1, stored: 1, flagged: 0 }]);
    notices.add([{ pollId: 1, stored: 1, flagged: 0 }]);
    let closed = false;
    const closing = notices.close().then(() => (closed = true));
    expect(sent).toHaveLength(2);
    await Promise.resolve();
    expect(closed).toBe(false);
    for (const f of finish) f();
    await closing;
    expect(closed).toBe(true);
  });
});

describe('text codec (strings PostgreSQL text cannot hold as they are)', () => {
  const tricky = fc.string({ unit: fc.constantFrom('\u0000', '\\', '0', 'a', '\n', '\ud83d\ude00'), maxLength: 12 });

  it('round-trips, never writes NUL, and keeps distinct strings distinct', () => {
    fc.assert(
      fc.property(tricky, tricky, (a, b) => {
        expect(decodeText(encodeText(a))).toBe(a);
        expect(encodeText(a)).not.toContain('\u0000');
        if (a !== b) expect(encodeText(a)).not.toBe(encodeText(b));
      }),
      { numRuns: 2_000 },
    );
  });

  it('leaves ordinary strings as they are', () => {
    expect(encodeText('k1-000123')).toBe('k1-000123');
    expect(encodeText('a\u0000b\\')).toBe('a\\0b\\\\');
  });
});
