import { expect } from 'vitest';
import { isPivoteError, type ErrorCode } from '../../src/protocol/errors.js';
import type { BurstPolicy, NewKiosk, NewVote, PollRecord, VoteStore } from '../../src/store/types.js';

/** 2026-11-22T14:00:00.000Z: an hour boundary, so hour-bucket tests read naturally. */
export const T0 = Date.UTC(2026, 10, 22, 14, 0, 0);
/** A policy that never flags, for tests that are not about bursts. */
export const NO_BURST: BurstPolicy = { windowMs: 1_000, maxVotes: 1_000_000 };

export function newKiosk(id: string, over: Partial<NewKiosk> = {}): NewKiosk {
  return { id, name: `name of ${id}`, location: `hall ${id}`, secret: `secret-${id}`, createdAt: T0, ...over };
}

export function newVote(kioskId: string, voteId: string, over: Partial<NewVote> = {}): NewVote {
  return {
    kioskId,
    voteId,
    seq: 1,
    pollId: 1,
    button: 1,
    pressedAt: T0,
    receivedAt: T0 + 50,
    clockUnknown: false,
    ...over,
  };
}

/** Awaits `p` and asserts it rejected with a PivoteError carrying `code`. */
export async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a rejection with ${code}`).toBeDefined();
  expect(isPivoteError(caught) ? caught.code : caught).toBe(code);
}

/** Kiosks k1, k2, k3 and one open poll with three options. */
export async function seed(store: VoteStore): Promise<PollRecord> {
  for (const id of ['k1', 'k2', 'k3']) await store.addKiosk(newKiosk(id));
  return store.openPoll('Best snack?', ['Apple', 'Bread', 'Cheese'], T0);
}
