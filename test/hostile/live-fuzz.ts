import { seededRandom } from '../../src/kiosk/sim/press-plan.js';
import fc from 'fast-check';
import { computeAuthMac } from '../../src/protocol/auth.js';
import type { StoredVote } from '../../src/store/types.js';
import { anyFrame, fatalFrame, splitAt, voteText, wrongFieldFrame } from './helpers/frames.js';
import { GoodKiosk } from './helpers/good-kiosk.js';
import { runPivote, startServerProcess, type LogLine } from './helpers/server-process.js';
import { readVotes, Scratch, seedDb } from './helpers/seed.js';
import { connectPeer } from './helpers/tcp-peer.js';
import { settle, until, type WirePeer } from './helpers/wire-peer.js';

/**
 * Live fuzz: a real `pivote server` process, many concurrent connections sending generated
 * hostile frames, and one good kiosk voting throughout. Used by live-fuzz.test.ts (100,000 frames) and
 * run-live-fuzz.ts (longer runs). Frames come from pools generated from the seed, so a seed
 * always fuzzes with the same frames; which connection sends which, and when, depends on timing.
 *
 * Connection kinds:
 *   garbage      no handshake; anything at all
 *   near-valid   a valid hello, then frames that are almost right (one field wrong)
 *   wrong-secret hello + auth with a MAC from the wrong secret, then valid votes anyway
 *   bad-votes    a registered fuzz kiosk authenticated with its real secret, sending bad votes
 *   vote-flood   the same, pipelining far more votes than the window (valid ones, unknown polls)
 */

export interface LiveFuzzOptions {
  /** Generated frames to send in total (handshake frames not counted). */
  frames: number;
  /** Connections open at once. */
  concurrency: number;
  seed: number;
  /** Distinct frames generated per kind; connections draw from these pools. */
  poolSize?: number;
  /** Progress lines (the long run prints them). */
  progress?: (line: string) => void;
}

export type ConnectionKind = 'garbage' | 'near-valid' | 'wrong-secret' | 'bad-votes' | 'vote-flood';
const KINDS: readonly ConnectionKind[] = ['garbage', 'near-valid', 'wrong-secret', 'bad-votes', 'garbage', 'near-valid', 'wrong-secret', 'bad-votes', 'vote-flood'];
const AUTHENTICATED: readonly ConnectionKind[] = ['bad-votes', 'vote-flood'];
const FUZZ_KIOSKS = ['fuzz-1', 'fuzz-2', 'fuzz-3', 'fuzz-4', 'fuzz-5', 'fuzz-6'];
const GOOD = 'good-kiosk';

export interface LiveFuzzReport {
  seed: number;
  frames: number;
  connections: number;
  connectionsByKind: Record<ConnectionKind, number>;
  /** `error` codes the fuzz connections were closed with. */
  closeCodes: Record<string, number>;
  /** Server frames a fuzz connection could not decode or validate (must be 0). */
  badServerFrames: number;
  /** Breaches of what a kind of connection may receive, e.g. a welcome after a wrong secret (must be 0). */
  violations: string[];
  /** Connect failures (the server refusing or dropping accepts would show here). */
  connectFailures: number;
  serverAliveAfterFuzz: boolean;
  exitCodeOnSigterm: number | null;
  serverErrorLogs: LogLine[];
  goodVotesSent: number;
  goodVotesAcked: number;
  goodVotesInDb: number;
  goodVotesCounted: number;
  goodFailures: string[];
  goodMaxAckLatencyMs: number;
  fuzzVotesStored: number;
  /** Votes of fuzz kiosks that were acknowledged (each is checked to be in the database). */
  fuzzVotesAcked: number;
  invalidStoredVotes: string[];
  durationMs: number;
}

/** Seeded PRNG for picking kinds, frames and split points (the simulator's mulberry32). */
const prng = seededRandom;

function pools(seed: number, size: number, pollId: number): Record<ConnectionKind, Buffer[]> {
  const ids = [...FUZZ_KIOSKS, GOOD, 'nobody'];
  const num = fc.constantFrom('null', '0', '1', '2', '3', '4', '9', '-1', '1.5', '"1"', '1e999', '-0', '9007199254740993', String(pollId), '999');
  const badVote = fc
    .record({ voteId: fc.uuid().map((u) => JSON.stringify(u)), seq: fc.constantFrom('1', '2', '0', '-1', '1.5', '1e308'), pollId: num, button: num, ageMs: num })
    .map((f) => Buffer.from(voteText(f) + '\n'));
  // Valid votes and votes for polls that do not exist (each one a store read while it counts against the window).
  const floodVote = fc
    .record({ voteId: fc.uuid(), seq: fc.integer({ min: 1, max: 1000 }), pollId: fc.constantFrom(pollId, pollId, 1000 + pollId, 77_777), button: fc.integer({ min: 1, max: 3 }) })
    .map((v) => Buffer.from(JSON.stringify({ type: 'vote', ...v, ageMs: 0 }) + '\n'));
  const sample = (arb: fc.Arbitrary<Buffer>, salt: number): Buffer[] => fc.sample(arb, { seed: seed + salt, numRuns: size });
  return {
    garbage: sample(anyFrame(ids), 1),
    'near-valid': sample(fc.oneof(wrongFieldFrame.map((f) => f.bytes), fatalFrame.map((f) => f.bytes), anyFrame(ids)), 2),
    'wrong-secret': sample(badVote, 3),
    'bad-votes': sample(fc.oneof({ arbitrary: badVote, weight: 3 }, { arbitrary: anyFrame(ids), weight: 1 }), 4),
    'vote-flood': sample(floodVote, 5),
  };
}

export async function runLiveFuzz(opts: LiveFuzzOptions): Promise<LiveFuzzReport> {
  const started = performance.now();
  const scratch = new Scratch();
  const random = prng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const log = opts.progress ?? (() => {});
  try {
    const { secrets, poll } = await seedDb(scratch.dbPath, [GOOD, ...FUZZ_KIOSKS]);
    const pollId = poll!.id;
    const pool = pools(opts.seed, opts.poolSize ?? 2000, pollId);
    // Burst flagging would exclude the good kiosk's rapid votes from the results; it is not under test here.
    const server = await startServerProcess({ dbPath: scratch.dbPath, args: ['--burst-max', '1000000'] });
    const report: LiveFuzzReport = {
      seed: opts.seed,
      frames: 0,
      connections: 0,
      connectionsByKind: { garbage: 0, 'near-valid': 0, 'wrong-secret': 0, 'bad-votes': 0, 'vote-flood': 0 },
      closeCodes: {},
      badServerFrames: 0,
      violations: [],
      connectFailures: 0,
      serverAliveAfterFuzz: false,
      exitCodeOnSigterm: null,
      serverErrorLogs: [],
      goodVotesSent: 0,
      goodVotesAcked: 0,
      goodVotesInDb: 0,
      goodVotesCounted: 0,
      goodFailures: [],
      goodMaxAckLatencyMs: 0,
      fuzzVotesStored: 0,
      fuzzVotesAcked: 0,
      invalidStoredVotes: [],
      durationMs: 0,
    };
    try {
      const goodPeer = await connectPeer(server.port);
      await goodPeer.handshake(GOOD, secrets.get(GOOD)!);
      const good = new GoodKiosk(goodPeer, pollId, poll!.options.length, 5);
      good.start();

      let nextProgress = 0;
      /** kioskId/voteId of every vote a fuzz connection had acknowledged: each must be in the database. */
      const ackedFuzz = new Set<string>();
      const welcomedAs = (p: WirePeer): string => p.of('welcome')[0]?.kioskId ?? '?';
      const worker = async (): Promise<void> => {
        while (report.frames < opts.frames && good.failures.length === 0) {
          const kind = pick(KINDS);
          const count = kind === 'vote-flood' ? 65 + Math.floor(random() * 200) : 1 + Math.floor(random() * 40);
          const frames = Array.from({ length: count }, () => pick(pool[kind]));
          const cuts = Array.from({ length: Math.floor(random() * 6) }, () => random());
          report.frames += count;
          report.connections++;
          report.connectionsByKind[kind]++;
          await fuzzConnection(kind, frames, cuts);
          if (report.frames >= nextProgress) {
            log(`${report.frames} frames, ${report.connections} connections, good kiosk ${good.acked.size} acked`);
            nextProgress += 10_000;
          }
        }
      };

      const fuzzConnection = async (kind: ConnectionKind, frames: Buffer[], cuts: number[]): Promise<void> => {
        const awaitAuthAnswer = random() < 0.5;
        let peer: WirePeer;
        try {
          peer = await connectPeer(server.port);
        } catch {
          report.connectFailures++;
          return;
        }
        try {
          const kioskId = pick(FUZZ_KIOSKS);
          if (kind === 'near-valid') await peer.hello(kioskId).catch(() => undefined);
          if (kind === 'wrong-secret') {
            const nonce = await peer.hello(kioskId).catch(() => undefined);
            if (nonce) peer.send({ type: 'auth', mac: computeAuthMac('not-the-secret', kioskId, nonce) });
            // Half the time the votes are pipelined behind auth (refused as not authenticated, or
            // as malformed); otherwise the refusal is awaited and must be PV_AUTH_FAILED.
            if (nonce && awaitAuthAnswer) {
              await until(() => peer.errors.length > 0 || peer.isEnded, 'auth answer').catch(() => undefined);
              if (peer.errors[0]?.code !== 'PV_AUTH_FAILED') report.violations.push(`wrong secret answered ${JSON.stringify(peer.received.slice(1))}`);
            }
          }
          if (AUTHENTICATED.includes(kind)) await peer.handshake(kioskId, secrets.get(kioskId)!).catch(() => undefined);
          for (const chunk of splitAt(Buffer.concat(frames), cuts)) {
            if (peer.isEnded) break;
            peer.write(chunk);
            await settle(1);
          }
          // Give the server a moment to answer or close, then hang up ourselves.
          const deadline = Date.now() + 50;
          while (!peer.isEnded && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        } finally {
          peer.close();
        }
        await peer.ended;
        report.badServerFrames += peer.badFrames.length;
        for (const e of peer.errors) report.closeCodes[e.code] = (report.closeCodes[e.code] ?? 0) + 1;
        const welcomed = peer.of('welcome').length > 0;
        if (!AUTHENTICATED.includes(kind) && (welcomed || peer.of('ack').length > 0)) report.violations.push(`${kind} connection was welcomed or acked`);
        for (const ack of peer.of('ack')) ackedFuzz.add(`${welcomedAs(peer)}/${ack.voteId}`);
      };

      await Promise.all(Array.from({ length: opts.concurrency }, () => worker()));
      await good.stop();
      report.serverAliveAfterFuzz = server.alive;
      report.goodVotesSent = good.sent;
      report.goodVotesAcked = good.acked.size;
      report.goodFailures = good.failures;
      report.goodMaxAckLatencyMs = Math.round(good.maxAckLatencyMs);
      goodPeer.close();

      // Counted: what `pivote results` reports for the good kiosk, from the database the server wrote.
      const results = await runPivote(['results', '--db', scratch.dbPath, '--poll', String(pollId), '--by', 'kiosk', '--format', 'json']);
      const view = JSON.parse(results.stdout) as { groups: { key: string; total: number }[] };
      report.goodVotesCounted = view.groups.find((g) => g.key === GOOD)?.total ?? 0;
      const votes = await readVotes(scratch.dbPath);
      const goodVotes = votes.filter((v) => v.kioskId === GOOD);
      report.goodVotesInDb = goodVotes.filter((v) => good.acked.get(v.voteId) === v.button).length;
      if (goodVotes.length !== good.acked.size) report.violations.push(`good kiosk: ${goodVotes.length} votes stored, ${good.acked.size} acked`);
      report.fuzzVotesStored = votes.length - goodVotes.length;
      report.invalidStoredVotes = votes.filter((v) => !validStoredVote(v, pollId, poll!.options.length)).map((v) => JSON.stringify(v));
      const storedKeys = new Set(votes.map((v) => `${v.kioskId}/${v.voteId}`));
      for (const key of ackedFuzz) if (!storedKeys.has(key)) report.violations.push(`fuzz vote ${key} acked but not stored`);
      report.fuzzVotesAcked = ackedFuzz.size;
    } finally {
      report.exitCodeOnSigterm = await server.stop().catch(() => null);
      report.serverErrorLogs = server.notable.filter((l) => l.level >= 50);
    }
    report.durationMs = Math.round(performance.now() - started);
    return report;
  } finally {
    scratch.remove();
  }
}

function validStoredVote(v: StoredVote, pollId: number, buttons: number): boolean {
  return (
    [GOOD, ...FUZZ_KIOSKS].includes(v.kioskId) &&
    v.pollId === pollId &&
    Number.isInteger(v.button) && v.button >= 1 && v.button <= buttons &&
    Number.isSafeInteger(v.seq) && v.seq >= 1 &&
    v.voteId.length >= 1 && v.voteId.length <= 64
  );
}
