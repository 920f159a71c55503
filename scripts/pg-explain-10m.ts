import { parseArgs } from 'node:util';
import pg from 'pg';
import { INSERT_VOTES, LOCK_KIOSKS, LOOKUP_VOTES } from '../src/store/postgres/vote-batch.js';
import { openPostgresVoteStore } from '../src/store/postgres/postgres-store.js';
import { PgCluster, pgAvailability } from '../test/support/postgres/cluster.js';

/**
 * Loads 10 million votes (generate_series) into a throwaway PostgreSQL and prints
 * EXPLAIN (ANALYZE, BUFFERS) of every query the store runs on the votes table, to check that
 * each is served by the index meant for it (docs/SCALING.md quotes the output).
 *
 *   npx vite-node scripts/pg-explain-10m.ts -- [--votes 10000000] [--kiosks 5000] [--polls 5]
 *
 * Takes a few minutes and ~3 GB of temporary disk; everything is removed at the end.
 */

const { values } = parseArgs({
  options: {
    votes: { type: 'string', default: '10000000' },
    kiosks: { type: 'string', default: '5000' },
    polls: { type: 'string', default: '5' },
  },
});
const VOTES = Number(values.votes);
const KIOSKS = Number(values.kiosks);
const POLLS = Number(values.polls);
const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);

const out = (s: string): void => void process.stdout.write(`${s}\n`);

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const r = await f();
  out(`-- ${label}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return r;
}

async function explain(c: pg.Client, title: string, text: string, params: unknown[], warm = true): Promise<void> {
  out(`\n### ${title}\n${text.replace(/\s+/g, ' ').trim()}`);
  // Twice: the first run warms the cache; the second is what a running server sees.
  if (warm) await c.query({ text: `EXPLAIN (ANALYZE, BUFFERS) ${text}`, values: params });
  const r = await c.query<{ 'QUERY PLAN': string }>({ text: `EXPLAIN (ANALYZE, BUFFERS) ${text}`, values: params });
  // A 1,000-element array literal in a filter line says nothing; shorten it.
  for (const row of r.rows) out(`    ${row['QUERY PLAN'].replace(/'\{([^,}]*,){3}[^}]{100,}\}'/g, "'{…1,000 ids…}'")}`);
}

async function main(): Promise<void> {
  const avail = pgAvailability();
  if (!avail.ok) throw new Error(avail.reason);
  const cluster = await PgCluster.start(avail, { settings: { maintenance_work_mem: "'256MB'", shared_buffers: "'256MB'", max_wal_size: "'4GB'" } });
  try {
    const admin = await cluster.admin();
    await admin.query('CREATE DATABASE explain10m');
    await admin.end();
    const url = cluster.url('explain10m');
    const store = await openPostgresVoteStore(url);
    await store.close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`INSERT INTO kiosks (id, name, location, secret, created_at)
      SELECT 'kiosk-' || i, 'k', 'l', 's', 0 FROM generate_series(1, $1::int) i`, [KIOSKS]);
    await c.query(`INSERT INTO polls (question, options, state, created_at, opened_at, closed_at)
      SELECT 'q' || i, ARRAY['a', 'b', 'c', 'd'], 'closed', $2::bigint + (i - 1) * 86400000, $2::bigint + (i - 1) * 86400000,
             $2::bigint + i * 86400000 - 1 FROM generate_series(1, $1::int) i`, [POLLS, T0]);
    // Bulk load without the foreign keys and secondary indexes, which are then built in one pass
    // each (as a restore would); the plans are the same as for rows inserted one batch at a time.
    await c.query('ALTER TABLE votes DROP CONSTRAINT votes_kiosk_id_fkey, DROP CONSTRAINT votes_poll_id_fkey');
    await c.query('ALTER TABLE votes DROP CONSTRAINT votes_key');
    await c.query('DROP INDEX votes_kiosk_pressed, votes_poll, votes_flagged');
    // Vote n: kiosk n % KIOSKS; one poll per day; each kiosk's presses in a poll spread evenly over
    // its day (400 per kiosk and poll with the defaults); 1 % flagged.
    await timed(`insert ${VOTES.toLocaleString('en-US')} votes`, () =>
      c.query(
        `INSERT INTO votes (kiosk_id, vote_id, seq, poll_id, button, pressed_at, received_at, clock_unknown, flagged)
         SELECT 'kiosk-' || (n % $2 + 1), 'v' || n, n / $2 + 1, p, (n % 4) + 1,
                $4::bigint + (p - 1) * 86400000 + ((n / $2) % ($1 / $2 / $3)) * (86400000 / ($1 / $2 / $3)),
                $4::bigint + (p - 1) * 86400000 + ((n / $2) % ($1 / $2 / $3)) * (86400000 / ($1 / $2 / $3)) + 50,
                false, n % 100 = 0
         FROM generate_series(0, $1::int - 1) n, LATERAL (SELECT (n / ($1 / $3)) + 1 AS p) poll`,
        [VOTES, KIOSKS, POLLS, T0],
      ),
    );
    await timed('UNIQUE votes_key', () => c.query('ALTER TABLE votes ADD CONSTRAINT votes_key UNIQUE (kiosk_id, vote_id)'));
    await timed('CREATE INDEX votes_kiosk_pressed', () => c.query('CREATE INDEX votes_kiosk_pressed ON votes (kiosk_id, pressed_at)'));
    await timed('CREATE INDEX votes_poll', () => c.query('CREATE INDEX votes_poll ON votes (poll_id, button, flagged)'));
    await timed('CREATE INDEX votes_flagged', () => c.query('CREATE INDEX votes_flagged ON votes (pressed_at) WHERE flagged'));
    await timed('foreign keys', () =>
      c.query(`ALTER TABLE votes ADD CONSTRAINT votes_kiosk_id_fkey FOREIGN KEY (kiosk_id) REFERENCES kiosks (id),
               ADD CONSTRAINT votes_poll_id_fkey FOREIGN KEY (poll_id) REFERENCES polls (id)`),
    );
    await timed('VACUUM ANALYZE', () => c.query('VACUUM ANALYZE votes'));
    const size = await c.query<{ t: string; i: string }>(
      "SELECT pg_size_pretty(pg_table_size('votes')) AS t, pg_size_pretty(pg_indexes_size('votes')) AS i",
    );
    out(`-- votes: table ${size.rows[0]?.t}, indexes ${size.rows[0]?.i}`);

    const poll = Math.ceil(POLLS / 2);
    const kiosk = 'kiosk-42';
    const at = T0 + (poll - 1) * 86_400_000 + 43_200_000;
    await explain(c, 'burst rule for one press (the subquery of the batch lookup), maxVotes 3 in 10 s',
      'SELECT count(*) FROM (SELECT 1 FROM votes w WHERE w.kiosk_id = $1 AND w.pressed_at BETWEEN $2::int8 - 10000 AND $2::int8 LIMIT 3) s', [kiosk, at]);

    const batch = Array.from({ length: 1000 }, (_, i) => ({ k: `kiosk-${(i * 7) % KIOSKS + 1}`, v: `new-${i}`, at: at + i }));
    await c.query('BEGIN');
    await explain(c, 'batch step 1: lock the kiosks of a 1,000-vote batch', LOCK_KIOSKS.text, [batch.map((b) => b.k)]);
    await explain(c, 'batch step 2: lookup of a 1,000-vote batch (existing keys and burst windows)', LOOKUP_VOTES.text,
      [batch.map((b) => b.k), batch.map((b) => b.v), batch.map((b) => b.at), 10_000, 3]);
    await explain(c, 'batch step 4: insert of a 1,000-vote batch (rolled back)', INSERT_VOTES.text, [
      batch.map((b) => b.k), batch.map((b) => b.v), batch.map(() => 1), batch.map(() => poll), batch.map(() => 1),
      batch.map((b) => b.at), batch.map((b) => b.at), batch.map(() => false), batch.map(() => false),
    ], false);
    await c.query('ROLLBACK');
    await explain(c, `countVotes: one poll (${(VOTES / POLLS).toLocaleString('en-US')} votes) by button`,
      'SELECT button, count(*) AS n FROM votes WHERE poll_id = $1 AND flagged <= $2 GROUP BY button', [poll, false]);
    await explain(c, 'countVotesBy kiosk',
      'SELECT kiosk_id AS key, button, count(*) AS n FROM votes WHERE poll_id = $1 AND flagged <= $2 GROUP BY kiosk_id, button ORDER BY kiosk_id, button', [poll, false]);
    await explain(c, 'countVotesBy hour',
      'SELECT pressed_at / 3600000 AS hour, button, count(*) AS n FROM votes WHERE poll_id = $1 AND flagged <= $2 GROUP BY hour, button ORDER BY hour, button', [poll, false]);
    await explain(c, 'getVote (a resend after the poll closed)', 'SELECT * FROM votes WHERE kiosk_id = $1 AND vote_id = $2', [kiosk, 'v41']);
    await explain(c, 'countRecentVotes: the last 1,000 votes of the newest poll (the option-share alert, every 5 s)',
      'SELECT button, count(*) AS n FROM (SELECT button FROM votes WHERE poll_id = $1 AND flagged <= $2 ORDER BY row_id DESC LIMIT $3) r GROUP BY button',
      [POLLS, false, 1000]);
    await explain(c, 'countFlaggedSince: flagged presses in the last 5 minutes (the flagged-burst alert, every 5 s)',
      'SELECT count(*) AS n FROM votes WHERE flagged AND pressed_at >= $1', [T0 + POLLS * 86_400_000 - 300_000]);
    await explain(c, "countVotesByKioskSince: today's unflagged votes per kiosk (fleet overview)",
      `SELECT k.id AS kiosk_id, c.n FROM kiosks k CROSS JOIN LATERAL (SELECT count(*) AS n FROM votes v WHERE v.kiosk_id = k.id AND v.pressed_at >= $1 AND NOT v.flagged) c
       WHERE c.n > 0 ORDER BY k.id`, [T0 + (POLLS - 1) * 86_400_000]);
    await explain(c, 'countVotesByBucket: one poll in 15-minute buckets (results by local hour)',
      'SELECT floor(pressed_at::numeric / $3)::int8 AS bucket, button, count(*) AS n FROM votes WHERE poll_id = $1 AND flagged <= $2 GROUP BY bucket, button ORDER BY bucket, button',
      [poll, false, 900_000]);
    await explain(c, 'listVotesPage: an export page of 1,000 votes of one poll, half way through',
      `SELECT row_id AS position, * FROM votes WHERE row_id > $1 AND ($2::int4 IS NULL OR poll_id = $2) AND flagged <= $3 ORDER BY row_id LIMIT $4`,
      [Math.floor(VOTES / POLLS) * (poll - 1) + VOTES / POLLS / 2, poll, true, 1000]);
    await explain(c, "listVotes of one kiosk (2,000 votes)",
      'SELECT * FROM votes WHERE ($1::int4 IS NULL OR poll_id = $1) AND ($2::text IS NULL OR kiosk_id = $2) ORDER BY kiosk_id, seq, row_id', [null, kiosk]);
    await c.end();
  } finally {
    await cluster.stop();
  }
}

void main();
