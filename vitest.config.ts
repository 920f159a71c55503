import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Builds dist/ once when it is missing or older than src/: the end-to-end tests run the real bin.
    globalSetup: ['test/e2e/global-setup.ts'],
  },
});
