import { describe, expect, it } from 'vitest';
import { runLiveFuzz } from './live-fuzz.js';

/**
 * The live fuzz CI runs: 100,000 frames (a few seconds). Longer runs print their figures with
 * `node node_modules/vite-node/vite-node.mjs test/hostile/run-live-fuzz.ts --frames 1000000 --concurrency 64`;
 * PIVOTE_FUZZ_FRAMES / PIVOTE_FUZZ_SEED override this test's size and seed.
 */
const FRAMES = Number(process.env.PIVOTE_FUZZ_FRAMES ?? 100_000);
const SEED = Number(process.env.PIVOTE_FUZZ_SEED ?? 20_261_122);

describe('live fuzz against a real server process', () => {
  it(`survives ${FRAMES} hostile frames over many connections while a good kiosk's votes are all acknowledged and counted`, async () => {
    const r = await runLiveFuzz({ frames: FRAMES, concurrency: 32, seed: SEED });
    const summary = { ...r, serverErrorLogs: r.serverErrorLogs.length, invalidStoredVotes: r.invalidStoredVotes.length };
    expect(r.frames, JSON.stringify(summary)).toBeGreaterThanOrEqual(FRAMES);
    expect(r.serverAliveAfterFuzz, 'server crashed').toBe(true);
    expect(r.exitCodeOnSigterm).toBe(0);
    expect(r.serverErrorLogs).toEqual([]);
    expect(r.badServerFrames).toBe(0);
    expect(r.violations).toEqual([]);
    expect(r.connectFailures).toBe(0);
    expect(r.goodFailures).toEqual([]);
    expect(r.goodVotesAcked).toBeGreaterThan(20);
    expect(r.goodVotesAcked).toBe(r.goodVotesSent);
    expect(r.goodVotesInDb).toBe(r.goodVotesAcked);
    expect(r.goodVotesCounted).toBe(r.goodVotesAcked);
    expect(r.invalidStoredVotes).toEqual([]);
    // The fuzz reached past the handshake: connections were closed for many different reasons.
    expect(Object.keys(r.closeCodes).length).toBeGreaterThanOrEqual(6);
  }, 180_000);
});
