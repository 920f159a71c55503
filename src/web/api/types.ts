/** The shapes of docs/API.md, as the dashboard reads them. Times are ISO 8601 strings (UTC). */

export type PollState = 'draft' | 'open' | 'closed';
export type PublicResults = 'never' | 'always' | 'after-close';

export interface Poll {
  id: number;
  question: string;
  options: string[];
  state: PollState;
  openedAt: string | null;
  closedAt: string | null;
  opensAt: string | null;
  closesAt: string | null;
  publicResults: PublicResults;
  /** Kiosks that reported fewer buttons than the poll has options. */
  kiosksShort: { id: string; buttons: number }[];
}

export interface OptionResult {
  button: number;
  label?: string;
  count: number;
  percent: number;
}

export interface ResultGroup {
  key: string;
  total: number;
  options: OptionResult[];
}

export interface Results {
  poll: Pick<Poll, 'id' | 'question' | 'state' | 'openedAt' | 'closedAt'> & Partial<Pick<Poll, 'options'>>;
  includeFlagged: boolean;
  total: number;
  flaggedExcluded: number;
  options: OptionResult[];
  by?: 'kiosk' | 'location' | 'hour';
  groups?: ResultGroup[];
}

export interface IdConflict {
  at: string;
  addresses: string[];
}

export interface Kiosk {
  id: string;
  name: string;
  location: string;
  online: boolean;
  onlineSince: string | null;
  offlineSince: string | null;
  lastSeenAt: string | null;
  software: string | null;
  queued: number;
  buttons: number | null;
  votesToday: number;
  revoked: boolean;
  revokedAt: string | null;
  createdAt: string;
  idConflict: IdConflict | null;
}

/** The answer of add, reactivate and rotate-secret: the secret is shown only here. */
export interface KioskCredentials {
  kiosk: Kiosk;
  secret: string;
  /** The kiosk config snippet to paste into the kiosk's config file. */
  config: unknown;
}

export type AlertKind = 'kiosk-offline' | 'option-share' | 'flagged-burst';

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

export interface Alert {
  id: number;
  ruleId: number;
  kind: AlertKind;
  subject: string | null;
  message: string;
  raisedAt: string;
  clearedAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: unknown;
}

export interface HeatCell {
  weekday: number;
  hour: number;
  count: number;
  firstShare: number | null;
}

export interface LocationResult {
  location: string;
  total: number;
  options: OptionResult[];
}

export interface TrendBucket {
  start: string;
  counts: number[];
}

export interface Insights {
  tz: string;
  heatmap: HeatCell[];
  byLocation: LocationResult[];
  trend: TrendBucket[];
  trendBucketMinutes: number;
}

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

export interface Tally {
  pollId: number;
  options: OptionResult[];
  total: number;
  flagged: number;
  perMinute: number;
  lastVoteAt: string | null;
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
