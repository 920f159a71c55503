import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeAuthMac } from '../../src/protocol/auth.js';
import type { ErrorCode } from '../../src/protocol/errors.js';
import { MAX_KIOSK_FRAME_BYTES, PROTOCOL_VERSION } from '../../src/protocol/messages.js';
import { DEFAULT_LIMITS } from '../../src/server/limits.js';
import type { StoredVote } from '../../src/store/types.js';
import { anyFrame, fatalFrame, splitAt } from './helpers/frames.js';
import { startHarness, settle, until, type Harness, type Peer } from './helpers/memory-harness.js';
import { guardProcess, type ProcessGuard } from './helpers/process-guard.js';

/**
 * The session under hostile input, over in-memory duplex pairs and a MemoryVoteStore. Each
 * property run gets a fresh server; every run checks that nothing escaped as an uncaught
 * exception or unhandled rejection, nothing was logged as an unexpected error, and every vote in
 * the store is one that was valid.
 */

const WIRE_CLOSE_CODES: readonly ErrorCode[] = [
  'PV_FRAME_TOO_LARGE', 'PV_BAD_JSON', 'PV_BAD_UTF8', 'PV_BAD_MESSAGE', 'PV_UNKNOWN_TYPE', 'PV_UNEXPECTED_MESSAGE',
  'PV_UNSUPPORTED_VERSION', 'PV_NOT_AUTHENTICATED', 'PV_AUTH_FAILED', 'PV_AUTH_TIMEOUT', 'PV_KIOSK_REVOKED',
  'PV_REPLACED', 'PV_IDLE_TIMEOUT', 'PV_FRAME_TIMEOUT', 'PV_TOO_MANY_CONNECTIONS', 'PV_WINDOW_EXCEEDED',
  'PV_SERVER_SHUTDOWN', 'PV_INTERNAL',
];

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 });

let guard: ProcessGuard;
let h: Harness | undefined;
const protoKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

beforeEach(() => {
  guard = guardProcess();
});

afterEach(async () => {
  await h?.close();
  h = undefined;
  guard.dispose();
});

/** A vote the server must accept: the open poll, a real button, a fresh id. */
function goodVote(h: Harness, seq: number, button = 1) {
  return { type: 'vote', voteId: randomUUID(), seq, pollId: h.openPoll.id, button, ageMs: 0 };
}

/** The invariants every run must keep, whatever was sent. */
async function checkInvariants(h: Harness): Promise<StoredVote[]> {
  await h.server.committer.drain();
  expect(guard.errors).toEqual([]);
  expect(h.logs.filter((l) => l.level >= 50)).toEqual([]);
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeysBefore);
  const votes = await h.store.listVotes();
  for (const v of votes) {
    expect(['k1', 'k2']).toContain(v.kioskId);
    expect(typeof v.voteId === 'string' && v.voteId.length >= 1 && v.voteId.length <= 64).toBe(true);
    expect(Number.isSafeInteger(v.seq) && v.seq >= 1).toBe(true);
    const poll = v.pollId === h.openPoll.id ? h.openPoll : v.pollId === h.closedPoll.id ? h.closedPoll : undefined;
    expect(poll, `vote for unknown poll ${v.pollId}`).toBeDefined();
    expect(Number.isInteger(v.button) && v.button >= 1 && v.button <= poll!.options.length).toBe(true);
    expect(v.pressedAt).toBeGreaterThanOrEqual(poll!.openedAt!);
    if (poll!.closedAt !== null) expect(v.pressedAt).toBeLessThanOrEqual(poll!.closedAt);
  }
  for (const p of h.peers) {
    expect(p.badFrames).toEqual([]);
    const errors = p.errors;
    expect(errors.length).toBeLessThanOrEqual(1);
    if (errors.length === 1) {
      expect(p.received.at(-1)).toBe(errors[0]);
      expect(WIRE_CLOSE_CODES).toContain(errors[0]!.code);
    }
  }
  return votes;
}

async function writeChunks(p: Peer, bytes: Buffer, cutAt: readonly number[], yieldBetween: boolean): Promise<void> {
  for (const chunk of splitAt(bytes, cutAt)) {
    p.write(chunk);
    if (yieldBetween) await settle(1);
  }
}

describe('session under hostile input (property, in-memory)', () => {
  it('closes the connection with the frame\'s code for any certainly-bad frame, in any state, split anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('fresh', 'hello', 'ready'),
        fc.integer({ min: 0, max: 3 }),
        fatalFrame,
        fc.array(anyFrame(['k1', 'k2']), { maxLength: 4 }),
        cuts,
        fc.boolean(),
        async (state, goodVotes, fatal, trailing, cutAt, yieldBetween) => {
          h = await startHarness();
          const p = h.connect();
          const sent: string[] = [];
          if (state === 'hello') await p.hello('k1');
          if (state === 'ready') {
            await p.handshake('k1', h.secrets.get('k1')!);
            for (let i = 1; i <= goodVotes; i++) {
              const v = goodVote(h, i);
              sent.push(v.voteId);
              p.send(v);
            }
            await until(() => p.of('ack').length === goodVotes, 'acks of the good votes');
          }
          await writeChunks(p, Buffer.concat([fatal.bytes, ...trailing]), cutAt, yieldBetween);
          await until(() => p.isEnded, `close after ${fatal.kind}`);
          expect(p.errors.map((e) => e.code), fatal.kind).toHaveLength(1);
          expect(fatal.codes, fatal.kind).toContain(p.errors[0]!.code);
          const votes = await checkInvariants(h);
          expect(votes.map((v) => v.voteId).sort()).toEqual(sent.sort());
          await h.close();
          h = undefined;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps every invariant for arbitrary mixes of frames from several peers at once', async () => {
    const voteFrame = fc
      .record({ poll: fc.constantFrom('open', 'closed'), button: fc.integer({ min: 1, max: 3 }), ageMs: fc.integer({ min: 0, max: 60_000 }) })
      .map((v) => ({ vote: v }));
    const script = fc.record({
      kiosk: fc.constantFrom('k1', 'k2', null),
      frames: fc.array(fc.oneof({ arbitrary: anyFrame(['k1', 'k2']).map((bytes) => ({ bytes })), weight: 3 }, { arbitrary: voteFrame, weight: 2 }), { maxLength: 20 }),
      cutAt: cuts,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(script, { minLength: 1, maxLength: 3 }), async (scripts) => {
        h = await startHarness();
        const harness = h;
        const peers = await Promise.all(
          scripts.map(async (s) => {
            const p = harness.connect();
            if (s.kiosk) await p.handshake(s.kiosk, harness.secrets.get(s.kiosk)!);
            let seq = 0;
            const bytes = Buffer.concat(
              s.frames.map((f) => {
                if ('bytes' in f) return f.bytes;
                const poll = f.vote.poll === 'open' ? harness.openPoll : harness.closedPoll;
                return Buffer.from(JSON.stringify({ type: 'vote', voteId: randomUUID(), seq: ++seq, pollId: poll.id, button: f.vote.button, ageMs: f.vote.ageMs }) + '\n');
              }),
            );
            return { p, chunks: splitAt(bytes, s.cutAt), kiosk: s.kiosk };
          }),
        );
        // Interleave the peers' chunks, as concurrent connections would.
        for (let i = 0; peers.some((x) => i < x.chunks.length); i++) {
          for (const x of peers) if (i < x.chunks.length) x.p.write(x.chunks[i]!);
          await settle(1);
        }
        await settle(10);
        for (const x of peers) x.p.kioskEnd.end();
        await until(() => peers.every((x) => x.p.isEnded), 'every peer closed');
        const votes = await checkInvariants(harness);
        // Every acknowledgement names a stored vote of the kiosk that connection authenticated as.
        for (const x of peers) {
          const welcomed = x.p.of('welcome')[0]?.kioskId;
          for (const ack of x.p.of('ack')) {
            expect(welcomed).toBeDefined();
            expect(votes.some((v) => v.kioskId === welcomed && v.voteId === ack.voteId)).toBe(true);
          }
        }
        // Nothing is stored for a kiosk no connection authenticated as.
        const authenticated = new Set(peers.map((x) => x.p.of('welcome')[0]?.kioskId).filter(Boolean));
        for (const v of votes) expect(authenticated.has(v.kioskId)).toBe(true);
        await harness.close();
        h = undefined;
      }),
      { numRuns: 150 },
    );
  });

  it('answers a message out of order with the documented code, and stores nothing', async () => {
    h = await startHarness();
    const secret = h.secrets.get('k1')!;
    const cases: { name: string; setup: 'fresh' | 'hello' | 'ready'; send: (p: Peer, h: Harness) => void; code: ErrorCode }[] = [
      { name: 'vote first', setup: 'fresh', send: (p, h) => p.send(goodVote(h, 1)), code: 'PV_NOT_AUTHENTICATED' },
      { name: 'heartbeat first', setup: 'fresh', send: (p) => p.send({ type: 'heartbeat', queued: 0 }), code: 'PV_NOT_AUTHENTICATED' },
      { name: 'auth first', setup: 'fresh', send: (p) => p.send({ type: 'auth', mac: 'ab'.repeat(32) }), code: 'PV_UNEXPECTED_MESSAGE' },
      { name: 'hello v2', setup: 'fresh', send: (p) => p.send({ type: 'hello', v: PROTOCOL_VERSION + 1, kioskId: 'k1', software: 'x' }), code: 'PV_UNSUPPORTED_VERSION' },
      { name: 'vote after hello', setup: 'hello', send: (p, h) => p.send(goodVote(h, 1)), code: 'PV_NOT_AUTHENTICATED' },
      { name: 'second hello', setup: 'hello', send: (p) => p.send({ type: 'hello', v: 1, kioskId: 'k2', software: 'x' }), code: 'PV_UNEXPECTED_MESSAGE' },
      { name: 'hello after welcome', setup: 'ready', send: (p) => p.send({ type: 'hello', v: 1, kioskId: 'k1', software: 'x' }), code: 'PV_UNEXPECTED_MESSAGE' },
      { name: 'auth after welcome', setup: 'ready', send: (p) => p.send({ type: 'auth', mac: 'ab'.repeat(32) }), code: 'PV_UNEXPECTED_MESSAGE' },
    ];
    for (const c of cases) {
      const p = h.connect();
      if (c.setup === 'hello') await p.hello('k1');
      if (c.setup === 'ready') await p.handshake('k1', secret);
      c.send(p, h);
      await until(() => p.isEnded, c.name);
      expect(p.errors.map((e) => e.code), c.name).toEqual([c.code]);
    }
    // A vote pipelined behind auth, before welcome, is refused too: the kiosk must wait for welcome.
    const eager = h.connect();
    const nonce = await eager.hello('k1');
    eager.write(JSON.stringify({ type: 'auth', mac: computeAuthMac(secret, 'k1', nonce) }) + '\n' + JSON.stringify(goodVote(h, 1)) + '\n');
    await until(() => eager.isEnded, 'eager close');
    expect(eager.errors.map((e) => e.code)).toEqual(['PV_NOT_AUTHENTICATED']);
    expect(await checkInvariants(h)).toEqual([]);
  });

  it('buffers no incomplete frame past the limit: open below it, PV_FRAME_TOO_LARGE at it, however it is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 * MAX_KIOSK_FRAME_BYTES }), cuts, async (total, cutAt) => {
        h = await startHarness();
        const p = h.connect();
        await writeChunks(p, Buffer.alloc(total, 0x7b), cutAt, true);
        await settle(3);
        if (total < MAX_KIOSK_FRAME_BYTES) {
          expect(p.isEnded).toBe(false);
          expect(p.received).toEqual([]);
        } else {
          await until(() => p.isEnded, 'close');
          expect(p.errors.map((e) => e.code)).toEqual(['PV_FRAME_TOO_LARGE']);
        }
        await checkInvariants(h);
        await h.close();
        h = undefined;
      }),
      { numRuns: 60 },
    );
  });

  it('bounds what it holds for a peer that floods and never reads, however large the flood', async () => {
    const highWaterMark = 4096;
    await fc.assert(
      fc.asyncProperty(
        // At, above and far above the stream's own buffer: destroy at once, or pause reading first.
        fc.constantFrom(highWaterMark, 16 * 1024, 64 * 1024),
        fc.integer({ min: 2_000, max: 20_000 }),
        fc.integer({ min: 0, max: DEFAULT_LIMITS.window - 1 }),
        fc.integer({ min: 16, max: 2048 }),
        async (maxPendingOutputBytes, heartbeats, votes, chunkFrames) => {
          // A short grace: at teardown this peer never reads its shutdown frame, so it is destroyed after it.
          h = await startHarness({ maxPendingOutputBytes, closeGraceMs: 20 });
          const p = h.connect(highWaterMark);
          await p.handshake('k1', h.secrets.get('k1')!);
          p.stopReading();
          // Measured at every write the server makes, not only between our chunks.
          let peakOut = 0;
          const server = p.serverEnd;
          const write = server.write.bind(server) as (chunk: unknown) => boolean;
          server.write = ((chunk: unknown) => {
            const ok = write(chunk);
            peakOut = Math.max(peakOut, server.writableLength);
            return ok;
          }) as typeof server.write;
          const frames: string[] = [];
          for (let i = 0; i < heartbeats; i++) frames.push(JSON.stringify({ type: 'heartbeat', queued: i }) + '\n');
          for (let i = 1; i <= votes; i++) frames.splice(Math.floor((i * frames.length) / (votes + 1)), 0, JSON.stringify(goodVote(h, i)) + '\n');
          let peakIn = 0;
          let largestChunk = 0;
          // Keep pushing well past the point where the server stopped reading, then stop.
          let pausedTurns = 0;
          for (let i = 0; i < frames.length && !server.destroyed && pausedTurns < 20; i += chunkFrames) {
            const chunk = frames.slice(i, i + chunkFrames).join('');
            largestChunk = Math.max(largestChunk, Buffer.byteLength(chunk));
            p.write(chunk);
            await settle(1);
            peakIn = Math.max(peakIn, server.readableLength);
            if (server.isPaused()) pausedTurns++;
          }
          await settle(5);
          // The server either cut the peer off or stopped reading from it; either way it holds
          // answers to at most what one tick read on top of the cap, whatever the flood's size.
          expect(server.destroyed || server.isPaused()).toBe(true);
          const bound = maxPendingOutputBytes + 4 * (highWaterMark + largestChunk) + DEFAULT_LIMITS.window * 128;
          expect(peakOut).toBeLessThanOrEqual(bound);
          expect(peakIn).toBeLessThanOrEqual(highWaterMark + largestChunk);
          await checkInvariants(h);
          await h.close();
          h = undefined;
        },
      ),
      { numRuns: 40 },
    );
  });
});
