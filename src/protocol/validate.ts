import { PivoteError, isErrorCode, type ErrorCode } from './errors.js';
import {
  KIOSK_ID_PATTERN,
  MAX_ID_LENGTH,
  MAX_OPTIONS,
  MAX_OPTION_LENGTH,
  MAX_QUESTION_LENGTH,
  MIN_OPTIONS,
  type KioskMessage,
  type PollInfo,
  type ServerMessage,
} from './messages.js';

/**
 * Hand-written validators: the message set is small, and an explicit check per field gives
 * error messages that name the field, which is what someone writing a kiosk in C needs.
 * Unknown extra fields are ignored so a newer peer can add optional fields (see versioning).
 */

type Obj = Record<string, unknown>;

/** A year in ms: no press is older than this, and no sane counter larger than 2^53. */
const MAX_AGE_MS = 366 * 24 * 3600 * 1000;
const HEX64 = /^[0-9a-f]{64}$/;
/** A lone UTF-16 surrogate: legal in JSON ("\ud800") but not text; UTF-8 storage turns it into U+FFFD. */
const LONE_SURROGATE = /\p{Cs}/u;

function bad(message: string): PivoteError {
  return new PivoteError('PV_BAD_MESSAGE', message);
}

/**
 * Length in Unicode code points, the unit docs/PROTOCOL.md gives: the same in every language,
 * unlike UTF-16 units (JavaScript's .length) or UTF-8 bytes. Well-formed strings only.
 */
export function codePointLength(v: string): number {
  let n = v.length;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      n--; // a high surrogate starts a pair: two units, one code point
      i++;
    }
  }
  return n;
}

function text(v: unknown, key: string, max: number, min: number): string {
  if (typeof v !== 'string') throw bad(`${key} must be a string`);
  // Else two different vote ids could be stored and read back as the same one.
  if (LONE_SURROGATE.test(v)) throw bad(`${key} must be well-formed Unicode (no lone surrogates)`);
  // A code point is one or two UTF-16 units: outside [min, 2 * max] units it cannot fit.
  if (v.length < min || v.length > 2 * max) throw bad(`${key} must be ${min}-${max} characters`);
  const n = codePointLength(v);
  if (n < min || n > max) throw bad(`${key} must be ${min}-${max} characters`);
  return v;
}

function str(o: Obj, key: string, max: number, min = 1): string {
  return text(o[key], key, max, min);
}

function int(o: Obj, key: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad(`${key} must be an integer`);
  if (v < min || v > max) throw bad(`${key} must be between ${min} and ${max}`);
  return v;
}

function intOrNull(o: Obj, key: string, min: number, max: number): number | null {
  if (o[key] === null) return null;
  if (!(key in o)) throw bad(`${key} is required (use null for none)`);
  return int(o, key, min, max);
}

function bool(o: Obj, key: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw bad(`${key} must be a boolean`);
  return v;
}

function typeOf(value: unknown): { o: Obj; type: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('message must be an object');
  const o = value as Obj;
  if (typeof o.type !== 'string') throw bad('type must be a string');
  return { o, type: o.type };
}

/** Validates a decoded frame from a kiosk. Throws PV_BAD_MESSAGE or PV_UNKNOWN_TYPE. */
export function parseKioskMessage(value: unknown): KioskMessage {
  const { o, type } = typeOf(value);
  switch (type) {
    case 'hello': {
      const kioskId = str(o, 'kioskId', MAX_ID_LENGTH);
      if (!KIOSK_ID_PATTERN.test(kioskId)) throw bad('kioskId may hold only letters, digits, ".", "-" and "_"');
      const hello: KioskMessage = { type, v: int(o, 'v', 0, 1_000_000), kioskId, software: str(o, 'software', 64, 0) };
      // Optional (added within version 1): absent from older kiosks, so absent is not an error.
      if (o.buttons !== undefined) hello.buttons = int(o, 'buttons', MIN_OPTIONS, MAX_OPTIONS);
      return hello;
    }
    case 'auth': {
      const mac = str(o, 'mac', 64, 64);
      if (!HEX64.test(mac)) throw bad('mac must be 64 lower-case hex digits');
      return { type, mac };
    }
    case 'vote':
      return {
        type,
        voteId: str(o, 'voteId', MAX_ID_LENGTH),
        seq: int(o, 'seq', 1, Number.MAX_SAFE_INTEGER),
        pollId: intOrNull(o, 'pollId', 1, Number.MAX_SAFE_INTEGER),
        button: int(o, 'button', 1, MAX_OPTIONS),
        ageMs: intOrNull(o, 'ageMs', 0, MAX_AGE_MS),
      };
    case 'heartbeat':
      return { type, queued: int(o, 'queued', 0, Number.MAX_SAFE_INTEGER) };
    default:
      throw new PivoteError('PV_UNKNOWN_TYPE', `unknown message type ${JSON.stringify(type.slice(0, 40))}`);
  }
}

export function parsePollInfo(value: unknown): PollInfo {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('poll must be an object');
  const o = value as Obj;
  const options = o.options;
  if (!Array.isArray(options) || options.length < MIN_OPTIONS || options.length > MAX_OPTIONS) {
    throw bad(`poll.options must be an array of ${MIN_OPTIONS}-${MAX_OPTIONS} strings`);
  }
  options.forEach((x, i) => text(x, `poll.options[${i}]`, MAX_OPTION_LENGTH, 1));
  return {
    id: int(o, 'id', 1, Number.MAX_SAFE_INTEGER),
    question: str(o, 'question', MAX_QUESTION_LENGTH),
    options: options as string[],
    openedAt: int(o, 'openedAt', 0, Number.MAX_SAFE_INTEGER),
  };
}

function pollOrNull(o: Obj): PollInfo | null {
  return o.poll === null ? null : parsePollInfo(o.poll);
}

function code(o: Obj): ErrorCode {
  const c = o.code;
  // An unknown code from a newer server is still an error; map it to PV_INTERNAL rather than fail.
  return isErrorCode(c) ? c : 'PV_INTERNAL';
}

/** Validates a decoded frame from the server (the kiosk side of the protocol). */
export function parseServerMessage(value: unknown): ServerMessage {
  const { o, type } = typeOf(value);
  switch (type) {
    case 'challenge': {
      const nonce = str(o, 'nonce', 64, 64);
      if (!HEX64.test(nonce)) throw bad('nonce must be 64 lower-case hex digits');
      return { type, v: int(o, 'v', 0, 1_000_000), nonce, serverTime: int(o, 'serverTime', 0, Number.MAX_SAFE_INTEGER) };
    }
    case 'welcome':
      return {
        type,
        kioskId: str(o, 'kioskId', MAX_ID_LENGTH),
        window: int(o, 'window', 1, 1_000_000),
        heartbeatMs: int(o, 'heartbeatMs', 1, 3_600_000),
        poll: pollOrNull(o),
        serverTime: int(o, 'serverTime', 0, Number.MAX_SAFE_INTEGER),
      };
    case 'poll':
      return { type, poll: pollOrNull(o) };
    case 'ack': {
      const status = o.status;
      if (status !== 'stored' && status !== 'duplicate') throw bad('status must be "stored" or "duplicate"');
      return {
        type,
        voteId: str(o, 'voteId', MAX_ID_LENGTH),
        seq: int(o, 'seq', 1, Number.MAX_SAFE_INTEGER),
        status,
        flagged: bool(o, 'flagged'),
      };
    }
    case 'reject':
      return {
        type,
        voteId: str(o, 'voteId', MAX_ID_LENGTH),
        seq: int(o, 'seq', 1, Number.MAX_SAFE_INTEGER),
        code: code(o),
        message: str(o, 'message', 1000, 0),
      };
    case 'heartbeat_ack':
      return { type, serverTime: int(o, 'serverTime', 0, Number.MAX_SAFE_INTEGER) };
    case 'error':
      return { type, code: code(o), message: str(o, 'message', 1000, 0) };
    default:
      throw new PivoteError('PV_UNKNOWN_TYPE', `unknown message type ${JSON.stringify(type.slice(0, 40))}`);
  }
}
