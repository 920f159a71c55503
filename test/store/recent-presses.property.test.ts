import Database from 'better-sqlite3';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecentPresses } from '../../src/store/recent-presses.js';
import { openSqliteVoteStore, type SqliteVoteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { BurstPolicy, NewVote, RecordOutcome } from '../../src/store/types.js';
import { T0, newKiosk } from './contract-helpers.js';

/**
 * The repeated-press flag judged from memory (src/store/recent-presses.ts, with the database
 * for what memory does not hold) against the rule as SQL states it: the INSERT the store used
 * before, with the kiosk's presses counted by a subquery, run on a plain SQLite table. Random
 * batches with duplicates, late and out-of-order presses, restarts (memory loaded back from
 * the file), votes written by another connection, batches that roll back, and a memory small
 * enough that every path is taken: eviction, the load budget, the database fallback.
 */

const KIOSKS = ['k1', 'k2', 'k3'];

/** The rule as the store stated it in SQL before it moved to memory. */
class SqlRule {
  private readonly db = new Database(':memory:');
  private readonly insert: Database.Statement;
  private readonly content: Database.Statement;

  constructor() {
    this.db.exec(`CREATE TABLE votes (kiosk_id TEXT NOT NULL, vote_id TEXT NOT NULL, seq INTEGER NOT NULL, poll_id INTEGER NOT NULL, button INTEGER NOT NULL,
      pressed_at INTEGER NOT NULL, received_at INTEGER NOT NULL, clock_unknown INTEGER NOT NULL, flagged INTEGER NOT NULL, PRIMARY KEY (kiosk_id, vote_id));
      CREATE INDEX votes_kiosk_pressed ON votes (kiosk_id, pressed_at);`);
    this.insert = this.db
      .prepare(`INSERT INTO votes VALUES (?, ?, ?, ?, ?, ?, ?, ?,
        ? <= 0 OR EXISTS (SELECT 1 FROM votes WHERE kiosk_id = ? AND pressed_at BETWEEN ? AND ? LIMIT 1 OFFSET ?))
        ON CONFLICT (kiosk_id, vote_id) DO NOTHING RETURNING flagged`)
      .pluck();
    this.content = this.db.prepare('SELECT poll_id, button, seq, flagged FROM votes WHERE kiosk_id = ? AND vote_id = ?');
  }

  record(votes: readonly NewVote[], burst: BurstPolicy): RecordOutcome[] {
    return this.db.transaction(() =>
      votes.map((v): RecordOutcome => {
        const flagged = this.insert.get(
          v.kioskId, v.voteId, v.seq, v.pollId, v.button, v.pressedAt, v.receivedAt, v.clockUnknown ? 1 : 0,
          burst.maxVotes, v.kioskId, v.pressedAt - burst.windowMs, v.pressedAt, burst.maxVotes - 1,
        ) as number | undefined;
        if (flagged !== undefined) return { status: 'stored', flagged: flagged === 1 };
        const e = this.content.get(v.kioskId, v.voteId) as { poll_id: number; button: number; seq: number; flagged: number };
        return e.poll_id === v.pollId && e.button === v.button && e.seq === v.seq
          ? { status: 'duplicate', flagged: e.flagged === 1 }
          : { status: 'integrity', code: 'PV_INTEGRITY', message: `vote ${v.voteId} was stored with different content` };
      }),
    )();
  }

  close(): void {
    this.db.close();
  }
}

interface VoteSpec {
  kiosk: number;
  id: number;
  button: number;
  /** ms before the clock: 0 = just pressed, large = delivered late. */
  age: number;
}

type Op =
  | { op: 'batch'; votes: VoteSpec[]; windowMs: number; maxVotes: number }
  | { op: 'restart' }
  | { op: 'elsewhere'; vote: VoteSpec }
  | { op: 'rollback'; votes: VoteSpec[] }
  | { op: 'tick'; ms: number };

const voteSpec = fc.record({
  kiosk: fc.integer({ min: 0, max: KIOSKS.length - 1 }),
  id: fc.integer({ min: 0, max: 40 }),
  button: fc.integer({ min: 1, max: 2 }),
  age: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 50 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 20_000 }) }),
});

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('batch' as const), votes: fc.array(voteSpec, { minLength: 1, maxLength: 6 }), windowMs: fc.constantFrom(0, 1, 5, 40, 300, 5_000), maxVotes: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'restart' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('elsewhere' as const), vote: voteSpec }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rollback' as const), votes: fc.array(voteSpec, { minLength: 1, maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 400 }) }) },
);

const memoryShape = fc.record({ perKiosk: fc.integer({ min: 1, max: 4 }), lookbackMs: fc.constantFrom(0, 20, 300, 5_000, 60_000), maxLoaded: fc.integer({ min: 1, max: 12 }) });

describe('repeated-press judgement in memory', () => {
  it('answers as the SQL rule does, across restarts, late votes, other writers and rollbacks', async () => {
    await fc.assert(
      fc.asyncProperty(memoryShape, fc.array(op, { minLength: 1, maxLength: 40 }), async (shape, ops) => {
        const dir = mkdtempSync(join(tmpdir(), 'pivote-presses-'));
        const file = join(dir, 'votes.db');
        let clock = T0 + 30_000;
        const open = (): SqliteVoteStore => openSqliteVoteStore(file, { recentPresses: { ...shape, now: () => clock } });
        let store = open();
        const rule = new SqlRule();
        try {
          for (const k of KIOSKS) await store.addKiosk(newKiosk(k));
          const poll = await store.openPoll('Q', ['A', 'B'], T0);
          const toVote = (s: VoteSpec, kioskId = KIOSKS[s.kiosk]!): NewVote => ({
            kioskId,
            voteId: `v${s.id}`,
            seq: s.id,
            pollId: poll.id,
            button: s.button,
            pressedAt: clock - s.age,
            receivedAt: clock,
            clockUnknown: false,
          });
          for (const o of ops) {
            if (o.op === 'tick') clock += o.ms;
            else if (o.op === 'restart') {
              await store.close();
              store = open();
            } else if (o.op === 'elsewhere') {
              // Another connection (another process) stores a vote behind the store's back.
              const v = toVote(o.vote);
              const raw = new Database(file);
              try {
                raw.prepare('INSERT INTO votes VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0) ON CONFLICT DO NOTHING').run(v.kioskId, v.voteId, v.seq, v.pollId, v.button, v.pressedAt, v.receivedAt);
              } finally {
                raw.close();
              }
              rule.record([v], { windowMs: 0, maxVotes: 1_000_000 }); // stored unflagged, as above
            } else if (o.op === 'rollback') {
              // An unknown kiosk fails the foreign key: nothing of the batch is stored.
              const votes = [...o.votes.map((s) => toVote(s)), toVote(o.votes[0]!, 'nobody')];
              await expect(store.recordVotes(votes, { windowMs: 1_000, maxVotes: 1 })).rejects.toThrow(/FOREIGN KEY/);
            } else {
              const votes = o.votes.map((s) => toVote(s));
              const policy = { windowMs: o.windowMs, maxVotes: o.maxVotes };
              expect(await store.recordVotes(votes, policy)).toEqual(rule.record(votes, policy));
            }
          }
        } finally {
          await store.close();
          rule.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});

describe('RecentPresses', () => {
  it('answers from memory above the floor, and says when it cannot', () => {
    const m = new RecentPresses(100, 3);
    expect(m.judge('k', 50, 10, 1)).toBeUndefined(); // the window reaches below the floor
    expect(m.judge('k', 200, 10, 1)).toBe(false); // above the floor, nothing held: exact
    expect(m.judge('k', 200, 10, 0)).toBe(true); // maxVotes 0 flags everything
    for (const t of [150, 160, 170]) m.add('k', t);
    expect(m.judge('k', 175, 25, 3)).toBe(true);
    expect(m.judge('k', 175, 10, 3)).toBe(false);
    // A fourth press evicts the oldest and the floor rises to it.
    m.add('k', 180);
    expect(m.size).toEqual({ kiosks: 1, presses: 3 });
    expect(m.judge('k', 175, 25, 3)).toBeUndefined(); // [150, 175] reaches the evicted 150
    expect(m.judge('k', 185, 25, 3)).toBe(true); // 160, 170, 180 are enough on their own
    m.remove('k', 180);
    expect(m.judge('k', 185, 25, 3)).toBe(false); // [160, 185] is above the floor: 2 presses
    expect(m.judge('k', 170, 25, 3)).toBeUndefined(); // [145, 170]: 2 held, the window reaches below
    // Below the floor nothing is added: the database answers for those.
    m.add('k', 120);
    expect(m.size.presses).toBe(2);
  });

  it("keeps judging from memory when a kiosk's presses share one millisecond", () => {
    // A kiosk sending a full window in one packet: 64 votes with the same derived press time.
    const m = new RecentPresses(0, 32);
    const verdicts: (boolean | undefined)[] = [];
    for (let i = 0; i < 64; i++) {
      verdicts.push(m.judge('k', 50_000, 10_000, 3));
      m.add('k', 50_000);
    }
    expect(verdicts.slice(0, 4)).toEqual([false, false, false, true]);
    expect(verdicts.slice(4).every((v) => v === true)).toBe(true);
    expect(m.size.presses).toBe(32);
  });

  it('keeps at least maxVotes presses, so votes in press order never need the database', () => {
    const m = new RecentPresses(0, 2);
    m.keepAtLeast(5);
    const verdicts: (boolean | undefined)[] = [];
    for (let t = 1; t <= 20; t++) {
      verdicts.push(m.judge('k', 10_000 + t * 100, 1_000, 5));
      m.add('k', 10_000 + t * 100);
    }
    expect(verdicts).not.toContain(undefined);
    expect(verdicts.filter(Boolean)).toHaveLength(15);
  });
});
