import type { ErrorCode } from './errors.js';

/** The TCP port a server listens on and a kiosk connects to when none is given. */
export const DEFAULT_PORT = 7070;

/** Wire protocol version this code speaks. A kiosk sends it in `hello`. */
export const PROTOCOL_VERSION = 1;

/** Largest frame (bytes, newline included) a kiosk may send. Votes are ~150 bytes. */
export const MAX_KIOSK_FRAME_BYTES = 8 * 1024;
/** Largest frame (bytes, newline included) the server sends; a poll with 8 long options fits. */
export const MAX_SERVER_FRAME_BYTES = 64 * 1024;

export const MIN_OPTIONS = 2;
export const MAX_OPTIONS = 8;
export const MAX_QUESTION_LENGTH = 500;
export const MAX_OPTION_LENGTH = 100;
export const MAX_ID_LENGTH = 64;
/** Kiosk ids: letters, digits, dot, dash, underscore; 1-64 characters. */
export const KIOSK_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** The poll as a kiosk sees it. Option i (1-based) is button i. */
export interface PollInfo {
  id: number;
  question: string;
  options: string[];
  /** Server wall-clock time the poll opened, ms since the Unix epoch. */
  openedAt: number;
}

// ---------------------------------------------------------------- kiosk -> server

export interface HelloMessage {
  type: 'hello';
  v: number;
  kioskId: string;
  software: string;
  /** How many vote buttons the kiosk has (2-8); absent from kiosks older than this field. */
  buttons?: number;
}

export interface AuthMessage {
  type: 'auth';
  /** Lower-case hex HMAC-SHA256 of authPayload(kioskId, nonce) keyed with the kiosk secret. */
  mac: string;
}

export interface VoteMessage {
  type: 'vote';
  /** Kiosk-assigned id, unique for ever on that kiosk (a UUID): the exactly-once key with kioskId. */
  voteId: string;
  /** Per-kiosk sequence number, 1, 2, 3 ... in press order; restarts if the kiosk is wiped. */
  seq: number;
  /** The poll that was open on the kiosk when the button was pressed, or null if none was. */
  pollId: number | null;
  /** 1-based button number = option number. */
  button: number;
  /** How long ago the press happened on the kiosk's monotonic clock, in ms; null if unknown
   *  (the kiosk rebooted since the press, so its monotonic clock restarted). */
  ageMs: number | null;
}

export interface HeartbeatMessage {
  type: 'heartbeat';
  /** Votes the kiosk holds that the server has not acknowledged yet. */
  queued: number;
}

export type KioskMessage = HelloMessage | AuthMessage | VoteMessage | HeartbeatMessage;
export type KioskMessageType = KioskMessage['type'];

// ---------------------------------------------------------------- server -> kiosk

export interface ChallengeMessage {
  type: 'challenge';
  v: number;
  /** 32 random bytes, lower-case hex, fresh for every connection. */
  nonce: string;
  serverTime: number;
}

export interface WelcomeMessage {
  type: 'welcome';
  kioskId: string;
  /** Most unacknowledged votes the kiosk may have in flight on this connection. */
  window: number;
  /** Send a heartbeat at least this often; the server closes a connection silent for 3x this. */
  heartbeatMs: number;
  poll: PollInfo | null;
  serverTime: number;
}

export interface PollMessage {
  type: 'poll';
  poll: PollInfo | null;
}

export interface AckMessage {
  type: 'ack';
  voteId: string;
  seq: number;
  /** `stored`: committed now. `duplicate`: it was already stored; nothing changed. */
  status: 'stored' | 'duplicate';
  /** Stored but flagged as a repeated-press burst; excluded from results by default. */
  flagged: boolean;
}

export interface RejectMessage {
  type: 'reject';
  voteId: string;
  seq: number;
  code: ErrorCode;
  message: string;
}

export interface HeartbeatAckMessage {
  type: 'heartbeat_ack';
  serverTime: number;
}

export interface ErrorMessage {
  type: 'error';
  code: ErrorCode;
  message: string;
}

export type ServerMessage =
  | ChallengeMessage
  | WelcomeMessage
  | PollMessage
  | AckMessage
  | RejectMessage
  | HeartbeatAckMessage
  | ErrorMessage;
export type ServerMessageType = ServerMessage['type'];

export type AnyMessage = KioskMessage | ServerMessage;
