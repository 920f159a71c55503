import type { AlertRule, KioskRecord, OptionCount, PollRecord } from '../../store/types.js';
import { isKioskOnline } from '../../store/types.js';

/**
 * Pure: which alerts a rule raises now, from facts the engine read. Each finding names its
 * subject; an alert up for a subject not found any more is cleared.
 */
export interface Finding {
  subject: string;
  message: string;
}

/** Kiosks registered, not revoked, seen at least once, and offline (or silent) for `minutes`. */
export function offlineKiosks(rule: AlertRule, kiosks: readonly KioskRecord[], now: number, staleMs: number): Finding[] {
  const minutes = rule.params.minutes ?? 0;
  const out: Finding[] = [];
  for (const k of kiosks) {
    if (k.revokedAt !== null || k.lastSeenAt === null || isKioskOnline(k, now, staleMs)) continue;
    const silentMin = Math.floor((now - k.lastSeenAt) / 60_000);
    if (silentMin >= minutes) out.push({ subject: `kiosk:${k.id}`, message: `kiosk ${k.name} (${k.id}${k.location ? `, ${k.location}` : ''}) has been offline for ${silentMin} min` });
  }
  return out;
}

/** The option's share of the last `lastVotes` counted votes, once that many were counted. */
export function optionShare(rule: AlertRule, poll: PollRecord, recent: readonly OptionCount[]): Finding[] {
  const { button = 1, lastVotes = 1, above, below } = rule.params;
  const total = recent.reduce((a, c) => a + c.count, 0);
  if (total < lastVotes) return [];
  const option = recent.find((c) => c.button === button);
  if (!option) return [];
  const share = (option.count * 100) / total;
  const shown = `${share.toFixed(1)} %`;
  const what = `"${option.label}" has ${shown} of the last ${total} votes of poll ${poll.id}`;
  if (above !== undefined && share > above) return [{ subject: `poll:${poll.id}`, message: `${what} (above ${above} %)` }];
  if (below !== undefined && share < below) return [{ subject: `poll:${poll.id}`, message: `${what} (below ${below} %)` }];
  return [];
}

export function flaggedBurst(rule: AlertRule, flagged: number): Finding[] {
  const { count = 1, minutes = 1 } = rule.params;
  if (flagged < count) return [];
  return [{ subject: 'fleet', message: `${flagged} flagged repeated presses in the last ${minutes} min (threshold ${count})` }];
}
