import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteVoteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { NewVote } from '../../src/store/types.js';
import { TempDir, expectPvError, initDb, run } from './helpers.js';

const at = (hh: number, mm: number, ms = 0) => Date.UTC(2026, 10, 22, hh, mm, 0, ms);

describe('pivote results', () => {
  let tmp: TempDir;
  let db: string;
  beforeEach(async () => {
    tmp = new TempDir();
    db = tmp.file('pivote.db');
    await initDb(db);
  });
  afterEach(() => tmp.remove());

  /** Poll 1 (open): Apple 2, Bread 1 (+1 flagged), Cheese 1, from kiosks k1 and k2 over two hours. */
  async function seedVotes(): Promise<void> {
    const store = openSqliteVoteStore(db);
    try {
      for (const id of ['k1', 'k2']) await store.addKiosk({ id, name: id, location: '', secret: 's', createdAt: at(13, 0) });
      const poll = await store.openPoll('Best snack?', ['Apple', 'Bread', 'Cheese'], at(13, 0));
      const v = (kioskId: string, voteId: string, seq: number, button: number, pressedAt: number): NewVote => ({
        kioskId, voteId, seq, pollId: poll.id, button, pressedAt, receivedAt: pressedAt + 20, clockUnknown: false,
      });
      const out = await store.recordVotes(
        [
          v('k1', 'a', 1, 1, at(13, 10)),
          v('k1', 'b', 2, 2, at(13, 10, 500)),
          v('k1', 'c', 3, 2, at(13, 10, 900)), // third press within 10 s: flagged
          v('k2', 'd', 1, 3, at(14, 30)),
          v('k2', 'e', 2, 1, at(14, 40)),
        ],
        { windowMs: 10_000, maxVotes: 2 },
      );
      expect(out.map((o) => o.status === 'stored' && o.flagged)).toEqual([false, false, true, false, false]);
    } finally {
      await store.close();
    }
  }

  const json = async (...args: string[]) => {
    const r = await run(['results', '--format', 'json', '--db', db, ...args]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    return JSON.parse(r.stdout) as Record<string, any>;
  };

  it('prints one JSON object: poll, total and each option with count and percent', async () => {
    await seedVotes();
    const out = await json();
    expect(out.poll).toMatchObject({ id: 1, question: 'Best snack?', state: 'open' });
    expect(out.total).toBe(4);
    expect(out.flaggedExcluded).toBe(1);
    expect(out.options).toEqual([
      { button: 1, label: 'Apple', count: 2, percent: 50 },
      { button: 2, label: 'Bread', count: 1, percent: 25 },
      { button: 3, label: 'Cheese', count: 1, percent: 25 },
    ]);
    expect(out.groups).toBeUndefined();
  });

  it('counts flagged votes with --include-flagged', async () => {
    await seedVotes();
    const out = await json('--include-flagged');
    expect(out).toMatchObject({ total: 5, includeFlagged: true, flaggedExcluded: 0 });
    expect(out.options.map((o: { percent: number }) => o.percent)).toEqual([40, 40, 20]);
  });

  it('adds per-kiosk groups with --by kiosk', async () => {
    await seedVotes();
    const out = await json('--by', 'kiosk');
    expect(out.by).toBe('kiosk');
    expect(out.groups.map((g: { key: string; total: number; options: { count: number }[] }) => [g.key, g.total, g.options.map((o) => o.count)])).toEqual([
      ['k1', 2, [1, 1, 0]],
      ['k2', 2, [1, 0, 1]],
    ]);
  });

  it('prints per-hour CSV with --by hour --format csv, hours in the --tz given', async () => {
    await seedVotes();
    const r = await run(['results', '--by', 'hour', '--tz', 'UTC', '--format', 'csv', '--db', db]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'poll,hour,button,label,count,percent',
        '1,2026-11-22T13:00+00:00,1,Apple,1,50',
        '1,2026-11-22T13:00+00:00,2,Bread,1,50',
        '1,2026-11-22T13:00+00:00,3,Cheese,0,0',
        '1,2026-11-22T14:00+00:00,1,Apple,1,50',
        '1,2026-11-22T14:00+00:00,2,Bread,0,0',
        '1,2026-11-22T14:00+00:00,3,Cheese,1,50',
        '',
      ].join('\n'),
    );
    // India is 5:30 ahead: 13:10 and 14:30 UTC fall in the local hours 18:00 and 20:00.
    const india = await json('--by', 'hour', '--tz', 'Asia/Kolkata');
    expect(india.groups.map((g: { key: string; total: number }) => [g.key, g.total])).toEqual([
      ['2026-11-22T18:00+05:30', 2],
      ['2026-11-22T20:00+05:30', 2],
    ]);
    expectPvError(await run(['results', '--by', 'hour', '--tz', 'Mars/Olympus', '--db', db]), 'PV_USAGE');
  });

  it('groups by location, from the kiosks registered', async () => {
    await seedVotes();
    const store = openSqliteVoteStore(db);
    await store.updateKiosk('k1', { location: 'Terrace' }, at(15, 0));
    await store.updateKiosk('k2', { location: 'Terrace' }, at(15, 0));
    await store.close();
    const out = await json('--by', 'location');
    expect(out.groups.map((g: { key: string; total: number }) => [g.key, g.total])).toEqual([['Terrace', 4]]);
  });

  it('shows equal counts with equal percentages that add up to 100', async () => {
    const store = openSqliteVoteStore(db);
    await store.addKiosk({ id: 'k1', name: 'k1', location: '', secret: 's', createdAt: at(13, 0) });
    const poll = await store.openPoll('Q', ['A', 'B', 'C'], at(13, 0));
    await store.recordVotes([1, 2, 3].map((button) => ({ kioskId: 'k1', voteId: `v${button}`, seq: button, pollId: poll.id, button, pressedAt: at(13, button * 5), receivedAt: at(13, button * 5), clockUnknown: false })), { windowMs: 1, maxVotes: 100 });
    await store.close();
    const out = await json();
    expect(out.options.map((o: { percent: number }) => o.percent)).toEqual([33.3, 33.3, 33.3]);
  });

  it('prints a CSV row per option without --by, quoting labels that need it', async () => {
    const store = openSqliteVoteStore(db);
    await store.openPoll('Q', ['Yes, please', 'No "thanks"'], at(13, 0));
    await store.close();
    const r = await run(['results', '--format', 'csv', '--db', db]);
    expect(r.stdout).toBe('poll,button,label,count,percent\n1,1,"Yes, please",0,0\n1,2,"No ""thanks""",0,0\n');
  });

  it('prints a table with the total and the flagged votes left out', async () => {
    await seedVotes();
    const r = await run(['results', '--by', 'kiosk', '--db', db]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Poll 1 (open): Best snack?');
    expect(r.stdout).toMatch(/^1\s+Apple\s+2\s+50\.0%$/m);
    expect(r.stdout).toMatch(/^3\s+Cheese\s+1\s+25\.0%$/m);
    expect(r.stdout).toContain('Total: 4 votes counted (1 flagged vote left out');
    expect(r.stdout).toMatch(/^k1\s+1 \(50\.0%\)\s+1 \(50\.0%\)\s+0 \(0\.0%\)\s+2$/m);
  });

  it('defaults to the open poll, else the newest; --poll picks one', async () => {
    await seedVotes();
    expect((await run(['poll', 'close', '--db', db])).code).toBe(0);
    expect((await run(['poll', 'open', '--question', 'Next?', '--option', 'X', '--option', 'Y', '--db', db])).code).toBe(0);
    expect((await json()).poll.id).toBe(2);
    expect((await json('--poll', '1')).total).toBe(4);
    expect((await run(['poll', 'close', '--db', db])).code).toBe(0);
    const newest = await json();
    expect(newest.poll).toMatchObject({ id: 2, state: 'closed' });
    expect(newest.options).toEqual([
      { button: 1, label: 'X', count: 0, percent: 0 },
      { button: 2, label: 'Y', count: 0, percent: 0 },
    ]);
  });

  it('reports an unknown poll, bad --poll/--by/--format, and no poll at all', async () => {
    await openSqliteVoteStore(db).close();
    expectPvError(await run(['results', '--db', db]), 'PV_NO_OPEN_POLL');
    await seedVotes();
    expectPvError(await run(['results', '--poll', '99', '--db', db]), 'PV_POLL_NOT_FOUND');
    expectPvError(await run(['results', '--poll', 'abc', '--db', db]), 'PV_USAGE');
    expectPvError(await run(['results', '--poll', '0', '--db', db]), 'PV_USAGE');
    expectPvError(await run(['results', '--by', 'day', '--db', db]), 'PV_USAGE');
    expectPvError(await run(['results', '--format', 'xml', '--db', db]), 'PV_USAGE');
  });

  it('reports a missing database and one written by a newer pivote', async () => {
    expectPvError(await run(['results', '--db', tmp.file('missing.db')]), 'PV_NOT_A_PIVOTE_DB');
    await seedVotes();
    const raw = new Database(db);
    raw.pragma('user_version = 999');
    raw.close();
    expectPvError(await run(['results', '--db', db]), 'PV_DB_TOO_NEW');
  });
});
