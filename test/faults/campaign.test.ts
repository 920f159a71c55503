import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../e2e/build.js';
import { killAll } from '../e2e/processes.js';
import { runCampaign } from './campaign.js';
import { removeLiveDirs } from './executor.js';
import { countFaults, faultKindsFor, generateSchedule } from './schedule.js';

/**
 * The bounded run of the fault campaign inside `npm test`: three short schedules (fixed seeds, so
 * a failure here reruns exactly with `npm run test:faults -- --seed N --duration 7000 --kiosks 4`)
 * against real server and kiosk processes. The long campaign is `npm run test:faults`.
 */

const SEEDS = [3, 7, 20];
const SHORT = { durationMs: 7000, kiosks: 4 };

beforeAll(async () => {
  await ensureBuilt();
}, 200_000);

afterEach(async () => {
  await killAll();
});

afterAll(() => {
  removeLiveDirs(); // only left when a schedule was abandoned (a timeout)
});

describe('fault campaign (bounded run)', () => {
  it('the chosen seeds between them inject every kind of fault', () => {
    const total = SEEDS.map((seed) => countFaults(generateSchedule(seed, SHORT))).reduce((a, b) => {
      for (const k of Object.keys(a) as (keyof typeof a)[]) a[k] += b[k];
      return a;
    });
    for (const kind of faultKindsFor(1)) expect(total[kind], kind).toBeGreaterThan(0);
  });

  it('eight schedules with three servers between them inject every kind of fault, the database ones included', () => {
    const seeds = Array.from({ length: 8 }, (_, i) => 1 + i);
    const total = seeds.map((seed) => countFaults(generateSchedule(seed, { ...SHORT, durationMs: 8000, servers: 3 }))).reduce((a, b) => {
      for (const k of Object.keys(a) as (keyof typeof a)[]) a[k] += b[k];
      return a;
    });
    for (const kind of faultKindsFor(3)) expect(total[kind], kind).toBeGreaterThan(0);
  });

  it('three schedules of SIGKILLs, cuts, stalls and poll changes: nothing lost, doubled, invented or misattributed', async () => {
    const lines: string[] = [];
    const totals = await runCampaign({ seeds: SEEDS, schedule: SHORT, onRun: (_run, line) => lines.push(line) });
    const report = lines.join('\n');
    expect(totals.failedSeeds, report).toEqual([]);
    expect(totals.schedules).toBe(SEEDS.length);
    expect(totals.counts, report).toMatchObject({ pending: 0, lost: 0, duplicated: 0, phantom: 0, misattributed: 0, inconsistent: 0 });
    // The faults really happened: votes were recorded and counted, servers and kiosks were killed,
    // and connections were cut both at byte offsets and on acks.
    expect(totals.counts.recorded, report).toBeGreaterThan(60);
    // The log cross-check is live: nearly every recorded press was also seen in a kiosk's log.
    expect(totals.counts.logged, report).toBeGreaterThan(totals.counts.recorded * 0.9);
    expect(totals.counts.stored, report).toBeGreaterThan(30);
    expect(totals.faults.killServer + totals.faults.killKiosk, report).toBeGreaterThanOrEqual(4);
    expect(totals.proxy.cuts, report).toBeGreaterThan(0);
    expect(totals.proxy.ackCuts, report).toBeGreaterThan(0);
  }, 150_000);
});
