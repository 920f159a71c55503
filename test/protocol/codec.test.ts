import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, ackFrameText, encodeFrame, type DecodedFrame } from '../../src/protocol/codec.js';
import type { AckMessage } from '../../src/protocol/messages.js';

const values = (frames: DecodedFrame[]) => frames.map((f) => (f.ok ? f.value : f.error.code));

describe('FrameDecoder', () => {
  const messages = [
    { type: 'hello', v: 1, kioskId: 'k1', software: 'pivote/0.1' },
    { type: 'vote', voteId: 'é-ünïcode-✓', seq: 1, pollId: 1, button: 2, ageMs: 5 },
    { type: 'heartbeat', queued: 0 },
  ];
  const stream = Buffer.concat(messages.map((m) => encodeFrame(m)));

  it('decodes merged frames from one chunk', () => {
    expect(values(new FrameDecoder(1024).push(stream))).toEqual(messages);
  });

  it('decodes the same frames at every single split point', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new FrameDecoder(1024);
      const got = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(values(got), `split at ${cut}`).toEqual(messages);
      expect(d.bufferedBytes).toBe(0);
    }
  });

  it('decodes at every pair of split points (three chunks)', () => {
    for (let a = 0; a <= stream.length; a += 3) {
      for (let b = a; b <= stream.length; b += 5) {
        const d = new FrameDecoder(1024);
        const got = [...d.push(stream.subarray(0, a)), ...d.push(stream.subarray(a, b)), ...d.push(stream.subarray(b))];
        expect(values(got)).toEqual(messages);
      }
    }
  });

  it('decodes one byte at a time and splits inside a multi-byte character', () => {
    const d = new FrameDecoder(1024);
    const got: DecodedFrame[] = [];
    for (const byte of stream) got.push(...d.push(Uint8Array.of(byte)));
    expect(values(got)).toEqual(messages);
  });

  it('keeps the partial tail and reports its size', () => {
    const d = new FrameDecoder(1024);
    expect(d.push(Buffer.from('{"type":"heart'))).toEqual([]);
    expect(d.bufferedBytes).toBe(14);
    expect(values(d.push(Buffer.from('beat","queued":3}\n')))).toEqual([{ type: 'heartbeat', queued: 3 }]);
    expect(d.bufferedBytes).toBe(0);
  });

  it('accepts CRLF and ignores blank lines', () => {
    const d = new FrameDecoder(1024);
    expect(values(d.push(Buffer.from('\r\n\n{"type":"a"}\r\n  \n')))).toEqual([{ type: 'a' }]);
  });

  it('accepts a frame exactly at the limit and refuses one byte more', () => {
    const body = (n: number) => `{"type":"x","p":"${'a'.repeat(n - 20)}"}`; // 20 = JSON overhead plus newline
    const exact = body(64);
    expect(Buffer.byteLength(exact) + 1).toBe(64);
    expect(values(new FrameDecoder(64).push(Buffer.from(exact + '\n')))).toEqual([JSON.parse(exact)]);
    const over = body(65);
    expect(values(new FrameDecoder(64).push(Buffer.from(over + '\n')))).toEqual(['PV_FRAME_TOO_LARGE']);
  });

  it('refuses an oversized frame before its newline arrives, without buffering it', () => {
    const d = new FrameDecoder(100);
    expect(d.push(Buffer.alloc(60, 0x61))).toEqual([]);
    const out = d.push(Buffer.alloc(60, 0x61));
    expect(values(out)).toEqual(['PV_FRAME_TOO_LARGE']);
    expect(d.isPoisoned).toBe(true);
    expect(d.bufferedBytes).toBe(0);
    expect(d.push(encodeFrame({ type: 'heartbeat', queued: 1 }))).toEqual([]);
  });

  it('delivers the frames before an oversized one, then stops', () => {
    const d = new FrameDecoder(64);
    const chunk = Buffer.concat([encodeFrame({ type: 'a' }), Buffer.alloc(200, 0x62), encodeFrame({ type: 'b' })]);
    expect(values(d.push(chunk))).toEqual([{ type: 'a' }, 'PV_FRAME_TOO_LARGE']);
  });

  it('reports malformed JSON and non-objects per frame and keeps going', () => {
    const d = new FrameDecoder(1024);
    const out = d.push(Buffer.from('{"type":\n[1,2]\n"str"\nnull\n{"type":"ok"}\n'));
    expect(values(out)).toEqual(['PV_BAD_JSON', 'PV_BAD_JSON', 'PV_BAD_JSON', 'PV_BAD_JSON', { type: 'ok' }]);
  });
});

describe('encodeFrame', () => {
  it('writes compact JSON and one newline', () => {
    const b = encodeFrame({ type: 'ack', voteId: 'v', seq: 1 });
    expect(b.toString()).toBe('{"type":"ack","voteId":"v","seq":1}\n');
  });

  it('writes an ack as the same characters as JSON.stringify of the message, whatever the vote id', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.oneof(fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
        fc.constantFrom('stored' as const, 'duplicate' as const),
        fc.boolean(),
        (voteId, seq, status, flagged) => {
          const m: AckMessage = { type: 'ack', voteId, seq, status, flagged };
          expect(ackFrameText(voteId, seq, status, flagged)).toBe(JSON.stringify(m) + '\n');
        },
      ),
    );
  });
});
