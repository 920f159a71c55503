import type {
  Alert, AlertRule, AlertRuleInput, AuditEntry, Insights, Kiosk, KioskCredentials, LoginAnswer, Poll,
  PublicResults, PublicResultsAnswer, Results, Session,
} from './types.js';

/**
 * The dashboard's only way to the server: typed calls to the routes of docs/API.md. Errors come
 * back as ApiError carrying the server's PV_… code, message and hint, so pages can show them as
 * the CLI would. Cookie-authenticated changes carry the CSRF token from the login answer.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The server's PV_… code; null when the server could not be reached or did not answer JSON. */
    readonly code: string | null,
    message: string,
    readonly hint: string | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const AUTH_CODES = new Set(['PV_ADMIN_AUTH_REQUIRED', 'PV_SESSION_EXPIRED', 'PV_ADMIN_AUTH_FAILED']);

export function isAuthError(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401 && (err.code === null || AUTH_CODES.has(err.code));
}

let csrfToken: string | null = null;
let unauthorizedListener: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when an authenticated call is refused with 401: the session is over. */
export function onUnauthorized(listener: (() => void) | null): void {
  unauthorizedListener = listener;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

async function errorFrom(res: Response): Promise<ApiError> {
  let body: { code?: unknown; message?: unknown; hint?: unknown } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not JSON (a proxy's error page): the status line is all there is
  }
  return new ApiError(
    res.status,
    typeof body.code === 'string' ? body.code : null,
    typeof body.message === 'string' ? body.message : `${res.status} ${res.statusText || 'error'}`,
    typeof body.hint === 'string' ? body.hint : null,
  );
}

interface RequestOptions {
  /** Login and the session probe must not trigger the "session over" redirect. */
  quietOn401?: boolean;
}

async function request<T>(method: Method, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-pivote-csrf'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, null, 'The server did not answer.', 'Check that `pivote server` is running and that this device can reach it.');
  }
  if (!res.ok) {
    const err = await errorFrom(res);
    if (isAuthError(err) && !options.quietOn401) unauthorizedListener?.();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

const enc = encodeURIComponent;

function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null) q.set(key, String(value));
  const text = q.toString();
  return text ? `?${text}` : '';
}

export type PollId = number | 'current';

export interface NewPoll {
  question: string;
  options: string[];
  opensAt?: string;
  closesAt?: string;
  publicResults?: PublicResults;
}

export interface PollChange {
  opensAt?: string | null;
  closesAt?: string | null;
  publicResults?: PublicResults;
}

export interface ResultsQuery {
  by?: 'kiosk' | 'location' | 'hour';
  tz?: string;
  includeFlagged?: boolean;
}

export interface NewKiosk {
  id: string;
  name?: string;
  location?: string;
}

export const api = {
  session: {
    get: () => request<Session>('GET', '/api/session', undefined, { quietOn401: true }),
    login: (token: string) => request<LoginAnswer>('POST', '/api/session', { token }, { quietOn401: true }),
    logout: () => request<void>('DELETE', '/api/session', undefined, { quietOn401: true }),
  },
  polls: {
    list: () => request<Poll[]>('GET', '/api/polls'),
    get: (id: PollId) => request<Poll>('GET', `/api/polls/${id}`),
    create: (poll: NewPoll) => request<Poll>('POST', '/api/polls', poll),
    open: (id: number) => request<Poll>('POST', `/api/polls/${id}/open`),
    close: (id: number) => request<Poll>('POST', `/api/polls/${id}/close`),
    change: (id: number, change: PollChange) => request<Poll>('PATCH', `/api/polls/${id}`, change),
    remove: (id: number) => request<void>('DELETE', `/api/polls/${id}`),
    results: (id: PollId, q: ResultsQuery = {}) => request<Results>('GET', `/api/polls/${id}/results${query({ ...q })}`),
    insights: (id: PollId, tz?: string) => request<Insights>('GET', `/api/polls/${id}/insights${query({ tz })}`),
  },
  kiosks: {
    list: () => request<Kiosk[]>('GET', '/api/kiosks'),
    add: (kiosk: NewKiosk) => request<KioskCredentials>('POST', '/api/kiosks', kiosk),
    change: (id: string, change: { name?: string; location?: string }) => request<Kiosk>('PATCH', `/api/kiosks/${enc(id)}`, change),
    revoke: (id: string) => request<Kiosk>('POST', `/api/kiosks/${enc(id)}/revoke`),
    reactivate: (id: string) => request<KioskCredentials>('POST', `/api/kiosks/${enc(id)}/reactivate`),
    rotateSecret: (id: string) => request<KioskCredentials>('POST', `/api/kiosks/${enc(id)}/rotate-secret`),
    remove: (id: string) => request<void>('DELETE', `/api/kiosks/${enc(id)}`),
  },
  alertRules: {
    list: () => request<AlertRule[]>('GET', '/api/alert-rules'),
    add: (rule: AlertRuleInput) => request<AlertRule>('POST', '/api/alert-rules', rule),
    change: (id: number, change: { params?: AlertRuleInput['params']; enabled?: boolean }) =>
      request<AlertRule>('PATCH', `/api/alert-rules/${id}`, change),
    remove: (id: number) => request<void>('DELETE', `/api/alert-rules/${id}`),
  },
  alerts: {
    list: (state: 'active' | 'all') => request<Alert[]>('GET', `/api/alerts${query({ state })}`),
    ack: (id: number) => request<Alert>('POST', `/api/alerts/${id}/ack`),
  },
  audit: {
    list: (limit: number, before?: number) => request<AuditEntry[]>('GET', `/api/audit${query({ limit, before })}`),
  },
  public: {
    results: () => request<PublicResultsAnswer>('GET', '/api/public/results', undefined, { quietOn401: true }),
  },
};

/** A plain link (the browser downloads it with the session cookie): every vote row of a poll. */
export function voteExportUrl(pollId: number | null, format: 'csv' | 'jsonl', includeFlagged = true): string {
  return `/api/votes${query({ poll: pollId ?? undefined, format, includeFlagged })}`;
}
