/**
 * The pivote SQLite schema, as migrations: MIGRATIONS[i] takes a database from user_version i to
 * i + 1, inside one IMMEDIATE transaction with foreign keys off (a table rebuild needs that; the
 * migration checks the keys itself before committing). Never edit a shipped entry.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS kiosks (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    location     TEXT NOT NULL,
    secret       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_seen_at INTEGER,
    software     TEXT,
    queued       INTEGER NOT NULL DEFAULT 0,
    connected    INTEGER NOT NULL DEFAULT 0 CHECK (connected IN (0, 1))
  );

  -- options: JSON array of labels; option i (1-based) is button i.
  CREATE TABLE IF NOT EXISTS polls (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    question  TEXT NOT NULL,
    options   TEXT NOT NULL,
    state     TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    opened_at INTEGER NOT NULL,
    closed_at INTEGER
  );
  -- At most one open poll, even when two processes race to open one.
  CREATE UNIQUE INDEX IF NOT EXISTS polls_one_open ON polls (state) WHERE state = 'open';

  -- A rowid table: inserts append; the (kiosk_id, vote_id) key is the exactly-once guarantee.
  CREATE TABLE IF NOT EXISTS votes (
    kiosk_id      TEXT NOT NULL REFERENCES kiosks (id),
    vote_id       TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    poll_id       INTEGER NOT NULL REFERENCES polls (id),
    button        INTEGER NOT NULL,
    pressed_at    INTEGER NOT NULL,
    received_at   INTEGER NOT NULL,
    clock_unknown INTEGER NOT NULL CHECK (clock_unknown IN (0, 1)),
    flagged       INTEGER NOT NULL CHECK (flagged IN (0, 1)),
    PRIMARY KEY (kiosk_id, vote_id)
  );
  -- Burst check: COUNT of one kiosk's presses in a time range.
  CREATE INDEX IF NOT EXISTS votes_kiosk_pressed ON votes (kiosk_id, pressed_at);
  -- Results: covers WHERE poll_id = ? AND flagged <= ? GROUP BY button without touching rows.
  CREATE INDEX IF NOT EXISTS votes_poll ON votes (poll_id, button, flagged);
  `,
  // 2: the front door. Kiosk lifecycle (secret versions, removal, buttons, id conflicts),
  // draft and scheduled polls with public results, the audit log, alert rules and alerts.
  `
  ALTER TABLE kiosks ADD COLUMN secret_version INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE kiosks ADD COLUMN connected_at INTEGER;
  ALTER TABLE kiosks ADD COLUMN buttons INTEGER;
  ALTER TABLE kiosks ADD COLUMN id_conflict_at INTEGER;
  ALTER TABLE kiosks ADD COLUMN id_conflict_addresses TEXT;
  ALTER TABLE kiosks ADD COLUMN removed_at INTEGER;

  -- SQLite cannot change a CHECK or a NOT NULL in place: rebuild polls (votes refer to it by
  -- name, so the rename keeps their foreign key).
  CREATE TABLE polls_v2 (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    question       TEXT NOT NULL,
    options        TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('draft', 'open', 'closed')),
    created_at     INTEGER NOT NULL,
    opened_at      INTEGER,
    closed_at      INTEGER,
    opens_at       INTEGER,
    closes_at      INTEGER,
    public_results TEXT NOT NULL DEFAULT 'never' CHECK (public_results IN ('never', 'always', 'after-close')),
    CHECK ((state = 'draft') = (opened_at IS NULL))
  );
  INSERT INTO polls_v2 (id, question, options, state, created_at, opened_at, closed_at)
    SELECT id, question, options, state, opened_at, opened_at, closed_at FROM polls;
  DROP TABLE polls;
  ALTER TABLE polls_v2 RENAME TO polls;
  CREATE UNIQUE INDEX polls_one_open ON polls (state) WHERE state = 'open';
  -- The scheduler's question every second: which draft is due first.
  CREATE INDEX polls_due ON polls (opens_at) WHERE state = 'draft' AND opens_at IS NOT NULL;

  CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT,
    details TEXT
  );

  CREATE TABLE alert_rules (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    params     TEXT NOT NULL,
    enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    created_at INTEGER NOT NULL
  );

  CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id         INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    subject         TEXT NOT NULL,
    message         TEXT NOT NULL,
    raised_at       INTEGER NOT NULL,
    cleared_at      INTEGER,
    acknowledged_at INTEGER,
    acknowledged_by TEXT
  );
  -- One uncleared alert per rule and subject, whichever server raises it.
  CREATE UNIQUE INDEX alerts_one_up ON alerts (rule_id, subject) WHERE cleared_at IS NULL;

  INSERT INTO meta (key, value) VALUES ('kiosk_access_version', '1') ON CONFLICT (key) DO NOTHING;
  `,
];
