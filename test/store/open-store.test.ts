import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isPostgresUrl, openStore } from '../../src/store/open-store.js';
import { PostgresVoteStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteVoteStore } from '../../src/store/sqlite/sqlite-store.js';
import { WorkerVoteStore } from '../../src/store/sqlite/worker-store.js';
import type { VoteStore } from '../../src/store/types.js';
import { describePg } from '../support/postgres/test-db.js';
import { expectCode, newKiosk } from './contract-helpers.js';

const opened: VoteStore[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const keep = <T extends VoteStore>(s: T): T => {
  opened.push(s);
  return s;
};

describe('openStore: which engine a --db value selects', () => {
  it.each([
    ['postgres://pivote@db.example:5432/votes', true],
    ['postgresql://pivote@db.example/votes', true],
    ['POSTGRES://db/votes', true],
    ['votes.db', false],
    ['/var/lib/pivote/pivote.db', false],
    ['./postgres/votes.db', false],
    ['postgres.db', false],
  ])('%s -> PostgreSQL: %s', (target, pg) => {
    expect(isPostgresUrl(target)).toBe(pg);
  });

  it('a path opens SQLite: on its own thread for the server, in-thread for a command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pivote-open-store-'));
    dirs.push(dir);
    const server = keep(await openStore(join(dir, 'a.db'), { use: 'server' }));
    expect(server).toBeInstanceOf(WorkerVoteStore);
    const cli = keep(await openStore(join(dir, 'b.db'), { use: 'cli' }));
    expect(cli).toBeInstanceOf(SqliteVoteStore);
    await expectCode(openStore(join(dir, 'missing.db'), { use: 'cli', readonly: true }), 'PV_NOT_A_PIVOTE_DB');
  });
});

describePg('openStore: PostgreSQL URLs', (pgc) => {
  it('opens the PostgreSQL engine for a URL, read-only when asked', async () => {
    const db = await pgc.create();
    try {
      await expectCode(openStore(db.url, { use: 'cli', readonly: true }), 'PV_NOT_A_PIVOTE_DB');
      const writer = keep(await openStore(db.url, { use: 'server' }));
      expect(writer).toBeInstanceOf(PostgresVoteStore);
      expect(writer.kind).toBe('postgres');
      await writer.addKiosk(newKiosk('k1'));
      const reader = keep(await openStore(db.url.replace(/^postgres:/, 'postgresql:'), { use: 'cli', readonly: true }));
      expect((await reader.listKiosks()).map((k) => k.id)).toEqual(['k1']);
      await expect(reader.addKiosk(newKiosk('k2'))).rejects.toThrow(/read-only/);
    } finally {
      for (const s of opened.splice(0)) await s.close();
      await db.drop();
    }
  });
});
