import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteVoteStore } from '../../src/store/sqlite/sqlite-store.js';
import { NOW, TempDir, expectPvError, run } from './helpers.js';

describe('pivote poll', () => {
  let tmp: TempDir;
  let db: string;
  beforeEach(() => {
    tmp = new TempDir();
    db = tmp.file('pivote.db');
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
      { id: 1, question: 'Best snack?', options: ['Apple', 'Bread', 'Cheese'], state: 'open', openedAt: new Date(NOW).toISOString(), closedAt: null },
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

  it('requires --question (a commander usage error, exit 2)', async () => {
    const r = await run(['poll', 'open', '--option', 'A', '--option', 'B', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--question/);
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
    expect(lines[0]).toMatch(/^ID\s+STATE\s+OPENED\s+CLOSED\s+QUESTION\s+OPTIONS$/);
    expect(lines[1]).toMatch(/^2\s+open\s+2026-11-22T15:00:00Z\s+-\s+Second\?\s+Yes \| No$/);
    expect(lines[2]).toMatch(/^1\s+closed\s.*Best snack\?\s+A \| B$/);
    expect((await listJson()).map((p) => p.id)).toEqual([2, 1]);
  });

  it('says how to open a poll when there is none, and refuses a bad --format', async () => {
    await openSqliteVoteStore(db).close(); // an empty pivote database
    const r = await run(['poll', 'list', '--db', db]);
    expect(r.stdout).toContain('pivote poll open');
    expectPvError(await run(['poll', 'list', '--format', 'csv', '--db', db]), 'PV_USAGE');
  });
});
