import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, type DecodedFrame } from '../../src/protocol/codec.js';
import { MAX_KIOSK_FRAME_BYTES } from '../../src/protocol/messages.js';
import { parseKioskMessage } from '../../src/protocol/validate.js';
import { isPivoteError } from '../../src/protocol/errors.js';
import { anyFrame, canonicalJson, deepNest, fatalFrame, splitAt } from './helpers/frames.js';

/** What a frame decodes to, comparable with toEqual: the value's JSON text (values may nest
 *  thousands deep, which a recursive comparison cannot walk), or the error code. */
function outcome(f: DecodedFrame): unknown {
  return f.ok ? { ok: canonicalJson(f.value) } : { error: f.error.code };
}

function decodeInChunks(max: number, chunks: readonly Uint8Array[]): { frames: unknown[]; maxBuffered: number; poisoned: boolean } {
  const d = new FrameDecoder(max);
  const frames: unknown[] = [];
  let maxBuffered = 0;
  for (const c of chunks) {
    frames.push(...d.push(c).map(outcome));
    maxBuffered = Math.max(maxBuffered, d.bufferedBytes);
  }
  return { frames, maxBuffered, poisoned: d.isPoisoned };
}

/** Strict UTF-8 as the WHATWG decoder defines it: an independent judge of what the codec must refuse. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function strictDecode(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The specification, written the obvious (non-streaming) way: split on \n, judge each line. */
function model(max: number, bytes: Buffer): unknown[] {
  const out: unknown[] = [];
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl === -1 ? bytes.length : nl;
    if (end - start + 1 > max) {
      out.push({ error: 'PV_FRAME_TOO_LARGE' });
      return out;
    }
    if (nl === -1) return out;
    let text = strictDecode(bytes.subarray(start, end));
    start = nl + 1;
    if (text === undefined) {
      out.push({ error: 'PV_BAD_UTF8' });
      continue;
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') continue;
    try {
      const v: unknown = JSON.parse(text);
      out.push(v !== null && typeof v === 'object' && !Array.isArray(v) ? { ok: canonicalJson(v) } : { error: 'PV_BAD_JSON' });
    } catch {
      out.push({ error: 'PV_BAD_JSON' });
    }
  }
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });
const smallMax = fc.integer({ min: 2, max: 300 });

describe('FrameDecoder under arbitrary input (property)', () => {
  it('matches the line-by-line model for arbitrary bytes and any split, and never buffers past the limit', () => {
    fc.assert(
      fc.property(smallMax, fc.array(fc.oneof(fc.uint8Array({ maxLength: 120 }), fc.constantFrom(Uint8Array.of(0x0a), Uint8Array.of(0x0d, 0x0a))), { maxLength: 20 }), cuts, (max, parts, cutAt) => {
        const bytes = Buffer.concat(parts);
        const got = decodeInChunks(max, splitAt(bytes, cutAt));
        expect(got.frames).toEqual(model(max, bytes));
        expect(got.maxBuffered).toBeLessThan(max);
      }),
      { numRuns: 500 },
    );
  });

  it('compares frames by canonicalJson, which is JSON.stringify without recursion', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalJson(v)).toBe(JSON.stringify(v));
      }),
      { numRuns: 500 },
    );
    // Found by this suite in CI: a heartbeat whose ignored field nested ~3,900 deep overflowed the
    // stack of the recursive comparison (the decoder itself never walks the value).
    const deep = JSON.parse(`{"type":"heartbeat","queued":0,"x":${deepNest(100_000, 'array')}}`) as unknown;
    expect(canonicalJson(deep)).toHaveLength(`{"type":"heartbeat","queued":0,"x":`.length + deepNest(100_000, 'array').length + 1);
  });

  it('decodes hostile kiosk frames the same whether they arrive whole, split anywhere, or a byte at a time', () => {
    fc.assert(
      fc.property(fc.array(anyFrame(['k1', 'k2']), { minLength: 1, maxLength: 15 }), cuts, (frames, cutAt) => {
        const bytes = Buffer.concat(frames);
        const whole = decodeInChunks(MAX_KIOSK_FRAME_BYTES, [bytes]);
        const split = decodeInChunks(MAX_KIOSK_FRAME_BYTES, splitAt(bytes, cutAt));
        expect(split.frames).toEqual(whole.frames);
        expect(whole.frames).toEqual(model(MAX_KIOSK_FRAME_BYTES, bytes));
        expect(split.maxBuffered).toBeLessThan(MAX_KIOSK_FRAME_BYTES);
      }),
      { numRuns: 300 },
    );
  });

  it('turns every certainly-bad frame into its PivoteError code, from the decoder or the validator, without throwing anything else', () => {
    fc.assert(
      fc.property(fatalFrame, (f) => {
        const frames = new FrameDecoder(MAX_KIOSK_FRAME_BYTES).push(f.bytes);
        expect(frames).toHaveLength(1);
        const frame = frames[0]!;
        let code: string;
        if (!frame.ok) code = frame.error.code;
        else {
          try {
            const msg = parseKioskMessage(frame.value);
            // A well-formed message here would be a bug in the generator, not the server.
            throw new Error(`generator made a valid ${msg.type}: ${f.kind}`);
          } catch (err) {
            if (!isPivoteError(err)) throw err;
            code = err.code;
          }
        }
        expect(f.codes, f.kind).toContain(code);
      }),
      { numRuns: 1000 },
    );
  });

  it('parses nesting 10,000 deep without recursion trouble (when the limit allows it) and refuses it at the default limit', () => {
    for (const kind of ['array', 'object'] as const) {
      const text = deepNest(10_000, kind) + '\n';
      const roomy = new FrameDecoder(1 << 20).push(Buffer.from(text));
      expect(roomy).toHaveLength(1);
      if (kind === 'array') expect(outcome(roomy[0]!)).toEqual({ error: 'PV_BAD_JSON' });
      else expect(() => parseKioskMessage((roomy[0] as { value: unknown }).value)).toThrow(expect.objectContaining({ code: 'PV_BAD_MESSAGE' }));
      const strict = new FrameDecoder(MAX_KIOSK_FRAME_BYTES);
      expect(strict.push(Buffer.from(text)).map(outcome)).toEqual([{ error: 'PV_FRAME_TOO_LARGE' }]);
      expect(strict.bufferedBytes).toBe(0);
    }
  });

  it('refuses exactly the lines that are not valid UTF-8, whatever the JSON inside, and accepts every well-formed string', () => {
    const invalidSequences = fc.constantFrom(
      [0xff], [0xfe], [0x80], [0xbf], // bytes that never start a sequence
      [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xf0, 0x80, 0x80, 0x80], // overlong forms
      [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], // UTF-16 surrogates encoded as UTF-8 (CESU-8)
      [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], // above U+10FFFF
      [0xe2, 0x82], [0xc3], [0xf0, 0x9f, 0x98], // truncated sequences
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 30, unit: 'grapheme' }), fc.string({ maxLength: 30, unit: 'grapheme' }), invalidSequences, (before, after, bad) => {
        const prefix = Buffer.from(`{"type":"vote","voteId":${JSON.stringify(before).slice(0, -1)}`);
        const suffix = Buffer.from(`${JSON.stringify(after).slice(1)},"seq":1,"pollId":1,"button":1,"ageMs":0}\n`);
        const badLine = Buffer.concat([prefix, Buffer.from(bad), suffix]);
        const goodLine = Buffer.concat([prefix, suffix]);
        const d = new FrameDecoder(MAX_KIOSK_FRAME_BYTES);
        // The bad frame is refused with its own code; the decoder is not poisoned by it.
        expect(d.push(Buffer.concat([badLine, goodLine])).map(outcome)).toEqual([
          { error: 'PV_BAD_UTF8' },
          { ok: canonicalJson(JSON.parse(goodLine.toString('utf8'))) },
        ]);
      }),
      { numRuns: 500 },
    );
  });

  it('two vote ids that differ only in invalid bytes can never both reach the store as one id', () => {
    // Lenient decoding maps both to "a\uFFFDb": the collision the lone-surrogate rule also prevents.
    const ids = [[0xff], [0xfe], [0x80], [0xe2, 0x82]].map((bad) => Buffer.concat([Buffer.from('{"type":"vote","voteId":"a'), Buffer.from(bad), Buffer.from('b","seq":1,"pollId":1,"button":1,"ageMs":0}\n')]));
    expect(new Set(ids.map((b) => b.toString('utf8'))).size).toBe(1);
    for (const bytes of ids) expect(new FrameDecoder(MAX_KIOSK_FRAME_BYTES).push(bytes).map(outcome)).toEqual([{ error: 'PV_BAD_UTF8' }]);
  });

  it('keeps __proto__ keys as plain data: no prototype is changed', () => {
    const [frame] = new FrameDecoder(MAX_KIOSK_FRAME_BYTES).push(Buffer.from('{"__proto__":{"polluted":1},"type":"heartbeat","queued":0}\n'));
    expect(frame?.ok).toBe(true);
    const value = (frame as { value: Record<string, unknown> }).value;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(parseKioskMessage(value)).toEqual({ type: 'heartbeat', queued: 0 });
  });
});
