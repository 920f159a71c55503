import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newContext, DESKTOP, PHONE } from '../test/browser/chromium.js';
import { logIn } from '../test/browser/pages.js';
import { startStack, vote, type Stack } from '../test/browser/stack.js';

/**
 * Regenerates docs/dashboard/*.png: every dashboard page at desktop and phone width, taken in
 * Debian's Chromium from a real `pivote server` with real kiosk processes voting (nothing is
 * mocked, so the pictures show what the product shows). Run with `npm run screenshots` after
 * `npm run build`.
 */

const OUT = fileURLToPath(new URL('../docs/dashboard/', import.meta.url));
const SIZES = { desktop: DESKTOP, phone: PHONE } as const;

/** A fixed sequence, so the pictures do not change from one run to the next without reason. */
const WEIGHTED_PRESSES = [1, 1, 2, 1, 3, 1, 2, 1, 1, 4, 2, 1, 3, 1, 2, 2, 1, 1, 3, 1, 2, 1, 1, 4];

async function api(stack: Stack, method: string, path: string, body?: unknown): Promise<unknown> {
  const r = await stack.api(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function seed(stack: Stack): Promise<void> {
  const hall = await stack.startKiosk('hall-1', { name: 'Main hall', location: 'Entrance' });
  const garden = await stack.startKiosk('garden-1', { name: 'Garden pavilion', location: 'Garden' });
  const cafe = await stack.startKiosk('cafe-1', { name: 'Café', location: 'Café' });
  const cloak = await stack.startKiosk('cloak-1', { name: 'Cloakroom', location: 'Entrance', buttons: 2 });
  const kiosks = [hall, garden, cafe];

  const morning = (await api(stack, 'POST', '/api/polls', { question: 'Did the morning talk answer your questions?', options: ['Yes', 'Partly', 'No'] })) as { id: number };
  for (const k of [...kiosks, cloak]) await k.statsUntil((s) => s.pollId === morning.id, 'the morning poll');
  for (const [i, button] of [1, 1, 2, 1, 3, 2, 1, 1].entries()) await vote(kiosks[i % 3]!, button);
  await api(stack, 'POST', `/api/polls/${morning.id}/close`);

  await api(stack, 'POST', '/api/alert-rules', { kind: 'kiosk-offline', params: { minutes: 5 } });
  await api(stack, 'POST', '/api/alert-rules', { kind: 'option-share', params: { button: 1, below: 40, lastVotes: 50 } });
  await api(stack, 'POST', '/api/alert-rules', { kind: 'flagged-burst', params: { count: 2, minutes: 10 } });

  const visit = (await api(stack, 'POST', '/api/polls', {
    question: 'How was your visit today?', options: ['Great', 'OK', 'Poor', 'Bad'], publicResults: 'after-close',
  })) as { id: number };
  for (const k of [...kiosks, cloak]) await k.statsUntil((s) => s.pollId === visit.id, 'the visit poll');
  for (const [i, button] of WEIGHTED_PRESSES.entries()) await vote(kiosks[i % 3]!, button);
  await vote(cloak, 1);
  await vote(cloak, 2);
  // someone hammering one kiosk: stored, flagged, and a flagged-burst alert
  for (const button of [4, 4, 4, 4, 4]) await vote(cafe, button);
  await garden.kill('SIGKILL'); // a kiosk whose power went: offline in the fleet
}

async function shoot(page: Page, name: string, size: keyof typeof SIZES): Promise<void> {
  await page.waitForTimeout(700); // bar transitions (0.45 s) and the chart's first draw
  await page.screenshot({ path: `${OUT}${name}-${size}.png`, fullPage: false, animations: 'disabled' });
  process.stdout.write(`wrote docs/dashboard/${name}-${size}.png\n`);
}

async function pages(browser: Browser, stack: Stack, size: keyof typeof SIZES): Promise<void> {
  const anonymous = await newContext(browser, stack.baseURL, SIZES[size]);
  const login = await anonymous.newPage();
  await login.goto('/login');
  await login.getByLabel('Admin token', { exact: true }).waitFor();
  await shoot(login, 'login', size);
  await anonymous.close();

  const context = await newContext(browser, stack.baseURL, SIZES[size]);
  const page = await context.newPage();
  await logIn(page, stack.token);
  await page.locator('.result-bar').first().waitFor();
  await shoot(page, 'results', size);
  for (const [path, name, ready] of [
    ['/fleet', 'fleet', '.fleet-table'],
    ['/insights', 'insights', '.heat-map'],
    ['/alerts', 'alerts', '.rule-list'],
  ] as const) {
    await page.goto(path);
    await page.locator(ready).first().waitFor();
    await shoot(page, name, size);
  }
  await page.goto('/manage');
  const form = page.getByRole('form', { name: 'Add a kiosk' });
  await form.getByLabel('Kiosk id').fill(`stage-${size}`);
  await form.getByLabel('Name (optional)').fill('Stage door');
  await form.getByLabel('Location (optional)').fill('Backstage');
  await form.getByRole('button', { name: 'Add kiosk' }).click();
  await page.locator('.secret-panel').waitFor();
  await page.locator('.secret-panel').scrollIntoViewIfNeeded();
  await page.evaluate(() => document.querySelector('#kiosks')?.scrollIntoView());
  await shoot(page, 'manage', size);
  await page.goto('/screen');
  await page.locator('.result-bar').first().waitFor();
  await shoot(page, 'screen', size);
  await context.close();
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const stack = await startStack(['--burst-window', '500', '--burst-max', '3']);
  let browser: Browser | undefined;
  try {
    await seed(stack);
    browser = await launchChromium();
    for (const size of Object.keys(SIZES) as (keyof typeof SIZES)[]) await pages(browser, stack, size);
  } finally {
    await browser?.close();
    await stack.stop();
  }
}

await main();
