import { defineConfig } from 'vitest/config';

/**
 * Suites that need a real kernel with gpio-sim: run only inside the test VM
 * (npm run test:kernel), never by the root `npm test` (the file suffix is not *.test.ts).
 * Files run one after another because each one creates and removes gpio-sim chips, and the
 * chip numbers and sysfs bases under test depend on what else exists.
 */
export default defineConfig({
  cacheDir: `${process.env['TMPDIR'] ?? '/tmp'}/pivote-vitest-cache`,
  test: {
    include: ['test/kernel/suites/**/*.vm-test.ts'],
    root: new URL('../..', import.meta.url).pathname,
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['verbose'],
  },
});
