import { newSecret } from '../protocol/auth.js';
import { PivoteError } from '../protocol/errors.js';
import {
  BUCKET_MS,
  SYSTEM_ACTOR,
  type Actor,
  type AlertRecord,
  type KioskRecord,
  type NewKiosk,
  type PollRecord,
  type VoteStore,
} from '../store/types.js';
import type { AdminApi, ExportRequest, NewKioskInput, NewPollInput, PollPatchInput, ResultsRequest } from './api.js';
import { buildInsights, groupByLocalHour, groupByLocation, type Insights } from './insights.js';
import { buildResultsView, type ResultsView } from './results-view.js';
import { exportHeader, exportLines } from './vote-export.js';
import {
  alertRuleView,
  alertView,
  auditView,
  kioskView,
  pollView,
  voteExportRow,
  type AlertRuleView,
  type AlertView,
  type AuditView,
  type KioskView,
  type KioskWithSecret,
  type PollView,
} from './views.js';
import { checkTimeZone, localTimeZone, startOfLocalDay } from './zoned-time.js';

/** What the running server does when an organiser changes something through its own API. */
export interface AdminHooks {
  /** A poll opened or closed (push it to kiosks now), or was made, rescheduled or deleted. */
  pollChanged(poll: PollRecord, change: 'opened' | 'closed' | 'created' | 'updated' | 'deleted'): Promise<void>;
  /** Kiosks added, renamed, revoked, reactivated, re-keyed or removed (drop what may not vote). */
  kiosksChanged(kioskIds: readonly string[], action: string): Promise<void>;
  /** Alert rules changed: evaluate them again. */
  alertsChanged(): void;
  /** An organiser acknowledged an alert: tell the dashboards. */
  alertAcknowledged(alert: AlertRecord): void;
}

/** What this server knows of a kiosk connected to it, newer than the store's batched copy. */
export interface LivePresence {
  peek(kioskId: string): { connected: boolean; lastSeenAt: number; connectedAt: number; queued: number; software: string; buttons: number | null; idConflict: KioskRecord['idConflict'] } | undefined;
}

export interface StoreAdminOptions {
  store: VoteStore;
  clock: () => number;
  /** Who the changes are recorded as, in the audit log. */
  actor?: Actor;
  /** Zone for "votes today" and hour grouping when a request names none. */
  timeZone?: string;
  /** `host:port` kiosks should use, for the config snippet shown with a new secret. */
  kioskServer?: string;
  hooks?: AdminHooks;
  /** The running server's own presence (kiosks it holds); the store's is written in batches. */
  presence?: LivePresence;
  /** Rows per store read while exporting. */
  exportPageSize?: number;
}

/** The admin interface over a VoteStore: what the server's routes and `--db` commands run. */
export class StoreAdmin implements AdminApi {
  readonly target: string;
  private readonly store: VoteStore;
  private readonly actor: Actor;

  constructor(private readonly opts: StoreAdminOptions) {
    this.store = opts.store;
    this.actor = opts.actor ?? SYSTEM_ACTOR;
    this.target = opts.store.kind;
  }

  /** The same admin, recording changes as `actor` (one per HTTP request); `kioskServer` as the
   *  organiser reached this server (their request's host name and the kiosk port). */
  as(actor: Actor, kioskServer?: string): StoreAdmin {
    return new StoreAdmin({ ...this.opts, actor, ...(kioskServer !== undefined && { kioskServer }) });
  }

  private now(): number {
    return this.opts.clock();
  }

  // ------------------------------------------------------------------ polls
  async listPolls(): Promise<PollView[]> {
    const [polls, kiosks] = await Promise.all([this.store.listPolls(), this.store.listKiosks()]);
    return polls.map((p) => pollView(p, kiosks));
  }

  async getPoll(id: number): Promise<PollView> {
    return pollView(await this.requirePoll(id), await this.store.listKiosks());
  }

  async createPoll(input: NewPollInput): Promise<PollView> {
    const at = this.now();
    const settings = { closesAt: input.closesAt ?? null, publicResults: input.publicResults ?? 'never' } as const;
    if (input.opensAt === undefined || input.opensAt === null) {
      const poll = await this.store.openPoll(input.question, input.options, at, settings, this.actor);
      await this.opts.hooks?.pollChanged(poll, 'opened');
      return pollView(poll, await this.store.listKiosks());
    }
    const draft = await this.store.createDraftPoll({ question: input.question, options: input.options, opensAt: input.opensAt, ...settings }, at, this.actor);
    await this.opts.hooks?.pollChanged(draft, 'created');
    return pollView(draft, await this.store.listKiosks());
  }

  async openPoll(id: number): Promise<PollView> {
    const poll = await this.store.openDraftPoll(id, this.now(), this.actor);
    await this.opts.hooks?.pollChanged(poll, 'opened');
    return pollView(poll, await this.store.listKiosks());
  }

  async closePoll(): Promise<PollView> {
    const poll = await this.store.closePoll(this.now(), this.actor);
    await this.opts.hooks?.pollChanged(poll, 'closed');
    return pollView(poll);
  }

  async updatePoll(id: number, patch: PollPatchInput): Promise<PollView> {
    const poll = await this.store.updatePoll(id, patch, this.now(), this.actor);
    await this.opts.hooks?.pollChanged(poll, 'updated');
    return pollView(poll, await this.store.listKiosks());
  }

  async deletePoll(id: number): Promise<void> {
    const poll = await this.requirePoll(id);
    await this.store.deleteDraftPoll(id, this.now(), this.actor);
    await this.opts.hooks?.pollChanged(poll, 'deleted');
  }

  // ------------------------------------------------------------------ results
  async results(req: ResultsRequest): Promise<ResultsView> {
    const poll = await this.choosePoll(req.poll);
    const includeFlagged = req.includeFlagged ?? false;
    const q = { pollId: poll.id, includeFlagged };
    const counts = await this.store.countVotes(q);
    const all = includeFlagged ? counts : await this.store.countVotes({ ...q, includeFlagged: true });
    let grouped: Parameters<typeof buildResultsView>[0]['grouped'];
    if (req.by === 'kiosk') grouped = { by: 'kiosk', rows: await this.store.countVotesBy(q, 'kiosk') };
    else if (req.by === 'location') grouped = { by: 'location', rows: groupByLocation(await this.store.countVotesBy(q, 'kiosk'), await this.locations()) };
    else if (req.by === 'hour') grouped = { by: 'hour', rows: groupByLocalHour(await this.store.countVotesByBucket(q, BUCKET_MS), this.zone(req.tz)) };
    return buildResultsView({ poll, counts, includeFlagged, totalWithFlagged: all.reduce((a, c) => a + c.count, 0), grouped });
  }

  async insights(pollRef: number | 'current', tz?: string): Promise<Insights> {
    const poll = await this.choosePoll(pollRef);
    const q = { pollId: poll.id, includeFlagged: false };
    const [buckets, byKiosk, locationOf] = await Promise.all([this.store.countVotesByBucket(q, BUCKET_MS), this.store.countVotesBy(q, 'kiosk'), this.locations()]);
    return buildInsights(poll, { tz: this.zone(tz), buckets, byKiosk, locationOf });
  }

  async *exportVotes(req: ExportRequest): AsyncIterable<string> {
    const polls = new Map((await this.store.listPolls()).map((p) => [p.id, p]));
    if (req.pollId !== undefined && !polls.has(req.pollId)) throw new PivoteError('PV_POLL_NOT_FOUND', `no poll with id ${req.pollId}`, { pollId: req.pollId });
    const limit = this.opts.exportPageSize ?? 5_000;
    yield exportHeader(req.format);
    let after = 0;
    for (;;) {
      const page = await this.store.listVotesPage({ pollId: req.pollId, includeFlagged: req.includeFlagged, after, limit });
      if (page.length === 0) return;
      yield exportLines(page.map((v) => voteExportRow(v, polls.get(v.pollId)?.options[v.button - 1] ?? '')), req.format);
      after = page[page.length - 1]!.position;
      if (page.length < limit) return;
    }
  }

  // ------------------------------------------------------------------ kiosks
  async listKiosks(): Promise<KioskView[]> {
    const now = this.now();
    const [kiosks, today] = await Promise.all([this.store.listKiosks(), this.store.countVotesByKioskSince(startOfLocalDay(now, this.zone()))]);
    const counts = new Map(today.map((c) => [c.kioskId, c.count]));
    return kiosks.map((k) => kioskView(this.withLivePresence(k), now, counts.get(k.id) ?? 0));
  }

  async addKiosks(inputs: readonly NewKioskInput[]): Promise<KioskWithSecret[]> {
    const at = this.now();
    const fresh: NewKiosk[] = inputs.map((i) => ({ id: i.id, name: i.name ?? i.id, location: i.location ?? '', secret: newSecret(), createdAt: at }));
    const added = await this.store.addKiosks(fresh, this.actor);
    await this.opts.hooks?.kiosksChanged(added.map((k) => k.id), 'add');
    return added.map((k) => this.withSecret(k, at));
  }

  async updateKiosk(id: string, patch: { name?: string; location?: string }): Promise<KioskView> {
    const k = await this.store.updateKiosk(id, patch, this.now(), this.actor);
    await this.opts.hooks?.kiosksChanged([id], 'update');
    return kioskView(k, this.now());
  }

  async revokeKiosk(id: string): Promise<KioskView> {
    const k = await this.store.revokeKiosk(id, this.now(), this.actor);
    await this.opts.hooks?.kiosksChanged([id], 'revoke');
    return kioskView(k, this.now());
  }

  async reactivateKiosk(id: string): Promise<KioskWithSecret> {
    const k = await this.store.reactivateKiosk(id, newSecret(), this.now(), this.actor);
    await this.opts.hooks?.kiosksChanged([id], 'reactivate');
    return this.withSecret(k, this.now());
  }

  async rotateKioskSecret(id: string): Promise<KioskWithSecret> {
    const k = await this.store.rotateKioskSecret(id, newSecret(), this.now(), this.actor);
    await this.opts.hooks?.kiosksChanged([id], 'rotate-secret');
    return this.withSecret(k, this.now());
  }

  async removeKiosk(id: string): Promise<void> {
    await this.store.removeKiosk(id, this.now(), this.actor);
    await this.opts.hooks?.kiosksChanged([id], 'remove');
  }

  // ------------------------------------------------------------------ alerts and audit
  async listAlertRules(): Promise<AlertRuleView[]> {
    return (await this.store.listAlertRules()).map(alertRuleView);
  }

  async addAlertRule(rule: { kind: AlertRuleView['kind']; params: Record<string, number>; enabled?: boolean }): Promise<AlertRuleView> {
    const added = await this.store.addAlertRule({ kind: rule.kind, params: rule.params, enabled: rule.enabled ?? true }, this.now(), this.actor);
    this.opts.hooks?.alertsChanged();
    return alertRuleView(added);
  }

  async updateAlertRule(id: number, patch: { params?: Record<string, number>; enabled?: boolean }): Promise<AlertRuleView> {
    const updated = await this.store.updateAlertRule(id, patch, this.now(), this.actor);
    this.opts.hooks?.alertsChanged();
    return alertRuleView(updated);
  }

  async deleteAlertRule(id: number): Promise<void> {
    await this.store.deleteAlertRule(id, this.now(), this.actor);
    this.opts.hooks?.alertsChanged();
  }

  async listAlerts(state: 'active' | 'all'): Promise<AlertView[]> {
    return (await this.store.listAlerts({ active: state === 'active', limit: 500 })).map(alertView);
  }

  async acknowledgeAlert(id: number): Promise<AlertView> {
    const alert = await this.store.acknowledgeAlert(id, this.now(), this.actor);
    this.opts.hooks?.alertAcknowledged(alert);
    return alertView(alert);
  }

  async listAudit(query: { limit: number; beforeId?: number }): Promise<AuditView[]> {
    return (await this.store.listAudit(query)).map(auditView);
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  // ------------------------------------------------------------------ helpers
  /** The poll asked for, else the open one, else the newest that has been opened. */
  private async choosePoll(ref: number | 'current'): Promise<PollRecord> {
    if (ref !== 'current') return this.requirePoll(ref);
    const open = await this.store.getOpenPoll();
    if (open) return open;
    const opened = (await this.store.listPolls()).find((p) => p.openedAt !== null);
    if (!opened) throw new PivoteError('PV_NO_OPEN_POLL', 'no poll has been opened yet');
    return opened;
  }

  private async requirePoll(id: number): Promise<PollRecord> {
    const poll = await this.store.getPoll(id);
    if (!poll) throw new PivoteError('PV_POLL_NOT_FOUND', `no poll with id ${id}`, { pollId: id });
    return poll;
  }

  private async locations(): Promise<Map<string, string>> {
    return new Map((await this.store.listKiosks()).map((k) => [k.id, k.location]));
  }

  private zone(tz?: string): string {
    return checkTimeZone(tz ?? this.opts.timeZone ?? localTimeZone());
  }

  private withLivePresence(k: KioskRecord): KioskRecord {
    const live = this.opts.presence?.peek(k.id);
    if (!live) return k;
    return { ...k, connected: live.connected, lastSeenAt: live.lastSeenAt, connectedAt: live.connectedAt, queued: live.queued, software: live.software, buttons: live.buttons, idConflict: live.idConflict ?? k.idConflict };
  }

  private withSecret(k: KioskRecord, now: number): KioskWithSecret {
    return {
      kiosk: kioskView(k, now),
      secret: k.secret,
      config: { server: this.opts.kioskServer ?? '<server-address>:7070', kioskId: k.id, secret: k.secret },
    };
  }
}
