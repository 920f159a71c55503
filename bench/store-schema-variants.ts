import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WAL_AUTOCHECKPOINT_PAGES } from '../src/store/sqlite/schema.js';
import { median } from './stats.js';

/**
 * What the durable store could gain from changing its schema, measured rather than guessed
 * (docs/PERFORMANCE.md, "why not 0.5 × the ceiling"). Each variant is the votes table of
 * src/store/sqlite/schema.ts with something taken away, driven with raw better-sqlite3 the way
 * SqliteVoteStore drives it (WAL, synchronous=FULL, one transaction per batch of 1,000):
 *
 *   as-shipped      the real table, foreign keys on, the repeated-press check in the INSERT
 *   no-fk           foreign keys off (the server checks kiosk and poll before inserting)
 *   no-burst-index  no votes_kiosk_pressed index and no in-SQL check (it would move to memory)
 *   minimal         both: the least an exactly-once, tallied vote table can write
 *
 *   node dist/bench/bench/store-schema-variants.js [run] [repeats] [dir]
 *
 * `run`: consecutive votes of one kiosk in a batch (64: the throughput scenario; 1: a fleet).
 */

const VARIANTS = {
  'as-shipped': { foreignKeys: true, burstIndex: true },
  'no-fk': { foreignKeys: false, burstIndex: true },
  'no-burst-index': { foreignKeys: true, burstIndex: false },
  minimal: { foreignKeys: false, burstIndex: false },
} as const;
type Variant = (typeof VARIANTS)[keyof typeof VARIANTS];

const KIOSKS = 1_000;
const BATCH = 1_000;
const TOTAL = 200_000;
const COLUMNS = 'kiosk_id, vote_id, seq, poll_id, button, pressed_at, received_at, clock_unknown, flagged';

function openVariant(path: string, v: Variant): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  db.exec(`
    CREATE TABLE kiosks (id TEXT PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE polls (id INTEGER PRIMARY KEY, question TEXT NOT NULL);
    CREATE TABLE votes (
      kiosk_id TEXT NOT NULL REFERENCES kiosks (id), vote_id TEXT NOT NULL, seq INTEGER NOT NULL,
      poll_id INTEGER NOT NULL REFERENCES polls (id), button INTEGER NOT NULL, pressed_at INTEGER NOT NULL,
      received_at INTEGER NOT NULL, clock_unknown INTEGER NOT NULL CHECK (clock_unknown IN (0, 1)),
      flagged INTEGER NOT NULL CHECK (flagged IN (0, 1)), PRIMARY KEY (kiosk_id, vote_id));
    ${v.burstIndex ? 'CREATE INDEX votes_kiosk_pressed ON votes (kiosk_id, pressed_at);' : ''}
    CREATE INDEX votes_poll ON votes (poll_id, button, flagged);`);
  db.pragma(`foreign_keys = ${v.foreignKeys ? 'ON' : 'OFF'}`);
  return db;
}

/** Votes/s committed for one variant on a fresh file. */
function measure(dir: string, v: Variant, run: number): number {
  const db = openVariant(join(dir, `v${Math.random().toString(36).slice(2)}.db`), v);
  try {
    const addKiosk = db.prepare('INSERT INTO kiosks VALUES (?, ?)');
    for (let i = 0; i < KIOSKS; i++) addKiosk.run(`kiosk-${i}`, 'k');
    db.prepare('INSERT INTO polls VALUES (1, ?)').run('q');
    const insert = v.burstIndex
      ? db.prepare(`INSERT INTO votes (${COLUMNS}) VALUES (?, ?, ?, 1, ?, ?, ?, 0,
          EXISTS (SELECT 1 FROM votes WHERE kiosk_id = ? AND pressed_at BETWEEN ? AND ? LIMIT 1 OFFSET 2))
          ON CONFLICT (kiosk_id, vote_id) DO NOTHING RETURNING flagged`).pluck()
      : db.prepare(`INSERT INTO votes (${COLUMNS}) VALUES (?, ?, ?, 1, ?, ?, ?, 0, 0)
          ON CONFLICT (kiosk_id, vote_id) DO NOTHING RETURNING flagged`).pluck();
    const commit = db.transaction((first: number) => {
      for (let n = first; n < first + BATCH; n++) {
        const kiosk = `kiosk-${Math.floor(n / run) % KIOSKS}`;
        const at = 1_800_000_000_000 + n * 5;
        if (v.burstIndex) insert.get(kiosk, `vote-${n}`, n, (n % 4) + 1, at, at, kiosk, at - 10_000, at);
        else insert.get(kiosk, `vote-${n}`, n, (n % 4) + 1, at, at);
      }
    });
    const t0 = performance.now();
    for (let first = 0; first < TOTAL; first += BATCH) commit(first);
    return TOTAL / ((performance.now() - t0) / 1000);
  } finally {
    db.close();
  }
}

function main(): void {
  const run = Number(process.argv[2] ?? 64);
  const repeats = Number(process.argv[3] ?? 3);
  const dir = mkdtempSync(join(process.argv[4] ?? os.tmpdir(), 'pivote-store-variants-'));
  try {
    const rates = new Map<string, number[]>(Object.keys(VARIANTS).map((k) => [k, []]));
    // Interleaved, so a noisy neighbour spreads over every variant instead of one.
    for (let r = 0; r < repeats; r++) {
      for (const [name, v] of Object.entries(VARIANTS)) rates.get(name)!.push(measure(dir, v, run));
    }
    const base = median(rates.get('as-shipped')!);
    process.stdout.write(`${KIOSKS} kiosks, batches of ${BATCH}, runs of ${run} per kiosk, median of ${repeats}:\n`);
    for (const [name, r] of rates) {
      const m = median(r);
      process.stdout.write(`  ${name.padEnd(15)} ${Math.round(m).toLocaleString('en-US').padStart(8)} votes/s  ${(m / base).toFixed(2)} ×\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
