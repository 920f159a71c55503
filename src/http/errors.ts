import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { hintFor, isPivoteError, type ErrorCode } from '../protocol/errors.js';

/**
 * Every HTTP error body: the catalog's code and hint, whatever failed (docs/API.md#errors).
 * Expected errors (a PivoteError, a request the schema refused, a rate limit) never carry a
 * stack and are logged at info at most; anything else is a bug: logged with its stack, answered
 * PV_INTERNAL without details.
 */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  error: string;
  message: string;
  hint: string;
}

/** HTTP status of each code that can reach an HTTP client. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  PV_BAD_REQUEST: 400, PV_BAD_POLL: 400, PV_USAGE: 400, PV_BAD_KIOSK: 400, PV_BAD_ALERT_RULE: 400,
  PV_ADMIN_AUTH_REQUIRED: 401, PV_ADMIN_AUTH_FAILED: 401, PV_SESSION_EXPIRED: 401,
  PV_CSRF: 403, PV_PUBLIC_RESULTS_OFF: 403,
  PV_NOT_FOUND: 404, PV_POLL_NOT_FOUND: 404, PV_UNKNOWN_KIOSK: 404, PV_ALERT_NOT_FOUND: 404,
  PV_POLL_ALREADY_OPEN: 409, PV_NO_OPEN_POLL: 409, PV_KIOSK_EXISTS: 409, PV_KIOSK_NOT_REVOKED: 409, PV_POLL_NOT_DRAFT: 409,
  PV_KIOSK_REVOKED: 409,
  PV_RATE_LIMITED: 429,
  PV_NOT_READY: 503, PV_STORE_FAILED: 503,
};

export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

export function errorBody(statusCode: number, code: ErrorCode, message: string): ErrorBody {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message, hint: hintFor(code) };
}

/** Fastify's own errors (schema, body parsing, rate limit) to a catalog code. */
function fastifyCode(err: FastifyError): { status: number; code: ErrorCode; message: string } | undefined {
  if (err.validation) return { status: 400, code: 'PV_BAD_REQUEST', message: `${err.validationContext ?? 'request'} ${err.message.replace(/^(body|querystring|params|headers)\s*/, '')}` };
  const status = err.statusCode ?? 500;
  if (status === 429) return { status, code: 'PV_RATE_LIMITED', message: err.message };
  if (status === 404) return { status, code: 'PV_NOT_FOUND', message: err.message };
  if (status >= 400 && status < 500) return { status, code: 'PV_BAD_REQUEST', message: err.message };
  return undefined;
}

export function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (isPivoteError(err)) {
    const status = statusOf(err.code);
    if (status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: err.code }, 'request refused');
    void reply.code(status).send(errorBody(status, err.code, err.message));
    return;
  }
  const known = fastifyCode(err);
  if (known) {
    request.log.info({ code: known.code, status: known.status }, 'request refused');
    void reply.code(known.status).send(errorBody(known.status, known.code, known.message));
    return;
  }
  request.log.error({ err }, 'unexpected error answering a request');
  void reply.code(500).send(errorBody(500, 'PV_INTERNAL', 'the server hit an unexpected error; it has been logged'));
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): void {
  void reply.code(404).send(errorBody(404, 'PV_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
}
