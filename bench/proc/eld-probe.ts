import { renameSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Preloaded into a server under test (`node --import <this file> …`), so the event-loop delay of
 * the real server process is measured without changing the server. On SIGUSR2 it writes what it
 * saw since the previous signal to $PIVOTE_BENCH_STATS_FILE (atomically) and starts over.
 * Without that variable it does nothing, so it cannot change how a process behaves by accident.
 */
const file = process.env.PIVOTE_BENCH_STATS_FILE;
const RESOLUTION_MS = 10;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  let n = 0;
  process.on('SIGUSR2', () => {
    // The histogram records the whole sampling interval; what matters is the lateness beyond it.
    const ms = (ns: number): number => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    const stats = {
      n: ++n,
      eventLoopDelayMs: {
        count: histogram.count,
        p50: ms(histogram.percentile(50)),
        p99: ms(histogram.percentile(99)),
        max: ms(histogram.max),
        mean: ms(histogram.mean),
      },
      memory: process.memoryUsage(),
    };
    histogram.reset();
    writeFileSync(`${file}.tmp`, JSON.stringify(stats));
    renameSync(`${file}.tmp`, file);
  });
}
