/**
 * The bench client's side of the server's frames, cheap enough for ~100,000 answers/s in one
 * process: `ack` and `reject` frames are recognised by their first bytes and only their `seq`
 * is read (no JSON.parse, no object); anything else is parsed and handed over whole. Lines may
 * be split across reads: the unfinished tail is copied and completed by the next read.
 */

const NEWLINE = 0x0a;
const ACK = Buffer.from('{"type":"ack"');
const REJECT = Buffer.from('{"type":"reject"');
const SEQ = Buffer.from('"seq":');

function startsWith(buf: Buffer, start: number, end: number, prefix: Buffer): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[start + i] !== prefix[i]) return false;
  return true;
}

/** The non-negative integer after `"seq":` in buf[start, end), or -1. */
export function readSeq(buf: Buffer, start: number, end: number): number {
  const at = buf.indexOf(SEQ, start);
  if (at < 0 || at >= end) return -1;
  let i = at + SEQ.length;
  let n = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i]! - 0x30;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
    digits++;
  }
  return digits === 0 ? -1 : n;
}

export class AnswerReader {
  private tail: Buffer | null = null;

  constructor(private readonly maxFrameBytes: number) {}

  /**
   * Consumes buf[0, nread). Calls onAnswer for each ack (ok) or reject (!ok) with its seq,
   * onOther for any other frame. Returns an error text for a frame that is not JSON, too long,
   * or an answer without a seq; null otherwise.
   */
  push(chunk: Buffer, nread: number, onAnswer: (seq: number, ok: boolean) => void, onOther: (frame: unknown) => void): string | null {
    let buf = chunk;
    let end = nread;
    if (this.tail !== null) {
      buf = Buffer.concat([this.tail, chunk.subarray(0, nread)]);
      end = buf.length;
      this.tail = null;
    }
    let start = 0;
    while (start < end) {
      const nl = buf.indexOf(NEWLINE, start);
      if (nl < 0 || nl >= end) {
        if (end - start > this.maxFrameBytes) return 'frame too large';
        // The buffer is reused by the next read: keep a copy.
        this.tail = Buffer.from(buf.subarray(start, end));
        return null;
      }
      const ack = startsWith(buf, start, nl, ACK);
      if (ack || startsWith(buf, start, nl, REJECT)) {
        const seq = readSeq(buf, start, nl);
        if (seq < 0) return 'answer without seq';
        onAnswer(seq, ack);
      } else if (nl > start) {
        let frame: unknown;
        try {
          frame = JSON.parse(buf.toString('utf8', start, nl));
        } catch {
          return 'not JSON';
        }
        onOther(frame);
      }
      start = nl + 1;
    }
    return null;
  }
}
