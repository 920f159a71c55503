import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newSecret } from '../../src/protocol/auth.js';
import { isPivoteError } from '../../src/protocol/errors.js';
import { parseKioskMessage } from '../../src/protocol/validate.js';
import { createPivoteServer, type PivoteServer } from '../../src/server/server.js';
import { openSqliteVoteStore, type SqliteVoteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { PollRecord } from '../../src/store/types.js';
import { duplexPair } from '../server/helpers/duplex-pair.js';
import { until, WirePeer } from './helpers/wire-peer.js';

/**
 * Regression: a vote id holding a lone UTF-16 surrogate ("\ud800", legal JSON) was accepted and
 * acknowledged, but SQLite stores text as UTF-8, so it read back as U+FFFD replacement
 * characters: two different ids ("\ud800", "\udbff") were acked as two votes and listed as the
 * same id, which an export or an exactly-once checker reports as a duplicate. Strings in messages
 * must now be well-formed Unicode (PV_BAD_MESSAGE otherwise).
 *
 * The property: every vote id the server acknowledges reads back from the SQLite store exactly.
 */

let dir: string;
let store: SqliteVoteStore;
let server: PivoteServer;
let poll: PollRecord;
let secret: string;
const peers: WirePeer[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pivote-voteid-'));
  store = openSqliteVoteStore(join(dir, 'p.db'));
  secret = newSecret();
  await store.addKiosk({ id: 'k1', name: 'k1', location: '', secret, createdAt: Date.now() });
  poll = await store.openPoll('Q?', ['a', 'b'], Date.now() - 1000);
  server = await createPivoteServer({ store, burst: { windowMs: 1, maxVotes: 1_000_000 } });
});

afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function kiosk(): Promise<WirePeer> {
  const [serverEnd, kioskEnd] = duplexPair();
  server.handleConnection(serverEnd);
  const p = new WirePeer(kioskEnd);
  peers.push(p);
  await p.handshake('k1', secret);
  return p;
}

/** Sends one vote; resolves with 'acked' or the error code the connection was closed with. */
async function sendVote(p: WirePeer, voteId: string, seq: number): Promise<string> {
  p.send({ type: 'vote', voteId, seq, pollId: poll.id, button: 1, ageMs: 0 });
  await until(() => p.of('ack').some((a) => a.voteId === voteId) || p.errors.length > 0, 'an answer');
  return p.errors[0]?.code ?? 'acked';
}

/** Strings of 1-64 UTF-16 units, often holding surrogates (lone or paired), NUL and line separators. */
const voteIds = fc
  .array(fc.oneof(fc.constantFrom('\ud800', '\udfff', '\ud83d\ude00', '\u0000', '\u2028', '\ufffd'), fc.string({ maxLength: 8, unit: 'binary' })), { minLength: 1, maxLength: 10 })
  .map((parts) => parts.join('').slice(0, 64))
  .filter((id) => id.length >= 1);

describe('vote ids survive the round trip through the SQLite store', () => {
  it('refuses vote ids with lone surrogates (PV_BAD_MESSAGE) and stores nothing for them', async () => {
    for (const voteId of ['\ud800', '\udbff', 'a\udc00b', '\ude00']) {
      expect(await sendVote(await kiosk(), voteId, 1)).toBe('PV_BAD_MESSAGE');
    }
    expect(await store.listVotes()).toEqual([]);
    let caught: unknown;
    try {
      parseKioskMessage({ type: 'hello', v: 1, kioskId: 'k1', software: 'x\ud800' });
    } catch (err) {
      caught = err;
    }
    expect(isPivoteError(caught, 'PV_BAD_MESSAGE')).toBe(true);
  });

  it('keeps ids that are well-formed, astral characters and NUL included', async () => {
    const p = await kiosk();
    const ids = ['😀', 'a\u0000b', 'a\u0000c', 'é', '\u2028'];
    for (const [i, id] of ids.entries()) expect(await sendVote(p, id, i + 1)).toBe('acked');
    expect((await store.listVotes()).map((v) => v.voteId).sort()).toEqual([...ids].sort());
  });

  it('every acknowledged vote id reads back exactly (property)', async () => {
    let seq = 0;
    let p = await kiosk();
    const acked: string[] = [];
    await fc.assert(
      fc.asyncProperty(voteIds, async (voteId) => {
        if (acked.includes(voteId)) return;
        if (p.isEnded) p = await kiosk();
        const outcome = await sendVote(p, voteId, ++seq);
        if (outcome === 'acked') acked.push(voteId);
        else expect(outcome).toBe('PV_BAD_MESSAGE');
      }),
      { numRuns: 200 },
    );
    const stored = (await store.listVotes()).map((v) => v.voteId);
    expect(stored.sort()).toEqual([...acked].sort());
  });
});
