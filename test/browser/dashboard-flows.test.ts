import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KioskProcess } from '../e2e/processes.js';
import { browserAvailability, launchChromium, newContext } from './chromium.js';
import { barCounts, barPercents, barWidths, confirmClick, logIn, navigateTo, stat } from './pages.js';
import { startStack, vote, type Stack } from './stack.js';

/**
 * The organiser's day, in Debian's Chromium against a real `pivote server` and real kiosk
 * processes (mock GPIO): nothing here talks to a stand-in. The steps build on each other (the
 * poll opened in one is closed in a later one), so they run in order on one server.
 */

const availability = browserAvailability();
const POLL = { question: 'How was your visit?', options: ['Great', 'OK', 'Poor', 'Bad'] };
const WAIT = { timeout: 15_000, interval: 100 };

describe.skipIf(!availability.run)(`dashboard in Chromium: the organiser's flows${availability.skipReason}`, () => {
  let browser: Browser;
  let stack: Stack;
  let organiser: BrowserContext;
  let page: Page;
  const kiosks: Record<string, KioskProcess> = {};
  let pollId = 0;

  beforeAll(async () => {
    browser = await launchChromium();
    stack = await startStack();
    kiosks.hall1 = await stack.startKiosk('hall-1', { name: 'Main hall', location: 'Entrance' });
    kiosks.hall2 = await stack.startKiosk('hall-2', { name: 'Side hall', location: 'Garden' });
    kiosks.cloak = await stack.startKiosk('cloak-1', { name: 'Cloakroom', location: 'Basement', buttons: 2 });
    organiser = await newContext(browser, stack.baseURL);
    page = await organiser.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('a wrong token is refused with its code, and nothing of the server is shown', async () => {
    const ctx = await newContext(browser, stack.baseURL);
    try {
      const p = await ctx.newPage();
      await p.goto('/fleet');
      await p.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === '/fleet');
      await p.getByLabel('Admin token', { exact: true }).fill(`${stack.token}x`);
      await p.getByRole('button', { name: 'Log in' }).click();
      const error = p.getByRole('alert');
      await expect.poll(() => error.textContent(), WAIT).toContain('PV_ADMIN_AUTH_FAILED');
      expect(new URL(p.url()).pathname).toBe('/login');
      expect(await p.locator('.fleet-table').count()).toBe(0);
      const status = await p.evaluate(async () => (await fetch('/api/kiosks')).status);
      expect(status).toBe(401);
    } finally {
      await ctx.close();
    }
  });

  it('logs in, opens a poll from the UI, and the bars follow the kiosks\' votes', async () => {
    await logIn(page, stack.token);
    await navigateTo(page, 'Manage');
    const form = page.getByRole('form', { name: 'New poll' });
    await form.getByLabel('Question').fill(POLL.question);
    await form.getByRole('button', { name: 'Add an option' }).click();
    await form.getByRole('button', { name: 'Add an option' }).click();
    for (const [i, option] of POLL.options.entries()) await form.getByLabel(`Option ${i + 1}`, { exact: true }).fill(option);
    await form.getByRole('button', { name: 'Open poll' }).click();
    await expect.poll(() => page.locator('.polls-table tbody tr').first().textContent(), WAIT).toContain(POLL.question);

    const polls = await stack.api<{ id: number; state: string; question: string }[]>('GET', '/api/polls');
    const opened = polls.body.find((p) => p.state === 'open');
    expect(opened?.question).toBe(POLL.question);
    pollId = opened!.id;

    await navigateTo(page, 'Results');
    await expect.poll(() => page.locator('#poll-question').textContent(), WAIT).toBe(POLL.question);
    expect(await barCounts(page)).toEqual([0, 0, 0, 0]);

    // The kiosks learn of the poll by push; then each press shows on its bar.
    await kiosks.hall1!.statsUntil((s) => s.pollId === pollId, 'hall-1 to have the poll');
    await kiosks.hall2!.statsUntil((s) => s.pollId === pollId, 'hall-2 to have the poll');
    await vote(kiosks.hall1!, 1);
    await expect.poll(() => barCounts(page), WAIT).toEqual([1, 0, 0, 0]);
    await vote(kiosks.hall2!, 3);
    await vote(kiosks.hall1!, 1);
    await vote(kiosks.hall2!, 2);
    await expect.poll(() => barCounts(page), WAIT).toEqual([2, 1, 1, 0]);
    expect(await barPercents(page)).toEqual([50, 25, 25, 0]);
    await expect.poll(() => barWidths(page), WAIT).toEqual([50, 25, 25, 0]);
    expect(await stat(page, 'total')).toBe('4');
    await expect.poll(async () => Number(await stat(page, 'per-minute')), WAIT).toBeGreaterThanOrEqual(4);
    // a 4th press of one kiosk within 10 s is stored but flagged (the server's default burst rule)
    await vote(kiosks.hall1!, 4);
    await vote(kiosks.hall1!, 4);
    await expect.poll(() => stat(page, 'flagged'), WAIT).toBe('1');
    expect(await barCounts(page)).toEqual([2, 1, 1, 1]);
    expect((await barPercents(page)).reduce((a, b) => a + b, 0)).toBeCloseTo(100, 5);
  });

  it('the fleet shows every kiosk live, and warns of one with fewer buttons than the poll has options', async () => {
    await navigateTo(page, 'Fleet');
    const row = (id: string) => page.locator(`.fleet-table tr[data-kiosk-id="${id}"]`);
    await expect.poll(() => row('hall-1').getAttribute('data-presence'), WAIT).toBe('online');
    expect(await row('hall-1').textContent()).toContain('Main hall');
    expect(await row('hall-1').textContent()).toContain('Entrance');
    await expect.poll(() => row('cloak-1').locator('.warnings').textContent(), WAIT)
      .toContain('Has 2 buttons but the poll has 4 options: nobody can vote for “Poor”, “Bad” here.');
    expect(await row('hall-1').locator('.warnings').count()).toBe(0);
    const poll = await stack.api<{ kiosksShort: { id: string; buttons: number }[] }>('GET', `/api/polls/${pollId}`);
    expect(poll.body.kiosksShort).toEqual([{ id: 'cloak-1', buttons: 2 }]);

    await kiosks.cloak!.kill('SIGKILL'); // its power went
    await expect.poll(() => row('cloak-1').getAttribute('data-presence'), WAIT).toBe('offline');
    expect(await row('cloak-1').textContent()).toMatch(/Offline for \d+ s/);
    expect(await page.locator('.summary').textContent()).toMatch(/2 online.*1 offline/);
  });

  it('insights: the heat map, each location and the trend, as the API counts them', async () => {
    await navigateTo(page, 'Insights');
    await page.locator('.heat-map').waitFor();
    const api = (await stack.api<{ heatmap: { count: number }[]; byLocation: { location: string; total: number }[]; trend: unknown[] }>(
      'GET', `/api/polls/${pollId}/insights?tz=Europe/Paris`,
    )).body;
    const busy = await page.locator('.heat-map tbody td:not(.heat-empty)').count();
    expect(busy).toBe(api.heatmap.filter((c) => c.count > 0).length);
    expect(busy).toBeGreaterThan(0);
    const locations = await page.locator('.location-table tbody tr').evaluateAll((rows) =>
      rows.map((r) => ({ location: r.querySelector('th')!.firstChild!.textContent, total: Number(r.querySelector('td')!.textContent) })));
    expect(locations).toEqual(api.byLocation.map((l) => ({ location: l.location, total: l.total })));
    expect(locations.map((l) => l.location).sort()).toEqual(['Entrance', 'Garden']);
    await page.locator('.trend-chart canvas').first().waitFor(); // uPlot, loaded for this page only
    expect(await page.locator('.trend-table tbody tr').count()).toBe(api.trend.length);
    await page.getByRole('radio', { name: /Share of/ }).check();
    await expect.poll(() => page.locator('#heat-caption').textContent(), WAIT).toContain('Share of “Great”');
  });

  it('the public big screen shows nothing until the organiser allows it, then follows the votes', async () => {
    const visitor = await newContext(browser, stack.baseURL);
    try {
      const screen = await visitor.newPage();
      await screen.goto('/screen');
      await expect.poll(() => screen.locator('main').textContent(), WAIT).toContain('Results are not public');
      expect(await screen.locator('.result-bar').count()).toBe(0);
      expect(await screen.content()).not.toContain(POLL.options[0]);
      const refused = await screen.evaluate(async () => {
        const res = await fetch('/api/public/results');
        return { status: res.status, body: (await res.json()) as { code: string } };
      });
      expect(refused).toMatchObject({ status: 403, body: { code: 'PV_PUBLIC_RESULTS_OFF' } });

      await navigateTo(page, 'Manage');
      await page.getByLabel(`Public results of poll ${pollId}`).selectOption('always');
      await expect.poll(async () => (await stack.api<{ publicResults: string }>('GET', `/api/polls/${pollId}`)).body.publicResults, WAIT).toBe('always');

      await screen.reload();
      await expect.poll(() => screen.locator('#screen-question').textContent(), WAIT).toBe(POLL.question);
      await expect.poll(() => barCounts(screen), WAIT).toEqual([2, 1, 1, 1]);
      await vote(kiosks.hall2!, 2);
      await expect.poll(() => barCounts(screen), WAIT).toEqual([2, 2, 1, 1]);
      expect(await screen.getByRole('button').count()).toBe(0); // a screen for the hall: nothing to click
    } finally {
      await visitor.close();
    }
  });

  it('schedules a poll for later from the UI, reschedules it, and deletes it', async () => {
    await navigateTo(page, 'Manage');
    const form = page.getByRole('form', { name: 'New poll' });
    await form.getByLabel('Question').fill('Evening session?');
    await form.getByLabel('Option 1', { exact: true }).fill('Yes');
    await form.getByLabel('Option 2', { exact: true }).fill('No');
    await form.getByLabel('Results on the public big screen').selectOption('after-close');
    await form.getByLabel('At a set time').check();
    await form.getByLabel('Opens at').fill('2031-06-01T18:00');
    await form.getByRole('button', { name: 'Schedule poll' }).click();
    const drafts = async () => (await stack.api<{ id: number; state: string; question: string; opensAt: string; publicResults: string }[]>('GET', '/api/polls')).body.filter((p) => p.state === 'draft');
    await expect.poll(async () => (await drafts()).length, WAIT).toBe(1);
    const draft = (await drafts())[0]!;
    expect(draft).toMatchObject({ question: 'Evening session?', publicResults: 'after-close' });
    expect(draft.opensAt).toBe('2031-06-01T16:00:00.000Z'); // 18:00 in the browser's zone, Europe/Paris (summer: UTC+2)
    const row = page.locator(`.polls-table tr[data-poll-id="${draft.id}"]`);
    await expect.poll(() => row.locator('.pill').textContent(), WAIT).toBe('scheduled');
    expect((await stack.api<{ state: string }>('GET', `/api/polls/${pollId}`)).body.state).toBe('open'); // the open poll is untouched

    await row.getByRole('button', { name: 'Reschedule' }).click();
    await row.getByLabel('Opens at').fill('2031-06-02T09:30');
    await row.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await drafts())[0]?.opensAt, WAIT).toBe('2031-06-02T07:30:00.000Z');

    await confirmClick(row, `Delete poll ${draft.id}`);
    await expect.poll(async () => (await drafts()).length, WAIT).toBe(0);
    await expect.poll(() => row.count(), WAIT).toBe(0);
  });

  it('closes the poll from the UI', async () => {
    await navigateTo(page, 'Manage');
    const row = page.locator(`.polls-table tr[data-poll-id="${pollId}"]`);
    await confirmClick(row, `Close poll ${pollId}`);
    await expect.poll(() => row.locator('.pill').textContent(), WAIT).toBe('closed');
    expect((await stack.api<{ state: string }>('GET', `/api/polls/${pollId}`)).body.state).toBe('closed');
    await navigateTo(page, 'Results');
    await expect.poll(() => page.locator('.results-card .pill').textContent(), WAIT).toBe('Closed');
    await kiosks.hall1!.statsUntil((s) => s.pollId === null, 'hall-1 to learn the poll closed');
  });

  it('exports every vote as CSV from the UI, matching `pivote results`', async () => {
    await page.goto(`/results?poll=${pollId}`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('.export-links').getByRole('link', { name: 'CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8').trimEnd().split(/\r?\n/);
    expect(csv[0]).toBe('kiosk_id,vote_id,seq,poll_id,button,option,pressed_at,received_at,clock_unknown,flagged');
    const rows = csv.slice(1).map((line) => {
      const f = line.split(',');
      return { kiosk: f[0], poll: Number(f[3]), button: Number(f[4]), flagged: f[9] === 'true' };
    });
    expect(rows).toHaveLength(7);
    expect(rows.every((r) => r.poll === pollId)).toBe(true);

    const counted = (flagged: boolean): number[] =>
      POLL.options.map((_, i) => rows.filter((r) => r.button === i + 1 && (flagged || !r.flagged)).length);
    const cli = async (extra: string[]): Promise<number[]> => {
      const r = await stack.pivote(['results', '--db', stack.db, '--poll', String(pollId), '--format', 'json', ...extra]);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { options: { count: number }[] }).options.map((o) => o.count);
    };
    expect(counted(false)).toEqual(await cli([]));
    expect(counted(true)).toEqual(await cli(['--include-flagged']));
    expect(counted(false)).toEqual([2, 2, 1, 1]);
  });

  it('revokes a kiosk from the UI: the kiosk is dropped and shown as revoked', async () => {
    await navigateTo(page, 'Manage');
    const row = page.locator(`.kiosks-table tr[data-kiosk-id="hall-2"]`);
    await confirmClick(row, 'Revoke hall-2');
    await expect.poll(() => row.textContent(), WAIT).toContain('revoked');
    await kiosks.hall2!.until(() => kiosks.hall2!.connection !== 'online', 'hall-2 to be dropped');
    await navigateTo(page, 'Fleet');
    const fleetRow = page.locator('.fleet-table tr[data-kiosk-id="hall-2"]');
    await expect.poll(() => fleetRow.getAttribute('data-presence'), WAIT).toBe('revoked');
    expect(await page.locator('.fleet-table tr[data-kiosk-id="hall-1"]').getAttribute('data-presence')).toBe('online');
    const listed = await stack.api<{ id: string; revoked: boolean }[]>('GET', '/api/kiosks');
    expect(listed.body.find((k) => k.id === 'hall-2')?.revoked).toBe(true);
  });

  it('an alert rule set in the UI raises an alert shown live on every page, acknowledged from the banner', async () => {
    await navigateTo(page, 'Alerts');
    const form = page.getByRole('form', { name: 'New rule' });
    await form.getByLabel('Alert when').selectOption('flagged-burst');
    await form.getByLabel('Flagged presses').fill('1');
    await form.getByLabel('Within minutes').fill('10');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await expect.poll(() => page.locator('.rule-list').textContent(), WAIT).toContain('1 flagged presses within 10 min');

    // a second tab of the organiser, on another page: the banner is there too, from its own stream
    const other = await organiser.newPage();
    try {
      await other.goto('/fleet');
      const banner = (p: Page) => p.getByRole('region', { name: 'Active alerts' });
      await expect.poll(() => banner(page).locator('.alert-item').count(), WAIT).toBe(1);
      await expect.poll(() => banner(other).locator('.alert-item').count(), WAIT).toBe(1);
      expect(await banner(other).textContent()).toContain('flagged');
      await navigateTo(page, 'Manage');
      expect(await banner(page).locator('.alert-item').count()).toBe(1);

      await banner(page).getByRole('button', { name: /^Acknowledge/ }).click();
      await expect.poll(() => banner(page).locator('.alert-item').count(), WAIT).toBe(0);
      await expect.poll(() => banner(other).locator('.alert-item').count(), WAIT).toBe(0);
      const alerts = await stack.api<{ kind: string; acknowledgedAt: string | null; acknowledgedBy: string | null }[]>('GET', '/api/alerts?state=all');
      expect(alerts.body).toHaveLength(1);
      expect(alerts.body[0]).toMatchObject({ kind: 'flagged-burst' });
      expect(alerts.body[0]!.acknowledgedAt).not.toBeNull();
    } finally {
      await other.close();
    }
  });

  it('rotates a kiosk secret from the UI: shown once with the config to paste, which a kiosk then connects with', async () => {
    await navigateTo(page, 'Manage');
    const row = page.locator('.kiosks-table tr[data-kiosk-id="hall-1"]');
    await confirmClick(row, 'Rotate the secret of hall-1');
    const panel = page.locator('.secret-panel');
    await panel.waitFor();
    const secret = (await panel.locator('[data-secret]').textContent())!.trim();
    const config = JSON.parse((await panel.locator('[data-config]').textContent())!) as { server: string; kioskId: string; secret: string };
    expect(config).toEqual({ server: expect.any(String), kioskId: 'hall-1', secret });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('secret-title');

    // the old secret stops working at once: the running kiosk is dropped and stays out
    await kiosks.hall1!.until(() => kiosks.hall1!.connection !== 'online', 'hall-1 to be dropped');
    await kiosks.hall1!.kill('SIGTERM');
    const replaced = await stack.runKiosk('hall-1', config.secret);
    await replaced.until(() => replaced.connection === 'online', 'hall-1 online with the new secret');

    await panel.getByRole('button', { name: 'I have saved it' }).click();
    expect(await page.locator('.secret-panel').count()).toBe(0);
    expect(await page.content()).not.toContain(secret); // shown once: gone from the page
  });

  it('adds a kiosk from the UI, renames and relocates it, revokes, reactivates and removes it; the audit log says who did it', async () => {
    await navigateTo(page, 'Manage');
    const add = page.getByRole('form', { name: 'Add a kiosk' });
    await add.getByLabel('Kiosk id').fill('stage-1');
    await add.getByLabel('Name (optional)').fill('Stage');
    await add.getByRole('button', { name: 'Add kiosk' }).click();
    const panel = page.locator('.secret-panel');
    await panel.waitFor();
    expect(JSON.parse((await panel.locator('[data-config]').textContent())!)).toMatchObject({ kioskId: 'stage-1' });
    await panel.getByRole('button', { name: 'I have saved it' }).click();

    const row = page.locator('.kiosks-table tr[data-kiosk-id="stage-1"]');
    await row.getByRole('button', { name: 'Rename or relocate stage-1' }).click();
    await row.getByLabel('Name of stage-1').fill('Stage door');
    await row.getByLabel('Location of stage-1').fill('Backstage');
    await row.getByRole('button', { name: 'Save' }).click();
    const listed = async () => (await stack.api<{ id: string; name: string; location: string; revoked: boolean }[]>('GET', '/api/kiosks')).body.find((k) => k.id === 'stage-1');
    await expect.poll(listed, WAIT).toMatchObject({ name: 'Stage door', location: 'Backstage', revoked: false });
    await expect.poll(() => row.textContent(), WAIT).toContain('Backstage');

    await confirmClick(row, 'Revoke stage-1');
    await expect.poll(async () => (await listed())?.revoked, WAIT).toBe(true);
    await confirmClick(row, 'Reactivate stage-1');
    await panel.waitFor();
    await expect.poll(async () => (await listed())?.revoked, WAIT).toBe(false);
    await panel.getByRole('button', { name: 'I have saved it' }).click();
    await confirmClick(row, 'Revoke stage-1');
    await expect.poll(async () => (await listed())?.revoked, WAIT).toBe(true);
    await confirmClick(row, 'Remove stage-1');
    await expect.poll(listed, WAIT).toBeUndefined();
    await expect.poll(() => row.count(), WAIT).toBe(0);

    const audit = page.getByRole('region', { name: 'Audit log' });
    await audit.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => audit.locator('tr[data-audit-id]').first().textContent(), WAIT).toContain('kiosk.remove');
    const first = audit.locator('tr[data-audit-id]').first();
    expect(await first.textContent()).toContain('stage-1');
    expect(await first.textContent()).toMatch(/session 127\.0\.0\.1/);
  });

  it('a rotated admin token ends the browser session: the next request asks to log in again, changing nothing', async () => {
    const rotated = await stack.pivote(['admin-token', 'rotate', '--db', stack.db]);
    expect(rotated.code, rotated.stderr).toBe(0);
    // the server notices the new token file within a second; then the old token is refused too
    await expect.poll(async () => (await stack.api('GET', '/api/polls')).status, WAIT).toBe(401);
    const attempt = await page.evaluate(async () => {
      const res = await fetch('/api/polls', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: 'Sneaky?', options: ['a', 'b'] }) });
      return { status: res.status, code: ((await res.json()) as { code: string }).code };
    });
    expect(attempt.status).toBe(401);
    const newToken = readFileSync(`${stack.db}.admin-token`, 'utf8').trim();
    const polls = (await (await fetch(`${stack.baseURL}/api/polls`, { headers: { authorization: `Bearer ${newToken}` } })).json()) as { question: string }[];
    expect(polls.map((p) => p.question)).not.toContain('Sneaky?');
    await page.goto('/manage');
    await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === '/manage');
    await expect.poll(() => page.locator('main').textContent(), WAIT).toContain('Log in');
  });
});
