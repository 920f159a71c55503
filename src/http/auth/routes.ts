import type { FastifyInstance } from 'fastify';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { PivoteError } from '../../protocol/errors.js';
import type { HttpContext } from '../context.js';
import { CSRF_HEADER, SESSION_COOKIE, adminGuard } from './guard.js';
import { SESSION_TTL_MS, checkSession, csrfTokenFor, issueSession, tokenMatches } from './session-token.js';

/** Logins per address per minute: enough for a mistyped token or two, too few to guess one. */
export const LOGIN_ATTEMPTS_PER_MINUTE = 10;

/** Log in (token → cookie), ask who you are, log out, and the demo's one-time login link. */
export async function authRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const setSessionCookie = (reply: import('fastify').FastifyReply, value: string, maxAgeMs: number): void => {
    void reply.setCookie(SESSION_COOKIE, value, {
      httpOnly: true,
      sameSite: 'strict',
      secure: ctx.secure,
      path: '/',
      maxAge: Math.floor(maxAgeMs / 1000),
    });
  };

  app.post<{ Body: { token: string } }>('/api/session', {
    config: { rateLimit: { max: LOGIN_ATTEMPTS_PER_MINUTE, timeWindow: 60_000 } },
    schema: {
      body: {
        type: 'object',
        required: ['token'],
        additionalProperties: false,
        properties: { token: { type: 'string', minLength: 1, maxLength: 1024 } },
      },
    },
  }, async (request, reply) => {
    const token = ctx.tokens.current();
    if (!tokenMatches(request.body.token.trim(), token)) {
      request.log.warn({ ip: request.ip }, 'admin login refused: wrong token');
      throw new PivoteError('PV_ADMIN_AUTH_FAILED', 'the admin token is not valid');
    }
    const { cookie, claims } = issueSession(token, ctx.clock());
    setSessionCookie(reply, cookie, SESSION_TTL_MS);
    request.log.info({ ip: request.ip }, 'organiser logged in');
    return { csrfToken: csrfTokenFor(claims, token), expiresAt: new Date(claims.expiresAt).toISOString(), csrfHeader: CSRF_HEADER };
  });

  app.get('/api/session', { onRequest: adminGuard(ctx) }, async (request) => {
    const via = request.organiser!.via;
    const cookie = request.cookies[SESSION_COOKIE];
    if (via === 'bearer' || cookie === undefined) return { authenticated: true, via };
    const check = checkSession(cookie, ctx.tokens.current(), ctx.clock());
    if (!check.ok) throw new PivoteError('PV_SESSION_EXPIRED', 'the login session has ended; log in again');
    return { authenticated: true, via, csrfToken: csrfTokenFor(check.claims, ctx.tokens.current()), expiresAt: new Date(check.claims.expiresAt).toISOString(), csrfHeader: CSRF_HEADER };
  });

  app.delete('/api/session', async (_request, reply) => {
    setSessionCookie(reply, '', 0);
    return reply.code(204).send();
  });

  app.get<{ Querystring: { code?: string } }>('/login', {
    config: { rateLimit: { max: LOGIN_ATTEMPTS_PER_MINUTE, timeWindow: 60_000 } },
  }, async (request, reply) => {
    const code = request.query.code;
    // Without a code this is the dashboard's login page.
    if (code === undefined) {
      if (ctx.dashboardDir === undefined) throw new PivoteError('PV_NOT_FOUND', 'this server serves no dashboard; log in with POST /api/session');
      return reply.type('text/html; charset=utf-8').send(createReadStream(join(ctx.dashboardDir, 'index.html')));
    }
    if (!ctx.loginCodes.redeem(code, ctx.clock())) {
      throw new PivoteError('PV_ADMIN_AUTH_FAILED', 'this login link was used already or has expired; log in with the admin token');
    }
    const { cookie } = issueSession(ctx.tokens.current(), ctx.clock());
    setSessionCookie(reply, cookie, SESSION_TTL_MS);
    return reply.redirect('/');
  });
}
