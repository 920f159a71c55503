import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Deadlines catch hangs, not slowness: a loaded CI machine runs process-heavy tests many
    // times slower than a quiet one, and that must not fail them.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Builds dist/ once when it is missing or older than src/: the end-to-end tests run the real bin.
    // One throwaway PostgreSQL cluster per run for the PostgreSQL store tests (skipped, with the
    // reason in their titles, where PostgreSQL is not installed).
    globalSetup: ['test/e2e/global-setup.ts', 'test/support/postgres/global-setup.ts'],
  },
});
