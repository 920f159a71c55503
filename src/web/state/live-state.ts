import type { Alert, Kiosk, LiveEvents, OptionResult, Poll, Snapshot, Tally } from '../api/types.js';

/**
 * What the live event stream (GET /api/events) has told the dashboard, and the pure functions
 * that apply each event to it. A snapshot replaces everything (it is also what a reconnecting
 * browser gets first), so nothing here has to guess what it missed while disconnected.
 */

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

export interface LiveTally {
  pollId: number;
  /** One entry per option of the poll, in button order, labels filled in from the poll. */
  options: Required<OptionResult>[];
  total: number;
  flagged: number;
  /** Votes per minute as the server last counted them; null until the first tally event. */
  perMinute: number | null;
  lastVoteAt: string | null;
}

export interface LiveState {
  status: StreamStatus;
  /** The poll the live views show: the open one, else the newest (as the snapshot said). */
  poll: Poll | null;
  tally: LiveTally | null;
  kiosks: Kiosk[];
  /** Alerts raised and not yet acknowledged (cleared ones stay until acknowledged). */
  alerts: Alert[];
  /** Server clock minus this browser's clock, so "offline for 3 min" uses the server's now. */
  clockOffsetMs: number;
  /** Bumped on every poll event, so views listing polls know to fetch the list again. */
  pollsVersion: number;
}

export const initialLiveState: LiveState = {
  status: 'connecting',
  poll: null,
  tally: null,
  kiosks: [],
  alerts: [],
  clockOffsetMs: 0,
  pollsVersion: 0,
};

/** Options in button order with their labels, zero where the server sent no entry. */
export function labelledOptions(labels: readonly string[], counts: readonly OptionResult[]): Required<OptionResult>[] {
  return labels.map((label, i) => {
    const found = counts.find((o) => o.button === i + 1);
    return { button: i + 1, label, count: found?.count ?? 0, percent: found?.percent ?? 0 };
  });
}

function labelsOf(poll: Poll | null, options: readonly OptionResult[]): string[] {
  if (poll) return poll.options;
  return [...options].sort((a, b) => a.button - b.button).map((o) => o.label ?? `Option ${o.button}`);
}

function emptyTally(poll: Poll): LiveTally {
  return { pollId: poll.id, options: labelledOptions(poll.options, []), total: 0, flagged: 0, perMinute: null, lastVoteAt: null };
}

export function applySnapshot(state: LiveState, snapshot: Snapshot, localNowMs: number): LiveState {
  const { poll, results } = snapshot;
  let tally: LiveTally | null = null;
  if (results) {
    tally = {
      pollId: results.poll.id,
      options: labelledOptions(labelsOf(poll, results.options), results.options),
      total: results.total,
      flagged: results.flaggedExcluded,
      perMinute: null,
      lastVoteAt: null,
    };
  } else if (poll) {
    tally = emptyTally(poll);
  }
  const serverNow = Date.parse(snapshot.serverTime);
  return {
    status: 'live',
    poll,
    tally,
    kiosks: snapshot.kiosks,
    alerts: snapshot.alerts.filter((a) => a.acknowledgedAt === null),
    clockOffsetMs: Number.isFinite(serverNow) ? serverNow - localNowMs : 0,
    pollsVersion: state.pollsVersion + 1,
  };
}

export function applyTally(state: LiveState, tally: Tally): LiveState {
  if (!state.poll || state.poll.id !== tally.pollId) return state; // a poll event comes first when the poll changes
  return {
    ...state,
    tally: {
      pollId: tally.pollId,
      options: labelledOptions(state.poll.options, tally.options),
      total: tally.total,
      flagged: tally.flagged,
      perMinute: tally.perMinute,
      lastVoteAt: tally.lastVoteAt,
    },
  };
}

export function applyPoll(state: LiveState, { poll }: LiveEvents['poll']): LiveState {
  const pollsVersion = state.pollsVersion + 1;
  if (!poll) return { ...state, pollsVersion }; // a draft deleted: only lists change
  const isCurrent = state.poll?.id === poll.id;
  if (isCurrent) return { ...state, poll, pollsVersion };
  if (poll.state === 'open') return { ...state, poll, tally: emptyTally(poll), pollsVersion };
  return { ...state, pollsVersion }; // a draft scheduled, or an older poll changed
}

export function applyPresence(state: LiveState, { kiosks }: LiveEvents['presence']): LiveState {
  const changes = new Map(kiosks.map((k) => [k.id, k]));
  return { ...state, kiosks: state.kiosks.map((k) => (changes.has(k.id) ? { ...k, ...changes.get(k.id) } : k)) };
}

export function applyKiosks(state: LiveState, { kiosks }: LiveEvents['kiosks']): LiveState {
  return { ...state, kiosks };
}

export function applyAlert(state: LiveState, { alert }: LiveEvents['alert']): LiveState {
  const others = state.alerts.filter((a) => a.id !== alert.id);
  const alerts = alert.acknowledgedAt === null ? [alert, ...others] : others;
  alerts.sort((a, b) => Date.parse(b.raisedAt) - Date.parse(a.raisedAt));
  return { ...state, alerts };
}

export type LiveEventName = keyof LiveEvents;

/** Applies one event by name; `localNowMs` is this browser's clock when the event arrived. */
export function applyEvent<K extends LiveEventName>(state: LiveState, name: K, data: LiveEvents[K], localNowMs: number): LiveState {
  switch (name) {
    case 'snapshot':
      return applySnapshot(state, data as Snapshot, localNowMs);
    case 'tally':
      return applyTally(state, data as Tally);
    case 'poll':
      return applyPoll(state, data as LiveEvents['poll']);
    case 'presence':
      return applyPresence(state, data as LiveEvents['presence']);
    case 'kiosks':
      return applyKiosks(state, data as LiveEvents['kiosks']);
    case 'alert':
      return applyAlert(state, data as LiveEvents['alert']);
    default:
      return state;
  }
}

export const LIVE_EVENT_NAMES: readonly LiveEventName[] = ['snapshot', 'tally', 'poll', 'presence', 'kiosks', 'alert'];
