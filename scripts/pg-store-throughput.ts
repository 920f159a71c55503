import { parseArgs } from 'node:util';
import { DEFAULT_BURST } from '../src/server/limits.js';
import { openPostgresVoteStore } from '../src/store/postgres/postgres-store.js';
import type { NewVote } from '../src/store/types.js';
import { PgCluster, pgAvailability } from '../test/support/postgres/cluster.js';

/**
 * The PostgreSQL store alone, no network to kiosks: how many votes/s recordVotes commits
 * (synchronous_commit = on), in batches as the group committer makes them, with `--in-flight`
 * batches committing side by side as the server's committer allows.
 *
 *   npx vite-node scripts/pg-store-throughput.ts -- --batch 1000 --votes 200000 --runs 5
 *   npx vite-node scripts/pg-store-throughput.ts -- --batch 1 --votes 3000 --in-flight 1
 *   ... --url postgres://user@host/db   (an existing, EMPTY database; otherwise a throwaway
 *                                         cluster is started and removed, fsync on)
 *
 * Each run uses a fresh database. Prints every run and the median.
 */

const { values } = parseArgs({
  options: {
    batch: { type: 'string', default: '1000' },
    votes: { type: 'string', default: '100000' },
    kiosks: { type: 'string', default: '1000' },
    'in-flight': { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
    url: { type: 'string' },
  },
});
const batch = Number(values.batch);
const total = Number(values.votes);
const kiosks = Number(values.kiosks);
const inFlight = Number(values['in-flight']);
const runs = Number(values.runs);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function percentile(xs: Float64Array, p: number): number {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
}

async function oneRun(url: string): Promise<{ perS: number; p50: number; p99: number }> {
  const store = await openPostgresVoteStore(url, { poolSize: inFlight + 2 });
  try {
    for (let i = 0; i < kiosks; i++) await store.addKiosk({ id: `k${i}`, name: 'k', location: 'l', secret: 's', createdAt: 0 });
    const start = Date.now();
    const poll = await store.openPoll('q', ['a', 'b', 'c', 'd'], start);
    const batches: NewVote[][] = [];
    for (let done = 0, seq = 0; done < total; done += batch) {
      const votes: NewVote[] = [];
      for (let i = 0; i < batch && done + i < total; i++) {
        const n = done + i;
        const kioskId = `k${n % kiosks}`;
        seq++;
        // Each kiosk presses every few seconds: a real fleet, no burst flags.
        const at = start + Math.floor(n / kiosks) * 5_000;
        votes.push({ kioskId, voteId: `v${seq}`, seq, pollId: poll.id, button: (seq % 4) + 1, pressedAt: at, receivedAt: at, clockUnknown: false });
      }
      batches.push(votes);
    }
    const commits = new Float64Array(batches.length);
    let next = 0;
    const t0 = performance.now();
    const worker = async (): Promise<void> => {
      for (let b = next++; b < batches.length; b = next++) {
        const t = performance.now();
        await store.recordVotes(batches[b] as NewVote[], DEFAULT_BURST);
        commits[b] = performance.now() - t;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    const perS = total / ((performance.now() - t0) / 1000);
    return { perS, p50: percentile(commits, 0.5), p99: percentile(commits, 0.99) };
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  let cluster: PgCluster | undefined;
  let admin: Awaited<ReturnType<PgCluster['admin']>> | undefined;
  const process_ = process;
  if (!values.url) {
    const avail = pgAvailability();
    if (!avail.ok) throw new Error(avail.reason);
    cluster = await PgCluster.start(avail);
    admin = await cluster.admin();
  }
  const results: { perS: number; p50: number; p99: number }[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      let url = values.url as string;
      if (cluster && admin) {
        await admin.query(`CREATE DATABASE run${r}`);
        url = cluster.url(`run${r}`);
      }
      const res = await oneRun(url);
      results.push(res);
      process_.stdout.write(
        `run ${r + 1}: ${Math.round(res.perS).toLocaleString('en-US')} votes/s, commit p50 ${res.p50.toFixed(2)} ms, p99 ${res.p99.toFixed(2)} ms\n`,
      );
      if (cluster && admin) await admin.query(`DROP DATABASE run${r}`);
    }
  } finally {
    await admin?.end();
    await cluster?.stop();
  }
  process_.stdout.write(
    `median of ${runs}: ${Math.round(median(results.map((x) => x.perS))).toLocaleString('en-US')} votes/s ` +
      `(batches of ${batch}, ${inFlight} in flight, ${kiosks} kiosks, ${total} votes per run); ` +
      `commit p50 ${median(results.map((x) => x.p50)).toFixed(2)} ms, p99 ${median(results.map((x) => x.p99)).toFixed(2)} ms\n`,
  );
}

void main();
