import fc from 'fast-check';
import type { ErrorCode } from '../../../src/protocol/errors.js';
import { MAX_KIOSK_FRAME_BYTES } from '../../../src/protocol/messages.js';

/**
 * Hostile kiosk frames as bytes, for the property tests and the live fuzz. A frame is written as
 * JSON *text* (not JSON.stringify of a value) so it can hold what JSON.stringify never produces:
 * 1e999, -0, 2^53+1 written out, duplicate and `__proto__` keys, invalid UTF-8.
 *
 * `Fatal` frames are sure to close the connection, whatever state it is in, with one of `codes`.
 */

export interface Fatal {
  kind: string;
  bytes: Buffer;
  codes: readonly ErrorCode[];
}

const line = (text: string): Buffer => Buffer.from(text + '\n', 'utf8');
const q = JSON.stringify;

export const helloText = (kioskId: string, v = '1', software = '"fuzz/1"'): string => `{"type":"hello","v":${v},"kioskId":${q(kioskId)},"software":${software}}`;
export const voteText = (f: { voteId: string; seq: string; pollId: string; button: string; ageMs: string }): string =>
  `{"type":"vote","voteId":${f.voteId},"seq":${f.seq},"pollId":${f.pollId},"button":${f.button},"ageMs":${f.ageMs}}`;

/** Nested arrays or objects `depth` deep: JSON.parse copes (it is iterative), a recursive walker would not. */
export function deepNest(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** JSON number literals a careless validator lets through. */
export const ABSURD_NUMBERS = [
  '1e308', '-1e308', '1e999', '-1e999', '1E400', '9007199254740993', '9007199254740992', '-9007199254740993',
  '123456789012345678901234567890', '1.5', '0.5e1', '1e-400', '-1', '-0.0', '4.9e-324',
] as const;

const NOT_A_STRING = ['null', 'true', 'false', '0', '-0', '1e999', '[]', '{}', '["x"]', '{"a":"b"}'] as const;
const NOT_AN_INTEGER = ['null', 'true', '"1"', '[]', '{}', '[1]', '1.5', '1e308', '1e999', '-1e999', '9007199254740993', '123456789012345678901234567890'] as const;

/** For each message field, values that are certainly invalid there (PV_BAD_MESSAGE). */
const BAD_FIELDS: Record<string, Record<string, readonly string[]>> = {
  hello: {
    v: [...NOT_AN_INTEGER, '-1'],
    kioskId: [...NOT_A_STRING, '""', '"bad id"', '"k1\\n"', '"\\u0000"', q('a'.repeat(65)), '"k\\u00e9"'],
    software: [...NOT_A_STRING, q('s'.repeat(65)), '"x\\udc00"'],
  },
  auth: {
    mac: [...NOT_A_STRING, '""', q('A'.repeat(64)), q('a'.repeat(63)), q('a'.repeat(65)), q('g'.repeat(64)), q('0'.repeat(62) + '\\n')],
  },
  vote: {
    // A lone surrogate is legal JSON but not text (regression: see vote-id-roundtrip.test.ts).
    voteId: [...NOT_A_STRING, '""', q('v'.repeat(65)), q('v'.repeat(8000)), '"\\ud800"', '"a\\udfff"'],
    seq: [...NOT_AN_INTEGER, '0', '-0', '-1'],
    pollId: ['true', '"1"', '[]', '{}', '1.5', '0', '-0', '-1', '1e999', '9007199254740993'],
    button: [...NOT_AN_INTEGER, '0', '-0', '9', '-1'],
    ageMs: ['true', '"0"', '[]', '{}', '1.5', '-1', '1e308', '31622400001', '9007199254740993'],
  },
  heartbeat: {
    queued: [...NOT_AN_INTEGER, '-1'],
  },
};

const GOOD_FIELDS: Record<string, Record<string, string>> = {
  hello: { v: '1', kioskId: '"k1"', software: '"fuzz/1"' },
  auth: { mac: q('ab'.repeat(32)) },
  vote: { voteId: '"v-1"', seq: '1', pollId: '1', button: '1', ageMs: '0' },
  heartbeat: { queued: '0' },
};

function messageText(type: string, fields: Record<string, string | undefined>): string {
  const parts = [`"type":${q(type)}`];
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) parts.push(`${q(k)}:${v}`);
  return `{${parts.join(',')}}`;
}

/** A well-formed message of some type with one field replaced by a certainly-invalid value, or left out. */
export const wrongFieldFrame: fc.Arbitrary<Fatal> = fc
  .constantFrom(...Object.keys(BAD_FIELDS))
  .chain((type) => fc.tuple(fc.constant(type), fc.constantFrom(...Object.keys(BAD_FIELDS[type]!))))
  .chain(([type, field]) =>
    fc.tuple(fc.constant(type), fc.constant(field), fc.option(fc.constantFrom(...BAD_FIELDS[type]![field]!), { nil: undefined, freq: 6 })),
  )
  .map(([type, field, bad]) => ({
    kind: bad === undefined ? `${type} without ${field}` : `${type}.${field}=${bad.slice(0, 20)}`,
    bytes: line(messageText(type, { ...GOOD_FIELDS[type]!, [field]: bad })),
    codes: ['PV_BAD_MESSAGE'] as const,
  }));

/** A line that is not JSON at all: a raw control character is invalid anywhere in JSON. */
export const notJsonFrame: fc.Arbitrary<Fatal> = fc
  .string({ maxLength: 200, unit: 'binary' })
  .filter((s) => !s.includes('\n'))
  .map((s) => ({ kind: 'not JSON', bytes: line(`${s}\u0001`), codes: ['PV_BAD_JSON'] as const }));

export const nonObjectFrame: fc.Arbitrary<Fatal> = fc
  .oneof(
    fc.constantFrom('null', '0', '-0', '1e999', '"hello"', 'true', '[]', '[{"type":"hello"}]', ...ABSURD_NUMBERS),
    fc.integer({ min: 1, max: 4000 }).map((d) => deepNest(d, 'array')),
  )
  .map((text) => ({ kind: 'not an object', bytes: line(text), codes: ['PV_BAD_JSON'] as const }));

/** Number literals JSON does not have: the whole frame is not JSON. */
export const badLiteralFrame: fc.Arbitrary<Fatal> = fc
  .tuple(fc.constantFrom('NaN', 'Infinity', '-Infinity', '0x10', '01', '+1', '.5', '1.', '1e', '--1', 'undefined'), fc.constantFrom('queued', 'seq', 'button'))
  .map(([literal, field]) => ({
    kind: `literal ${literal}`,
    bytes: line(field === 'queued' ? `{"type":"heartbeat","queued":${literal}}` : voteText({ voteId: '"v"', seq: '1', pollId: '1', button: '1', ageMs: '0', [field]: literal })),
    codes: ['PV_BAD_JSON'] as const,
  }));

export const deepObjectFrame: fc.Arbitrary<Fatal> = fc
  .integer({ min: 1, max: 1300 })
  .map((d) => ({ kind: `object ${d} deep`, bytes: line(deepNest(d, 'object')), codes: ['PV_BAD_MESSAGE'] as const }));

export const unknownTypeFrame: fc.Arbitrary<Fatal> = fc
  .string({ maxLength: 60, unit: 'grapheme' })
  .filter((t) => !['hello', 'auth', 'vote', 'heartbeat'].includes(t))
  .map((t) => ({ kind: 'unknown type', bytes: line(`{"type":${q(t)},"kioskId":"k1"}`), codes: ['PV_UNKNOWN_TYPE'] as const }));

export const oversizedFrame: fc.Arbitrary<Fatal> = fc
  .integer({ min: MAX_KIOSK_FRAME_BYTES, max: 3 * MAX_KIOSK_FRAME_BYTES })
  .chain((size) => fc.tuple(fc.constant(size), fc.boolean()))
  .map(([size, terminated]) => {
    // The frame (newline included) is `size + 1` bytes: one over the limit at least.
    const text = helloText('k1', '1', q('x'.repeat(size)));
    return { kind: `frame of ${size} bytes`, bytes: terminated ? line(text) : Buffer.from(text), codes: ['PV_FRAME_TOO_LARGE'] as const };
  });

/** `__proto__`, `constructor` and duplicate keys where the message's own fields should be. */
export const protoKeyFrame: fc.Arbitrary<Fatal> = fc
  .constantFrom(
    '{"__proto__":{"type":"hello","v":1,"kioskId":"k1","software":"x"}}',
    '{"type":"vote","__proto__":{"voteId":"p","seq":1,"pollId":1,"button":1,"ageMs":0}}',
    '{"type":"hello","v":1,"software":"x","__proto__":{"kioskId":"k1"}}',
    '{"constructor":{"prototype":{"type":"hello"}}}',
    '{"type":"hello","v":1,"kioskId":"k1","kioskId":"bad id","software":"x"}',
  )
  .map((text) => ({ kind: 'proto keys', bytes: line(text), codes: ['PV_BAD_MESSAGE'] as const }));

/** Invalid UTF-8 inside a kiosk id: refused by the decoder before JSON is parsed. */
export const badUtf8Frame: fc.Arbitrary<Fatal> = fc
  .constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80])
  .map((bad) => ({
    kind: 'invalid UTF-8',
    bytes: Buffer.concat([Buffer.from('{"type":"hello","v":1,"kioskId":"k'), Buffer.from(bad), Buffer.from('","software":"x"}\n')]),
    codes: ['PV_BAD_UTF8'] as const,
  }));

/** Any certainly-fatal frame. */
export const fatalFrame: fc.Arbitrary<Fatal> = fc.oneof(
  { arbitrary: wrongFieldFrame, weight: 5 },
  { arbitrary: notJsonFrame, weight: 2 },
  { arbitrary: nonObjectFrame, weight: 2 },
  { arbitrary: deepObjectFrame, weight: 1 },
  { arbitrary: unknownTypeFrame, weight: 2 },
  { arbitrary: oversizedFrame, weight: 1 },
  { arbitrary: protoKeyFrame, weight: 1 },
  { arbitrary: badUtf8Frame, weight: 1 },
  { arbitrary: badLiteralFrame, weight: 1 },
);

/**
 * Anything at all: the fatal frames, valid-looking messages with random (sometimes right) values,
 * random bytes with and without newlines, blank lines. Used where the outcome is not predicted,
 * only the invariants checked.
 */
export function anyFrame(kioskIds: readonly string[]): fc.Arbitrary<Buffer> {
  const num = fc.oneof(fc.constantFrom(...ABSURD_NUMBERS, '0', '1', '2', '3', '8', 'null', '-0'), fc.integer({ min: -5, max: 10 }).map(String));
  const id = fc.oneof(fc.constantFrom(...kioskIds.map((k) => q(k))), fc.string({ maxLength: 70 }).map((s) => q(s)));
  const vote = fc
    .record({ voteId: fc.oneof(fc.uuid().map(q), fc.string({ maxLength: 70, unit: 'binary' }).map(q)), seq: num, pollId: num, button: num, ageMs: num })
    .map((f) => line(voteText(f)));
  const hello = fc.tuple(id, num).map(([k, v]) => line(`{"type":"hello","v":${v},"kioskId":${k},"software":"f"}`));
  const auth = fc.stringMatching(/^[0-9a-f]{64}$/).map((mac) => line(`{"type":"auth","mac":${q(mac)}}`));
  const heartbeat = num.map((n) => line(`{"type":"heartbeat","queued":${n}}`));
  // A valid message whose ignored extra field nests thousands deep: accepted, never walked.
  const deepExtra = fc.integer({ min: 1, max: 3900 }).map((d) => line(`{"type":"heartbeat","queued":0,"x":${deepNest(d, 'array')}}`));
  return fc.oneof(
    { arbitrary: fatalFrame.map((f) => f.bytes), weight: 4 },
    { arbitrary: vote, weight: 4 },
    { arbitrary: fc.oneof(hello, auth, heartbeat, deepExtra), weight: 3 },
    { arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), weight: 2 },
    { arbitrary: fc.constantFrom('\n', '\r\n', '  \n', '\n\n').map((s) => Buffer.from(s)), weight: 1 },
  );
}

/** Cuts `bytes` at the given fractions: every way a TCP stream may deliver it. */
export function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].filter((p) => p > 0 && p < bytes.length).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    out.push(bytes.subarray(start, p));
    start = p;
  }
  out.push(bytes.subarray(start));
  return out;
}

/**
 * JSON text of a parsed value without recursion. Frames may nest thousands deep (deepExtra
 * above); vitest's toEqual and JSON.stringify both recurse and can overflow the stack on them,
 * so tests compare this string instead. Keys keep the order JSON.parse gave them.
 */
export function canonicalJson(value: unknown): string {
  // Work items: a value to write, or literal text (brackets, commas, "key":).
  type Item = { value: unknown } | { text: string };
  const out: string[] = [];
  const stack: Item[] = [{ value }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if ('text' in item) {
      out.push(item.text);
      continue;
    }
    const v = item.value;
    if (Array.isArray(v)) {
      out.push('[');
      stack.push({ text: ']' });
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ value: v[i] });
        if (i > 0) stack.push({ text: ',' });
      }
    } else if (v !== null && typeof v === 'object') {
      out.push('{');
      stack.push({ text: '}' });
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item2] = entries[i]!;
        stack.push({ value: item2 });
        stack.push({ text: `${JSON.stringify(key)}:` });
        if (i > 0) stack.push({ text: ',' });
      }
    } else {
      out.push(JSON.stringify(v));
    }
  }
  return out.join('');
}
