import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pgAvailability } from '../support/postgres/cluster.js';

/**
 * Smoke check that `npm run bench` still works end to end: compile bench/ (with src/), then run
 * a tiny throughput scenario against a real `pivote server` process and the ceiling server, and
 * check the results file. Not a timed test: it asserts that votes were acknowledged, not how fast.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'dist/bench/bench/main.js');

interface Results {
  schema: number;
  quick: boolean;
  command: string;
  machine: { nproc: number; cpuModel: string; node: string; fsyncMs: { count: number }; calibration: { before: number; after: number } };
  throughput: {
    clients: number;
    generators: number;
    shapes: {
      window: number;
      byTarget: Record<string, { runs: { ackedPerS: number; connected: number; rejected: number; serverUsPerVote: number | null }[]; median: { ackedPerS: number; latencyMs: { count: number; p99: number } } }>;
      pivoteOverCeiling: number | null;
    }[];
  };
  goals: { goal: string; measured: string; met: boolean | null }[];
  dashboard?: {
    streams: number;
    without: { runs: DashboardRun[] };
    with: { runs: DashboardRun[] };
    throughputRatio: number | null;
    ackToStreamMs: { count: number };
  };
  cluster?: ClusterResults;
}

interface ClusterRun {
  ackedPerS: number;
  connected: number;
  rejected: number;
  serverCpuPctEach: number[];
  serverMsPer1000: number | null;
  databaseMsPer1000: number | null;
}

interface ClusterResults {
  skipped?: string;
  shapes: { engine: string; servers: number; runs: ClusterRun[]; overPgbench: number[] }[];
  pgbenchVariants: { variant: { rowsPerTxn: number }; runs: { insertsPerS: number }[] }[];
}

/** The cluster scenario starts a PostgreSQL of its own: without one here it is skipped, with the
 *  reason in its title, unless PostgreSQL is required (CI), where the run must measure it. */
const pg = pgAvailability();
const pgMissing = !pg.ok && process.env.PIVOTE_PG_TEST_REQUIRED !== '1' ? pg.reason : undefined;

interface DashboardRun {
  streams: number;
  windowOneAckedPerS: number;
  serverRssMB: number;
  streamEvents: number;
  streamsLost: number;
}

describe('npm run bench (smoke)', () => {
  let dir: string | undefined;
  let child: ChildProcess | undefined;

  beforeAll(() => {
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'bench/tsconfig.json')], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 120_000);

  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('acks votes from a real pivote server and the ceiling, and writes a results file of the documented shape', async () => {
    const { stdout, results: r } = await runBench(['--scenario', 'throughput', '--targets', 'pivote,ceiling', '--windows', '1,4']);

    expect(r.schema).toBe(2);
    expect(r.quick).toBe(true);
    expect(r.command).toContain('--scenario throughput');
    expect(r.machine.nproc).toBeGreaterThan(0);
    expect(r.machine.fsyncMs.count).toBeGreaterThan(0);
    expect(r.machine.calibration.before).toBeGreaterThan(0);
    expect(r.machine.calibration.after).toBeGreaterThan(0);
    expect(r.throughput.clients).toBe(5);
    expect(r.throughput.generators).toBe(2);
    expect(r.throughput.shapes.map((s) => s.window)).toEqual([1, 4]);
    for (const shape of r.throughput.shapes) {
      expect(Object.keys(shape.byTarget).sort()).toEqual(['ceiling', 'pivote']);
      for (const target of ['pivote', 'ceiling']) {
        const t = shape.byTarget[target]!;
        expect(t.runs).toHaveLength(1);
        // Both generator processes connected their share.
        expect(t.runs[0]!.connected).toBe(5);
        expect(t.runs[0]!.rejected).toBe(0);
        expect(t.runs[0]!.serverUsPerVote).toBeGreaterThan(0);
        expect(t.median.ackedPerS).toBeGreaterThan(0);
        expect(t.median.latencyMs.count).toBeGreaterThan(0);
      }
      expect(shape.pivoteOverCeiling).toBeGreaterThan(0);
    }
    expect(r.goals.map((g) => g.goal)).toEqual(['window 1: server CPU per acknowledged vote ≤ 30 µs', 'window 1, 5 kiosks: votes/s ≥ 0.8 × the ceiling']);
    expect(stdout).toContain('Window 1 (the fleet');
    // The scratch directory (databases) is removed unless --keep-work.
    expect(readdirSync(join(dir!, 'work'))).toEqual([]);
  }, 60_000);

  it('measures pivote with and without open dashboards, and the time from a probe vote’s ack to the live stream', async () => {
    const { results } = await runBench(['--scenario', 'dashboard', '--dashboard-streams', '3']);
    const d = results.dashboard!;
    expect(d.streams).toBe(3);
    for (const side of [d.without, d.with]) {
      expect(side.runs).toHaveLength(1);
      expect(side.runs[0]!.windowOneAckedPerS).toBeGreaterThan(0);
      expect(side.runs[0]!.serverRssMB).toBeGreaterThan(0);
    }
    expect(d.without.runs[0]!.streams).toBe(0);
    // Every stream stayed open, carried updates, and counted probe votes.
    expect(d.with.runs[0]!.streamsLost).toBe(0);
    expect(d.with.runs[0]!.streamEvents).toBeGreaterThan(0);
    expect(d.ackToStreamMs.count).toBeGreaterThan(0);
    expect(d.throughputRatio).toBeGreaterThan(0);
  }, 120_000);

  (pgMissing === undefined ? it : it.skip)(
    `measures 1, 2 and 3 servers on one throwaway PostgreSQL next to SQLite, and pgbench on the same cluster${pgMissing === undefined ? '' : ` — SKIPPED: ${pgMissing}`}`,
    async () => {
      const { stdout, results } = await runBench(['--scenario', 'cluster', '--clients', '6', '--pgbench-rows', '1,8']);
      const c = results.cluster!;
      expect(c.skipped).toBeUndefined();
      expect(c.shapes.map((s) => `${s.engine} ${s.servers}`)).toEqual(['sqlite 1', 'postgres 1', 'postgres 2', 'postgres 3']);
      for (const shape of c.shapes) {
        const run = shape.runs[0]!;
        expect(run.connected).toBe(6);
        expect(run.rejected).toBe(0);
        expect(run.ackedPerS).toBeGreaterThan(0);
        // Every server of the shape took votes (kiosks spread evenly over them) and was measured.
        expect(run.serverCpuPctEach).toHaveLength(shape.servers);
        for (const pct of run.serverCpuPctEach) expect(pct).toBeGreaterThan(0);
        expect(run.serverMsPer1000).toBeGreaterThan(0);
        if (shape.engine === 'postgres') {
          expect(run.databaseMsPer1000).toBeGreaterThan(0);
          expect(shape.overPgbench).toHaveLength(2);
          for (const r of shape.overPgbench) expect(r).toBeGreaterThan(0);
        }
      }
      expect(c.pgbenchVariants.map((v) => v.variant.rowsPerTxn)).toEqual([1, 8]);
      for (const v of c.pgbenchVariants) expect(v.runs[0]!.insertsPerS).toBeGreaterThan(0);
      expect(stdout).toContain("PostgreSQL's own pgbench");
      // The scratch directory (databases, pgbench scripts) is removed; the cluster removes its own folder.
      expect(readdirSync(join(dir!, 'work'))).toEqual([]);
    },
    180_000,
  );

  /** Runs a tiny bench (5 kiosks, 2 generators, 1 s phases) into a fresh folder; it must exit 0. */
  async function runBench(extra: string[]): Promise<{ stdout: string; results: Results }> {
    dir = mkdtempSync(join(tmpdir(), 'pivote-bench-smoke-'));
    const args = [MAIN, '--quick', '--clients', '5', '--generators', '2', '--duration', '1', ...extra, '--results-dir', join(dir, 'results'), '--work-dir', join(dir, 'work')];
    const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => proc.on('exit', (c) => resolve(c)));
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const files = readdirSync(join(dir, 'results'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\.json$/);
    return { stdout, results: JSON.parse(readFileSync(join(dir, 'results', files[0]!), 'utf8')) as Results };
  }
});
