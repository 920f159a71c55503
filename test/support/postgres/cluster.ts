import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A throwaway PostgreSQL cluster for tests: `initdb` into a temp folder, `pg_ctl start` with the
 * server listening ONLY on a unix socket inside that folder (no TCP port, nothing shared), and
 * `stop()` removes everything. Debian's `postgresql` package puts the binaries in
 * /usr/lib/postgresql/<major>/bin, outside PATH; PIVOTE_PG_BINDIR overrides the search.
 *
 * initdb and pg_ctl refuse to run as root, so as root they run as the `postgres` user
 * (`runuser`), which is why the temp folder is chowned to that user.
 */

export interface PgTarget {
  /** The folder holding the server's unix socket (the connection's `host`). */
  socketDir: string;
  port: number;
  user: string;
}

/** A connection URL to `database` of the cluster, over its unix socket. */
export function pgUrl(target: PgTarget, database: string): string {
  return `postgres://${encodeURIComponent(target.user)}@/${encodeURIComponent(database)}?host=${encodeURIComponent(target.socketDir)}&port=${target.port}`;
}

export type PgAvailability = { ok: true; bindir: string; runAs: string | undefined } | { ok: false; reason: string };

function hasServerBinaries(dir: string): boolean {
  return ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(join(dir, b)));
}

function majorOf(dir: string): number {
  const m = /postgresql\/(\d+)\/bin/.exec(dir);
  return m ? Number(m[1]) : 0;
}

/** Where initdb/pg_ctl/postgres are: $PIVOTE_PG_BINDIR, `pg_config --bindir`, the newest
 *  /usr/lib/postgresql/<major>/bin, or PATH. */
export function findPgBindir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates: string[] = [];
  if (env.PIVOTE_PG_BINDIR) return hasServerBinaries(env.PIVOTE_PG_BINDIR) ? env.PIVOTE_PG_BINDIR : undefined;
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (fromConfig.status === 0) candidates.push(fromConfig.stdout.trim());
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').map((v) => join('/usr/lib/postgresql', v, 'bin'));
    candidates.push(...versions.sort((a, b) => majorOf(b) - majorOf(a)));
  }
  for (const p of (env.PATH ?? '').split(':')) if (p) candidates.push(p);
  return candidates.find(hasServerBinaries);
}

/** Whether this machine can run a throwaway cluster, and if not, why (for the skip title). */
export function pgAvailability(env: NodeJS.ProcessEnv = process.env): PgAvailability {
  const bindir = findPgBindir(env);
  if (!bindir) return { ok: false, reason: 'PostgreSQL server binaries not found (apt-get install postgresql, or set PIVOTE_PG_BINDIR)' };
  if (process.getuid?.() !== 0) return { ok: true, bindir, runAs: undefined };
  if (spawnSync('id', ['-u', 'postgres']).status !== 0) {
    return { ok: false, reason: 'running as root and there is no `postgres` user to run initdb as' };
  }
  if (spawnSync('runuser', ['--help']).error) return { ok: false, reason: 'running as root without `runuser` to run initdb as `postgres`' };
  return { ok: true, bindir, runAs: 'postgres' };
}

function run(avail: Extract<PgAvailability, { ok: true }>, tool: string, args: string[], timeoutMs = 60_000): SpawnSyncReturns<string> {
  const cmd = join(avail.bindir, tool);
  const [file, argv] = avail.runAs ? ['runuser', ['-u', avail.runAs, '--', cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { encoding: 'utf8', timeout: timeoutMs });
  if (r.error || r.status !== 0) {
    const detail = r.error ? r.error.message : `${r.stderr}${r.stdout}`.trim();
    throw new Error(`${tool} ${args.join(' ')} failed: ${detail}`);
  }
  return r;
}

function runAsync(avail: Extract<PgAvailability, { ok: true }>, tool: string, args: string[]): Promise<void> {
  const cmd = join(avail.bindir, tool);
  const [file, argv] = avail.runAs ? ['runuser', ['-u', avail.runAs, '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    // pg_ctl start leaves the server running with our stdio if it is piped: give it none.
    const child = spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${tool} ${args.join(' ')} failed (${code}): ${stderr.trim()}`))));
  });
}

export interface StartOptions {
  /** Extra postgresql.conf lines. */
  settings?: Record<string, string | number>;
  /** Folder for the cluster's temp folder (default: the OS temp folder). */
  parent?: string;
}

export class PgCluster {
  private watchdogPid: number | undefined;
  private stopped = false;

  private constructor(
    private readonly avail: Extract<PgAvailability, { ok: true }>,
    readonly dir: string,
    readonly target: PgTarget,
  ) {}

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  url(database: string): string {
    return pgUrl(this.target, database);
  }

  /** initdb + start; throws with the tool's output when a step fails. */
  static async start(avail: Extract<PgAvailability, { ok: true }>, opts: StartOptions = {}): Promise<PgCluster> {
    const dir = mkdtempSync(join(opts.parent ?? tmpdir(), 'pivote-pg-'));
    const target: PgTarget = { socketDir: dir, port: 5432, user: 'postgres' };
    const cluster = new PgCluster(avail, dir, target);
    try {
      if (avail.runAs) {
        const { uid, gid } = userIds(avail.runAs);
        chownSync(dir, uid, gid);
        if (spawnSync('runuser', ['-u', avail.runAs, '--', 'test', '-w', dir]).status !== 0) {
          throw new Error(`${dir} is not reachable by the ${avail.runAs} user (a parent folder is private); set TMPDIR to a world-traversable folder such as /tmp`);
        }
      }
      // --no-sync: initdb's own final fsync only; the running server still fsyncs its commits.
      run(avail, 'initdb', ['-D', cluster.dataDir, '-U', target.user, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
      const settings: Record<string, string | number> = {
        listen_addresses: "''",
        unix_socket_directories: `'${dir}'`,
        port: target.port,
        max_connections: 200,
        ...opts.settings,
      };
      appendFileSync(join(cluster.dataDir, 'postgresql.conf'), Object.entries(settings).map(([k, v]) => `${k} = ${v}\n`).join(''));
      cluster.startWatchdog();
      cluster.startServer();
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  /** pg_ctl start, waiting until it accepts connections. Also used to restart after stopServer. */
  startServer(): void {
    run(this.avail, 'pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-w', '-t', '60', 'start']);
  }

  /** Stops the server but keeps the data (a restart test starts it again). `fast` disconnects
   *  clients with 57P01 admin_shutdown, as a restarting managed database does. */
  stopServer(mode: 'fast' | 'immediate' = 'fast'): void {
    run(this.avail, 'pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', 'stop']);
  }

  /** stopServer without blocking this process's event loop (proxies in it keep forwarding). */
  stopServerAsync(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    return runAsync(this.avail, 'pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', 'stop']);
  }

  /** startServer without blocking this process's event loop. */
  startServerAsync(): Promise<void> {
    return runAsync(this.avail, 'pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-w', '-t', '60', 'start']);
  }

  serverLog(): string {
    try {
      return readFileSync(join(this.dir, 'server.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** A superuser connection to the maintenance database; the caller ends it. */
  async admin(database = 'postgres'): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url(database) });
    await client.connect();
    return client;
  }

  /** Stops the server at once and removes the folder. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (existsSync(join(this.dataDir, 'postmaster.pid'))) {
      try {
        this.stopServer('immediate');
      } catch {
        // Already down; removing the folder is all that is left.
      }
    }
    if (this.watchdogPid !== undefined) {
      try {
        process.kill(this.watchdogPid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * A detached shell that outlives us: when this process dies without stop() (SIGKILL, a crashed
   * test runner), it stops the server and removes the folder, so no cluster is left behind.
   */
  private startWatchdog(): void {
    const pgCtl = join(this.avail.bindir, 'pg_ctl');
    const stopCmd = this.avail.runAs ? `runuser -u "$4" -- "$2" -D "$3" -m immediate stop` : `"$2" -D "$3" -m immediate stop`;
    const script = `while kill -0 "$1" 2>/dev/null; do sleep 1; done; ${stopCmd} >/dev/null 2>&1; rm -rf "$5"`;
    const child = spawn('sh', ['-c', script, 'pivote-pg-watchdog', String(process.pid), pgCtl, this.dataDir, this.avail.runAs ?? '', this.dir], {
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
    this.watchdogPid = child.pid;
  }
}

function userIds(name: string): { uid: number; gid: number } {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
