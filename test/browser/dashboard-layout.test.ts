import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailability, launchChromium, newContext, PHONE } from './chromium.js';
import { horizontalOverflow, logIn } from './pages.js';
import { startStack, vote, type Stack } from './stack.js';

/**
 * The dashboard on a phone (390 px wide, as an organiser walking the venue holds it) and by
 * keyboard alone, against a real server with a poll, a kiosk and votes.
 */

const availability = browserAvailability();
const PAGES = ['/results', '/fleet', '/insights', '/alerts', '/manage'] as const;
const WAIT = { timeout: 15_000, interval: 100 };

describe.skipIf(!availability.run)(`dashboard in Chromium: phone width and keyboard${availability.skipReason}`, () => {
  let browser: Browser;
  let stack: Stack;
  let phone: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    stack = await startStack();
    const kiosk = await stack.startKiosk('porch', { name: 'Porch', location: 'Front door' });
    const opened = await stack.api<{ id: number }>('POST', '/api/polls', { question: 'Would you come back next year?', options: ['Yes, surely', 'Maybe', 'No'] });
    expect(opened.status, JSON.stringify(opened.body)).toBeLessThan(300);
    await kiosk.statsUntil((s) => s.pollId === opened.body.id, 'the kiosk to have the poll');
    await vote(kiosk, 1);
    await vote(kiosk, 2);
    phone = await newContext(browser, stack.baseURL, PHONE);
    page = await phone.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('the login page explains where the token is and fits a phone', async () => {
    await page.goto('/login');
    await expect.poll(() => page.locator('#token-help').textContent(), WAIT).toContain('.admin-token');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  });

  it('every page fits 390 px without sideways scrolling, with its landmarks', async () => {
    await logIn(page, stack.token);
    for (const path of PAGES) {
      await page.goto(path);
      await page.locator('main h1').first().waitFor();
      expect(await horizontalOverflow(page), `${path} scrolls sideways`).toBeLessThanOrEqual(0);
      expect(await page.getByRole('banner').count(), `${path} has a header`).toBe(1);
      expect(await page.getByRole('main').count(), `${path} has a main`).toBe(1);
      expect(await page.getByRole('navigation', { name: 'Dashboard' }).count(), `${path} has the navigation`).toBe(1);
    }
    await page.goto('/results');
    await expect.poll(() => page.locator('.result-bar').count(), WAIT).toBe(3);
  });

  it('works by keyboard: a skip link first, focus always visible, forms reachable by label', async () => {
    await page.goto('/results');
    await page.locator('.result-bar').first().waitFor();
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => ({ text: document.activeElement?.textContent, outline: getComputedStyle(document.activeElement!).outlineStyle }));
    expect(first.text).toBe('Skip to content');
    await page.keyboard.press('Tab');
    const second = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      return { tag: el.tagName, outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    expect(second.tag).toBe('A');
    expect(second.outline).not.toBe('none');
    expect(second.width).toBeGreaterThanOrEqual(2);

    // every visible form control on the Manage page has a label (name) a screen reader reads
    await page.goto('/manage');
    await page.getByRole('form', { name: 'New poll' }).waitFor();
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea')]
        .filter((el) => (el as HTMLElement).offsetParent !== null)
        .filter((el) => {
          const input = el as HTMLInputElement;
          return !(input.labels && input.labels.length > 0) && !input.getAttribute('aria-label') && !input.getAttribute('aria-labelledby');
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(unlabelled).toEqual([]);
  });
});
