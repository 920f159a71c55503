import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { machineBusyMs } from '../proc/cpu.js';
import type { BenchPostgres } from '../targets/postgres.js';

/**
 * The engine's own ceiling: PostgreSQL's pgbench inserting into a table shaped like the vote
 * table (its columns, unique (kiosk_id, vote_id) and its indexes, copied with LIKE … INCLUDING
 * ALL; no foreign keys), synchronous_commit on, for a fixed time, on the same cluster and machine
 * as pivote. What pivote adds per vote on top (locking the kiosk row, the duplicate and burst
 * lookup, the protocol, the sessions) is the difference the report gives as pivote ÷ pgbench.
 */

export interface PgbenchVariant {
  /** Rows per transaction: 1 = a commit per insert; more = one multi-row INSERT per commit, as
   *  pivote's group commit does. */
  rowsPerTxn: number;
  clients: number;
}

export interface PgbenchSample extends PgbenchVariant {
  transactionsPerS: number;
  insertsPerS: number;
  latencyAvgMs: number;
  /** PostgreSQL's processes, % of one core over the run, and per 1,000 inserts (CPU ms). */
  postgresCpuPct: number;
  postgresMsPer1000: number | null;
  machineBusyPct: number;
}

const TABLE = 'bench_votes';

/** One INSERT per transaction; the vote id is random (a clash, 1 in 10^18, is skipped as pivote
 *  skips a duplicate). Casts everywhere: prepared statements cannot infer a parameter's type. */
function script(rowsPerTxn: number, kiosks: number): string {
  const head = `\\set r random(1, 1000000000000000000)\n\\set k :r % ${kiosks}\n\\set b 1 + :r % 4\n`;
  const columns = `INSERT INTO ${TABLE} (kiosk_id, vote_id, seq, poll_id, button, pressed_at, received_at, clock_unknown, flagged) `;
  const onConflict = 'ON CONFLICT (kiosk_id, vote_id) DO NOTHING;\n';
  if (rowsPerTxn === 1) {
    return `${head}${columns}VALUES ('k' || :k::text, :client_id::text || '-' || :r::text, :r::bigint, 1, :b::smallint, :r::bigint, :r::bigint, false, false) ${onConflict}`;
  }
  return (
    `${head}${columns}SELECT 'k' || ((:k::int + g) % ${kiosks})::text, :client_id::text || '-' || :r::text || '-' || g::text, :r::bigint + g, 1, (1 + g % 4)::smallint, ` +
    `:r::bigint, :r::bigint, false, false FROM generate_series(1, ${rowsPerTxn}) AS g ${onConflict}`
  );
}

/** Runs each variant once for `seconds` in a fresh database made from the fleet template. */
export async function runPgbench(pgc: BenchPostgres, pgbenchPath: string, variants: readonly PgbenchVariant[], seconds: number, kiosks: number, dir: string, threads: number): Promise<PgbenchSample[]> {
  const out: PgbenchSample[] = [];
  for (const v of variants) {
    const db = await pgc.createRunDatabase(`pgbench_${v.rowsPerTxn}`);
    try {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        await c.query(`CREATE TABLE ${TABLE} (LIKE votes INCLUDING ALL)`);
      } finally {
        await c.end();
      }
      const file = join(dir, `pgbench-${v.rowsPerTxn}.sql`);
      writeFileSync(file, script(v.rowsPerTxn, kiosks));
      const pgBefore = pgc.cpuMs();
      const machineBefore = machineBusyMs();
      const t0 = performance.now();
      const text = await pgbench(pgbenchPath, ['-n', '-M', 'prepared', '-f', file, '-c', String(v.clients), '-j', String(Math.min(threads, v.clients)), '-T', String(seconds), ...pgc.libpqArgs(), db.name]);
      const elapsedMs = performance.now() - t0;
      const pgMs = pgc.cpuMs() - pgBefore;
      const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(text)?.[1]);
      const latency = Number(/latency average = ([\d.]+) ms/.exec(text)?.[1]);
      if (!Number.isFinite(tps) || tps <= 0) throw new Error(`pgbench printed no rate: ${text.slice(-500)}`);
      const inserts = tps * v.rowsPerTxn;
      out.push({
        ...v,
        transactionsPerS: tps,
        insertsPerS: inserts,
        latencyAvgMs: latency,
        postgresCpuPct: (pgMs / elapsedMs) * 100,
        // Over the whole pgbench run (connections included): its rate × its duration is the rows inserted.
        postgresMsPer1000: inserts > 0 ? (pgMs / ((inserts * elapsedMs) / 1000)) * 1000 : null,
        machineBusyPct: ((machineBusyMs() - machineBefore) / elapsedMs) * 100,
      });
    } finally {
      await db.drop();
    }
  }
  return out;
}

function pgbench(path: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr.on('data', (c: Buffer) => (text += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`pgbench ${args.join(' ')} failed (${code}): ${text.trim().slice(-500)}`))));
  });
}
