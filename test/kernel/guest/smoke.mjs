// Runs inside the test VM before the suites: proves, with nothing but the addon and gpio-sim,
// that a line can be requested, that edges driven through gpio-sim's pull attribute arrive
// through watch() + a non-blocking read, and that an output's level is visible to gpio-sim.
// Plain JavaScript so it fails fast and clearly, before vitest and TypeScript are involved.
import { closeSync, mkdirSync, readdirSync, readFileSync, readSync, rmdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const addon = require('../../../native/gpio-chardev/index.js');
const { constants: C } = addon;
const DEV = '/sys/kernel/config/gpio-sim/pivote-smoke';
const LABEL = 'pivote-smoke';
const t0 = process.hrtime.bigint();
const log = (msg) => process.stdout.write(`[smoke +${Number(process.hrtime.bigint() - t0) / 1e6} ms] ${msg}\n`);

function setUp() {
  mkdirSync(DEV);
  mkdirSync(`${DEV}/bank0`);
  writeFileSync(`${DEV}/bank0/num_lines`, '8');
  writeFileSync(`${DEV}/bank0/label`, LABEL);
  mkdirSync(`${DEV}/bank0/line3`);
  writeFileSync(`${DEV}/bank0/line3/name`, 'SMOKE3');
  writeFileSync(`${DEV}/live`, '1');
  const devName = readFileSync(`${DEV}/dev_name`, 'utf8').trim();
  const chipName = readFileSync(`${DEV}/bank0/chip_name`, 'utf8').trim();
  return { sim: `/sys/devices/platform/${devName}/${chipName}`, chipPath: `/dev/${chipName}` };
}

function tearDown() {
  try { writeFileSync(`${DEV}/live`, '0'); } catch { /* never went live */ }
  for (const dir of [`${DEV}/bank0/line3`, `${DEV}/bank0`, DEV]) {
    try { rmdirSync(dir); } catch { /* not created */ }
  }
}

function expect(cond, what) {
  if (!cond) throw new Error(`smoke: ${what}`);
  log(`ok - ${what}`);
}

async function main() {
  const { sim, chipPath } = setUp();
  const chips = readdirSync('/dev').filter((n) => /^gpiochip\d+$/.test(n));
  const found = chips.map((n) => ({ path: `/dev/${n}`, ...addon.chipInfo(`/dev/${n}`) })).find((c) => c.label === LABEL);
  expect(found?.path === chipPath && found.lines === 8, `chip found by label: ${JSON.stringify(found)}`);
  const lines = addon.lineInfo(chipPath);
  expect(lines[3].name === 'SMOKE3' && lines[3].consumer === '', 'line 3 is named SMOKE3 and free');

  const fd = addon.requestLines(chipPath, {
    offsets: [3],
    consumer: 'pivote-smoke',
    flags: C.FLAG_INPUT | C.FLAG_EDGE_RISING | C.FLAG_EDGE_FALLING | C.FLAG_BIAS_PULL_DOWN,
  });
  expect(addon.lineInfo(chipPath)[3].consumer === 'pivote-smoke', 'line 3 shows its consumer');
  let busy;
  try { addon.requestLines(chipPath, { offsets: [3], consumer: 'second', flags: C.FLAG_INPUT }); } catch (err) { busy = err; }
  expect(busy?.code === 'EBUSY', `second request fails with EBUSY (${busy?.message})`);
  expect(addon.getValues(fd, 1n) === 0n, 'pulled-down input reads 0');

  const events = [];
  const buf = Buffer.alloc(C.EVENT_SIZE * 16);
  const arrived = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`smoke: only ${events.length} of 2 edges arrived in 5 s`)), 5000);
    const watcher = addon.watch(fd, (err) => {
      if (err) { clearTimeout(timer); watcher.close(); reject(new Error(`poll error ${err}`)); return; }
      for (;;) {
        let n;
        try { n = readSync(fd, buf, 0, buf.length, null); } catch (e) { if (e.code === 'EAGAIN') break; throw e; }
        for (let off = 0; off + C.EVENT_SIZE <= n; off += C.EVENT_SIZE) {
          events.push({
            ns: buf.readBigUInt64LE(off), id: buf.readUInt32LE(off + 8), offset: buf.readUInt32LE(off + 12),
            seqno: buf.readUInt32LE(off + 16), lineSeqno: buf.readUInt32LE(off + 20),
          });
        }
      }
      if (events.length >= 2) { clearTimeout(timer); watcher.close(); resolve(); }
    });
  });
  // gpio-sim merges two flips that land before its irq_work runs (and the kernel's threaded
  // handler reads the level late, as on real hardware), so the second edge waits a moment.
  writeFileSync(`${sim}/sim_gpio3/pull`, 'pull-up');
  await new Promise((resolve) => setTimeout(resolve, 25));
  writeFileSync(`${sim}/sim_gpio3/pull`, 'pull-down');
  await arrived;
  expect(events[0].id === C.EVENT_RISING_EDGE && events[1].id === C.EVENT_FALLING_EDGE, 'rising then falling edge arrived');
  expect(events[0].offset === 3 && events[1].seqno === 2 && events[1].lineSeqno === 2, 'offsets and sequence numbers');
  const now = process.hrtime.bigint();
  expect(events[0].ns < events[1].ns && events[1].ns <= now && now - events[0].ns < 5_000_000_000n,
    'kernel timestamps are on the monotonic clock process.hrtime uses');
  closeSync(fd);

  const out = addon.requestLines(chipPath, { offsets: [5], consumer: 'pivote-smoke', flags: C.FLAG_OUTPUT, outputValues: 1n });
  expect(readFileSync(`${sim}/sim_gpio5/value`, 'utf8').trim() === '1', 'output requested high reads 1 in gpio-sim');
  addon.setValues(out, 1n, 0n);
  expect(readFileSync(`${sim}/sim_gpio5/value`, 'utf8').trim() === '0', 'setValues(0) reads 0 in gpio-sim');
  closeSync(out);
}

try {
  await main();
  log('gpio-sim smoke test passed');
} catch (err) {
  process.stdout.write(`${err?.stack ?? err}\n`);
  process.exitCode = 1;
} finally {
  tearDown();
}
