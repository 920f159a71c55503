import { ensureBuilt } from './build.js';

/** Register in vitest.config.ts (`test.globalSetup`): builds dist/ once before the e2e tests. */
export default async function setup(): Promise<void> {
  await ensureBuilt();
}
