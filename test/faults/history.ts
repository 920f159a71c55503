import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { readBootId } from '../../src/kiosk/clock/clock.js';
import { outboxPath } from '../../src/kiosk/outbox/outbox.js';
import type { History, OutboxRecord } from './checker.js';
import type { FaultCluster } from './cluster.js';

/**
 * Reads what happened, after every process has stopped: each kiosk's outbox (read-only), the
 * servers' vote and poll tables (read-only; SQLite or PostgreSQL), and the "vote recorded" lines
 * the kiosks logged.
 */

/** Wall-clock ms minus CLOCK_MONOTONIC ms, as this process sees them (the kiosks share both clocks). */
export function wallMinusMonotonic(): number {
  const before = Date.now();
  const mono = Number(process.hrtime.bigint() / 1_000_000n);
  const after = Date.now();
  return (before + after) / 2 - mono;
}

interface OutboxRow {
  seq: number;
  vote_id: string;
  poll_id: number | null;
  button: number;
  pressed_mono_ms: number;
  boot_id: string;
  state: OutboxRecord['state'];
  outcome: string | null;
}

export function readOutbox(kioskId: string, dataDir: string, offsetMs: number): OutboxRecord[] {
  const path = outboxPath(dataDir);
  if (!existsSync(path)) return [];
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const bootId = readBootId().bootId;
    const rows = db.prepare<[], OutboxRow>('SELECT seq, vote_id, poll_id, button, pressed_mono_ms, boot_id, state, outcome FROM votes ORDER BY seq').all();
    return rows.map((r) => ({
      kioskId,
      voteId: r.vote_id,
      seq: r.seq,
      pollId: r.poll_id,
      button: r.button,
      // Another boot's monotonic time cannot be placed (does not happen within one campaign).
      pressedAt: r.boot_id === bootId ? r.pressed_mono_ms + offsetMs : Number.NaN,
      state: r.state,
      outcome: r.outcome,
    }));
  } finally {
    db.close();
  }
}

/** voteIds from the kiosk's JSON log lines `{"msg":"vote recorded","voteId":…}`. */
export function recordedVoteIds(stderr: string): string[] {
  const ids: string[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.includes('vote recorded')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: unknown; voteId?: unknown };
      if (entry.msg === 'vote recorded' && typeof entry.voteId === 'string') ids.push(entry.voteId);
    } catch {
      // a line cut short by SIGKILL
    }
  }
  return ids;
}

export async function collectHistory(cluster: FaultCluster, offsetMs: number): Promise<History> {
  const outbox = cluster.slots.flatMap((s) => readOutbox(s.id, s.dataDir, offsetMs));
  const store = await cluster.database.open(true);
  try {
    const votes = await store.listVotes();
    const polls = await store.listPolls();
    return {
      outbox,
      server: votes.map((v) => ({ kioskId: v.kioskId, voteId: v.voteId, seq: v.seq, pollId: v.pollId, button: v.button, pressedAt: v.pressedAt, receivedAt: v.receivedAt })),
      polls: polls.flatMap((p) => (p.openedAt === null ? [] : [{ id: p.id, openedAt: p.openedAt, closedAt: p.closedAt }])),
      recordedLogs: cluster.slots.flatMap((s) => s.instances.flatMap((k) => recordedVoteIds(k.stderr.join('')).map((voteId) => ({ kioskId: s.id, voteId })))),
      pressesSent: Object.fromEntries(cluster.slots.map((s) => [s.id, s.pressesSent])),
    };
  } finally {
    await store.close();
  }
}
