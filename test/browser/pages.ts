import type { Locator, Page } from 'playwright-core';

/** What the browser tests (and the screenshot script) do on the dashboard's pages, as a person
 *  would: by labels and buttons. No vitest here, so scripts can use it too. */

export async function logIn(page: Page, token: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Admin token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname === '/results');
  await page.locator('.stream-status', { hasText: 'Live' }).waitFor(); // the event stream's snapshot arrived
}

/** Goes to a page through the navigation (no reload: the live stream stays open). */
export async function navigateTo(page: Page, label: 'Results' | 'Fleet' | 'Insights' | 'Alerts' | 'Manage'): Promise<void> {
  await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: label, exact: false }).first().click();
  await page.waitForURL((url) => url.pathname === `/${label.toLowerCase()}`);
}

export function bar(page: Page, button: number): Locator {
  return page.locator(`.result-bar[data-button="${button}"]`);
}

/** The counts the bars show, in button order. */
export async function barCounts(page: Page): Promise<number[]> {
  return page.locator('.result-bar .result-count').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))));
}

export async function barPercents(page: Page): Promise<number[]> {
  return page.locator('.result-bar .result-percent').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-percent'))));
}

/** The width of each bar's fill as a share of its track, after the CSS transition. */
export async function barWidths(page: Page): Promise<number[]> {
  return page.locator('.result-bar').evaluateAll((els) =>
    els.map((e) => {
      const fill = e.querySelector('.result-fill')!.getBoundingClientRect().width;
      const track = e.querySelector('.result-track')!.getBoundingClientRect().width;
      return Math.round((fill / track) * 1000) / 10;
    }),
  );
}

export async function stat(page: Page, name: 'total' | 'flagged' | 'per-minute'): Promise<string> {
  return (await page.locator(`[data-stat="${name}"]`).first().textContent()) ?? '';
}

/** Clicks a two-step button and its "Yes, …" confirmation. */
export async function confirmClick(scope: Page | Locator, accessibleName: string): Promise<void> {
  await scope.getByRole('button', { name: accessibleName, exact: true }).click();
  await scope.getByRole('button', { name: /^Yes, / }).click();
}

/** The page is not wider than the viewport (a phone must not scroll sideways). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}
