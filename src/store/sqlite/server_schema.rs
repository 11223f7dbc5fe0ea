//! Schema version 3: the team server's keys and idempotency records, and the remote
//! client's cache bookkeeping (outbox, sync state). Independent of every other version's tables.
pub const V3: &str = r#"
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,          -- short public id for `keys list` / `keys revoke`
    api_hash    TEXT NOT NULL UNIQUE,      -- sha256 hex of DD_API_KEY
    app_hash    TEXT NOT NULL UNIQUE,      -- sha256 hex of DD_APP_KEY
    user_uuid   TEXT NOT NULL,
    created     INTEGER NOT NULL,          -- epoch ms
    revoked     INTEGER                    -- epoch ms, NULL while valid
);

CREATE TABLE server_idempotency (
    key         TEXT NOT NULL,
    user_uuid   TEXT NOT NULL,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT NOT NULL,
    created     INTEGER NOT NULL,
    PRIMARY KEY (user_uuid, key)
);

CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    idem_key     TEXT NOT NULL UNIQUE,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    body         TEXT NOT NULL,
    signal_id    TEXT,
    base_version INTEGER,
    state        TEXT NOT NULL DEFAULT 'pending',   -- pending | done | conflict | failed
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    remote_body  TEXT,                              -- the server's version on a conflict
    created      INTEGER NOT NULL
);
CREATE INDEX outbox_state ON outbox(state, seq);

CREATE TABLE sync_state (
    remote      TEXT PRIMARY KEY,
    cursor      TEXT,
    last_seq    INTEGER NOT NULL DEFAULT 0,
    last_ok     INTEGER
);
"#;
