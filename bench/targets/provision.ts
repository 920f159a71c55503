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
  pollId: number;
}

interface TemplateStore {
  addKiosk(k: NewKiosk): Promise<unknown>;
  openPoll(question: string, options: string[], at: number): Promise<{ id: number }>;
  close(): Promise<void>;
}

async function writeTemplate(file: string, open: (path: string) => TemplateStore, kiosks: readonly NewKiosk[], now: number): Promise<number> {
  const store = open(file);
  try {
    for (const k of kiosks) await store.addKiosk(k);
    return (await store.openPoll('Benchmark poll', ['One', 'Two', 'Three', 'Four'], now)).id;
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
  const templateDb = join(dir, `template-${count}.db`);
  const pollId = await writeTemplate(templateDb, builds.pivoteCli === undefined ? openSqliteVoteStore : await storeOf(builds.pivoteCli), kiosks, now);
  let baselineTemplateDb: string | undefined;
  if (builds.baselineCli !== undefined) {
    baselineTemplateDb = join(dir, `template-baseline-${count}.db`);
    const basePoll = await writeTemplate(baselineTemplateDb, await storeOf(builds.baselineCli), kiosks, now);
    if (basePoll !== pollId) throw new Error(`the baseline build opened poll ${basePoll}, this one ${pollId}`);
  }
  const kiosksFile = join(dir, `kiosks-${count}.json`);
  writeFileSync(kiosksFile, JSON.stringify(kiosks.map((k): KioskCredentials => ({ id: k.id, secret: k.secret }))));
  return { count, templateDb, ...(baselineTemplateDb !== undefined && { baselineTemplateDb }), kiosksFile, pollId };
}

export function copyFleetDb(fleet: Fleet, to: string, baseline = false): string {
  const from = baseline ? fleet.baselineTemplateDb : fleet.templateDb;
  if (from === undefined) throw new Error('no template database for the baseline build');
  copyFileSync(from, to);
  return to;
}
