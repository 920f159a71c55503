import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/**
 * Debian's Chromium (`apt-get install chromium`), driven by playwright-core: never a browser
 * that Playwright downloads. Each launch gets a fresh temporary profile (Playwright creates and
 * removes it), so no state leaks between runs.
 *
 * Without /usr/bin/chromium the browser tests are skipped, saying why in their title — unless
 * PIVOTE_BROWSER_TEST_REQUIRED=1 (CI), where a missing browser fails the run.
 */

export const CHROMIUM_PATH = '/usr/bin/chromium';

const ARGS = [
  '--no-sandbox', // root in CI and containers: the setuid sandbox is not available
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface BrowserAvailability {
  /** Run the browser tests (Chromium present, or required so that its absence fails). */
  run: boolean;
  /** Why they are skipped, for the describe title; empty when they run. */
  skipReason: string;
  required: boolean;
}

export function browserAvailability(env: NodeJS.ProcessEnv = process.env, path: string = CHROMIUM_PATH): BrowserAvailability {
  const required = env.PIVOTE_BROWSER_TEST_REQUIRED === '1';
  const present = existsSync(path);
  return {
    run: present || required,
    skipReason: present || required ? '' : ` — SKIPPED: ${path} not found (apt-get install chromium; PIVOTE_BROWSER_TEST_REQUIRED=1 makes this a failure)`,
    required,
  };
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing and the browser tests are required (PIVOTE_BROWSER_TEST_REQUIRED=1): install it with \`apt-get install -y chromium\``);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ARGS, timeout: 60_000 });
}

export const DESKTOP = { width: 1280, height: 860 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export async function newContext(browser: Browser, baseURL: string, viewport: { width: number; height: number } = DESKTOP): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL,
    viewport,
    deviceScaleFactor: 1,
    acceptDownloads: true,
    isMobile: viewport.width < 600,
    hasTouch: viewport.width < 600,
    timezoneId: 'Europe/Paris',
    locale: 'en-GB',
  });
  context.setDefaultTimeout(15_000);
  return context;
}
