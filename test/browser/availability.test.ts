import { describe, expect, it } from 'vitest';
import { browserAvailability, CHROMIUM_PATH } from './chromium.js';

describe('when the browser tests run', () => {
  const missing = '/nonexistent/chromium';

  it('skip without Chromium, saying why in the title', () => {
    const a = browserAvailability({}, missing);
    expect(a.run).toBe(false);
    expect(a.skipReason).toContain('SKIPPED');
    expect(a.skipReason).toContain(missing);
  });

  it('run (and so fail) without Chromium when PIVOTE_BROWSER_TEST_REQUIRED=1', () => {
    expect(browserAvailability({ PIVOTE_BROWSER_TEST_REQUIRED: '1' }, missing)).toEqual({ run: true, skipReason: '', required: true });
  });

  it("run with Debian's Chromium, never another browser", () => {
    expect(CHROMIUM_PATH).toBe('/usr/bin/chromium');
    expect(browserAvailability({}, process.execPath)).toMatchObject({ run: true, skipReason: '' });
  });
});
