import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from './fixture.js';

describe('admin API: polls and kiosks (real HTTP)', () => {
  let f: HttpFixture;
  beforeEach(async () => {
    f = await startHttpFixture();
  });
  afterEach(async () => f.close());

  const polls = async () => (await f.api('GET', '/api/polls')).json as { id: number; state: string }[];

  it('opens, lists and closes a poll; the open poll reaches a connected kiosk', async () => {
    const k = await f.kiosk('k1');
    const opened = await f.api('POST', '/api/polls', { body: { question: 'Tea or coffee?', options: ['Tea', 'Coffee'], publicResults: 'always' } });
    expect(opened.status).toBe(201);
    expect(opened.json).toMatchObject({ question: 'Tea or coffee?', options: ['Tea', 'Coffee'], state: 'open', publicResults: 'always', kiosksShort: [] });
    const pushed = await k.expect('poll');
    expect(pushed.poll).toMatchObject({ id: opened.json.id, options: ['Tea', 'Coffee'] });
    expect((await f.api('GET', `/api/polls/${opened.json.id}`)).json.state).toBe('open');
    const again = await f.api('POST', '/api/polls', { body: { question: 'Q', options: ['A', 'B'] } });
    expect(again.status).toBe(409);
    expect(again.json.code).toBe('PV_POLL_ALREADY_OPEN');
    const closed = await f.api('POST', '/api/polls/current/close');
    expect(closed.json).toMatchObject({ id: opened.json.id, state: 'closed' });
    expect((await k.expect('poll')).poll).toBeNull();
    expect((await f.api('POST', `/api/polls/${opened.json.id}/close`)).json.code).toBe('PV_NO_OPEN_POLL');
  });

  it('refuses bad poll input with a clear 400 and opens nothing', async () => {
    const cases: unknown[] = [
      {},
      { question: 'Q', options: ['A'] },
      { question: 'Q', options: ['A', 'A'] },
      { question: 'Q', options: Array.from({ length: 9 }, (_, i) => `o${i}`) },
      { question: 'Q', options: ['A', 'B'], colour: 'red' },
      { question: 'Q', options: ['A', 'B'], publicResults: 'sometimes' },
      { question: 'Q', options: ['A', 'B'], closesAt: 'tomorrow-ish' },
      { question: 7, options: ['A', 'B'] },
      '{"question": "Q", "options": ["A",',
    ];
    for (const body of cases) {
      const r = await f.api('POST', '/api/polls', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(['PV_BAD_REQUEST', 'PV_BAD_POLL']).toContain(r.json.code);
      expect(r.json.message).toEqual(expect.any(String));
    }
    expect(await polls()).toEqual([]);
    expect((await f.api('GET', '/api/polls/abc')).status).toBe(400);
    expect((await f.api('GET', '/api/polls/999')).json.code).toBe('PV_POLL_NOT_FOUND');
    expect((await f.api('GET', '/api/nothing-here')).json).toMatchObject({ statusCode: 404, code: 'PV_NOT_FOUND' });
  });

  it('schedules a draft that the server opens at its time, and closes the poll at its closing time', async () => {
    const soon = new Date(Date.now() + 300).toISOString();
    const later = new Date(Date.now() + 1_300).toISOString();
    const draft = await f.api('POST', '/api/polls', { body: { question: 'Scheduled?', options: ['Yes', 'No'], opensAt: soon, closesAt: later } });
    expect(draft.json).toMatchObject({ state: 'draft', opensAt: soon, closesAt: later, openedAt: null });
    const deadline = Date.now() + 15_000;
    while ((await polls())[0]?.state !== 'open' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await polls())[0]?.state).toBe('open');
    while ((await polls())[0]?.state !== 'closed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await polls())[0]).toMatchObject({ state: 'closed' });
    const actions = ((await f.api('GET', '/api/audit')).json as { action: string; actor: string }[]).map((e) => `${e.action} ${e.actor}`);
    expect(actions.slice(0, 3)).toEqual(['poll.close scheduler', 'poll.open scheduler', 'poll.create api 127.0.0.1']);
  });

  it('reschedules, changes visibility and deletes drafts; opening a draft by hand works once', async () => {
    const d = (await f.api('POST', '/api/polls', { body: { question: 'D', options: ['A', 'B'], opensAt: '2099-01-01T00:00:00Z' } })).json;
    expect((await f.api('PATCH', `/api/polls/${d.id}`, { body: { opensAt: null, publicResults: 'after-close' } })).json).toMatchObject({ opensAt: null, publicResults: 'after-close' });
    expect((await f.api('PATCH', `/api/polls/${d.id}`, { body: {} })).status).toBe(400);
    expect((await f.api('POST', `/api/polls/${d.id}/open`)).json.state).toBe('open');
    expect((await f.api('POST', `/api/polls/${d.id}/open`)).json.code).toBe('PV_POLL_NOT_DRAFT');
    expect((await f.api('DELETE', `/api/polls/${d.id}`)).json.code).toBe('PV_POLL_NOT_DRAFT');
    const d2 = (await f.api('POST', '/api/polls', { body: { question: 'D2', options: ['A', 'B'], opensAt: '2099-01-01T00:00:00Z' } })).json;
    expect((await f.api('DELETE', `/api/polls/${d2.id}`)).status).toBe(204);
    expect((await polls()).map((p) => p.id)).toEqual([d.id]);
  });

  it('registers kiosks (the secret once, with the config to paste), renames, re-keys, revokes, reactivates and removes them', async () => {
    const added = await f.api('POST', '/api/kiosks', { body: { id: 'hall-1', name: 'Main hall', location: 'Entrance' } });
    expect(added.status).toBe(201);
    expect(added.json.kiosk).toMatchObject({ id: 'hall-1', name: 'Main hall', location: 'Entrance', online: false, revoked: false });
    expect(added.json.config).toEqual({ server: `127.0.0.1:${f.server.address.port}`, kioskId: 'hall-1', secret: added.json.secret });
    expect(JSON.stringify((await f.api('GET', '/api/kiosks')).json)).not.toContain(added.json.secret);
    expect((await f.api('POST', '/api/kiosks', { body: { id: 'hall-1' } })).json.code).toBe('PV_KIOSK_EXISTS');
    expect((await f.api('POST', '/api/kiosks', { body: { id: 'bad id' } })).json.code).toBe('PV_BAD_KIOSK');
    const batch = await f.api('POST', '/api/kiosks/batch', { body: { kiosks: [{ id: 'b1' }, { id: 'b2', location: 'Bar' }] } });
    expect(batch.json.map((k: { kiosk: { id: string } }) => k.kiosk.id)).toEqual(['b1', 'b2']);
    expect((await f.api('PATCH', '/api/kiosks/b1', { body: { name: 'Bar one' } })).json).toMatchObject({ id: 'b1', name: 'Bar one' });
    expect((await f.api('PATCH', '/api/kiosks/ghost', { body: { name: 'x' } })).json.code).toBe('PV_UNKNOWN_KIOSK');
    const rotated = await f.api('POST', '/api/kiosks/b1/rotate-secret');
    expect(rotated.json.secret).not.toBe(batch.json[0].secret);
    expect((await f.api('DELETE', '/api/kiosks/b2')).json.code).toBe('PV_KIOSK_NOT_REVOKED');
    expect((await f.api('POST', '/api/kiosks/b2/revoke')).json).toMatchObject({ revoked: true });
    expect((await f.api('POST', '/api/kiosks/b2/reactivate')).json.kiosk).toMatchObject({ revoked: false });
    await f.api('POST', '/api/kiosks/b2/revoke');
    expect((await f.api('DELETE', '/api/kiosks/b2')).status).toBe(204);
    expect(((await f.api('GET', '/api/kiosks')).json as { id: string }[]).map((k) => k.id)).toEqual(['b1', 'hall-1']);
  });

  it('a revoked or re-keyed kiosk is dropped at once, and its old secret no longer works', async () => {
    const k1 = await f.kiosk('k1');
    const k2 = await f.kiosk('k2');
    await f.api('POST', '/api/kiosks/k1/revoke');
    await k1.expectClosedWith('PV_KIOSK_REVOKED');
    await f.api('POST', '/api/kiosks/k2/rotate-secret');
    await k2.expectClosedWith('PV_SECRET_ROTATED');
  });

  it('warns of kiosks with fewer buttons than a new poll has options', async () => {
    await f.api('POST', '/api/kiosks', { body: { id: 'k1' } });
    await f.server.store.updatePresence([{ kioskId: 'k1', lastSeenAt: Date.now(), buttons: 2 }]);
    const r = await f.api('POST', '/api/polls', { body: { question: 'Q', options: ['A', 'B', 'C', 'D'] } });
    expect(r.json.kiosksShort).toEqual([{ id: 'k1', buttons: 2 }]);
  });

  it('alert rules: add, change, delete, with bad ones refused', async () => {
    const r = await f.api('POST', '/api/alert-rules', { body: { kind: 'kiosk-offline', params: { minutes: 5 } } });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ kind: 'kiosk-offline', params: { minutes: 5 }, enabled: true });
    expect((await f.api('POST', '/api/alert-rules', { body: { kind: 'kiosk-offline', params: { minutes: -1 } } })).json.code).toBe('PV_BAD_ALERT_RULE');
    expect((await f.api('POST', '/api/alert-rules', { body: { kind: 'weather', params: {} } })).status).toBe(400);
    expect((await f.api('PATCH', `/api/alert-rules/${r.json.id}`, { body: { enabled: false } })).json.enabled).toBe(false);
    expect((await f.api('DELETE', `/api/alert-rules/${r.json.id}`)).status).toBe(204);
    expect((await f.api('GET', '/api/alert-rules')).json).toEqual([]);
    expect((await f.api('POST', '/api/alerts/77/ack')).json.code).toBe('PV_ALERT_NOT_FOUND');
  });
});
