import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src/protocol/codec.js';
import { isPivoteError } from '../../src/protocol/errors.js';
import { MAX_KIOSK_FRAME_BYTES } from '../../src/protocol/messages.js';
import { parseKioskMessage, parseServerMessage } from '../../src/protocol/validate.js';
import { ROOT } from '../e2e/build.js';

/**
 * docs/PROTOCOL.md's field reference is the contract a kiosk in another language is written
 * from. This test reads the table and, for every row, builds values that break the row (missing,
 * another JSON type, just out of range, a fraction, a lone surrogate, a character outside the
 * allowed set) and values that sit exactly on its edges, and asserts the validator answers with
 * the code the row gives, or accepts.
 */

interface Row {
  message: string;
  field: string;
  type: string;
  required: string;
  range: string;
  missing: string;
  wrongType: string;
  outOfRange: string;
}

const unquote = (cell: string): string => cell.replace(/`/g, '').trim();

function readTable(): Row[] {
  const doc = readFileSync(join(ROOT, 'docs', 'PROTOCOL.md'), 'utf8');
  const start = doc.indexOf('<!-- field-reference:start -->');
  const end = doc.indexOf('<!-- field-reference:end -->');
  expect(start, 'docs/PROTOCOL.md has the field-reference markers').toBeGreaterThan(0);
  const lines = doc.slice(start, end).split('\n').filter((l) => l.startsWith('|'));
  const [header, , ...body] = lines;
  expect(header).toBe('| message | field | type | required | range | missing | wrong type | out of range |');
  return body.map((line) => {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    expect(cells, line).toHaveLength(8);
    const [message, field, type, required, range, missing, wrongType, outOfRange] = cells.map(unquote) as [string, ...string[]];
    return { message, field, type, required, range, missing, wrongType, outOfRange } as Row;
  });
}

const POLL = { id: 3, question: 'Tea or coffee?', options: ['Tea', 'Coffee'], openedAt: 1_700_000_000_000 };
const HEX = 'ab'.repeat(32);

/** A valid instance of every message; each row's field is then broken in it. */
const VALID: Record<string, Record<string, unknown>> = {
  hello: { type: 'hello', v: 1, kioskId: 'hall-1', software: 'pivote/0.1.0', buttons: 4 },
  auth: { type: 'auth', mac: HEX },
  vote: { type: 'vote', voteId: 'v-1', seq: 1, pollId: 3, button: 2, ageMs: 0 },
  heartbeat: { type: 'heartbeat', queued: 0 },
  challenge: { type: 'challenge', v: 1, nonce: HEX, serverTime: 1 },
  welcome: { type: 'welcome', kioskId: 'hall-1', window: 64, heartbeatMs: 15_000, poll: POLL, serverTime: 1 },
  poll: { type: 'poll', poll: POLL },
  ack: { type: 'ack', voteId: 'v-1', seq: 1, status: 'stored', flagged: false },
  reject: { type: 'reject', voteId: 'v-1', seq: 1, code: 'PV_POLL_CLOSED', message: 'closed' },
  heartbeat_ack: { type: 'heartbeat_ack', serverTime: 1 },
  error: { type: 'error', code: 'PV_INTERNAL', message: 'boom' },
};
const FROM_KIOSK = new Set(['hello', 'auth', 'vote', 'heartbeat']);

/** The message with `field` set to `value` (`undefined` removes it); PollInfo rows go through `poll`. */
function messageWith(row: Row, value: unknown): Record<string, unknown> {
  if (row.message === 'PollInfo') {
    const poll: Record<string, unknown> = { ...POLL };
    if (value === undefined) delete poll[row.field];
    else poll[row.field] = value;
    return { type: 'poll', poll };
  }
  const msg = { ...VALID[row.message] };
  expect(msg, `a valid ${row.message} in this test`).toHaveProperty('type');
  if (value === undefined) delete msg[row.field];
  else msg[row.field] = value;
  return msg;
}

/** null when the validator accepts, else the code it throws. */
function verdict(message: Record<string, unknown>): string | null {
  try {
    if (FROM_KIOSK.has(message.type as string)) parseKioskMessage(message);
    else parseServerMessage(message);
    return null;
  } catch (err) {
    if (!isPivoteError(err)) throw err;
    return err.code;
  }
}

/** "—" in a code column means the validator accepts that case. */
const expected = (cell: string): string | null => (cell === '—' ? null : cell);

function intRange(range: string): [number, number] {
  const digits = (s: string): number => Number(s.replace(/\s/g, ''));
  const between = /^(-?[\d\s]+?)\s*–\s*([\d\s]+)$/.exec(range);
  if (between) return [digits(between[1]!), digits(between[2]!)];
  const atLeast = /^≥\s*(\d+)$/.exec(range);
  if (atLeast) return [digits(atLeast[1]!), Number.MAX_SAFE_INTEGER];
  throw new Error(`cannot read the integer range "${range}"`);
}

function strRange(range: string): { min: number; max: number; alphabet: string | undefined } {
  const m = /^(\d+)–(\d+) code points(?: of (.+))?$/.exec(range);
  if (!m) throw new Error(`cannot read the string range "${range}"`);
  return { min: Number(m[1]), max: Number(m[2]), alphabet: m[3] };
}

interface Case {
  what: string;
  value: unknown;
  code: string | null;
}

/** Every value the row says something about, with the answer it promises. */
function casesFor(row: Row): Case[] {
  const cases: Case[] = [];
  const required = row.required.startsWith('yes');
  cases.push({ what: 'missing', value: undefined, code: required ? expected(row.missing) : null });
  if (required && row.missing !== '—') expect(row.missing, `${row.message}.${row.field}: a required field has a code when missing`).toMatch(/^PV_/);
  const bad = expected(row.outOfRange);
  const wrong = expected(row.wrongType);
  const nullable = row.type.endsWith(' or null');
  if (nullable) cases.push({ what: 'null', value: null, code: null });
  else cases.push({ what: 'null', value: null, code: wrong });

  const type = row.type.replace(/ or null$/, '');
  if (type === 'integer') {
    const [min, max] = intRange(row.range);
    cases.push({ what: 'a string', value: String(min), code: wrong }, { what: 'a boolean', value: true, code: wrong });
    cases.push({ what: 'min', value: min, code: null }, { what: 'max', value: max, code: null });
    cases.push({ what: 'min - 1', value: min - 1, code: bad }, { what: 'a fraction', value: min + 0.5, code: bad });
    cases.push({ what: 'max + 1', value: max === Number.MAX_SAFE_INTEGER ? 2 ** 53 : max + 1, code: bad });
  } else if (type === 'string') {
    cases.push({ what: 'a number', value: 1, code: wrong }, { what: 'an array', value: ['x'], code: wrong });
    if (row.range.startsWith('any')) {
      cases.push({ what: 'an unknown code', value: 'PV_FROM_THE_FUTURE', code: null });
    } else if (row.range === '64 lower-case hex digits') {
      cases.push({ what: '64 hex', value: 'f0'.repeat(32), code: null });
      cases.push({ what: 'upper case', value: 'F0'.repeat(32), code: bad });
      cases.push({ what: '63 digits', value: 'f'.repeat(63), code: bad }, { what: '65 digits', value: 'f'.repeat(65), code: bad });
      cases.push({ what: 'not hex', value: 'g'.repeat(64), code: bad });
    } else {
      const { min, max, alphabet } = strRange(row.range);
      // Lengths in code points: an astral character is one, though it is two UTF-16 units.
      const unit = alphabet === undefined ? '😀' : 'a';
      cases.push({ what: `${max} code points`, value: unit.repeat(max), code: null });
      cases.push({ what: `${min} code points`, value: unit.repeat(min), code: null });
      cases.push({ what: `${max + 1} code points`, value: unit.repeat(max + 1), code: bad });
      if (min > 0) cases.push({ what: `${min - 1} code points`, value: unit.repeat(min - 1), code: bad });
      cases.push({ what: 'a lone surrogate', value: `a\ud800`, code: bad });
      if (alphabet !== undefined) {
        for (const ch of [' ', '/', 'é', ':']) cases.push({ what: `"${ch}"`, value: `a${ch}b`, code: bad });
        cases.push({ what: 'every allowed character', value: 'AZaz09._-', code: null });
        cases.push({ what: 'upper and lower case', value: 'Hall-1', code: null });
      }
    }
  } else if (type === 'boolean') {
    cases.push({ what: 'a number', value: 1, code: wrong }, { what: 'a string', value: 'true', code: wrong });
    cases.push({ what: 'true', value: true, code: null }, { what: 'false', value: false, code: null });
  } else if (/^".+" or ".+"$/.test(type)) {
    const allowed = [...type.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    for (const v of allowed) cases.push({ what: v, value: v, code: null });
    cases.push({ what: 'another string', value: 'maybe', code: bad }, { what: 'a number', value: 1, code: wrong });
  } else if (type === 'PollInfo') {
    cases.push({ what: 'a string', value: 'poll', code: wrong }, { what: 'an array', value: [], code: wrong });
    cases.push({ what: 'a poll', value: POLL, code: null });
    cases.push({ what: 'a poll with 9 options', value: { ...POLL, options: Array.from({ length: 9 }, (_, i) => `o${i}`) }, code: bad });
  } else if (type === 'array of strings') {
    const m = /^(\d+) – (\d+) items of (\d+)–(\d+) code points$/.exec(row.range);
    if (!m) throw new Error(`cannot read the array range "${row.range}"`);
    const [minItems, maxItems, minLen, maxLen] = m.slice(1).map(Number) as [number, number, number, number];
    const items = (n: number, len = minLen): string[] => Array.from({ length: n }, (_, i) => `${i}`.padEnd(len, 'x'));
    cases.push({ what: 'a string', value: 'Tea', code: wrong });
    cases.push({ what: `${minItems} items`, value: items(minItems), code: null }, { what: `${maxItems} items`, value: items(maxItems), code: null });
    cases.push({ what: `${minItems - 1} items`, value: items(minItems - 1), code: bad }, { what: `${maxItems + 1} items`, value: items(maxItems + 1), code: bad });
    cases.push({ what: `an item of ${maxLen} code points`, value: ['😀'.repeat(maxLen), 'b'], code: null });
    cases.push({ what: `an item of ${maxLen + 1}`, value: ['x'.repeat(maxLen + 1), 'b'], code: bad });
    cases.push({ what: 'an empty item', value: ['', 'b'], code: bad }, { what: 'a number item', value: [1, 'b'], code: wrong });
  } else {
    throw new Error(`the test does not know the type "${row.type}" (${row.message}.${row.field})`);
  }
  return cases;
}

describe('docs/PROTOCOL.md field reference agrees with the validator', () => {
  const rows = readTable();

  it('lists every field the validator reads, of every message', () => {
    const listed = new Set(rows.map((r) => `${r.message}.${r.field}`));
    for (const [type, msg] of Object.entries(VALID)) {
      for (const field of Object.keys(msg)) if (field !== 'type') expect(listed, `${type}.${field}`).toContain(`${type}.${field}`);
    }
    for (const field of Object.keys(POLL)) expect(listed).toContain(`PollInfo.${field}`);
    // And nothing the validator does not know: every row's message is one of ours.
    for (const r of rows) expect([...Object.keys(VALID), 'PollInfo']).toContain(r.message);
  });

  it.each(rows.map((r) => [`${r.message}.${r.field}`, r] as const))('%s', (_name, row) => {
    for (const c of casesFor(row)) {
      expect(verdict(messageWith(row, c.value)), `${row.message}.${row.field} = ${c.what}`).toBe(c.code);
    }
  });

  it('an integer is judged by its value, not its spelling: 1.0 and 1e0 are the integer 1', () => {
    for (const spelling of ['1', '1.0', '1e0', '10e-1']) {
      const [frame] = new FrameDecoder(MAX_KIOSK_FRAME_BYTES).push(Buffer.from(`{"type":"heartbeat","queued":${spelling}}\n`));
      expect(frame?.ok).toBe(true);
      expect(parseKioskMessage((frame as { value: unknown }).value)).toEqual({ type: 'heartbeat', queued: 1 });
    }
  });

  it('a tolerated \\r counts toward the frame limit', () => {
    // MAX_KIOSK_FRAME_BYTES bytes with the \n: within the limit (then judged as JSON)…
    const atLimit = Buffer.from(`${'x'.repeat(MAX_KIOSK_FRAME_BYTES - 1)}\n`);
    expect(new FrameDecoder(MAX_KIOSK_FRAME_BYTES).push(atLimit)[0]).toMatchObject({ ok: false, error: { code: 'PV_BAD_JSON' } });
    // …and the same line ended with \r\n is one byte over.
    const withCr = Buffer.from(`${'x'.repeat(MAX_KIOSK_FRAME_BYTES - 1)}\r\n`);
    expect(new FrameDecoder(MAX_KIOSK_FRAME_BYTES).push(withCr)[0]).toMatchObject({ ok: false, error: { code: 'PV_FRAME_TOO_LARGE' } });
  });
});
