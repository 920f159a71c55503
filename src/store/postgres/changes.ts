import { ALERT_CHANGES, KIOSK_CHANGES, POLL_CHANGES, type StoreChange } from '../model/changes.js';

/**
 * The NOTIFY payloads of the PostgreSQL store: compact JSON on one channel. Pure, so both ends
 * are tested without a database. Anything else arriving on the channel (another program, an
 * older or newer pivote) decodes to undefined and is ignored: a notification is only a hint.
 */

export const CHANGE_CHANNEL = 'pivote_changes';
/** PostgreSQL refuses payloads of 8000 bytes or more; stay well below. */
export const MAX_PAYLOAD_BYTES = 7_000;

type Committed = Exclude<StoreChange, { kind: 'listening' } | { kind: 'listener-lost' }>;

/** Lists of ids past this many bytes are left out: the receiver re-reads everything instead. */
function bounded(full: string, short: string): string {
  return Buffer.byteLength(full) <= MAX_PAYLOAD_BYTES ? full : short;
}

/**
 * `origin` names the store instance (one per server process) whose transaction sent it, so a
 * server can tell its own changes, which it has acted on already, from everyone else's.
 */
export function encodeChange(change: Committed, origin?: string): string {
  const payload = encodeBody(change);
  return origin === undefined ? payload : `{"o":${JSON.stringify(origin)},${payload.slice(1)}`;
}

function encodeBody(change: Committed): string {
  switch (change.kind) {
    case 'poll':
      return JSON.stringify({ t: 'poll', id: change.pollId, c: change.change });
    case 'kiosks':
      return bounded(JSON.stringify({ t: 'kiosks', ids: change.kioskIds, c: change.change }), JSON.stringify({ t: 'kiosks', ids: null, c: change.change }));
    case 'kiosk-claimed':
      return JSON.stringify({ t: 'claim', id: change.kioskId, e: change.epoch, srv: change.serverId });
    case 'votes':
      return bounded(JSON.stringify({ t: 'votes', p: change.polls?.map((p) => [p.pollId, p.stored, p.flagged]) ?? null }), JSON.stringify({ t: 'votes', p: null }));
    case 'presence':
      return bounded(JSON.stringify({ t: 'presence', ids: change.kioskIds }), JSON.stringify({ t: 'presence', ids: null }));
    case 'alert':
      return JSON.stringify({ t: 'alert', id: change.alertId, c: change.change });
    case 'alert-rules':
      return JSON.stringify({ t: 'alert-rules' });
  }
}

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isString = (x: unknown): x is string => typeof x === 'string' && x.length > 0;

function decodePolls(p: unknown): { pollId: number; stored: number; flagged: number }[] | null | undefined {
  if (p === null) return null;
  if (!Array.isArray(p)) return undefined;
  const out: { pollId: number; stored: number; flagged: number }[] = [];
  for (const e of p) {
    if (!Array.isArray(e) || e.length !== 3 || !e.every(isCount)) return undefined;
    out.push({ pollId: e[0] as number, stored: e[1] as number, flagged: e[2] as number });
  }
  return out;
}

function decodeIds(ids: unknown): string[] | null | undefined {
  if (ids === null) return null;
  return Array.isArray(ids) && ids.every(isString) ? (ids as string[]) : undefined;
}

const oneOf = <T extends string>(values: readonly T[], x: unknown): x is T => typeof x === 'string' && (values as readonly string[]).includes(x);

export function decodeChange(payload: string | undefined): Committed | undefined {
  return decodeNotice(payload)?.change;
}

/** The change and the origin it was sent with (undefined: none, or not pivote's). */
export function decodeNotice(payload: string | undefined): { change: Committed; origin: string | undefined } | undefined {
  let o: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(payload ?? '');
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    o = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const change = decodeBody(o);
  return change && { change, origin: typeof o.o === 'string' ? o.o : undefined };
}

function decodeBody(o: Record<string, unknown>): Committed | undefined {
  switch (o.t) {
    case 'poll':
      return isCount(o.id) && oneOf(POLL_CHANGES, o.c) ? { kind: 'poll', pollId: o.id, change: o.c } : undefined;
    case 'kiosks': {
      const ids = decodeIds(o.ids);
      return ids !== undefined && oneOf(KIOSK_CHANGES, o.c) ? { kind: 'kiosks', kioskIds: ids, change: o.c } : undefined;
    }
    case 'claim':
      return isString(o.id) && isCount(o.e) && isString(o.srv) ? { kind: 'kiosk-claimed', kioskId: o.id, epoch: o.e, serverId: o.srv } : undefined;
    case 'votes': {
      const polls = decodePolls(o.p);
      return polls === undefined ? undefined : { kind: 'votes', polls };
    }
    case 'presence': {
      const ids = decodeIds(o.ids);
      return ids === undefined ? undefined : { kind: 'presence', kioskIds: ids };
    }
    case 'alert':
      return isCount(o.id) && oneOf(ALERT_CHANGES, o.c) ? { kind: 'alert', alertId: o.id, change: o.c } : undefined;
    case 'alert-rules':
      return { kind: 'alert-rules' };
    default:
      return undefined;
  }
}

/** Per-poll counts of the votes one batch stored, for the `votes` change. */
export function countStored(stored: readonly { pollId: number; flagged: boolean }[]): { pollId: number; stored: number; flagged: number }[] {
  const byPoll = new Map<number, { pollId: number; stored: number; flagged: number }>();
  for (const v of stored) {
    const c = byPoll.get(v.pollId) ?? { pollId: v.pollId, stored: 0, flagged: 0 };
    c.stored++;
    if (v.flagged) c.flagged++;
    byPoll.set(v.pollId, c);
  }
  return [...byPoll.values()].sort((a, b) => a.pollId - b.pollId);
}
