import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteVoteStore } from '../../src/store/sqlite/sqlite-store.js';
import { NOW, TempDir, expectPvError, initDb, run } from './helpers.js';

describe('pivote fleet', () => {
  let tmp: TempDir;
  let db: string;
  beforeEach(async () => {
    tmp = new TempDir();
    db = tmp.file('pivote.db');
    await initDb(db);
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
      expect(r.stdout).toContain('shown only this once');
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

    it('refuses an id the protocol cannot carry with PV_USAGE (exit 2), before opening anything', async () => {
      const fresh = tmp.file('none.db');
      expectPvError(await run(['fleet', 'add', 'bad id!', '--db', fresh]), 'PV_USAGE');
      expectPvError(await run(['fleet', 'add', 'x'.repeat(65), '--db', fresh]), 'PV_USAGE');
      expect(existsSync(fresh)).toBe(false);
    });

    it('registers several kiosks at once, or from a CSV file, all or none', async () => {
      const r = await run(['fleet', 'add', 'a1', 'a2', 'a3', '--format', 'json', '--db', db]);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { id: string; secret: string }[];
      expect(out.map((k) => k.id)).toEqual(['a1', 'a2', 'a3']);
      expect(new Set(out.map((k) => k.secret)).size).toBe(3);
      const file = tmp.file('kiosks.csv');
      writeFileSync(file, 'id,name,location\nb1,Bar one,Terrace\n# spare\nb2,,Lobby\n');
      expect((await run(['fleet', 'add', '--from-file', file, '--db', db])).code).toBe(0);
      expect(await stored('b1')).toMatchObject({ name: 'Bar one', location: 'Terrace' });
      expect(await stored('b2')).toMatchObject({ name: 'b2', location: 'Lobby' });
      expectPvError(await run(['fleet', 'add', 'c1', 'a2', '--db', db]), 'PV_KIOSK_EXISTS');
      expect(await stored('c1')).toBeUndefined();
      expectPvError(await run(['fleet', 'add', 'c1', 'c2', '--name', 'X', '--db', db]), 'PV_USAGE');
    });

    it('several `fleet add` at once on one database all succeed', async () => {
      const ids = Array.from({ length: 6 }, (_, i) => `p${i}`);
      const results = await Promise.all(ids.map((id) => run(['fleet', 'add', id, '--db', db])));
      expect(results.map((r) => r.code)).toEqual(ids.map(() => 0));
      for (const id of ids) expect(await stored(id)).toBeDefined();
    });

    it('refuses a file that is not a pivote database', async () => {
      rmSync(db);
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
        onlineSince: null,
        offlineSince: null,
        lastSeenAt: new Date(NOW - 10_000).toISOString(),
        queued: 3,
        software: '0.1.0',
        buttons: null,
        votesToday: 0,
        revoked: false,
        revokedAt: null,
        createdAt: new Date(NOW).toISOString(),
        idConflict: null,
      });
      expect(list.find((k) => k.id === 'k-gone')).toMatchObject({ revoked: true, revokedAt: new Date(NOW - 60_000).toISOString() });
      expect(JSON.stringify(list)).not.toMatch(/secret/);
    });

    it('prints a table, one row per kiosk, without secrets', async () => {
      await seedFleet();
      const r = await run(['fleet', 'list', '--db', db]);
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^ID\s+NAME\s+LOCATION\s+STATUS\s+LAST SEEN\s+QUEUED\s+TODAY\s+VERSION\s+BUTTONS\s+WARNINGS$/);
      expect(lines).toHaveLength(6);
      const row = (id: string) => lines.find((l) => l.startsWith(`${id} `)) ?? '';
      expect(row('k-on')).toMatch(/\sonline\s.*\(10s ago\)\s+3\s+0\s+0\.1\.0\s+-\s+-$/);
      expect(row('k-stale')).toMatch(/\soffline for 46s\s/);
      expect(row('k-new')).toMatch(/\snever seen\s+never\s/);
      expect(row('k-gone')).toMatch(/\srevoked\s/);
      expect(r.stdout).not.toMatch(/secret/i);
    });

    it('says how to add a kiosk when there is none', async () => {
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
      const missing = tmp.file('missing.db');
      expectPvError(await run(['fleet', 'list', '--db', missing]), 'PV_NOT_A_PIVOTE_DB');
      expect(existsSync(missing)).toBe(false);
    });

    it('warns of two devices on one id, and of a kiosk with fewer buttons than the open poll has options', async () => {
      await run(['fleet', 'add', 'k1', 'k2', '--db', db]);
      await run(['poll', 'open', '--question', 'Q', '--option', 'A', '--option', 'B', '--option', 'C', '--db', db]);
      const store = openSqliteVoteStore(db);
      await store.updatePresence([
        { kioskId: 'k1', lastSeenAt: NOW, connected: true, buttons: 2, idConflict: { at: NOW, addresses: ['10.0.0.5', '10.0.0.9'] } },
        { kioskId: 'k2', lastSeenAt: NOW, connected: true, buttons: 4 },
      ]);
      await store.close();
      const lines = (await run(['fleet', 'list', '--db', db])).stdout.split('\n');
      const k1 = lines.find((l) => l.startsWith('k1 ')) ?? '';
      expect(k1).toContain('two devices use this id (10.0.0.5, 10.0.0.9)');
      expect(k1).toContain('2 buttons for a 3-option poll');
      expect(lines.find((l) => l.startsWith('k2 '))).toMatch(/\s-$/);
    });
  });

  describe('revoke', () => {
    it('revokes a kiosk once; revoking again keeps the first time', async () => {
      await run(['fleet', 'add', 'k1', '--db', db]);
      const r = await run(['fleet', 'revoke', 'k1', '--db', db]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toContain('Kiosk k1 is revoked (since 2026-11-22T15:00:00Z)');
      expect((await stored('k1'))?.revokedAt).toBe(NOW);
      const again = await run(['fleet', 'revoke', 'k1', '--db', db], () => NOW + 1000);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('since 2026-11-22T15:00:00Z');
      expect((await stored('k1'))?.revokedAt).toBe(NOW);
    });

    it('refuses an unknown kiosk with PV_UNKNOWN_KIOSK', async () => {
      expectPvError(await run(['fleet', 'revoke', 'ghost', '--db', db]), 'PV_UNKNOWN_KIOSK');
    });
  });

  describe('lifecycle', () => {
    it('rotates a lost secret, renames, reactivates a revoked kiosk and removes one, each in the audit log', async () => {
      await run(['fleet', 'add', 'k1', '--db', db]);
      const first = (await stored('k1'))?.secret;
      const rotated = await run(['fleet', 'rotate-secret', 'k1', '--format', 'json', '--db', db]);
      const secret = (JSON.parse(rotated.stdout) as { secret: string }).secret;
      expect(secret).not.toBe(first);
      expect(await stored('k1')).toMatchObject({ secret, secretVersion: 2 });
      expect((await run(['fleet', 'set', 'k1', '--name', 'Bar', '--location', 'Terrace', '--db', db])).stdout).toBe('Kiosk k1: Bar, Terrace.\n');
      expectPvError(await run(['fleet', 'reactivate', 'k1', '--db', db]), 'PV_KIOSK_NOT_REVOKED');
      expectPvError(await run(['fleet', 'remove', 'k1', '--db', db]), 'PV_KIOSK_NOT_REVOKED');
      await run(['fleet', 'revoke', 'k1', '--db', db]);
      expectPvError(await run(['fleet', 'rotate-secret', 'k1', '--db', db]), 'PV_KIOSK_REVOKED');
      const back = await run(['fleet', 'reactivate', 'k1', '--db', db]);
      expect(back.stdout).toContain('Reactivated kiosk k1 (Bar).');
      expect(await stored('k1')).toMatchObject({ revokedAt: null, secretVersion: 3 });
      await run(['fleet', 'revoke', 'k1', '--db', db]);
      expect((await run(['fleet', 'remove', 'k1', '--db', db])).stdout).toContain('Removed kiosk k1');
      expect(await stored('k1')).toBeUndefined();
      expect((await run(['fleet', 'add', 'k1', '--db', db])).code).toBe(0);
      const store = openSqliteVoteStore(db, { readonly: true });
      const audit = (await store.listAudit({ limit: 20 })).map((e) => e.action).reverse();
      await store.close();
      expect(audit).toEqual(['kiosk.add', 'kiosk.rotate-secret', 'kiosk.update', 'kiosk.revoke', 'kiosk.reactivate', 'kiosk.revoke', 'kiosk.remove', 'kiosk.add']);
    });
  });
});
