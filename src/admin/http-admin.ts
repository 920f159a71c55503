import { PivoteError, isErrorCode } from '../protocol/errors.js';
import type { AdminApi, ExportRequest, NewKioskInput, NewPollInput, PollPatchInput, ResultsRequest } from './api.js';
import type { Insights } from './insights.js';
import type { ResultsView } from './results-view.js';
import type { AlertRuleView, AlertView, AuditView, KioskView, KioskWithSecret, PollView } from './views.js';

/**
 * The admin interface over a running server's HTTP API (docs/API.md): what CLI commands use with
 * --url. Errors come back as the same PivoteErrors the local store throws, codes included.
 * Self-signed HTTPS: trust the CA with NODE_EXTRA_CA_CERTS (docs/TLS.md).
 */
export interface HttpAdminOptions {
  url: string;
  token: string | undefined;
  /** Gives up on a server that does not answer (not on a long export). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const iso = (ms: number | null | undefined): string | null | undefined => (ms === undefined || ms === null ? ms : new Date(ms).toISOString());

export class HttpAdmin implements AdminApi {
  readonly target: string;
  private readonly base: URL;
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: HttpAdminOptions) {
    let base: URL;
    try {
      base = new URL(opts.url);
    } catch {
      throw new PivoteError('PV_USAGE', `--url must be an http(s) URL such as http://127.0.0.1:8080; got "${opts.url}"`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new PivoteError('PV_USAGE', `--url must start with http:// or https://; got "${opts.url}"`);
    this.base = base;
    this.target = base.origin;
    this.fetch = opts.fetch ?? fetch;
  }

  listPolls = () => this.json<PollView[]>('GET', '/api/polls');
  getPoll = (id: number) => this.json<PollView>('GET', `/api/polls/${id}`);
  createPoll = (i: NewPollInput) =>
    this.json<PollView>('POST', '/api/polls', {
      question: i.question,
      options: i.options,
      ...(i.opensAt != null && { opensAt: iso(i.opensAt) }),
      ...(i.closesAt != null && { closesAt: iso(i.closesAt) }),
      ...(i.publicResults && { publicResults: i.publicResults }),
    });
  openPoll = (id: number) => this.json<PollView>('POST', `/api/polls/${id}/open`);
  closePoll = () => this.json<PollView>('POST', '/api/polls/current/close');
  updatePoll = (id: number, p: PollPatchInput) =>
    this.json<PollView>('PATCH', `/api/polls/${id}`, {
      ...(p.opensAt !== undefined && { opensAt: iso(p.opensAt) }),
      ...(p.closesAt !== undefined && { closesAt: iso(p.closesAt) }),
      ...(p.publicResults !== undefined && { publicResults: p.publicResults }),
    });
  deletePoll = async (id: number) => void (await this.json('DELETE', `/api/polls/${id}`));

  results = (r: ResultsRequest) =>
    this.json<ResultsView>('GET', `/api/polls/${r.poll}/results${query({ by: r.by, tz: r.tz, includeFlagged: r.includeFlagged })}`);
  insights = (poll: number | 'current', tz?: string) => this.json<Insights>('GET', `/api/polls/${poll}/insights${query({ tz })}`);

  async *exportVotes(r: ExportRequest): AsyncIterable<string> {
    const res = await this.request('GET', `/api/votes${query({ poll: r.pollId, format: r.format, includeFlagged: r.includeFlagged })}`, undefined, false);
    if (!res.body) return;
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) yield decoder.decode(chunk, { stream: true });
    const tail = decoder.decode();
    if (tail) yield tail;
  }

  listKiosks = () => this.json<KioskView[]>('GET', '/api/kiosks');
  addKiosks = (inputs: readonly NewKioskInput[]) => this.json<KioskWithSecret[]>('POST', '/api/kiosks/batch', { kiosks: inputs });
  updateKiosk = (id: string, patch: { name?: string; location?: string }) => this.json<KioskView>('PATCH', `/api/kiosks/${encodeURIComponent(id)}`, patch);
  revokeKiosk = (id: string) => this.json<KioskView>('POST', `/api/kiosks/${encodeURIComponent(id)}/revoke`);
  reactivateKiosk = (id: string) => this.json<KioskWithSecret>('POST', `/api/kiosks/${encodeURIComponent(id)}/reactivate`);
  rotateKioskSecret = (id: string) => this.json<KioskWithSecret>('POST', `/api/kiosks/${encodeURIComponent(id)}/rotate-secret`);
  removeKiosk = async (id: string) => void (await this.json('DELETE', `/api/kiosks/${encodeURIComponent(id)}`));

  listAlertRules = () => this.json<AlertRuleView[]>('GET', '/api/alert-rules');
  addAlertRule = (rule: { kind: AlertRuleView['kind']; params: Record<string, number>; enabled?: boolean }) => this.json<AlertRuleView>('POST', '/api/alert-rules', rule);
  updateAlertRule = (id: number, patch: { params?: Record<string, number>; enabled?: boolean }) => this.json<AlertRuleView>('PATCH', `/api/alert-rules/${id}`, patch);
  deleteAlertRule = async (id: number) => void (await this.json('DELETE', `/api/alert-rules/${id}`));
  listAlerts = (state: 'active' | 'all') => this.json<AlertView[]>('GET', `/api/alerts?state=${state}`);
  acknowledgeAlert = (id: number) => this.json<AlertView>('POST', `/api/alerts/${id}/ack`);
  listAudit = (q: { limit: number; beforeId?: number }) => this.json<AuditView[]>('GET', `/api/audit${query({ limit: q.limit, before: q.beforeId })}`);

  async close(): Promise<void> {}

  private async json<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, body, true);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  private async request(method: string, path: string, body: unknown, timeout: boolean): Promise<Response> {
    const url = new URL(path, this.base);
    let res: Response;
    try {
      res = await this.fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(this.opts.token !== undefined && { authorization: `Bearer ${this.opts.token}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        ...(timeout && { signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000) }),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new PivoteError('PV_SERVER_UNREACHABLE', `cannot reach ${this.target}: ${why}`, { url: this.target }, { cause: err });
    }
    if (res.ok) return res;
    let payload: { code?: unknown; message?: unknown } = {};
    try {
      payload = (await res.json()) as typeof payload;
    } catch {
      // Not one of ours (a proxy's page): described below by its status.
    }
    if (isErrorCode(payload.code)) throw new PivoteError(payload.code, String(payload.message ?? res.statusText), { status: res.status });
    throw new PivoteError('PV_SERVER_UNREACHABLE', `${this.target} answered ${res.status} ${res.statusText}: is it a pivote server?`, { status: res.status });
  }
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
