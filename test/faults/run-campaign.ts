/**
 * The fault campaign, outside vitest (npm run test:faults):
 *   vite-node test/faults/run-campaign.ts [--schedules 20] [--first-seed N] [--duration 10000] [--kiosks 5] [--cluster 3]
 *   (--cluster N: N servers on one throwaway PostgreSQL, with database stops and cut connections)
 *   vite-node test/faults/run-campaign.ts --seed N          (rerun one schedule exactly)
 *   ... --report FILE   (totals as JSON, rewritten after every schedule)   --keep   (keep the temp dirs)
 *   ... --stop-on-failure   --max-minutes M   (start no schedule after M minutes; the totals say how many ran)
 * Prints one line per schedule and the totals; exits 1 if any schedule failed.
 */
import { writeFileSync } from 'node:fs';
import { ensureBuilt } from '../e2e/build.js';
import { killAll } from '../e2e/processes.js';
import { formatTotals, runCampaign } from './campaign.js';
import { removeLiveDirs } from './executor.js';
import { isSeed } from './random.js';

const argv = process.argv.slice(2);

function flag(name: string): boolean {
  return argv.includes(`--${name}`);
}

function value(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

function number(name: string, fallback: number, ok: (n: number) => boolean = (n) => Number.isSafeInteger(n) && n > 0): number {
  const raw = value(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!ok(n)) {
    process.stderr.write(`--${name}: bad value ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return n;
}

const single = value('seed');
const seeds = single !== undefined
  ? [number('seed', 0, isSeed)]
  : (() => {
      const first = number('first-seed', Math.floor(Math.random() * 0x7fffffff), isSeed);
      return Array.from({ length: number('schedules', 20) }, (_, i) => (first + i) >>> 0);
    })();
const durationMs = number('duration', 10_000, (n) => Number.isSafeInteger(n) && n >= 3000);
const kiosks = number('kiosks', 5);
const servers = number('cluster', 1);
const report = value('report');
const maxMinutes = value('max-minutes') === undefined ? undefined : number('max-minutes', 0);
const writeReport = (totals: object, done: boolean): void => {
  if (report) writeFileSync(report, JSON.stringify({ durationMs, kiosks, servers, planned: seeds.length, firstSeed: seeds[0], done, ...totals }, null, 2) + '\n');
};

// SIGINT/SIGTERM: leave no kiosk or server behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void killAll().finally(() => {
      removeLiveDirs();
      process.exit(130);
    });
  });
}

await ensureBuilt();
const where = servers > 1 ? `${servers} servers on one PostgreSQL` : 'one server on SQLite';
process.stdout.write(`fault campaign: ${seeds.length} schedule(s) from seed ${seeds[0]}, ${durationMs} ms each, ${kiosks} kiosks, ${where}\n`);
const totals = await runCampaign({
  seeds,
  schedule: { durationMs, kiosks, servers },
  execute: { keepDir: flag('keep'), ...(flag('verbose') && { log: (line: string) => process.stderr.write(`${line}\n`) }) },
  stopOnFailure: flag('stop-on-failure'),
  ...(maxMinutes !== undefined && { deadline: Date.now() + maxMinutes * 60_000 }),
  onRun: (run, line, soFar) => {
    process.stdout.write(`${line}\n`);
    if (run.dir) process.stdout.write(`    kept ${run.dir}\n`);
    writeReport(soFar, false);
  },
});
process.stdout.write(`\n${formatTotals(totals)}\n`);
for (const seed of totals.failedSeeds) {
  process.stdout.write(`rerun: npm run test:faults -- --seed ${seed} --duration ${durationMs} --kiosks ${kiosks}${servers > 1 ? ` --cluster ${servers}` : ''}\n`);
}
writeReport(totals, true);
if (totals.schedules < seeds.length) process.stdout.write(`stopped at the time limit: ${totals.schedules} of ${seeds.length} schedules ran\n`);
process.exitCode = totals.failedSeeds.length === 0 ? 0 : 1;
