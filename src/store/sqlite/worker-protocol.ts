import { PivoteError, isErrorCode } from '../../protocol/errors.js';
import type { ClusterStoreMethod, VoteStore } from '../types.js';

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
