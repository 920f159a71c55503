import { existsSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteVoteStore } from '../../src/store/sqlite/sqlite-store.js';
import { NOW, TempDir, expectPvError, run } from './helpers.js';

describe('pivote fleet', () => {
  let tmp: TempDir;
  let db: string;
  beforeEach(() => {
    tmp = new TempDir();
    db = tmp.file('pivote.db');
  });
  afterEach(() => tmp.remove());

  const stored = async (id: string) => {
    const store = openSqliteVoteStore(db, { readonly: true });
    try {
      return await store.getKiosk(id);
    } finally {
      await store.close();
    }
  };

  describe('add', () => {
    it('registers the kiosk and prints its secret once, with the config lines', async () => {
      const r = await run(['fleet', 'add', 'hall-1', '--name', 'Hall entrance', '--location', 'Main hall', '--db', db]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      const kiosk = await stored('hall-1');
      expect(kiosk).toMatchObject({ id: 'hall-1', name: 'Hall entrance', location: 'Main hall', createdAt: NOW, revokedAt: null });
      expect(kiosk?.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(r.stdout.split(kiosk?.secret ?? '<none>').length - 1).toBe(2); // "Secret:" line and config line
      expect(r.stdout).toContain(`"kioskId": "hall-1"`);
      expect(r.stdout).toContain(`"secret": "${kiosk?.secret}"`);
    });

    it('defaults the name to the id; --format json prints the secret for scripts', async () => {
      const r = await run(['fleet', 'add', 'k1', '--format', 'json', '--db', db]);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { id: string; name: string; location: string; secret: string };
      const kiosk = await stored('k1');
      expect(out).toEqual({ id: 'k1', name: 'k1', location: '', secret: kiosk?.secret });
    });

    it('refuses an existing id with PV_KIOSK_EXISTS and keeps the first secret', async () => {
      await run(['fleet', 'add', 'k1', '--db', db]);
      const before = (await stored('k1'))?.secret;
      expectPvError(await run(['fleet', 'add', 'k1', '--db', db]), 'PV_KIOSK_EXISTS');
      expect((await stored('k1'))?.secret).toBe(before);
    });

    it('refuses an id the protocol cannot carry with PV_USAGE (exit 2)', async () => {
      expectPvError(await run(['fleet', 'add', 'bad id!', '--db', db]), 'PV_USAGE');
      expectPvError(await run(['fleet', 'add', 'x'.repeat(65), '--db', db]), 'PV_USAGE');
      expect(existsSync(db)).toBe(false);
    });

    it('refuses a file that is not a pivote database', async () => {
      writeFileSync(db, 'not a database at all\n'.repeat(100));
      expectPvError(await run(['fleet', 'add', 'k1', '--db', db]), 'PV_NOT_A_PIVOTE_DB');
    });
  });

  describe('list', () => {
    /** k-on: connected, heard 10 s ago; k-stale: connected flag left by a crashed server, 46 s
     *  ago; k-off: disconnected; k-new: never seen; k-gone: revoked. */
    async function seedFleet(): Promise<void> {
      for (const id of ['k-on', 'k-stale', 'k-off', 'k-new', 'k-gone']) expect((await run(['fleet', 'add', id, '--db', db])).code).toBe(0);
      const store = openSqliteVoteStore(db);
      await store.updatePresence([
        { kioskId: 'k-on', lastSeenAt: NOW - 10_000, software: '0.1.0', queued: 3, connected: true },
        { kioskId: 'k-stale', lastSeenAt: NOW - 46_000, software: '0.1.0', queued: 0, connected: true },
        { kioskId: 'k-off', lastSeenAt: NOW - 5_000, software: '0.0.9', queued: 7, connected: false },
      ]);
      await store.revokeKiosk('k-gone', NOW - 60_000);
      await store.close();
    }

    it('prints JSON with online (45 s stale window), last seen, queued, version and revoked', async () => {
      await seedFleet();
      const r = await run(['fleet', 'list', '--format', 'json', '--db', db]);
      expect(r.code).toBe(0);
      const list = JSON.parse(r.stdout) as Record<string, unknown>[];
      expect(list.map((k) => [k.id, k.online])).toEqual([
        ['k-gone', false],
        ['k-new', false],
        ['k-off', false],
        ['k-on', true],
        ['k-stale', false],
      ]);
      expect(list.find((k) => k.id === 'k-on')).toEqual({
        id: 'k-on',
        name: 'k-on',
        location: '',
        online: true,
        lastSeenAt: new Date(NOW - 10_000).toISOString(),
        queued: 3,
        software: '0.1.0',
        revoked: false,
        revokedAt: null,
        createdAt: new Date(NOW).toISOString(),
      });
      expect(list.find((k) => k.id === 'k-gone')).toMatchObject({ revoked: true, revokedAt: new Date(NOW - 60_000).toISOString() });
      expect(JSON.stringify(list)).not.toMatch(/secret/);
    });

    it('prints a table, one row per kiosk, without secrets', async () => {
      await seedFleet();
      const r = await run(['fleet', 'list', '--db', db]);
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^ID\s+NAME\s+LOCATION\s+STATUS\s+LAST SEEN\s+QUEUED\s+VERSION\s+REVOKED$/);
      expect(lines).toHaveLength(6);
      const row = (id: string) => lines.find((l) => l.startsWith(`${id} `)) ?? '';
      expect(row('k-on')).toMatch(/\sonline\s.*\(10s ago\)\s+3\s+0\.1\.0\s+no$/);
      expect(row('k-stale')).toMatch(/\soffline\s/);
      expect(row('k-new')).toMatch(/\soffline\s+never\s/);
      expect(row('k-gone')).toMatch(/yes, 2026-11-22T14:59:00Z$/);
      expect(r.stdout).not.toMatch(/secret/i);
    });

    it('says how to add a kiosk when there is none', async () => {
      await openSqliteVoteStore(db).close(); // an empty pivote database
      const r = await run(['fleet', 'list', '--db', db]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('pivote fleet add');
      expect(JSON.parse((await run(['fleet', 'list', '--format', 'json', '--db', db])).stdout)).toEqual([]);
    });

    it('refuses a bad --format with PV_USAGE (exit 2)', async () => {
      await run(['fleet', 'add', 'k1', '--db', db]);
      expectPvError(await run(['fleet', 'list', '--format', 'xml', '--db', db]), 'PV_USAGE');
    });

    it('reports a missing database instead of creating one', async () => {
      expectPvError(await run(['fleet', 'list', '--db', db]), 'PV_NOT_A_PIVOTE_DB');
      expect(existsSync(db)).toBe(false);
    });
  });

  describe('revoke', () => {
    it('revokes a kiosk once; revoking again keeps the first time', async () => {
      await run(['fleet', 'add', 'k1', '--db', db]);
      const r = await run(['fleet', 'revoke', 'k1', '--db', db]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toContain('Revoked kiosk k1');
      expect((await stored('k1'))?.revokedAt).toBe(NOW);
      const again = await run(['fleet', 'revoke', 'k1', '--db', db], () => NOW + 1000);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('already revoked');
      expect((await stored('k1'))?.revokedAt).toBe(NOW);
    });

    it('refuses an unknown kiosk with PV_UNKNOWN_KIOSK', async () => {
      expectPvError(await run(['fleet', 'revoke', 'ghost', '--db', db]), 'PV_UNKNOWN_KIOSK');
    });
  });
});
