import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { PgCluster, pgAvailability } from '../../test/support/postgres/cluster.js';
import { isTmpfs } from '../machine.js';
import { processTreeCpuMs } from '../proc/cpu.js';
import { CLI_PATH } from './node-targets.js';
import type { Fleet } from './provision.js';

/**
 * The cluster scenario's database: a throwaway PostgreSQL started by the same harness as the
 * PostgreSQL tests (initdb into a temp folder, unix socket only, removed at the end; its watchdog
 * removes it if the bench is killed). The fleet (kiosks and the open poll) is copied into one
 * template database by `pivote db migrate`, as an operator moves a deployment; every run gets a
 * fresh database made from it (CREATE DATABASE … TEMPLATE, a file copy), so each run starts from
 * the same empty vote table, as the SQLite runs start from a copy of the same file.
 */

const TEMPLATE_DB = 'pivote_fleet';

export interface BenchPostgres {
  /** "PostgreSQL 15.10 (Debian …)" */
  version: string;
  bindir: string;
  /** CPU ms so far of the postmaster and every process it forked (backends, WAL writer, checkpointer…). */
  cpuMs(): number;
  /** A fresh database with the fleet in it; `drop` removes it. */
  createRunDatabase(label: string): Promise<{ name: string; url: string; drop(): Promise<void> }>;
  /** Options for libpq tools (pgbench): host (the socket folder), port, user. */
  libpqArgs(): string[];
  stop(): Promise<void>;
}

export type PostgresAvailability = { ok: true; start: () => Promise<BenchPostgres> } | { ok: false; reason: string };

export function benchPostgres(fleet: Fleet, pivoteCli: string | undefined, repoDir: string): PostgresAvailability {
  const avail = pgAvailability();
  if (!avail.ok) return { ok: false, reason: avail.reason };
  return { ok: true, start: () => start(avail, fleet, pivoteCli ?? CLI_PATH, repoDir) };
}

async function start(avail: Extract<ReturnType<typeof pgAvailability>, { ok: true }>, fleet: Fleet, cli: string, repoDir: string): Promise<BenchPostgres> {
  // On tmpfs fsync is free: the database goes on a disk, as the SQLite files do (main.ts).
  const parent = isTmpfs(os.tmpdir()) ? join(repoDir, 'dist', 'bench') : os.tmpdir();
  // Durability as shipped: every commit waits for its WAL flush (the settings are the defaults,
  // written out so the figures say what they measured).
  const cluster = await PgCluster.start(avail, { parent, settings: { fsync: 'on', synchronous_commit: 'on', max_connections: 300 } });
  try {
    const admin = await cluster.admin();
    try {
      await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
      const version = ((await admin.query<{ version: string }>('SELECT version()')).rows[0]?.version ?? '?').split(' on ')[0]!;
      await migrateFleet(cli, fleet.templateDb, cluster.url(TEMPLATE_DB));
      const postmasterPid = Number(readFileSync(join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
      let n = 0;
      return {
        version,
        bindir: avail.bindir,
        cpuMs: () => processTreeCpuMs(postmasterPid),
        async createRunDatabase(label) {
          const name = `run_${++n}_${label.replace(/[^a-z0-9]/gi, '_')}`.toLowerCase();
          await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)} TEMPLATE ${TEMPLATE_DB}`);
          return {
            name,
            url: cluster.url(name),
            // FORCE: a server that did not close its pool must not keep the run's votes on disk.
            drop: async () => void (await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`)),
          };
        },
        libpqArgs: () => ['-h', cluster.target.socketDir, '-p', String(cluster.target.port), '-U', cluster.target.user],
        async stop() {
          await admin.end().catch(() => undefined);
          await cluster.stop();
        },
      };
    } catch (err) {
      await admin.end().catch(() => undefined);
      throw err;
    }
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

/** `pivote db migrate --from <fleet.db> --to <url>`: the kiosks (with their secrets) and the open poll. */
function migrateFleet(cli: string, from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'db', 'migrate', '--from', from, '--to', to, '--format', 'json'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pivote db migrate into PostgreSQL failed (${code}): ${stderr.trim().slice(-500)}`))));
  });
}

/** The pgbench of the same PostgreSQL (Debian ships it beside the server), or the reason there is none. */
export function findPgbench(bindir: string): { path: string; version: string } | { missing: string } {
  const path = join(bindir, 'pgbench');
  const out = spawnSync(path, ['--version'], { encoding: 'utf8' });
  if (out.error || out.status !== 0) return { missing: `pgbench not found beside the server in ${bindir}` };
  return { path, version: out.stdout.trim() };
}
