import { join } from 'node:path';
import { openPostgresVoteStore } from '../../src/store/postgres/postgres-store.js';
import { openSqliteVoteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { VoteStore } from '../../src/store/types.js';
import type { PgCluster } from '../support/postgres/cluster.js';
import { TcpCutProxy } from '../support/tcp-cut-proxy.js';

/**
 * The database the campaign's servers share: one SQLite file for one server, or a PostgreSQL
 * database (of a throwaway cluster the campaign started) for several, each server reaching it
 * through a TcpCutProxy so that its connections can be cut and partitioned. The kiosks, polls
 * and the final read of what was stored go to the database directly, never through a proxy.
 */
export interface FaultDatabase {
  /** `--db` of `pivote poll …` commands. */
  readonly cliDb: string;
  /** Makes the database (and the proxies); before any server starts. */
  create(): Promise<void>;
  /** The arguments server `index` runs with (`--db` and what goes with it). */
  serverArgs(index: number): string[];
  open(readonly: boolean): Promise<VoteStore>;
  /** Stops the database and starts it again `downMs` later (PostgreSQL only). */
  restart(mode: 'fast' | 'immediate', downMs: number): Promise<void>;
  /** Cuts server `index`'s connections; refuses new ones for `forMs` (PostgreSQL only). */
  cut(index: number, forMs: number, reset: boolean): void;
  /** Ends partitions (the drain); the database is up once restart() resolved. */
  clearFaults(): void;
  dispose(): Promise<void>;
}

export class SqliteFaultDatabase implements FaultDatabase {
  readonly cliDb: string;
  constructor(dir: string) {
    this.cliDb = join(dir, 'pivote.db');
  }
  async create(): Promise<void> {}
  serverArgs(): string[] {
    return ['--db', this.cliDb];
  }
  async open(readonly: boolean): Promise<VoteStore> {
    return openSqliteVoteStore(this.cliDb, { readonly });
  }
  restart(): Promise<void> {
    throw new Error('one server on SQLite: there is no database server to restart');
  }
  cut(): void {
    throw new Error('one server on SQLite: there is no database connection to cut');
  }
  clearFaults(): void {}
  async dispose(): Promise<void> {}
}

let databases = 0;

export class PostgresFaultDatabase implements FaultDatabase {
  readonly cliDb: string;
  private readonly name = `faults_${process.pid}_${++databases}`;
  private readonly proxies: TcpCutProxy[] = [];
  private readonly ports: number[] = [];
  private dbDown: Promise<void> | undefined;

  constructor(private readonly pg: PgCluster, private readonly dir: string, private readonly servers: number) {
    this.cliDb = pg.url(this.name);
  }

  async create(): Promise<void> {
    const admin = await this.pg.admin();
    try {
      await admin.query(`CREATE DATABASE ${this.name}`);
    } finally {
      await admin.end();
    }
    const socket = join(this.pg.target.socketDir, `.s.PGSQL.${this.pg.target.port}`);
    for (let i = 0; i < this.servers; i++) {
      const proxy = new TcpCutProxy({ path: socket });
      this.ports.push(await proxy.listen());
      this.proxies.push(proxy);
    }
  }

  serverArgs(index: number): string[] {
    const url = `postgres://${this.pg.target.user}@127.0.0.1:${this.ports[index]}/${this.name}`;
    // No database file to keep the admin token beside: one file all servers share.
    return ['--db', url, '--admin-token-file', join(this.dir, 'admin-token')];
  }

  async open(readonly: boolean): Promise<VoteStore> {
    return openPostgresVoteStore(this.cliDb, { readonly, poolSize: 2 });
  }

  async restart(mode: 'fast' | 'immediate', downMs: number): Promise<void> {
    const run = (async () => {
      await this.pg.stopServerAsync(mode);
      await new Promise((r) => setTimeout(r, downMs));
      await this.pg.startServerAsync();
    })();
    this.dbDown = run.finally(() => (this.dbDown = undefined));
    await run;
  }

  cut(index: number, forMs: number, reset: boolean): void {
    const proxy = this.proxies[index]!;
    if (forMs > 0) proxy.block(forMs, reset);
    else proxy.cut(reset);
  }

  clearFaults(): void {
    for (const p of this.proxies) p.unblock();
  }

  async dispose(): Promise<void> {
    await this.dbDown?.catch(() => undefined);
    await Promise.all(this.proxies.map((p) => p.close()));
    try {
      const admin = await this.pg.admin();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    } catch {
      // The cluster is gone or down: it is removed at the end of the campaign anyway.
    }
  }
}
