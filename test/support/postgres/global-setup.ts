import type { TestProject } from 'vitest/node';
import { PgCluster, pgAvailability, type PgTarget } from './cluster.js';

/**
 * vitest globalSetup: ONE throwaway PostgreSQL cluster for the whole run (starting one costs
 * about a second; a database per test costs a few ms, see test-db.ts). Tests learn where it is
 * through `inject('postgres')`. The teardown stops it and removes its folder, also when tests
 * failed; if the runner itself is killed, the cluster's watchdog does it (cluster.ts).
 */

/** Where the cluster is; or why there is none: `skipReason` (PostgreSQL not installed: the PG
 *  tests skip, or fail under PIVOTE_PG_TEST_REQUIRED=1) or `startError` (installed but would not
 *  start: the PG tests fail, the others still run). */
export type PgProvided = { target: PgTarget } | { skipReason: string } | { startError: string };

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PgProvided;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const avail = pgAvailability();
  if (!avail.ok) {
    project.provide('postgres', { skipReason: avail.reason });
    return async () => {};
  }
  let cluster: PgCluster;
  try {
    cluster = await PgCluster.start(avail);
  } catch (err) {
    project.provide('postgres', { startError: (err as Error).message });
    return async () => {};
  }
  project.provide('postgres', { target: cluster.target });
  return () => cluster.stop();
}
