import { describe, expect, it } from 'vitest';
import {
  LINE_EVENT_SIZE, droppedBefore, encodeLineEvent, parseLineEvents, type RawLineEvent,
} from '../../src/gpio/chardev/line-events.js';

const event = (over: Partial<RawLineEvent> = {}): RawLineEvent => ({
  timestampNs: 123_456_789_012_345n, id: 1, offset: 17, seqno: 1, lineSeqno: 1, ...over,
});

describe('struct gpio_v2_line_event parsing', () => {
  it('reads the fields at their uAPI offsets (u64 timestamp, then u32 id, offset, seqno, line_seqno)', () => {
    const buf = Buffer.alloc(LINE_EVENT_SIZE);
    buf.writeBigUInt64LE(0x0102030405060708n, 0);
    buf.writeUInt32LE(2, 8);
    buf.writeUInt32LE(27, 12);
    buf.writeUInt32LE(9, 16);
    buf.writeUInt32LE(4, 20);
    buf.fill(0xff, 24); // padding must be ignored
    expect(parseLineEvents(buf, LINE_EVENT_SIZE)).toEqual([
      { timestampNs: 0x0102030405060708n, id: 2, offset: 27, seqno: 9, lineSeqno: 4 },
    ]);
  });

  it('parses several events from one read, and only the bytes read', () => {
    const events = [event(), event({ id: 2, seqno: 2, lineSeqno: 2, timestampNs: 2n ** 63n + 5n })];
    const buf = Buffer.alloc(LINE_EVENT_SIZE * 4, 0xaa);
    Buffer.concat(events.map((e) => encodeLineEvent(e))).copy(buf);
    expect(parseLineEvents(buf, LINE_EVENT_SIZE * 2)).toEqual(events);
  });

  it('returns nothing for an empty read and refuses a partial record', () => {
    expect(parseLineEvents(Buffer.alloc(0), 0)).toEqual([]);
    expect(() => parseLineEvents(Buffer.alloc(LINE_EVENT_SIZE * 2), LINE_EVENT_SIZE + 8)).toThrow(RangeError);
  });

  it('counts events the kernel dropped from gaps in line_seqno', () => {
    expect(droppedBefore(undefined, event({ lineSeqno: 7 }))).toBe(0);
    expect(droppedBefore(6, event({ lineSeqno: 7 }))).toBe(0);
    expect(droppedBefore(3, event({ lineSeqno: 7 }))).toBe(3);
  });
});
