import type { KioskChangeKind, PollState, StoreChange } from '../types.js';

/**
 * The NOTIFY payloads of the PostgreSQL store: compact JSON on one channel. Pure, so both ends
 * are tested without a database. Anything else arriving on the channel (another program, an
 * older or newer pivote) decodes to undefined and is ignored: a notification is only a hint.
 */

export const CHANGE_CHANNEL = 'pivote_changes';
/** PostgreSQL refuses payloads of 8000 bytes or more; stay well below. */
export const MAX_PAYLOAD_BYTES = 7_000;

type Committed = Exclude<StoreChange, { kind: 'listening' } | { kind: 'listener-lost' }>;

const KIOSK_CHANGES: readonly KioskChangeKind[] = ['added', 'revoked'];

export function encodeChange(change: Committed): string {
  switch (change.kind) {
    case 'poll':
      return JSON.stringify({ t: 'poll', id: change.pollId, s: change.state });
    case 'kiosk':
      return JSON.stringify({ t: 'kiosk', id: change.kioskId, c: change.change });
    case 'kiosk-claimed':
      return JSON.stringify({ t: 'claim', id: change.kioskId, e: change.epoch, srv: change.serverId });
    case 'votes': {
      const full = JSON.stringify({ t: 'votes', p: change.polls?.map((p) => [p.pollId, p.stored, p.flagged]) ?? null });
      return Buffer.byteLength(full) <= MAX_PAYLOAD_BYTES ? full : JSON.stringify({ t: 'votes', p: null });
    }
    case 'presence': {
      const full = JSON.stringify({ t: 'presence', ids: change.kioskIds });
      return Buffer.byteLength(full) <= MAX_PAYLOAD_BYTES ? full : JSON.stringify({ t: 'presence', ids: null });
    }
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

export function decodeChange(payload: string | undefined): Committed | undefined {
  let o: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(payload ?? '');
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    o = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  switch (o.t) {
    case 'poll':
      return isCount(o.id) && (o.s === 'open' || o.s === 'closed') ? { kind: 'poll', pollId: o.id, state: o.s as PollState } : undefined;
    case 'kiosk':
      return isString(o.id) && KIOSK_CHANGES.includes(o.c as KioskChangeKind) ? { kind: 'kiosk', kioskId: o.id, change: o.c as KioskChangeKind } : undefined;
    case 'claim':
      return isString(o.id) && isCount(o.e) && isString(o.srv) ? { kind: 'kiosk-claimed', kioskId: o.id, epoch: o.e, serverId: o.srv } : undefined;
    case 'votes': {
      const polls = decodePolls(o.p);
      return polls === undefined ? undefined : { kind: 'votes', polls };
    }
    case 'presence':
      if (o.ids === null) return { kind: 'presence', kioskIds: null };
      return Array.isArray(o.ids) && o.ids.every(isString) ? { kind: 'presence', kioskIds: o.ids as string[] } : undefined;
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
