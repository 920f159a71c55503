import type { AlertKind, PublicResults } from '../store/types.js';
import type { Insights } from './insights.js';
import type { ResultsGrouping, ResultsView } from './results-view.js';
import type { AlertRuleView, AlertView, AuditView, KioskView, KioskWithSecret, PollView } from './views.js';

/**
 * Everything an organiser can do, as one interface with two implementations — the way VoteStore
 * has several engines: StoreAdmin works on a store directly (the server's own HTTP routes, and
 * CLI commands given --db), HttpAdmin asks a running server (CLI commands given --url). Commands
 * and routes are written once against this; they never know which one they hold.
 */

export interface NewPollInput {
  question: string;
  options: string[];
  /** ISO time or ms; absent: open now. */
  opensAt?: number | null;
  closesAt?: number | null;
  publicResults?: PublicResults;
}

export interface PollPatchInput {
  opensAt?: number | null;
  closesAt?: number | null;
  publicResults?: PublicResults;
}

export interface ResultsRequest {
  /** A poll id, or `current`: the open poll, else the newest. */
  poll: number | 'current';
  by?: ResultsGrouping;
  includeFlagged?: boolean;
  /** IANA zone for `by: 'hour'`; default the answering machine's. */
  tz?: string;
}

export interface NewKioskInput {
  id: string;
  name?: string;
  location?: string;
}

export interface ExportRequest {
  pollId?: number;
  format: 'csv' | 'jsonl';
  includeFlagged: boolean;
}

export interface AdminApi {
  /** Where the answers come from, for messages: a database path or a server URL. */
  readonly target: string;

  listPolls(): Promise<PollView[]>;
  getPoll(id: number): Promise<PollView>;
  /** Opens now, or makes a scheduled draft when `opensAt` is given. */
  createPoll(input: NewPollInput): Promise<PollView>;
  openPoll(id: number): Promise<PollView>;
  /** Closes the open poll. */
  closePoll(): Promise<PollView>;
  updatePoll(id: number, patch: PollPatchInput): Promise<PollView>;
  deletePoll(id: number): Promise<void>;

  results(request: ResultsRequest): Promise<ResultsView>;
  insights(poll: number | 'current', tz?: string): Promise<Insights>;
  /** Every stored vote as CSV or JSON lines, in chunks of text (a header first for CSV). */
  exportVotes(request: ExportRequest): AsyncIterable<string>;

  listKiosks(): Promise<KioskView[]>;
  addKiosks(inputs: readonly NewKioskInput[]): Promise<KioskWithSecret[]>;
  updateKiosk(id: string, patch: { name?: string; location?: string }): Promise<KioskView>;
  revokeKiosk(id: string): Promise<KioskView>;
  reactivateKiosk(id: string): Promise<KioskWithSecret>;
  rotateKioskSecret(id: string): Promise<KioskWithSecret>;
  removeKiosk(id: string): Promise<void>;

  listAlertRules(): Promise<AlertRuleView[]>;
  addAlertRule(rule: { kind: AlertKind; params: Record<string, number>; enabled?: boolean }): Promise<AlertRuleView>;
  updateAlertRule(id: number, patch: { params?: Record<string, number>; enabled?: boolean }): Promise<AlertRuleView>;
  deleteAlertRule(id: number): Promise<void>;
  listAlerts(state: 'active' | 'all'): Promise<AlertView[]>;
  acknowledgeAlert(id: number): Promise<AlertView>;
  listAudit(query: { limit: number; beforeId?: number }): Promise<AuditView[]>;

  /** Releases what the implementation holds (the database connection). */
  close(): Promise<void>;
}
