import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { NOW, TempDir, expectPvError, initDb, run } from './helpers.js';

describe('pivote poll', () => {
  let tmp: TempDir;
  let db: string;
  beforeEach(async () => {
    tmp = new TempDir();
    db = tmp.file('pivote.db');
    await initDb(db);
  });
  afterEach(() => tmp.remove());

  const open = (...options: string[]) =>
    run(['poll', 'open', '--question', 'Best snack?', ...options.flatMap((o) => ['--option', o]), '--db', db]);
  const listJson = async () => JSON.parse((await run(['poll', 'list', '--format', 'json', '--db', db])).stdout) as Record<string, unknown>[];

  it('opens a poll with repeated --option in button order', async () => {
    const r = await open('Apple', 'Bread', 'Cheese');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('Opened poll 1: Best snack?');
    expect(r.stdout).toMatch(/button 3: Cheese/);
    expect(await listJson()).toEqual([
      {
        id: 1, question: 'Best snack?', options: ['Apple', 'Bread', 'Cheese'], state: 'open', createdAt: new Date(NOW).toISOString(),
        openedAt: new Date(NOW).toISOString(), closedAt: null, opensAt: null, closesAt: null, publicResults: 'never',
      },
    ]);
  });

  it.each([
    ['one option', ['Apple']],
    ['no option', []],
    ['nine options', ['1', '2', '3', '4', '5', '6', '7', '8', '9']],
    ['duplicate options', ['Apple', 'Apple']],
  ])('refuses %s with PV_BAD_POLL', async (_label, options) => {
    expectPvError(await open(...options), 'PV_BAD_POLL');
    expect(await listJson()).toEqual([]);
  });

  it('refuses a second open poll with PV_POLL_ALREADY_OPEN', async () => {
    await open('A', 'B');
    expectPvError(await open('C', 'D'), 'PV_POLL_ALREADY_OPEN');
  });

  it('requires --question for a new poll (PV_USAGE, exit 2)', async () => {
    const r = await run(['poll', 'open', '--option', 'A', '--option', 'B', '--db', db]);
    expectPvError(r, 'PV_USAGE');
    expect(r.stderr).toMatch(/--question/);
  });

  it('schedules a draft, shows it, opens it by hand; the schedule can be changed and cleared', async () => {
    const r = await run(['poll', 'open', '--question', 'Later?', '--option', 'Y', '--option', 'N', '--opens-at', '+30m', '--closes-at', '2026-11-22T18:00:00Z', '--public', 'after-close', '--db', db]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('Scheduled poll 1 (a draft until it opens): Later?');
    expect(r.stdout).toContain('opens at 2026-11-22T15:30:00Z');
    expect((await listJson())[0]).toMatchObject({ state: 'draft', opensAt: new Date(NOW + 30 * 60_000).toISOString(), closesAt: '2026-11-22T18:00:00.000Z', publicResults: 'after-close' });
    expect((await run(['poll', 'schedule', '1', '--opens-at', 'none', '--db', db])).code).toBe(0);
    expect((await listJson())[0]).toMatchObject({ state: 'draft', opensAt: null });
    const opened = await run(['poll', 'open', '1', '--db', db], () => NOW + 1000);
    expect(opened.stdout).toContain('Opened poll 1: Later?');
    expect((await listJson())[0]).toMatchObject({ state: 'open', openedAt: new Date(NOW + 1000).toISOString() });
    expectPvError(await run(['poll', 'open', '1', '--db', db]), 'PV_POLL_NOT_DRAFT');
    expectPvError(await run(['poll', 'schedule', '1', '--opens-at', 'soon', '--db', db]), 'PV_USAGE');
    expectPvError(await run(['poll', 'delete', '1', '--db', db]), 'PV_POLL_NOT_DRAFT');
  });

  it('warns, naming the kiosks, when a poll has more options than a kiosk has buttons', async () => {
    const { openSqliteVoteStore } = await import('../../src/store/sqlite/sqlite-store.js');
    const store = openSqliteVoteStore(db);
    for (const [id, buttons] of [['two', 2], ['four', 4], ['three', 3]] as const) {
      await store.addKiosk({ id, name: id, location: '', secret: 's', createdAt: NOW });
      await store.updatePresence([{ kioskId: id, lastSeenAt: NOW, buttons }]);
    }
    await store.close();
    const r = await open('A', 'B', 'C', 'D');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('warning: kiosk three has 3 buttons: it cannot vote for option 4 of this poll\nwarning: kiosk two has 2 buttons: it cannot vote for options 3-4 of this poll\n');
  });

  it('a mistyped --db is an error and creates nothing, for every command that writes', async () => {
    const typo = tmp.file('pivote.dbb');
    expectPvError(await run(['poll', 'open', '--question', 'Q', '--option', 'A', '--option', 'B', '--db', typo]), 'PV_NOT_A_PIVOTE_DB');
    expectPvError(await run(['poll', 'close', '--db', typo]), 'PV_NOT_A_PIVOTE_DB');
    expectPvError(await run(['fleet', 'add', 'k1', '--db', typo]), 'PV_NOT_A_PIVOTE_DB');
    expectPvError(await run(['fleet', 'revoke', 'k1', '--db', typo]), 'PV_NOT_A_PIVOTE_DB');
    const r = await run(['results', '--db', typo]);
    expectPvError(r, 'PV_NOT_A_PIVOTE_DB');
    expect(r.stderr).not.toMatch(/create one/);
    expect(existsSync(typo)).toBe(false);
  });

  it('closes the open poll; closing again is PV_NO_OPEN_POLL', async () => {
    await open('A', 'B');
    const r = await run(['poll', 'close', '--db', db], () => NOW + 60_000);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('Closed poll 1');
    expect((await listJson())[0]).toMatchObject({ state: 'closed', closedAt: new Date(NOW + 60_000).toISOString() });
    expectPvError(await run(['poll', 'close', '--db', db]), 'PV_NO_OPEN_POLL');
  });

  it('lists polls newest first, as a table', async () => {
    await open('A', 'B');
    await run(['poll', 'close', '--db', db]);
    await run(['poll', 'open', '--question', 'Second?', '--option', 'Yes', '--option', 'No', '--db', db]);
    const r = await run(['poll', 'list', '--db', db]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATE\s+OPENED\s+CLOSED\s+PUBLIC\s+QUESTION\s+OPTIONS$/);
    expect(lines[1]).toMatch(/^2\s+open\s+2026-11-22T15:00:00Z\s+-\s+never\s+Second\?\s+Yes \| No$/);
    expect(lines[2]).toMatch(/^1\s+closed\s.*Best snack\?\s+A \| B$/);
    expect((await listJson()).map((p) => p.id)).toEqual([2, 1]);
  });

  it('says how to open a poll when there is none, and refuses a bad --format', async () => {
    const r = await run(['poll', 'list', '--db', db]);
    expect(r.stdout).toContain('pivote poll open');
    expectPvError(await run(['poll', 'list', '--format', 'csv', '--db', db]), 'PV_USAGE');
  });
});
