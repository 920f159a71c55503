import { isUtf8 } from 'node:buffer';
import { PivoteError } from './errors.js';

/**
 * Newline-delimited JSON framing, as a pure state machine: `push(chunk)` returns every complete
 * frame and keeps the partial tail. It never touches a socket, so every split point can be tested.
 *
 * The size limit is enforced on the bytes of the line seen so far, before the line is complete,
 * so a peer that never sends a newline cannot make us buffer more than `maxFrameBytes`.
 * After an oversized frame the decoder is poisoned: the caller closes the connection.
 *
 * A line must be valid UTF-8 (PV_BAD_UTF8): a lenient decode would turn every invalid sequence
 * into U+FFFD, so two vote ids that differ only in invalid bytes would become one id.
 */
export type DecodedFrame = { ok: true; value: unknown } | { ok: false; error: PivoteError };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private parts: Buffer[] = [];
  private partialBytes = 0;
  private poisoned = false;

  /** @param maxFrameBytes largest frame accepted, counting its terminating newline. */
  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes of an incomplete frame held; a per-frame deadline runs while this is > 0. */
  get bufferedBytes(): number {
    return this.partialBytes;
  }

  get isPoisoned(): boolean {
    return this.poisoned;
  }

  push(chunk: Uint8Array): DecodedFrame[] {
    if (this.poisoned) return [];
    const out: DecodedFrame[] = [];
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      const pieceLength = end - start;
      // +1 counts the newline the frame needs; a frame exactly at the limit is accepted.
      if (this.partialBytes + pieceLength + 1 > this.maxFrameBytes) {
        this.poison();
        out.push({ ok: false, error: tooLarge(this.maxFrameBytes) });
        return out;
      }
      if (newline === -1) {
        this.parts.push(Buffer.from(chunk.subarray(start)));
        this.partialBytes += pieceLength;
        break;
      }
      const line = this.takeLine(chunk.subarray(start, end));
      start = newline + 1;
      const frame = parseLine(line);
      if (frame) out.push(frame);
    }
    return out;
  }

  private takeLine(lastPiece: Uint8Array): Buffer {
    let line: Buffer;
    if (this.parts.length === 0) {
      line = Buffer.from(lastPiece.buffer, lastPiece.byteOffset, lastPiece.byteLength);
    } else {
      this.parts.push(Buffer.from(lastPiece));
      line = Buffer.concat(this.parts);
      this.parts = [];
    }
    this.partialBytes = 0;
    return line;
  }

  private poison(): void {
    this.poisoned = true;
    this.parts = [];
    this.partialBytes = 0;
  }
}

function parseLine(line: Buffer): DecodedFrame | null {
  if (!isUtf8(line)) return { ok: false, error: new PivoteError('PV_BAD_UTF8', 'frame is not valid UTF-8') };
  let text = line.toString('utf8');
  if (text.length > 0 && text.charCodeAt(text.length - 1) === CARRIAGE_RETURN) text = text.slice(0, -1);
  if (text.trim() === '') return null; // blank lines are keep-alive noise from nc users, not errors
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { ok: false, error: new PivoteError('PV_BAD_JSON', 'frame is not a JSON object') };
    }
    return { ok: true, value };
  } catch {
    return { ok: false, error: new PivoteError('PV_BAD_JSON', 'frame is not valid JSON') };
  }
}

function tooLarge(max: number): PivoteError {
  return new PivoteError('PV_FRAME_TOO_LARGE', `frame exceeds ${max} bytes`, { maxFrameBytes: max });
}

/** One message as one frame: compact JSON and a newline. */
export function encodeFrame(message: object): Buffer {
  return Buffer.from(JSON.stringify(message) + '\n', 'utf8');
}
