import pg from 'pg';
import { afterAll, describe, inject, it } from 'vitest';
import { pgUrl, type PgTarget } from './cluster.js';

/**
 * What a PostgreSQL test file uses: `describePg(title, (db) => { ... })` runs its tests against
 * the run's throwaway cluster (global-setup.ts), each test in a place of its own:
 *  - `await db.create()`: a fresh, empty database (CREATE DATABASE, ~0.2 s with fsync on). Needed
 *    where tests must not see each other's NOTIFYs (notifications are per database).
 *  - `await db.createSchema()`: a fresh, empty schema in a database the file shares, reached
 *    through `search_path` in the URL (a few ms): the contract suite's many small tests.
 * `drop()` removes it; the cluster goes at the end of the run anyway.
 *
 * Without PostgreSQL the block is skipped with the reason in its title; with
 * PIVOTE_PG_TEST_REQUIRED=1 (CI) it fails instead.
 */

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export interface PgTestContext {
  target(): PgTarget;
  /** A fresh, empty database owned by `owner` (default: the superuser). */
  create(opts?: { owner?: string }): Promise<TestDatabase>;
  /** A fresh, empty schema, the first on the URL's search_path. */
  createSchema(): Promise<TestDatabase>;
  /** A superuser connection to the maintenance database, shared by the file; do not end it. */
  admin(): Promise<pg.Client>;
}

let counter = 0;
const uniqueName = (): string => `pv_${process.pid}_${++counter}_${Date.now().toString(36)}`;

export function pgStatus(): { target: PgTarget } | { problem: string; fatal: boolean } {
  const provided = inject('postgres');
  if ('target' in provided) return provided;
  if ('startError' in provided) return { problem: `the throwaway PostgreSQL did not start: ${provided.startError}`, fatal: true };
  return { problem: provided.skipReason, fatal: process.env.PIVOTE_PG_TEST_REQUIRED === '1' };
}

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {}); // a test that stops the server must not crash the file
  await c.connect();
  return c;
}

export function describePg(title: string, body: (db: PgTestContext) => void): void {
  const status = pgStatus();
  if (!('target' in status)) {
    if (status.fatal) {
      describe(title, () => {
        it('needs PostgreSQL', () => {
          throw new Error(`${status.problem}${process.env.PIVOTE_PG_TEST_REQUIRED === '1' ? ' (PIVOTE_PG_TEST_REQUIRED=1)' : ''}`);
        });
      });
    } else {
      describe.skip(`${title} — SKIPPED: ${status.problem}`, () => body(unavailable));
    }
    return;
  }
  const target = status.target;
  let adminClient: Promise<pg.Client> | undefined;
  let shared: Promise<{ db: TestDatabase; client: pg.Client }> | undefined;
  const admin = (): Promise<pg.Client> => (adminClient ??= connect(pgUrl(target, 'postgres')));

  const create = async (opts: { owner?: string } = {}): Promise<TestDatabase> => {
    const name = uniqueName();
    const c = await admin();
    const owner = opts.owner ? ` OWNER ${c.escapeIdentifier(opts.owner)}` : '';
    await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}${owner}`);
    return {
      name,
      url: pgUrl(target, name),
      // FORCE: a store a failing test left open must not keep the database alive.
      drop: async () => {
        await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
      },
    };
  };

  describe(title, () => {
    afterAll(async () => {
      if (shared) {
        const { db, client } = await shared;
        await client.end();
        await db.drop();
      }
      if (adminClient) await (await adminClient).end();
    });
    body({
      target: () => target,
      admin,
      create,
      async createSchema() {
        shared ??= create().then(async (db) => ({ db, client: await connect(db.url) }));
        const { db, client } = await shared;
        const name = uniqueName();
        await client.query(`CREATE SCHEMA ${client.escapeIdentifier(name)}`);
        return {
          name,
          url: `${db.url}&options=${encodeURIComponent(`-c search_path=${name}`)}`,
          drop: async () => {
            await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(name)} CASCADE`);
          },
        };
      },
    });
  });
}

const unavailable: PgTestContext = {
  target: () => {
    throw new Error('PostgreSQL is not available');
  },
  create: () => Promise.reject(new Error('PostgreSQL is not available')),
  createSchema: () => Promise.reject(new Error('PostgreSQL is not available')),
  admin: () => Promise.reject(new Error('PostgreSQL is not available')),
};
