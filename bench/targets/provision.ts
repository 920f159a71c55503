import { copyFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { newSecret } from '../../src/protocol/auth.js';
import { openSqliteVoteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { NewKiosk } from '../../src/store/types.js';
import type { KioskCredentials } from '../load/ipc.js';

/**
 * A pivote database with `count` registered kiosks and one open poll, made once per bench
 * invocation and copied for every run, so each run starts from the same empty vote table.
 */
export interface Fleet {
  count: number;
  templateDb: string;
  /** The same kiosks and poll, written by the baseline build (its schema may differ). */
  baselineTemplateDb?: string;
  /** JSON file of KioskCredentials[] for the load generator. */
  kiosksFile: string;
  /** A few more kiosks, never used by the load generator: the dashboard scenario's probes. */
  probeKiosks: KioskCredentials[];
  pollId: number;
}

/** The poll's options: the load generator presses 1-4 (seq % 4 + 1, see load/client.ts); only
 *  the dashboard scenario's probe kiosks press PROBE_BUTTON, so its count is theirs alone. */
export const POLL_OPTIONS = ['One', 'Two', 'Three', 'Four', 'Probe'];
export const PROBE_BUTTON = 5;
export const PROBE_KIOSKS = 24;

interface TemplateStore {
  addKiosk(k: NewKiosk): Promise<unknown>;
  openPoll(question: string, options: string[], at: number): Promise<{ id: number }>;
  close(): Promise<void>;
}

async function writeTemplate(file: string, open: (path: string) => TemplateStore, kiosks: readonly NewKiosk[], now: number): Promise<number> {
  const store = open(file);
  try {
    for (const k of kiosks) await store.addKiosk(k);
    return (await store.openPoll('Benchmark poll', POLL_OPTIONS, now)).id;
  } finally {
    // Closing checkpoints the WAL into the main file, so copying the one file is a full copy.
    await store.close();
  }
}

type OpenStore = (path: string) => TemplateStore;

/** The store of another build (its dist/cli/main.js given), which writes the schema it reads. */
async function storeOf(cli: string): Promise<OpenStore> {
  const mod = (await import(pathToFileURL(join(dirname(cli), '../store/sqlite/sqlite-store.js')).href)) as { openSqliteVoteStore: OpenStore };
  return mod.openSqliteVoteStore;
}

/**
 * `pivoteCli` / `baselineCli`: another build's dist/cli/main.js run as pivote / baseline; each
 * template is written by the store code of the build that will open it.
 */
export async function provisionFleet(dir: string, count: number, builds: { pivoteCli?: string | undefined; baselineCli?: string | undefined } = {}): Promise<Fleet> {
  const now = Date.now();
  const kiosks: NewKiosk[] = Array.from({ length: count }, (_, i) => ({
    id: `bench-${String(i).padStart(5, '0')}`, name: `Bench kiosk ${i}`, location: 'loopback', secret: newSecret(), createdAt: now,
  }));
  const probes: NewKiosk[] = Array.from({ length: PROBE_KIOSKS }, (_, i) => ({
    id: `probe-${String(i).padStart(2, '0')}`, name: `Probe kiosk ${i}`, location: 'probe', secret: newSecret(), createdAt: now,
  }));
  const templateDb = join(dir, `template-${count}.db`);
  const pollId = await writeTemplate(templateDb, builds.pivoteCli === undefined ? openSqliteVoteStore : await storeOf(builds.pivoteCli), [...kiosks, ...probes], now);
  let baselineTemplateDb: string | undefined;
  if (builds.baselineCli !== undefined) {
    baselineTemplateDb = join(dir, `template-baseline-${count}.db`);
    const basePoll = await writeTemplate(baselineTemplateDb, await storeOf(builds.baselineCli), [...kiosks, ...probes], now);
    if (basePoll !== pollId) throw new Error(`the baseline build opened poll ${basePoll}, this one ${pollId}`);
  }
  const kiosksFile = join(dir, `kiosks-${count}.json`);
  writeFileSync(kiosksFile, JSON.stringify(kiosks.map((k): KioskCredentials => ({ id: k.id, secret: k.secret }))));
  const probeKiosks = probes.map((k): KioskCredentials => ({ id: k.id, secret: k.secret }));
  return { count, templateDb, ...(baselineTemplateDb !== undefined && { baselineTemplateDb }), kiosksFile, probeKiosks, pollId };
}

export function copyFleetDb(fleet: Fleet, to: string, baseline = false): string {
  const from = baseline ? fleet.baselineTemplateDb : fleet.templateDb;
  if (from === undefined) throw new Error('no template database for the baseline build');
  copyFileSync(from, to);
  return to;
}
