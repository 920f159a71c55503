import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from './fixture.js';

describe('health and metrics (real HTTP)', () => {
  let f: HttpFixture;
  beforeEach(async () => {
    f = await startHttpFixture();
  });
  afterEach(async () => f.close());

  it('livez and readyz answer without a token; readyz is 503 with a reason once the server stops', async () => {
    expect((await f.api('GET', '/livez', { token: null })).json).toEqual({ status: 'ok' });
    expect((await f.api('GET', '/readyz', { token: null })).json).toEqual({ status: 'ready' });
    await f.server.core.close();
    const r = await f.api('GET', '/readyz', { token: null });
    expect(r.status).toBe(503);
    expect(r.json).toEqual({ status: 'not ready', reason: 'the server is shutting down' });
  });

  it('/metrics: Prometheus text with the vote, ack, commit, connection and fleet series, no kiosk ids', async () => {
    const k = await f.kiosk('secret-kiosk-name');
    const poll = (await f.api('POST', '/api/polls', { body: { question: 'Q', options: ['A', 'B'] } })).json;
    await k.expect('poll');
    k.vote('v1', 1, poll.id, 1);
    await k.expect('ack');
    k.vote('v1', 1, poll.id, 1);
    expect((await k.expect('ack')).status).toBe('duplicate');
    k.vote('v2', 2, poll.id, 3);
    expect((await k.expect('reject')).code).toBe('PV_BAD_BUTTON');
    const r = await f.api('GET', '/metrics', { token: null });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    const m = r.text;
    expect(m).toMatch(/^pivote_votes_total\{outcome="stored",flagged="false"\} 1$/m);
    expect(m).toMatch(/^pivote_votes_total\{outcome="duplicate",flagged="false"\} 1$/m);
    expect(m).toMatch(/^pivote_votes_refused_total\{code="PV_BAD_BUTTON"\} 1$/m);
    expect(m).toMatch(/^pivote_ack_latency_seconds_count 2$/m);
    expect(m).toMatch(/^pivote_commit_batch_votes_bucket\{le="1"\} [12]$/m);
    expect(m).toMatch(/^pivote_commit_duration_seconds_count [12]$/m);
    expect(m).toMatch(/^pivote_kiosks_connected 1$/m);
    expect(m).toMatch(/^pivote_kiosks_online 1$/m);
    expect(m).toMatch(/^pivote_kiosks_offline 0$/m);
    expect(m).toMatch(/^pivote_kiosk_queued_votes 0$/m);
    expect(m).toMatch(/^process_cpu_seconds_total /m);
    expect(m).not.toContain('secret-kiosk-name');
    k.close();
    await k.ended;
    const closedLine = /^pivote_connections_closed_total\{reason="peer",authenticated="true"\} 1$/m;
    let after = '';
    for (let i = 0; i < 100 && !closedLine.test(after); i++) {
      after = (await f.api('GET', '/metrics', { token: null })).text; // the server sees the close a moment later
      if (!closedLine.test(after)) await new Promise((r) => setTimeout(r, 50));
    }
    expect(after).toMatch(closedLine);
  });
});
