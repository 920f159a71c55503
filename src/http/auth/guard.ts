import type { FastifyReply, FastifyRequest } from 'fastify';
import { PivoteError } from '../../protocol/errors.js';
import type { HttpContext } from '../context.js';
import { checkSession, csrfMatches, tokenMatches, type SessionClaims } from './session-token.js';

export const SESSION_COOKIE = 'pivote_session';
export const CSRF_HEADER = 'x-pivote-csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The organiser's session from the cookie, or why there is none usable. */
export function sessionOf(ctx: HttpContext, request: FastifyRequest): SessionClaims | 'none' | 'expired' {
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie === undefined || cookie === '') return 'none';
  const check = checkSession(cookie, ctx.tokens.current(), ctx.clock());
  return check.ok ? check.claims : 'expired';
}

/**
 * The onRequest hook of every organiser route: a Bearer token (API clients) or the session
 * cookie (browsers). A change made with the cookie must also carry the CSRF header and come from
 * this server's own origin: SameSite=Strict already keeps other sites' requests from carrying
 * the cookie; the header and origin checks hold even where a browser does not honour it.
 */
export function adminGuard(ctx: HttpContext) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const ip = request.ip;
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!m || !tokenMatches(m[1]!, ctx.tokens.current())) throw new PivoteError('PV_ADMIN_AUTH_FAILED', 'the admin token is not valid');
      const actor = `api ${ip}`;
      request.organiser = { via: 'bearer', actor, admin: ctx.admin.as(actor, kioskServerFor(ctx, request)) };
      return;
    }
    const session = sessionOf(ctx, request);
    if (session === 'none') throw new PivoteError('PV_ADMIN_AUTH_REQUIRED', 'log in, or send the admin token as a Bearer token');
    if (session === 'expired') throw new PivoteError('PV_SESSION_EXPIRED', 'the login session has ended; log in again');
    if (!SAFE_METHODS.has(request.method)) checkCsrf(ctx, request, session);
    const actor = `session ${ip}`;
    request.organiser = { via: 'session', actor, admin: ctx.admin.as(actor, kioskServerFor(ctx, request)) };
  };
}

/** Kiosks reach this server by the name the organiser used for it, on the kiosk port. */
function kioskServerFor(ctx: HttpContext, request: FastifyRequest): string {
  const host = request.hostname.includes(':') && !request.hostname.startsWith('[') ? `[${request.hostname}]` : request.hostname;
  return `${host}:${ctx.kioskPort}`;
}

function checkCsrf(ctx: HttpContext, request: FastifyRequest, session: SessionClaims): void {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== request.host) throw new PivoteError('PV_CSRF', `a change from another origin (${origin}) is refused`);
  }
  if (request.headers['sec-fetch-site'] === 'cross-site') throw new PivoteError('PV_CSRF', 'a change from another site is refused');
  const presented = request.headers[CSRF_HEADER];
  if (typeof presented !== 'string' || !csrfMatches(presented, session, ctx.tokens.current())) {
    throw new PivoteError('PV_CSRF', `a change made with the session cookie needs the ${CSRF_HEADER} header`);
  }
}
