import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from './fixture.js';
import { openStream } from './sse-client.js';

describe('results, export and the live stream (real HTTP, real kiosks over TCP)', () => {
  let f: HttpFixture;
  beforeEach(async () => {
    f = await startHttpFixture();
  });
  afterEach(async () => f.close());

  it('the live stream starts with a snapshot, then the tally follows each acknowledged vote', async () => {
    const k = await f.kiosk('k1');
    const poll = (await f.api('POST', '/api/polls', { body: { question: 'Q', options: ['A', 'B'] } })).json;
    await k.expect('poll');
    const stream = await openStream(`${f.url}/api/events`, { authorization: `Bearer ${f.token}` });
    try {
      expect(stream.status).toBe(200);
      const snapshot = await stream.next((e) => e.event === 'snapshot');
      expect(snapshot.data).toMatchObject({ poll: { id: poll.id, question: 'Q' }, results: { total: 0 }, kiosks: [{ id: 'k1', online: true }], alerts: [] });
      const from = stream.events.length;
      k.vote('v1', 1, poll.id, 2);
      expect(await k.expect('ack')).toMatchObject({ voteId: 'v1', status: 'stored' });
      const tally = await stream.next((e) => e.event === 'tally' && e.data.total === 1, from);
      expect(tally.data).toMatchObject({ pollId: poll.id, total: 1, flagged: 0, perMinute: 1, options: [{ button: 1, count: 0, percent: 0 }, { button: 2, count: 1, percent: 100 }] });
      await f.api('POST', '/api/polls/current/close');
      expect((await stream.next((e) => e.event === 'poll' && e.data.reason === 'closed')).data.poll).toMatchObject({ id: poll.id, state: 'closed' });
      k.close();
      expect((await stream.next((e) => e.event === 'presence' && e.data.kiosks.some((p: { id: string; online: boolean }) => p.id === 'k1' && !p.online))).event).toBe('presence');
    } finally {
      await stream.close();
    }
  });

  it('forty streams at once (more than one slice of a broadcast): each gets every update, in order, and the same snapshot', async () => {
    const k = await f.kiosk('k1');
    const streams = await Promise.all(Array.from({ length: 40 }, () => openStream(`${f.url}/api/events`, { authorization: `Bearer ${f.token}` })));
    try {
      const snapshots = await Promise.all(streams.map((s) => s.next((e) => e.event === 'snapshot')));
      for (const s of snapshots) expect(s.data).toMatchObject({ poll: null, kiosks: [{ id: 'k1', online: true }] });
      const poll = (await f.api('POST', '/api/polls', { body: { question: 'Q', options: ['A', 'B'] } })).json;
      await k.expect('poll');
      k.vote('v1', 1, poll.id, 1);
      await k.expect('ack');
      await Promise.all(streams.map((s) => s.next((e) => e.event === 'tally' && e.data.total === 1)));
      await f.api('POST', '/api/polls/current/close');
      for (const s of streams) {
        await s.next((e) => e.event === 'poll' && e.data.reason === 'closed');
        // The first tally counting the vote comes after the opening and before the closing.
        const seen = s.events.filter((e) => e.event === 'poll' || (e.event === 'tally' && e.data.total === 1)).map((e) => (e.event === 'poll' ? e.data.reason : 'tally 1'));
        expect(seen.slice(0, 3)).toEqual(['opened', 'tally 1', 'closed']);
      }
    } finally {
      await Promise.all(streams.map((s) => s.close()));
    }
  });

  it('counts results by kiosk, location and hour, and exports every vote row as CSV and JSON lines', async () => {
    const k1 = await f.kiosk('k1');
    const k2 = await f.kiosk('k2');
    await f.api('PATCH', '/api/kiosks/k1', { body: { location: 'Terrace' } });
    await f.api('PATCH', '/api/kiosks/k2', { body: { location: 'Lobby' } });
    const poll = (await f.api('POST', '/api/polls', { body: { question: 'Snack?', options: ['Apple', 'Bread, toasted'] } })).json;
    await Promise.all([k1.expect('poll'), k2.expect('poll')]);
    k1.vote('a', 1, poll.id, 1);
    k2.vote('b', 1, poll.id, 2);
    await Promise.all([k1.expect('ack'), k2.expect('ack')]);
    const r = await f.api('GET', `/api/polls/${poll.id}/results?by=location`);
    expect(r.json).toMatchObject({ total: 2, by: 'location' });
    expect(r.json.groups.map((g: { key: string; total: number }) => [g.key, g.total])).toEqual([['Lobby', 1], ['Terrace', 1]]);
    expect((await f.api('GET', '/api/polls/current/results?by=kiosk')).json.groups).toHaveLength(2);
    const hour = (await f.api('GET', `/api/polls/${poll.id}/results?by=hour&tz=Europe/Paris`)).json;
    expect(hour.groups[0].key).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:00\+0[12]:00$/);
    expect((await f.api('GET', `/api/polls/${poll.id}/results?by=hour&tz=Nowhere/Else`)).json.code).toBe('PV_USAGE');
    expect((await f.api('GET', `/api/polls/${poll.id}/results?includeFlagged=maybe`)).status).toBe(400);

    const csv = await f.api('GET', `/api/votes?poll=${poll.id}&format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toContain(`pivote-votes-poll-${poll.id}.csv`);
    const lines = csv.text.trimEnd().split('\n');
    expect(lines[0]).toBe('kiosk_id,vote_id,seq,poll_id,button,option,pressed_at,received_at,clock_unknown,flagged');
    expect(lines.slice(1).sort()).toEqual([
      expect.stringMatching(new RegExp(`^k1,a,1,${poll.id},1,Apple,\\d{4}-.+Z,\\d{4}-.+Z,false,false$`)),
      expect.stringMatching(new RegExp(`^k2,b,1,${poll.id},2,"Bread, toasted",.+,false,false$`)),
    ]);
    const jsonl = await f.api('GET', `/api/votes?format=jsonl`);
    const rows = jsonl.text.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.voteId).sort()).toEqual(['a', 'b']);
    expect(rows[0]).toMatchObject({ kioskId: expect.any(String), pollId: poll.id, clockUnknown: false, flagged: false });
    expect((await f.api('GET', '/api/votes?poll=999')).json.code).toBe('PV_POLL_NOT_FOUND');

    const insights = (await f.api('GET', `/api/polls/${poll.id}/insights?tz=UTC`)).json;
    expect(insights.heatmap).toHaveLength(168);
    expect(insights.heatmap.reduce((a: number, c: { count: number }) => a + c.count, 0)).toBe(2);
    expect(insights.byLocation.map((l: { location: string }) => l.location)).toEqual(['Lobby', 'Terrace']);
    expect(insights.trend.reduce((a: number, p: { counts: number[] }) => a + p.counts[0]! + p.counts[1]!, 0)).toBe(2);
  });

  it('public results: refused until the organiser allows them, then only that poll\'s totals', async () => {
    const poll = (await f.api('POST', '/api/polls', { body: { question: 'Public?', options: ['Yes', 'No'], publicResults: 'after-close' } })).json;
    const closedOff = await f.api('GET', '/api/public/results', { token: null });
    expect(closedOff.status).toBe(403);
    expect(closedOff.json.code).toBe('PV_PUBLIC_RESULTS_OFF');
    expect((await f.api('GET', '/api/public/events', { token: null })).status).toBe(403);
    await f.api('POST', '/api/polls/current/close');
    const after = await f.api('GET', '/api/public/results', { token: null });
    expect(after.status).toBe(200);
    expect(after.json).toEqual({ poll: { id: poll.id, question: 'Public?', state: 'closed' }, options: expect.any(Array), total: 0 });
    expect(Object.keys(after.json.options[0]).sort()).toEqual(['button', 'count', 'label', 'percent']);
    await f.api('PATCH', `/api/polls/${poll.id}`, { body: { publicResults: 'never' } });
    expect((await f.api('GET', '/api/public/results', { token: null })).status).toBe(403);
    // Nothing else is public.
    for (const path of ['/api/polls', '/api/kiosks', '/api/votes', `/api/polls/${poll.id}/results`]) expect((await f.api('GET', path, { token: null })).status).toBe(401);
  });

  it('the public stream ends when another poll opens, so a big screen never shows a poll that is not public', async () => {
    await f.api('POST', '/api/polls', { body: { question: 'First', options: ['A', 'B'], publicResults: 'always' } });
    const stream = await openStream(`${f.url}/api/public/events`, {});
    try {
      expect((await stream.next((e) => e.event === 'snapshot')).data.poll.question).toBe('First');
      await f.api('POST', '/api/polls/current/close');
      await f.api('POST', '/api/polls', { body: { question: 'Private', options: ['C', 'D'] } });
      expect((await stream.next((e) => e.event === 'unavailable')).event).toBe('unavailable');
      expect((await f.api('GET', '/api/public/results', { token: null })).status).toBe(403);
    } finally {
      await stream.close();
    }
  });
});
