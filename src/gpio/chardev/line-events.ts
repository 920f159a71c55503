/**
 * Pure parsing of `struct gpio_v2_line_event` records as read from a line-request fd:
 *
 *   u64 timestamp_ns; u32 id; u32 offset; u32 seqno; u32 line_seqno; u32 padding[6];  (48 bytes)
 *
 * Little-endian: the uAPI uses the CPU's byte order and every Raspberry Pi OS (and x86) is LE.
 */

export const LINE_EVENT_SIZE = 48;
export const EVENT_RISING_EDGE = 1;
export const EVENT_FALLING_EDGE = 2;

export interface RawLineEvent {
  /** CLOCK_MONOTONIC nanoseconds, the clock process.hrtime.bigint() reads. */
  timestampNs: bigint;
  /** 1 = rising, 2 = falling; logical (after active-low), like the edges requested. */
  id: number;
  offset: number;
  /** Sequence number across the request. */
  seqno: number;
  /** Sequence number on this line; a gap means the kernel's event buffer overflowed. */
  lineSeqno: number;
}

/** Parses every whole event in `buf[0, length)`; a trailing partial record is an error (reads are atomic). */
export function parseLineEvents(buf: Buffer, length: number, eventSize: number = LINE_EVENT_SIZE): RawLineEvent[] {
  if (length % eventSize !== 0) {
    throw new RangeError(`read ${length} bytes from a GPIO line request, not a multiple of the ${eventSize}-byte event`);
  }
  const events: RawLineEvent[] = [];
  for (let off = 0; off + eventSize <= length; off += eventSize) {
    events.push({
      timestampNs: buf.readBigUInt64LE(off),
      id: buf.readUInt32LE(off + 8),
      offset: buf.readUInt32LE(off + 12),
      seqno: buf.readUInt32LE(off + 16),
      lineSeqno: buf.readUInt32LE(off + 20),
    });
  }
  return events;
}

/** Writes one event record; the inverse of parseLineEvents, for tests and fakes. */
export function encodeLineEvent(event: RawLineEvent, eventSize: number = LINE_EVENT_SIZE): Buffer {
  const buf = Buffer.alloc(eventSize);
  buf.writeBigUInt64LE(event.timestampNs, 0);
  buf.writeUInt32LE(event.id, 8);
  buf.writeUInt32LE(event.offset, 12);
  buf.writeUInt32LE(event.seqno, 16);
  buf.writeUInt32LE(event.lineSeqno, 20);
  return buf;
}

/** How many events were lost before this one on its line (kernel buffer overflow), given the previous line_seqno. */
export function droppedBefore(previousLineSeqno: number | undefined, event: RawLineEvent): number {
  if (previousLineSeqno === undefined) return 0;
  return Math.max(0, event.lineSeqno - previousLineSeqno - 1);
}
