//! The PostgreSQL schema, version for version the same tables as SQLite's (`sqlite/migrations.rs`),
//! so `schema_versions`, `/readyz` and `migrate-store` speak of one numbering. Times are epoch ms
//! (BIGINT), flags 0/1 (BIGINT), JSON as TEXT: rows cross backends unchanged. Append new versions,
//! never edit applied ones.
pub const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        r#"
CREATE TABLE signals (
    -- Byte order, as SQLite compares: pages and cursors order by (ts, id) alike on both backends.
    id          TEXT COLLATE "C" PRIMARY KEY,
    -- SQLite's rowid: the order rows were first written in, which the change feed follows. Writers
    -- serialise on the store's write lock, so it grows in commit order.
    row_seq     BIGSERIAL NOT NULL UNIQUE,
    ts          BIGINT NOT NULL,
    first_seen  BIGINT NOT NULL,
    severity    BIGINT NOT NULL,
    state       TEXT NOT NULL,
    service     TEXT NOT NULL,
    env         TEXT,
    title       TEXT NOT NULL,
    rule_name   TEXT NOT NULL,
    assignee    TEXT,
    version     BIGINT NOT NULL,
    raw         TEXT NOT NULL
);
CREATE INDEX signals_ts ON signals(ts, id);
CREATE INDEX signals_state ON signals(state, ts);
CREATE INDEX signals_severity ON signals(severity, ts);
CREATE INDEX signals_service ON signals(service, ts);

CREATE TABLE users (
    uuid     TEXT PRIMARY KEY,
    handle   TEXT NOT NULL,
    name     TEXT NOT NULL,
    role     TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX users_handle ON users (lower(handle));
"#,
    ),
    (
        2,
        r#"
CREATE TABLE audit (
    seq         BIGSERIAL PRIMARY KEY,
    time        BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    before      TEXT NOT NULL,
    after       TEXT NOT NULL
);
CREATE TABLE audit_signals (
    signal_id TEXT NOT NULL,
    seq       BIGINT NOT NULL REFERENCES audit(seq),
    PRIMARY KEY (signal_id, seq)
);
CREATE FUNCTION sigscope_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION sigscope_audit_append_only();

CREATE TABLE cases (
    id          TEXT PRIMARY KEY,
    number      BIGINT NOT NULL UNIQUE,
    key         TEXT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    priority    TEXT NOT NULL,
    status      TEXT NOT NULL,
    assignee    TEXT,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    modified_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX cases_key ON cases (lower(key));
CREATE TABLE case_signals (
    case_id   TEXT NOT NULL REFERENCES cases(id),
    signal_id TEXT NOT NULL,
    added_at  BIGINT NOT NULL,
    added_by  TEXT NOT NULL,
    PRIMARY KEY (case_id, signal_id)
);
CREATE INDEX case_signals_signal ON case_signals(signal_id);
CREATE TABLE case_comments (
    id      BIGSERIAL PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    author  TEXT NOT NULL,
    time    BIGINT NOT NULL,
    text    TEXT NOT NULL
);

CREATE TABLE incidents (
    id                TEXT PRIMARY KEY,
    public_id         BIGINT NOT NULL UNIQUE,
    title             TEXT NOT NULL,
    severity          TEXT NOT NULL,
    state             TEXT NOT NULL,
    commander         TEXT,
    customer_impacted BIGINT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    modified_at       BIGINT NOT NULL
);
CREATE TABLE incident_signals (
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    signal_id   TEXT NOT NULL,
    added_at    BIGINT NOT NULL,
    added_by    TEXT NOT NULL,
    PRIMARY KEY (incident_id, signal_id)
);
CREATE INDEX incident_signals_signal ON incident_signals(signal_id);

CREATE TABLE blocks (
    id         BIGSERIAL PRIMARY KEY,
    list       TEXT NOT NULL DEFAULT 'deny',
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    expires_at BIGINT,
    reason     TEXT,
    origin     TEXT NOT NULL DEFAULT 'manual',
    signal_id  TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    lifted_at  BIGINT,
    lifted_by  TEXT
);
CREATE INDEX blocks_value ON blocks(list, value);
CREATE TABLE block_history (
    id         BIGSERIAL PRIMARY KEY,
    block_id   BIGINT NOT NULL REFERENCES blocks(id),
    time       BIGINT NOT NULL,
    event      TEXT NOT NULL,
    actor      TEXT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX block_history_block ON block_history(block_id, id);
"#,
    ),
    (
        3,
        r#"
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    api_hash    TEXT NOT NULL UNIQUE,
    app_hash    TEXT NOT NULL UNIQUE,
    user_uuid   TEXT NOT NULL,
    created     BIGINT NOT NULL,
    revoked     BIGINT
);
CREATE TABLE server_idempotency (
    key         TEXT NOT NULL,
    user_uuid   TEXT NOT NULL,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    status      BIGINT NOT NULL,
    body        TEXT NOT NULL,
    created     BIGINT NOT NULL,
    PRIMARY KEY (user_uuid, key)
);
"#,
    ),
    (
        4,
        r#"
CREATE TABLE notification_rules (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    enabled     BIGINT NOT NULL,
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    modified_at BIGINT NOT NULL,
    raw         TEXT NOT NULL
);
CREATE TABLE notification_deliveries (
    id              BIGSERIAL PRIMARY KEY,
    rule_id         TEXT NOT NULL,
    rule_name       TEXT NOT NULL,
    signal_id       TEXT NOT NULL,
    change_key      TEXT NOT NULL,
    target          TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT,
    last_status     BIGINT,
    last_error      TEXT,
    UNIQUE (rule_id, signal_id, change_key, target)
);
CREATE INDEX notification_deliveries_due ON notification_deliveries(state, next_attempt_at);
CREATE TABLE notification_attempts (
    id          BIGSERIAL PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES notification_deliveries(id) ON DELETE CASCADE,
    at          BIGINT NOT NULL,
    status      BIGINT,
    error       TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX notification_attempts_delivery ON notification_attempts(delivery_id);
CREATE TABLE workflow_runs (
    id          TEXT PRIMARY KEY,
    workflow    TEXT NOT NULL,
    signal_id   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    state       TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT,
    inputs      TEXT NOT NULL,
    steps       TEXT NOT NULL,
    error       TEXT
);
CREATE INDEX workflow_runs_signal ON workflow_runs(signal_id, started_at);
"#,
    ),
    (
        5,
        r#"
CREATE TABLE allowlist (
    id         BIGSERIAL PRIMARY KEY,
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL UNIQUE,
    note       TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE autoblock_rules (
    name       TEXT PRIMARY KEY,
    query      TEXT NOT NULL,
    what       TEXT NOT NULL,
    duration_s BIGINT,
    escalate   BIGINT NOT NULL DEFAULT 0,
    cap_s      BIGINT,
    simulate   BIGINT NOT NULL DEFAULT 0,
    enabled    BIGINT NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE autoblock_runs (
    id         BIGSERIAL PRIMARY KEY,
    rule       TEXT NOT NULL,
    signal_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    block_id   BIGINT,
    expires_at BIGINT,
    time       BIGINT NOT NULL
);
CREATE INDEX autoblock_runs_rule ON autoblock_runs(rule, signal_id);
CREATE TABLE bouncers (
    name       TEXT PRIMARY KEY,
    key_sha256 TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    cursor_seq BIGINT,
    cursor_at  BIGINT,
    last_pull  BIGINT
);
"#,
    ),
    (
        6,
        r#"
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
CREATE TABLE detect_follow (
    path    TEXT PRIMARY KEY,
    inode   BIGINT NOT NULL,
    "offset" BIGINT NOT NULL,
    updated BIGINT NOT NULL
);
CREATE TABLE detect_seen (
    event_id   TEXT PRIMARY KEY,
    event_time BIGINT NOT NULL
);
CREATE TABLE detect_groups (
    rule_id   TEXT NOT NULL,
    group_key TEXT NOT NULL,
    state     TEXT NOT NULL,
    updated   BIGINT NOT NULL,
    PRIMARY KEY (rule_id, group_key)
);
"#,
    ),
    (
        8,
        r#"
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
