import type { NewVote } from '../../src/store/types.js';

/**
 * The total-queue checker (after Jepsen's): given what every kiosk recorded and what the server
 * stored, is every recorded press counted exactly once, for the poll that was open when it was
 * pressed? Pure: the executor collects the history; this only compares.
 *
 * Ground truth is the kiosks' outboxes (every press a kiosk recorded, across restarts) plus the
 * "vote recorded" lines the kiosks logged (a press logged as recorded must still be in the
 * outbox after a SIGKILL). Press times are the outbox's monotonic edge times mapped to wall-clock
 * ms by the executor (CLOCK_MONOTONIC is shared by every process on the machine), so they can be
 * compared with the polls' open/close times and the server's derived `pressedAt`.
 */

export interface OutboxRecord {
  kioskId: string;
  voteId: string;
  seq: number;
  /** The poll open on the kiosk at the press. */
  pollId: number | null;
  button: number;
  /** Wall-clock ms of the button edge. */
  pressedAt: number;
  state: 'pending' | 'acked' | 'rejected';
  /** acked: 'stored' | 'duplicate'; rejected: the PV_* code. */
  outcome: string | null;
}

/** A vote row as the server stored it (pressedAt derived from receivedAt - ageMs). */
export type ServerRecord = Omit<NewVote, 'clockUnknown'>;

export interface PollSpan {
  id: number;
  openedAt: number;
  closedAt: number | null;
}

export interface History {
  outbox: readonly OutboxRecord[];
  server: readonly ServerRecord[];
  polls: readonly PollSpan[];
  /** Votes a kiosk logged as "vote recorded" (it logs after the outbox append returned). */
  recordedLogs: readonly { kioskId: string; voteId: string }[];
  /** Press commands sent to each kiosk: a kiosk cannot have recorded more presses than this. */
  pressesSent: Readonly<Record<string, number>>;
}

export interface Tolerances {
  /** Clock reading differences between processes (rounding, NTP slew). */
  clockSlackMs: number;
  /** A poll closed by another process reaches the server's cache within its watch interval. */
  closeGapMs: number;
  /** Longest a vote can spend between the kiosk's send and the server's receipt. */
  transitMs: number;
  /** Per kiosk, where its link was held longer (stalls, latency); default transitMs. */
  transitMsByKiosk?: Readonly<Record<string, number>>;
}

export const DEFAULT_TOLERANCES: Readonly<Tolerances> = Object.freeze({ clockSlackMs: 100, closeGapMs: 1500, transitMs: 1500 });

export type AnomalyKind =
  /** A recorded press the server does not have (and did not rightly refuse). */
  | 'lost'
  /** One press stored more than once (same id twice, or one kiosk seq under two ids). */
  | 'duplicated'
  /** Stored, but never pressed (or with content the kiosk never recorded). */
  | 'phantom'
  /** Stored for a poll other than the one the kiosk recorded, or outside that poll's open time. */
  | 'misattributed'
  /** Kiosk and server disagree about a refusal, or an outcome the campaign cannot explain. */
  | 'inconsistent';

export interface Anomaly {
  kind: AnomalyKind;
  kioskId: string;
  voteId: string;
  why: string;
}

export interface CheckCounts {
  /** Outbox rows: presses the kiosks recorded. */
  recorded: number;
  /** `vote recorded` log lines seen (a SIGKILL may eat the last few). */
  logged: number;
  /** Server rows. */
  stored: number;
  acked: number;
  rejected: number;
  /** Still pending after the drain (each is also counted lost). */
  pending: number;
  /** Acked as `duplicate`: resent after its first ack was lost, the exactly-once path at work. */
  resentDuplicates: number;
  /** Refused with PV_POLL_CLOSED, rightly: pressed after the poll closed. */
  refusedClosed: number;
  /** Known limit: accepted though pressed after the close, within the server's poll-watch gap. */
  acceptedInCloseGap: number;
  /** Known limit: pressed before the close but arrived with a derived time past it (transit). */
  refusedInTransit: number;
  lost: number;
  duplicated: number;
  phantom: number;
  misattributed: number;
  inconsistent: number;
}

/** A vote that hit a known limit, with how far into it (ms past the close / before the close). */
export interface LimitHit {
  kind: 'acceptedInCloseGap' | 'refusedInTransit';
  kioskId: string;
  voteId: string;
  ms: number;
}

export interface CheckResult {
  counts: CheckCounts;
  anomalies: Anomaly[];
  limits: LimitHit[];
  ok: boolean;
}

const key = (kioskId: string, voteId: string): string => `${kioskId}\u0000${voteId}`;

export function checkHistory(history: History, tolerances: Tolerances = DEFAULT_TOLERANCES): CheckResult {
  const { clockSlackMs: slack, closeGapMs } = tolerances;
  const transitOf = (kioskId: string): number => tolerances.transitMsByKiosk?.[kioskId] ?? tolerances.transitMs;
  const anomalies: Anomaly[] = [];
  const limits: LimitHit[] = [];
  const flag = (kind: AnomalyKind, r: { kioskId: string; voteId: string }, why: string): void => {
    anomalies.push({ kind, kioskId: r.kioskId, voteId: r.voteId, why });
  };
  const counts: CheckCounts = {
    recorded: history.outbox.length, logged: history.recordedLogs.length, stored: history.server.length, acked: 0, rejected: 0, pending: 0, resentDuplicates: 0,
    refusedClosed: 0, acceptedInCloseGap: 0, refusedInTransit: 0, lost: 0, duplicated: 0, phantom: 0, misattributed: 0, inconsistent: 0,
  };
  const polls = new Map(history.polls.map((p) => [p.id, p]));

  const serverByKey = new Map<string, ServerRecord[]>();
  const serverBySeq = new Map<string, Set<string>>();
  for (const s of history.server) {
    const k = key(s.kioskId, s.voteId);
    serverByKey.set(k, [...(serverByKey.get(k) ?? []), s]);
    const seqKey = `${s.kioskId}\u0000${s.seq}`;
    serverBySeq.set(seqKey, (serverBySeq.get(seqKey) ?? new Set()).add(s.voteId));
  }
  for (const [, rows] of serverByKey) {
    if (rows.length > 1) flag('duplicated', rows[0]!, `stored ${rows.length} times under one id`);
  }
  for (const [seqKey, ids] of serverBySeq) {
    if (ids.size > 1) {
      const [kioskId, seq] = seqKey.split('\u0000');
      flag('duplicated', { kioskId: kioskId!, voteId: [...ids].join(',') }, `seq ${seq} stored under ${ids.size} different vote ids`);
    }
  }

  const outboxKeys = new Set<string>();
  for (const r of history.outbox) {
    const k = key(r.kioskId, r.voteId);
    if (outboxKeys.has(k)) flag('duplicated', r, 'recorded twice in the outbox under one id');
    outboxKeys.add(k);
    const stored = serverByKey.get(k)?.[0];
    const poll = r.pollId === null ? undefined : polls.get(r.pollId);
    if (r.pollId === null || poll === undefined) {
      flag('inconsistent', r, `recorded for poll ${r.pollId}, which the server never had`);
      continue;
    }
    if (!Number.isFinite(r.pressedAt)) {
      flag('inconsistent', r, 'press time unknown (recorded during another boot)');
      continue;
    }
    if (r.state === 'rejected') {
      counts.rejected++;
      if (stored) {
        flag('inconsistent', r, `the kiosk was told ${r.outcome}, yet the server stored it`);
        continue;
      }
      if (r.outcome !== 'PV_POLL_CLOSED') {
        flag('lost', r, `refused with ${r.outcome}, which no fault in this campaign explains`);
        continue;
      }
      if (poll.closedAt === null) {
        flag('lost', r, `refused as PV_POLL_CLOSED but poll ${poll.id} is still open`);
      } else if (r.pressedAt >= poll.closedAt - slack) {
        counts.refusedClosed++;
      } else if (poll.closedAt - r.pressedAt <= transitOf(r.kioskId)) {
        counts.refusedInTransit++;
        limits.push({ kind: 'refusedInTransit', kioskId: r.kioskId, voteId: r.voteId, ms: poll.closedAt - r.pressedAt });
      } else {
        flag('lost', r, `pressed ${poll.closedAt - r.pressedAt} ms before poll ${poll.id} closed, refused as PV_POLL_CLOSED`);
      }
      continue;
    }
    if (r.state === 'pending') counts.pending++;
    else counts.acked++;
    if (r.outcome === 'duplicate') counts.resentDuplicates++;
    if (!stored) {
      flag('lost', r, r.state === 'acked' ? `acked (${r.outcome}) but not stored` : 'still pending after the drain, not stored');
      continue;
    }
    if (stored.seq !== r.seq || stored.button !== r.button) {
      flag('phantom', r, `stored as seq ${stored.seq} button ${stored.button}; recorded as seq ${r.seq} button ${r.button}`);
      continue;
    }
    if (stored.pollId !== r.pollId) {
      flag('misattributed', r, `stored for poll ${stored.pollId}; pressed for poll ${r.pollId}`);
      continue;
    }
    if (r.pressedAt < poll.openedAt - slack) {
      flag('misattributed', r, `pressed ${poll.openedAt - r.pressedAt} ms before poll ${poll.id} opened`);
      continue;
    }
    // The server's derived press time: never before the press, at most one transit after it.
    if (stored.pressedAt < r.pressedAt - slack || stored.pressedAt > r.pressedAt + transitOf(r.kioskId)) {
      flag('misattributed', r, `server press time off by ${stored.pressedAt - r.pressedAt} ms`);
      continue;
    }
    if (stored.pressedAt < poll.openedAt) {
      flag('misattributed', r, `server press time ${poll.openedAt - stored.pressedAt} ms before poll ${poll.id} opened`);
      continue;
    }
    // Stored although pressed (or judged pressed) after the close: only a server that had not yet
    // seen the close, i.e. one that received the vote within the poll-watch gap, may do that.
    if (poll.closedAt !== null && (r.pressedAt > poll.closedAt + slack || stored.pressedAt > poll.closedAt)) {
      const after = stored.receivedAt - poll.closedAt;
      if (after <= closeGapMs) {
        counts.acceptedInCloseGap++;
        limits.push({ kind: 'acceptedInCloseGap', kioskId: r.kioskId, voteId: r.voteId, ms: after });
      } else flag('misattributed', r, `pressed ${r.pressedAt - poll.closedAt} ms after poll ${poll.id} closed, received ${after} ms after, yet stored`);
    }
  }

  for (const s of history.server) {
    if (!outboxKeys.has(key(s.kioskId, s.voteId))) flag('phantom', s, 'stored, but no kiosk recorded it');
  }
  for (const log of history.recordedLogs) {
    if (!outboxKeys.has(key(log.kioskId, log.voteId))) flag('lost', log, 'logged as recorded, missing from the outbox');
  }
  const perKiosk = new Map<string, number>();
  for (const r of history.outbox) perKiosk.set(r.kioskId, (perKiosk.get(r.kioskId) ?? 0) + 1);
  for (const [kioskId, n] of perKiosk) {
    const sent = history.pressesSent[kioskId] ?? 0;
    if (n > sent) flag('phantom', { kioskId, voteId: '*' }, `${n} presses recorded, ${sent} pressed`);
  }

  for (const a of anomalies) counts[a.kind]++;
  return { counts, anomalies, limits, ok: anomalies.length === 0 };
}
