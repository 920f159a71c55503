import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { openSqliteVoteStore } from '../src/store/sqlite/sqlite-store.js';
import type { NewVote } from '../src/store/types.js';
import { DEFAULT_BURST } from '../src/server/limits.js';
import { summarize } from './stats.js';

/**
 * The store alone, no network: how many votes/s SqliteVoteStore.recordVotes commits durably
 * (synchronous=FULL, as the server runs it), in batches as the group committer makes them.
 * It bounds what any server in front of it can acknowledge.
 *
 *   node dist/bench/bench/store-insert.js [kiosks] [batch] [votes] [votes/s per kiosk] [run] [dir]
 *
 * `run`: consecutive votes of one kiosk in a batch. 1 (default) is a real fleet, where each kiosk
 * has at most one vote in a commit, so every vote dirties index pages of a different kiosk; 64 is
 * the throughput scenario, where each kiosk's data chunk holds its whole window.
 */
async function main(): Promise<void> {
  const [kiosks = 1000, batch = 1000, total = 200_000, perKioskRate = 40, run = 1] = process.argv.slice(2, 7).map(Number);
  const base = process.argv[7] ?? os.tmpdir();
  const dir = mkdtempSync(join(base, 'pivote-store-insert-'));
  const store = openSqliteVoteStore(join(dir, 'store.db'));
  try {
    for (let i = 0; i < kiosks; i++) await store.addKiosk({ id: `k${i}`, name: 'k', location: 'l', secret: 's', createdAt: 0 });
    const start = Date.now();
    const poll = await store.openPoll('q', ['a', 'b', 'c', 'd'], start);
    // Votes round-robin over the kiosks; press times advance so each kiosk presses perKioskRate/s.
    const msPerVote = 1000 / (perKioskRate * kiosks);
    const commits = new Float64Array(Math.ceil(total / batch));
    let seq = 0;
    const t0 = performance.now();
    for (let done = 0, c = 0; done < total; done += batch, c++) {
      const votes: NewVote[] = [];
      for (let i = 0; i < batch && done + i < total; i++) {
        const n = done + i;
        const kioskId = `k${Math.floor(n / run) % kiosks}`;
        const at = start + Math.floor(n * msPerVote);
        seq++;
        votes.push({ kioskId, voteId: `${kioskId}-${seq}`, seq, pollId: poll.id, button: (seq % 4) + 1, pressedAt: at, receivedAt: at, clockUnknown: false });
      }
      const t = performance.now();
      await store.recordVotes(votes, DEFAULT_BURST);
      commits[c] = performance.now() - t;
    }
    const s = summarize(commits);
    const perS = total / ((performance.now() - t0) / 1000);
    process.stdout.write(
      `${Math.round(perS).toLocaleString('en-US')} votes/s committed (${kiosks} kiosks, batches of ${batch}, runs of ${run} per kiosk, ${perKioskRate} votes/s per kiosk); ` +
        `commit p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms\n`,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
