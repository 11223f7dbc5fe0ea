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
    (3, super::server_schema::V3),
];
