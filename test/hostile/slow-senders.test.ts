import { describe, expect, it } from 'vitest';
import { openFileLimit, runSlowSenders } from './slow-senders.js';

/**
 * 2,000 slow senders against a real server process whose deadlines are shortened (2 s to
 * authenticate, 1.5 s to finish a frame) so the test takes seconds. Each side of the 2,000
 * sockets is in its own process (this one and the server), so each needs ~2,100 descriptors.
 */
const CONNECTIONS = 2_000;
const AUTH_TIMEOUT_MS = 2_000;
const FRAME_TIMEOUT_MS = 1_500;

describe('slow senders', () => {
  it(`closes ${CONNECTIONS} connections that never authenticate or send a byte a second, while a good kiosk keeps voting`, async () => {
    const limit = openFileLimit();
    if (limit !== undefined && limit < CONNECTIONS + 500) {
      throw new Error(`ulimit -n is ${limit}; this test needs at least ${CONNECTIONS + 500} open files (raise it with \`ulimit -n 4096\`)`);
    }
    const r = await runSlowSenders({ connections: CONNECTIONS, authTimeoutMs: AUTH_TIMEOUT_MS, frameTimeoutMs: FRAME_TIMEOUT_MS, authenticatedTricklers: 100 });
    const summary = JSON.stringify({ ...r, serverErrorLogs: r.serverErrorLogs.length, unexpected: r.unexpected.slice(0, 5) });
    expect(r.connections, summary).toBe(CONNECTIONS);
    expect(r.stillOpen, summary).toBe(0);
    expect(r.unexpected, summary).toEqual([]);
    expect((r.closeCodes.PV_AUTH_TIMEOUT ?? 0) + (r.closeCodes.PV_FRAME_TIMEOUT ?? 0)).toBe(CONNECTIONS);
    expect(r.closeCodes.PV_FRAME_TIMEOUT ?? 0).toBeGreaterThanOrEqual(100);
    // Closed by the deadline (plus the 250 ms sweep and scheduling), not by luck much later.
    expect(r.slowestCloseMs, summary).toBeLessThan(AUTH_TIMEOUT_MS + 2_000);
    expect(r.goodFailures, summary).toEqual([]);
    expect(r.goodVotesAcked).toBeGreaterThan(20);
    expect(r.goodVotesCounted).toBe(r.goodVotesAcked);
    expect(r.goodMaxAckLatencyMs, summary).toBeLessThan(1_000);
    expect(r.serverAlive).toBe(true);
    expect(r.exitCodeOnSigterm).toBe(0);
    expect(r.serverErrorLogs).toEqual([]);
  }, 60_000);
});
