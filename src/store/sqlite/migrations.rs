//! Versioned schema. Each entry runs once, in order, inside one transaction with the version bump;
//! append new versions, never edit applied ones.
pub const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        r#"
CREATE TABLE signals (
    id          TEXT PRIMARY KEY,
    ts          INTEGER NOT NULL,          -- epoch ms of attributes.timestamp
    first_seen  INTEGER NOT NULL,
    severity    INTEGER NOT NULL,          -- 0 info .. 4 critical
    state       TEXT NOT NULL,
    service     TEXT NOT NULL,
    env         TEXT,
    title       TEXT NOT NULL,
    rule_name   TEXT NOT NULL,
    assignee    TEXT,                      -- uuid
    version     INTEGER NOT NULL,
    raw         TEXT NOT NULL              -- the vendor JSON, whole
);
CREATE INDEX signals_ts ON signals(ts);
CREATE INDEX signals_state ON signals(state, ts);
CREATE INDEX signals_severity ON signals(severity, ts);
CREATE INDEX signals_service ON signals(service, ts);

CREATE TABLE users (
    uuid     TEXT PRIMARY KEY,
    handle   TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name     TEXT NOT NULL,
    role     TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
"#,
    ),
    (
        2,
        r#"
-- The engine: audit log, cases, incidents, denylist.
CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    time        INTEGER NOT NULL,          -- epoch ms
    actor       TEXT NOT NULL,             -- handle
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    before      TEXT NOT NULL,             -- JSON
    after       TEXT NOT NULL              -- JSON
);
CREATE TABLE audit_signals (
    signal_id TEXT NOT NULL,
    seq       INTEGER NOT NULL REFERENCES audit(seq),
    PRIMARY KEY (signal_id, seq)
) WITHOUT ROWID;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE cases (
    id          TEXT PRIMARY KEY,
    number      INTEGER NOT NULL UNIQUE,
    key         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    priority    TEXT NOT NULL,
    status      TEXT NOT NULL,
    assignee    TEXT,                      -- JSON Assignee
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    modified_at INTEGER NOT NULL
);
CREATE TABLE case_signals (
    case_id   TEXT NOT NULL REFERENCES cases(id),
    signal_id TEXT NOT NULL,
    added_at  INTEGER NOT NULL,
    added_by  TEXT NOT NULL,
    PRIMARY KEY (case_id, signal_id)
);
CREATE INDEX case_signals_signal ON case_signals(signal_id);
CREATE TABLE case_comments (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id TEXT NOT NULL REFERENCES cases(id),
    author  TEXT NOT NULL,
    time    INTEGER NOT NULL,
    text    TEXT NOT NULL
);

CREATE TABLE incidents (
    id                TEXT PRIMARY KEY,
    public_id         INTEGER NOT NULL UNIQUE,
    title             TEXT NOT NULL,
    severity          TEXT NOT NULL,
    state             TEXT NOT NULL,
    commander         TEXT,                -- JSON Assignee
    customer_impacted INTEGER NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    modified_at       INTEGER NOT NULL
);
CREATE TABLE incident_signals (
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    signal_id   TEXT NOT NULL,
    added_at    INTEGER NOT NULL,
    added_by    TEXT NOT NULL,
    PRIMARY KEY (incident_id, signal_id)
);
CREATE INDEX incident_signals_signal ON incident_signals(signal_id);

-- `list` is 'deny' today; allowlists reuse the table later.
CREATE TABLE blocks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    list       TEXT NOT NULL DEFAULT 'deny',
    kind       TEXT NOT NULL,              -- ip | range | user
    value      TEXT NOT NULL,
    expires_at INTEGER,                    -- epoch ms; NULL = permanent
    reason     TEXT,
    origin     TEXT NOT NULL DEFAULT 'manual',
    signal_id  TEXT,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    lifted_at  INTEGER,
    lifted_by  TEXT
);
CREATE INDEX blocks_value ON blocks(list, value);
CREATE TABLE block_history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    block_id   INTEGER NOT NULL REFERENCES blocks(id),
    time       INTEGER NOT NULL,
    event      TEXT NOT NULL,              -- made | extended | lifted | expired
    actor      TEXT NOT NULL,
    expires_at INTEGER
);
CREATE INDEX block_history_block ON block_history(block_id, id);
"#,
    ),
    (3, super::server_schema::V3),
    (
        4,
        r#"
-- Notification rules (issue 8): the vendor's attributes whole in `raw`, plus the columns listed.
CREATE TABLE notification_rules (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    enabled     INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,          -- epoch ms
    modified_at INTEGER NOT NULL,
    raw         TEXT NOT NULL              -- vendor `attributes` JSON (selectors, targets, ...)
);
-- One row per (rule, signal, change, target); the UNIQUE key is what makes a change notify once.
CREATE TABLE notification_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id         TEXT NOT NULL,
    rule_name       TEXT NOT NULL,
    signal_id       TEXT NOT NULL,
    change_key      TEXT NOT NULL,         -- "created" or "severity:<new severity>"
    target          TEXT NOT NULL,         -- as written in the rule (kind:value); masked when shown
    payload         TEXT NOT NULL,         -- JSON body built when queued
    state           TEXT NOT NULL,         -- queued | sent | failed (will retry) | dead
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,      -- epoch ms; also the lease of a delivery being sent
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    last_status     INTEGER,
    last_error      TEXT,
    UNIQUE (rule_id, signal_id, change_key, target)
);
CREATE INDEX notification_deliveries_due ON notification_deliveries(state, next_attempt_at);
CREATE TABLE notification_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES notification_deliveries(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    status      INTEGER,
    error       TEXT,
    duration_ms INTEGER NOT NULL
);
CREATE INDEX notification_attempts_delivery ON notification_attempts(delivery_id);
CREATE TABLE workflow_runs (
    id          TEXT PRIMARY KEY,
    workflow    TEXT NOT NULL,
    signal_id   TEXT NOT NULL,
    actor       TEXT NOT NULL,             -- the user's handle
    state       TEXT NOT NULL,             -- running | succeeded | failed
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    inputs      TEXT NOT NULL,             -- JSON object
    steps       TEXT NOT NULL,             -- JSON array of step results
    error       TEXT
);
CREATE INDEX workflow_runs_signal ON workflow_runs(signal_id, started_at);
"#,
    ),
    (
        5,
        r#"
CREATE TABLE allowlist (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,              -- ip | range | user
    value      TEXT NOT NULL UNIQUE,       -- canonical, as blocks.value
    note       TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE autoblock_rules (
    name       TEXT PRIMARY KEY,
    query      TEXT NOT NULL,
    what       TEXT NOT NULL,              -- ips | users | both
    duration_s INTEGER,                    -- NULL = permanent
    escalate   INTEGER NOT NULL DEFAULT 0,
    cap_s      INTEGER,
    simulate   INTEGER NOT NULL DEFAULT 0,
    enabled    INTEGER NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
-- What each rule did per signal and value: its idempotency record, and the simulation log.
CREATE TABLE autoblock_runs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    rule       TEXT NOT NULL,
    signal_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    outcome    TEXT NOT NULL,              -- made | extended | simulated
    block_id   INTEGER,
    expires_at INTEGER,
    time       INTEGER NOT NULL
);
CREATE INDEX autoblock_runs_rule ON autoblock_runs(rule, signal_id);
CREATE TABLE bouncers (
    name       TEXT PRIMARY KEY,
    key_sha256 TEXT NOT NULL UNIQUE,       -- hex; the key itself is shown once and never stored
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    cursor_seq INTEGER,                    -- last block_history id sent
    cursor_at  INTEGER,                    -- when it last pulled
    last_pull  INTEGER
);
"#,
    ),
    (
        6,
        r#"
-- The rule and service catalogues, which Rule Details and the service owner read (the demo data
-- and detection rules fill them).
CREATE TABLE rule_catalog (
    id  TEXT PRIMARY KEY,
    raw TEXT NOT NULL
);
CREATE TABLE service_catalog (
    service TEXT PRIMARY KEY,
    owner   TEXT NOT NULL
);
"#,
    ),
    (
        7,
        r#"
-- Detection (src/detect): where `ingest --follow` stopped in each file, the events already counted
-- (dedupe across runs), and each (rule, group)'s window and open-signal state so a restart continues.
CREATE TABLE detect_follow (
    path    TEXT PRIMARY KEY,
    inode   INTEGER NOT NULL,
    offset  INTEGER NOT NULL,
    updated INTEGER NOT NULL
);
CREATE TABLE detect_seen (
    event_id   TEXT PRIMARY KEY,
    event_time INTEGER NOT NULL            -- epoch ms of the event
) WITHOUT ROWID;
CREATE TABLE detect_groups (
    rule_id   TEXT NOT NULL,
    group_key TEXT NOT NULL,
    state     TEXT NOT NULL,               -- JSON (detect::GroupState)
    updated   INTEGER NOT NULL,
    PRIMARY KEY (rule_id, group_key)
) WITHOUT ROWID;
"#,
    ),
    (
        8,
        r#"
-- An event's signals by seq: reading events in order (the change feed, the triage times the stats
-- derive) looked each event's signals up by seq, which the (signal_id, seq) key cannot answer
-- without a scan of the whole table per event.
CREATE INDEX audit_signals_by_seq ON audit_signals (seq);
"#,
    ),
    (
        9,
        r#"
-- No query reads the signals table by state, severity or service: lists, facets and searches
-- answer from the live index, and the store is read by id, by time (signals_ts) and by row. The
-- three indexes only cost every write: an import updated five trees per row instead of two, and
-- every triage change moved an entry in signals_state.
DROP INDEX IF EXISTS signals_state;
DROP INDEX IF EXISTS signals_severity;
DROP INDEX IF EXISTS signals_service;
"#,
    ),
];
