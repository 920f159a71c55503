import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Builds dist/ once when it is missing or older than src/: the end-to-end tests run the real bin.
    // One throwaway PostgreSQL cluster per run for the PostgreSQL store tests (skipped, with the
    // reason in their titles, where PostgreSQL is not installed).
    globalSetup: ['test/e2e/global-setup.ts', 'test/support/postgres/global-setup.ts'],
  },
});
