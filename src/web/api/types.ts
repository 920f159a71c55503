import type { Insights as InsightsView } from '../../admin/insights.js';
import type { GroupResult, ResultsView } from '../../admin/results-view.js';
import type { AlertView, AuditView, KioskView, KioskWithSecret, PollView } from '../../admin/views.js';
import type { TallyEvent } from '../../http/live/tally.js';

/**
 * The shapes of docs/API.md as the dashboard reads them. Where the server has a type for an
 * answer (src/admin/views.ts and friends: pure JSON shapes, no runtime code) the dashboard uses
 * that very type, so a change to the API that the dashboard does not follow fails `npm run
 * typecheck`. Times are ISO 8601 strings (UTC).
 */

export type Poll = PollView;
export type PollState = Poll['state'];
export type PublicResults = Poll['publicResults'];
export type Kiosk = KioskView;
export type IdConflict = NonNullable<Kiosk['idConflict']>;
/** The answer of add, reactivate and rotate-secret: the secret is shown only here. */
export type KioskCredentials = KioskWithSecret;
export type Results = ResultsView;
export type ResultGroup = GroupResult;
export type Alert = AlertView;
export type AuditEntry = AuditView;
export type Insights = InsightsView;
export type HeatCell = Insights['heatmap'][number];
export type LocationResult = Insights['byLocation'][number];
export type TrendBucket = Insights['trend'][number];
export type Tally = TallyEvent;

/** One option's count; the live tally's options carry no label (the poll has them). */
export interface OptionResult {
  button: number;
  label?: string;
  count: number;
  percent: number;
}

export type AlertKind = Alert['kind'];

export interface KioskOfflineParams {
  minutes: number;
}
export interface OptionShareParams {
  button: number;
  above?: number;
  below?: number;
  lastVotes: number;
}
export interface FlaggedBurstParams {
  count: number;
  minutes: number;
}

export type AlertRuleInput =
  | { kind: 'kiosk-offline'; params: KioskOfflineParams; enabled?: boolean }
  | { kind: 'option-share'; params: OptionShareParams; enabled?: boolean }
  | { kind: 'flagged-burst'; params: FlaggedBurstParams; enabled?: boolean };

export type AlertRule = AlertRuleInput & { id: number; enabled: boolean };

export interface Session {
  authenticated: true;
  /** Absent when the request was authenticated with a Bearer token (no cookie to protect). */
  csrfToken?: string;
  expiresAt?: string;
  via: 'session' | 'bearer';
}

export interface LoginAnswer {
  csrfToken: string;
  expiresAt: string;
}

export interface PublicResultsAnswer {
  poll: { id: number; question: string; state: PollState };
  options: OptionResult[];
  total: number;
}

// ---- live events (GET /api/events) ----

export interface Snapshot {
  poll: Poll | null;
  results: Results | null;
  kiosks: Kiosk[];
  alerts: Alert[];
  serverTime: string;
}

export type PresenceChange = Pick<Kiosk, 'id' | 'online' | 'lastSeenAt' | 'queued' | 'software' | 'buttons' | 'idConflict'> &
  Partial<Pick<Kiosk, 'onlineSince' | 'offlineSince' | 'votesToday'>>;

export interface LiveEvents {
  snapshot: Snapshot;
  tally: Tally;
  /** `poll` is null when a scheduled draft was deleted. */
  poll: { poll: Poll | null; reason?: string };
  presence: { kiosks: PresenceChange[] };
  kiosks: { kiosks: Kiosk[] };
  alert: { alert: Alert };
}

/** The public stream carries only these, for one poll. */
export interface PublicSnapshot {
  poll: { id: number; question: string; state: PollState } | null;
  options: OptionResult[];
  total: number;
}
