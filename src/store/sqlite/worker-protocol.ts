import { PivoteError, isErrorCode } from '../../protocol/errors.js';
import { integrityOutcome, type ClusterStoreMethod, type NewVote, type RecordOutcome, type VoteStore } from '../types.js';

/**
 * Messages between the server's thread and the thread that owns the SQLite connection
 * (src/store/sqlite/worker-store.ts, src/store/sqlite/worker.ts). Pure data; both sides import it.
 */

/** The VoteStore methods the worker serves (`kind` is a property, answered on the caller's side). */
export const STORE_METHODS = [
  'addKiosk', 'addKiosks', 'getKiosk', 'listKiosks', 'updateKiosk', 'revokeKiosk', 'reactivateKiosk', 'rotateKioskSecret',
  'removeKiosk', 'updatePresence', 'kioskAccessVersion', 'listKioskAccess', 'markAllDisconnected',
  'openPoll', 'createDraftPoll', 'openDraftPoll', 'updatePoll', 'deleteDraftPoll', 'closePoll', 'runSchedule',
  'getOpenPoll', 'getPoll', 'listPolls',
  'recordVotes', 'countVotes', 'countVotesBy', 'countVotesByBucket', 'countRecentVotes', 'countVotesByKioskSince',
  'countFlaggedSince', 'listVotes', 'listVotesPage', 'getVote',
  'appendAudit', 'listAudit', 'listAlertRules', 'addAlertRule', 'updateAlertRule', 'deleteAlertRule', 'raiseAlert',
  'clearAlert', 'acknowledgeAlert', 'listAlerts', 'close',
] as const satisfies readonly (keyof VoteStore)[];

/** Fails to compile when a VoteStore method is missing above. */
type Unserved = Exclude<keyof VoteStore, (typeof STORE_METHODS)[number] | 'kind' | ClusterStoreMethod>;
const everyMethodServed: [Unserved] extends [never] ? true : Unserved = true;
void everyMethodServed;

export type StoreMethod = (typeof STORE_METHODS)[number];

export function isStoreMethod(value: unknown): value is StoreMethod {
  return typeof value === 'string' && (STORE_METHODS as readonly string[]).includes(value);
}

/** recordVotes travels as [PackedVotes, BurstPolicy] and is answered with packOutcomes(). */
export interface StoreCall {
  id: number;
  method: StoreMethod;
  args: unknown[];
}

/** An error as it crosses threads: structured clone keeps an Error's message but drops
 *  `code` and `details`, which callers branch on. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  details?: Record<string, unknown>;
  stack?: string;
}

export type StoreReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

/** The worker's first message: the database is open (or why it could not be). */
export type WorkerReady = { ready: true } | { ready: false; error: WireError };

/**
 * A batch of votes as it crosses to the store's thread: two string columns and one number
 * column instead of an array of objects. Structured clone copies a typed array in one go, but
 * an object field by field, its keys included: at one vote per kiosk per batch, cloning the
 * objects there and their outcomes back cost about a microsecond per vote.
 */
export interface PackedVotes {
  kioskIds: string[];
  voteIds: string[];
  /** Per vote: seq, pollId, button, pressedAt, receivedAt, clockUnknown (0/1). */
  numbers: Float64Array;
}

const FIELDS = 6;

export function packVotes(votes: readonly NewVote[]): PackedVotes {
  const n = votes.length;
  const kioskIds = new Array<string>(n);
  const voteIds = new Array<string>(n);
  const numbers = new Float64Array(n * FIELDS);
  for (let i = 0; i < n; i++) {
    const v = votes[i]!;
    kioskIds[i] = v.kioskId;
    voteIds[i] = v.voteId;
    const o = i * FIELDS;
    numbers[o] = v.seq;
    numbers[o + 1] = v.pollId;
    numbers[o + 2] = v.button;
    numbers[o + 3] = v.pressedAt;
    numbers[o + 4] = v.receivedAt;
    numbers[o + 5] = v.clockUnknown ? 1 : 0;
  }
  return { kioskIds, voteIds, numbers };
}

export function unpackVotes(p: PackedVotes): NewVote[] {
  const n = p.kioskIds.length;
  const out = new Array<NewVote>(n);
  const x = p.numbers;
  for (let i = 0; i < n; i++) {
    const o = i * FIELDS;
    out[i] = {
      kioskId: p.kioskIds[i]!,
      voteId: p.voteIds[i]!,
      seq: x[o]!,
      pollId: x[o + 1]!,
      button: x[o + 2]!,
      pressedAt: x[o + 3]!,
      receivedAt: x[o + 4]!,
      clockUnknown: x[o + 5] === 1,
    };
  }
  return out;
}

/** Outcomes as one byte each: 0/1 stored (unflagged/flagged), 2/3 duplicate, 4 integrity. */
export function packOutcomes(outcomes: readonly RecordOutcome[]): Uint8Array {
  const out = new Uint8Array(outcomes.length);
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    out[i] = o.status === 'integrity' ? 4 : (o.status === 'stored' ? 0 : 2) + (o.flagged ? 1 : 0);
  }
  return out;
}

const STORED: RecordOutcome = Object.freeze({ status: 'stored', flagged: false });
const STORED_FLAGGED: RecordOutcome = Object.freeze({ status: 'stored', flagged: true });
const DUPLICATE: RecordOutcome = Object.freeze({ status: 'duplicate', flagged: false });
const DUPLICATE_FLAGGED: RecordOutcome = Object.freeze({ status: 'duplicate', flagged: true });

/** The outcomes of `votes` (the batch as it was sent); the four plain ones are shared objects. */
export function unpackOutcomes(codes: Uint8Array, votes: readonly NewVote[]): RecordOutcome[] {
  const out = new Array<RecordOutcome>(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    out[i] = c === 0 ? STORED : c === 1 ? STORED_FLAGGED : c === 2 ? DUPLICATE : c === 3 ? DUPLICATE_FLAGGED : integrityOutcome(votes[i]!.voteId);
  }
  return out;
}

export function toWireError(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const code = (err as { code?: unknown }).code;
  const details = err instanceof PivoteError ? err.details : undefined;
  return {
    name: err.name,
    message: err.message,
    ...(typeof code === 'string' && { code }),
    ...(details !== undefined && { details: { ...details } }),
    ...(err.stack !== undefined && { stack: err.stack }),
  };
}

/** Rebuilds a PivoteError when the code is one of ours, so `isPivoteError(err, code)` holds on
 *  this side too; other errors (SqliteError) keep their name and code. */
export function fromWireError(w: WireError): Error {
  let err: Error;
  if (w.name === 'PivoteError' && isErrorCode(w.code)) {
    err = new PivoteError(w.code, w.message, w.details);
  } else {
    err = new Error(w.message);
    err.name = w.name;
    if (w.code !== undefined) Object.assign(err, { code: w.code });
  }
  if (w.stack !== undefined) err.stack = w.stack;
  return err;
}
