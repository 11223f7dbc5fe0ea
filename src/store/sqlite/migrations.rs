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
];
