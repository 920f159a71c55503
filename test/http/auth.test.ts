import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newAdminToken, writeTokenFile } from '../../src/admin/admin-token.js';
import { LOGIN_ATTEMPTS_PER_MINUTE } from '../../src/http/auth/routes.js';
import { startHttpFixture, type HttpFixture } from './fixture.js';

/** Cookies as a browser keeps them, for requests made with fetch. */
function cookieOf(setCookie: string | null): string {
  return (setCookie ?? '').split(';')[0] ?? '';
}

describe('organiser authentication (real HTTP)', () => {
  let f: HttpFixture;
  beforeEach(async () => {
    f = await startHttpFixture();
  });
  afterEach(async () => f.close());

  const login = async () => {
    const r = await f.api('POST', '/api/session', { token: null, body: { token: f.token } });
    expect(r.status).toBe(200);
    return { cookie: cookieOf(r.headers.get('set-cookie')), csrf: r.json.csrfToken as string, setCookie: r.headers.get('set-cookie') ?? '' };
  };

  it('refuses every organiser route without a token (401 PV_ADMIN_AUTH_REQUIRED) or with a wrong one (401 PV_ADMIN_AUTH_FAILED)', async () => {
    for (const [method, path] of [['GET', '/api/polls'], ['GET', '/api/kiosks'], ['GET', '/api/events'], ['GET', '/api/audit'], ['GET', '/api/votes'], ['POST', '/api/polls']] as const) {
      const none = await f.api(method, path, { token: null, ...(method === 'POST' && { body: { question: 'Q', options: ['A', 'B'] } }) });
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.json).toMatchObject({ statusCode: 401, code: 'PV_ADMIN_AUTH_REQUIRED', hint: expect.any(String) });
      const wrong = await f.api(method, path, { token: newAdminToken(), ...(method === 'POST' && { body: { question: 'Q', options: ['A', 'B'] } }) });
      expect(wrong.json).toMatchObject({ statusCode: 401, code: 'PV_ADMIN_AUTH_FAILED' });
      expect(wrong.text).not.toMatch(/\bat \w+ \(/); // no stack trace
    }
    expect((await f.api('GET', '/api/polls')).json).toEqual([]); // nothing was opened by the refused POSTs
  });

  it('logs in with the token: an HttpOnly, SameSite=Strict cookie and a CSRF token; a wrong token sets nothing', async () => {
    const bad = await f.api('POST', '/api/session', { token: null, body: { token: 'not-the-token' } });
    expect(bad.status).toBe(401);
    expect(bad.json.code).toBe('PV_ADMIN_AUTH_FAILED');
    expect(bad.headers.get('set-cookie')).toBeNull();
    const { cookie, setCookie, csrf } = await login();
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\//);
    const me = await f.api('GET', '/api/session', { token: null, headers: { cookie } });
    expect(me.json).toMatchObject({ authenticated: true, via: 'session', csrfToken: csrf });
    expect((await f.api('GET', '/api/polls', { token: null, headers: { cookie } })).status).toBe(200);
  });

  it('a change made with the cookie needs the CSRF header and the same origin; refused ones change nothing', async () => {
    const { cookie, csrf } = await login();
    const body = { question: 'Q', options: ['A', 'B'] };
    const noHeader = await f.api('POST', '/api/polls', { token: null, headers: { cookie }, body });
    expect(noHeader.status).toBe(403);
    expect(noHeader.json.code).toBe('PV_CSRF');
    const wrongHeader = await f.api('POST', '/api/polls', { token: null, headers: { cookie, 'x-pivote-csrf': 'x'.repeat(43) }, body });
    expect(wrongHeader.json.code).toBe('PV_CSRF');
    const forged = await f.api('POST', '/api/polls', { token: null, headers: { cookie, 'x-pivote-csrf': csrf, origin: 'http://evil.example' }, body });
    expect(forged.status).toBe(403);
    expect(forged.json.code).toBe('PV_CSRF');
    const crossSite = await f.api('POST', '/api/polls', { token: null, headers: { cookie, 'x-pivote-csrf': csrf, 'sec-fetch-site': 'cross-site' }, body });
    expect(crossSite.json.code).toBe('PV_CSRF');
    expect((await f.api('GET', '/api/polls')).json).toEqual([]);
    const ok = await f.api('POST', '/api/polls', { token: null, headers: { cookie, 'x-pivote-csrf': csrf, origin: f.url }, body });
    expect(ok.status).toBe(201);
    const audit = await f.api('GET', '/api/audit');
    expect(audit.json[0]).toMatchObject({ action: 'poll.open', actor: 'session 127.0.0.1', subject: String(ok.json.id) });
  });

  it('rotating the token ends the old token and every session at once', async () => {
    const { cookie } = await login();
    writeTokenFile(f.tokenFile, newAdminToken());
    expect((await f.api('GET', '/api/polls')).json.code).toBe('PV_ADMIN_AUTH_FAILED');
    const expired = await f.api('GET', '/api/polls', { token: null, headers: { cookie } });
    expect(expired.status).toBe(401);
    expect(expired.json.code).toBe('PV_SESSION_EXPIRED');
  });

  it('a garbled or forged cookie is an expired session, never a way in', async () => {
    for (const cookie of ['pivote_session=garbage', 'pivote_session=v1.99999999999999.abc.def', `pivote_session=v1.${Date.now() + 60_000}.nonce.${'A'.repeat(43)}`]) {
      const r = await f.api('GET', '/api/kiosks', { token: null, headers: { cookie } });
      expect(r.json.code).toBe('PV_SESSION_EXPIRED');
    }
  });

  it(`limits logins to ${LOGIN_ATTEMPTS_PER_MINUTE} a minute per address: 429 PV_RATE_LIMITED with retry-after`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= LOGIN_ATTEMPTS_PER_MINUTE; i++) statuses.push((await f.api('POST', '/api/session', { token: null, body: { token: 'wrong' } })).status);
    expect(statuses.slice(0, LOGIN_ATTEMPTS_PER_MINUTE).every((s) => s === 401)).toBe(true);
    const limited = await f.api('POST', '/api/session', { token: null, body: { token: f.token } });
    expect(limited.status).toBe(429);
    expect(limited.json.code).toBe('PV_RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('the one-time login link logs a browser in once', async () => {
    const link = f.door.loginLink();
    const first = await fetch(link, { redirect: 'manual' });
    expect(first.status).toBe(302);
    const cookie = cookieOf(first.headers.get('set-cookie'));
    expect((await f.api('GET', '/api/session', { token: null, headers: { cookie } })).json.authenticated).toBe(true);
    const again = await fetch(link, { redirect: 'manual' });
    expect(again.status).toBe(401);
    expect(((await again.json()) as { code: string }).code).toBe('PV_ADMIN_AUTH_FAILED');
  });

  it('logging out clears the cookie', async () => {
    const { cookie } = await login();
    const out = await f.api('DELETE', '/api/session', { token: null, headers: { cookie } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/pivote_session=;/);
  });
});
