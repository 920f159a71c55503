import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KioskCredentials } from '../load/ipc.js';
import { LatencyRecorder, medianOf, type LatencySummary } from '../stats.js';
import { startPivote } from '../targets/node-targets.js';
import { MB, type ScenarioContext } from './context.js';
import { KioskProcess } from './kiosk-process.js';

/** One kiosk process, idle and under presses, against a real pivote server. */
export interface KioskSample {
  rssIdleMB: number;
  /** Private memory (RssAnon): RSS minus the file pages of the node binary and libraries. */
  privateIdleMB: number;
  /** Highest RSS sampled while pressing, and the kernel's peak (VmHWM) at the end. */
  rssPressingMB: number;
  peakRssMB: number;
  /** From "press N" on the control pipe to the first LED change of the answer. */
  pressToConfirmationMs: LatencySummary;
  presses: number;
  confirmed: number;
  acked: number;
}

export interface KioskVariant {
  /** How node was started: `pivote kiosk` by hand, or as the systemd unit starts it (V8 memory flags). */
  label: string;
  nodeArgs: string[];
  samples: KioskSample[];
  median: KioskSample;
}

export interface KioskResult {
  presses: number;
  pressIntervalMs: number;
  runs: number;
  /** The first variant is `pivote kiosk` as installed; the goal is checked against it. */
  variants: KioskVariant[];
}

/** The confirmed glow (150 ms gap + 1.2 s) and the 1.5 s lockout are over by then. */
const PRESS_INTERVAL_MS = 2_000;

/** V8 without the optimizing compiler: a kiosk handles a press a second, not a hot loop. */
export const LEAN_NODE_ARGS = ['--lite-mode', '--max-semi-space-size=1', '--no-expose-wasm'];

async function oneRun(ctx: ScenarioContext, creds: KioskCredentials, runDir: string, nodeArgs: string[]): Promise<KioskSample> {
  mkdirSync(runDir, { recursive: true });
  const server = await startPivote({ runDir, heartbeatMs: 15_000, needFds: 256, cpuProf: false }, ctx.fleet);
  let kiosk: KioskProcess | undefined;
  try {
    kiosk = KioskProcess.start({ port: server.port, kioskId: creds.id, secret: creds.secret, dataDir: join(runDir, 'kiosk-data'), nodeArgs });
    await kiosk.waitOnline(20_000);
    await sleep(ctx.opts.quick ? 500 : 2_000);
    const rssIdle = kiosk.rssBytes();
    const privateIdle = kiosk.anonRssBytes();
    const latency = new LatencyRecorder();
    let rssMax = rssIdle;
    let confirmed = 0;
    for (let i = 0; i < ctx.opts.kioskPresses; i++) {
      const started = performance.now();
      const outcome = await kiosk.press((i % 4) + 1);
      latency.add(outcome.answerMs);
      if (outcome.confirmed) confirmed++;
      rssMax = Math.max(rssMax, kiosk.rssBytes());
      await sleep(Math.max(0, started + PRESS_INTERVAL_MS - performance.now()));
    }
    const stats = await kiosk.stats();
    return {
      rssIdleMB: rssIdle / MB,
      privateIdleMB: privateIdle / MB,
      rssPressingMB: rssMax / MB,
      peakRssMB: kiosk.peakRssBytes() / MB,
      pressToConfirmationMs: latency.summary(),
      presses: ctx.opts.kioskPresses,
      confirmed,
      acked: stats.acked,
    };
  } finally {
    await kiosk?.stop();
    await server.stop();
  }
}

export async function runKiosk(ctx: ScenarioContext): Promise<KioskResult> {
  const { opts } = ctx;
  ctx.log(`kiosk: one kiosk process (mock GPIO), ${opts.kioskPresses} presses ${PRESS_INTERVAL_MS} ms apart; by hand and as the systemd unit starts it, node ${LEAN_NODE_ARGS.join(' ')}`);
  const creds = (JSON.parse(readFileSync(ctx.fleet.kiosksFile, 'utf8')) as KioskCredentials[])[0]!;
  const variants: KioskVariant[] = [
    { label: 'pivote kiosk, by hand', nodeArgs: [], samples: [], median: undefined as unknown as KioskSample },
    { label: `systemd unit: node ${LEAN_NODE_ARGS.join(' ')}`, nodeArgs: LEAN_NODE_ARGS, samples: [], median: undefined as unknown as KioskSample },
  ];
  for (let run = 1; run <= opts.runs; run++) {
    for (const [i, v] of variants.entries()) {
      ctx.log(`  run ${run}/${opts.runs}: ${v.label}`);
      const s = await oneRun(ctx, creds, join(ctx.workDir, `kiosk-${run}-${i}`), v.nodeArgs);
      ctx.log(`    RSS idle ${s.rssIdleMB.toFixed(1)} MB (private ${s.privateIdleMB.toFixed(1)} MB), pressing ${s.rssPressingMB.toFixed(1)} MB; press→confirmation p50 ${s.pressToConfirmationMs.p50.toFixed(1)} ms, ${s.confirmed}/${s.presses} confirmed`);
      v.samples.push(s);
    }
  }
  for (const v of variants) v.median = medianOf(v.samples);
  return { presses: opts.kioskPresses, pressIntervalMs: PRESS_INTERVAL_MS, runs: opts.runs, variants };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
