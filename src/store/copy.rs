//! Copying a whole store between backends (`sigscope migrate-store`): every table row for row, in
//! one transaction on the destination, then each table's count and checksum read back through that
//! transaction and compared with the source's before it commits — so a copy that does not verify
//! leaves the destination as it was.
//!
//! Both schemas hold the same tables with the same columns (BIGINT or TEXT), so a row crosses as a
//! list of cells. Checksums add up each row's SHA-256 (its first 16 bytes, wrapping), which does not
//! depend on the order the backends return rows in (their text collations differ).
use super::Storage;
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};

/// One column's value: every stored column is an integer or text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
}

pub struct Table {
    pub name: &'static str,
    pub cols: &'static [&'static str],
}

/// Every table a store holds, parents before the tables that refer to them. The remote client's
/// cache tables (outbox, sync state) are not part of a store.
pub const TABLES: &[Table] = &[
    Table {
        name: "users",
        cols: &["uuid", "handle", "name", "role", "disabled"],
    },
    Table {
        name: "signals",
        cols: &[
            "id",
            "ts",
            "first_seen",
            "severity",
            "state",
            "service",
            "env",
            "title",
            "rule_name",
            "assignee",
            "version",
            "raw",
        ],
    },
    Table {
        name: "audit",
        cols: &[
            "seq",
            "time",
            "actor",
            "action",
            "target_type",
            "target_id",
            "before",
            "after",
        ],
    },
    Table {
        name: "audit_signals",
        cols: &["signal_id", "seq"],
    },
    Table {
        name: "cases",
        cols: &[
            "id",
            "number",
            "key",
            "title",
            "description",
            "priority",
            "status",
            "assignee",
            "created_by",
            "created_at",
            "modified_at",
        ],
    },
    Table {
        name: "case_signals",
        cols: &["case_id", "signal_id", "added_at", "added_by"],
    },
    Table {
        name: "case_comments",
        cols: &["id", "case_id", "author", "time", "text"],
    },
    Table {
        name: "incidents",
        cols: &[
            "id",
            "public_id",
            "title",
            "severity",
            "state",
            "commander",
            "customer_impacted",
            "created_by",
            "created_at",
            "modified_at",
        ],
    },
    Table {
        name: "incident_signals",
        cols: &["incident_id", "signal_id", "added_at", "added_by"],
    },
    Table {
        name: "blocks",
        cols: &[
            "id",
            "list",
            "kind",
            "value",
            "expires_at",
            "reason",
            "origin",
            "signal_id",
            "created_by",
            "created_at",
            "lifted_at",
            "lifted_by",
        ],
    },
    Table {
        name: "block_history",
        cols: &["id", "block_id", "time", "event", "actor", "expires_at"],
    },
    Table {
        name: "api_keys",
        cols: &[
            "id",
            "api_hash",
            "app_hash",
            "user_uuid",
            "created",
            "revoked",
        ],
    },
    Table {
        name: "server_idempotency",
        cols: &[
            "key",
            "user_uuid",
            "method",
            "path",
            "status",
            "body",
            "created",
        ],
    },
    Table {
        name: "notification_rules",
        cols: &[
            "id",
            "name",
            "enabled",
            "version",
            "created_at",
            "modified_at",
            "raw",
        ],
    },
    Table {
        name: "notification_deliveries",
        cols: &[
            "id",
            "rule_id",
            "rule_name",
            "signal_id",
            "change_key",
            "target",
            "payload",
            "state",
            "attempts",
            "next_attempt_at",
            "created_at",
            "sent_at",
            "last_status",
            "last_error",
        ],
    },
    Table {
        name: "notification_attempts",
        cols: &["id", "delivery_id", "at", "status", "error", "duration_ms"],
    },
    Table {
        name: "workflow_runs",
        cols: &[
            "id",
            "workflow",
            "signal_id",
            "actor",
            "state",
            "started_at",
            "finished_at",
            "inputs",
            "steps",
            "error",
        ],
    },
    Table {
        name: "allowlist",
        cols: &["id", "kind", "value", "note", "created_by", "created_at"],
    },
    Table {
        name: "autoblock_rules",
        cols: &[
            "name",
            "query",
            "what",
            "duration_s",
            "escalate",
            "cap_s",
            "simulate",
            "enabled",
            "created_by",
            "created_at",
        ],
    },
    Table {
        name: "autoblock_runs",
        cols: &[
            "id",
            "rule",
            "signal_id",
            "kind",
            "value",
            "outcome",
            "block_id",
            "expires_at",
            "time",
        ],
    },
    Table {
        name: "bouncers",
        cols: &[
            "name",
            "key_sha256",
            "created_by",
            "created_at",
            "cursor_seq",
            "cursor_at",
            "last_pull",
        ],
    },
    Table {
        name: "rule_catalog",
        cols: &["id", "raw"],
    },
    Table {
        name: "service_catalog",
        cols: &["service", "owner"],
    },
    Table {
        name: "detect_follow",
        cols: &["path", "inode", "offset", "updated"],
    },
    Table {
        name: "detect_seen",
        cols: &["event_id", "event_time"],
    },
    Table {
        name: "detect_groups",
        cols: &["rule_id", "group_key", "state", "updated"],
    },
];

/// What a backend offers the copy: whole tables as cells.
pub trait RawTables {
    /// Visit every row of `t`, its cells in `t.cols` order.
    fn read_table(&self, t: &Table, f: &mut dyn FnMut(Vec<Cell>) -> Result<()>) -> Result<()>;
    /// Insert rows given in `t.cols` order, keeping their ids.
    fn write_rows(&self, t: &Table, rows: &[Vec<Cell>]) -> Result<()>;
    /// After rows were written with their own ids: make the next generated id follow them.
    fn after_copy(&self) -> Result<()>;
}

/// A table's row count and order-independent checksum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSum {
    pub table: &'static str,
    pub rows: u64,
    pub checksum: String,
}

#[derive(Default)]
struct Sum {
    rows: u64,
    acc: u128,
}

impl Sum {
    fn add(&mut self, row: &[Cell]) {
        let mut h = Sha256::new();
        for c in row {
            // Tagged and length-prefixed, so no two different rows hash alike by concatenation.
            match c {
                Cell::Null => h.update([0u8]),
                Cell::Int(i) => {
                    h.update([1u8]);
                    h.update(i.to_be_bytes());
                }
                Cell::Text(s) => {
                    h.update([2u8]);
                    h.update((s.len() as u64).to_be_bytes());
                    h.update(s.as_bytes());
                }
            }
        }
        let d = h.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&d[..16]);
        self.acc = self.acc.wrapping_add(u128::from_be_bytes(first));
        self.rows = self.rows.saturating_add(1);
    }

    fn done(self, table: &'static str) -> TableSum {
        TableSum {
            table,
            rows: self.rows,
            checksum: format!("{:032x}", self.acc),
        }
    }
}

/// Every table's count and checksum.
pub fn checksums(db: &dyn super::Db) -> Result<Vec<TableSum>> {
    TABLES
        .iter()
        .map(|t| {
            let mut sum = Sum::default();
            db.read_table(t, &mut |row| {
                sum.add(&row);
                Ok(())
            })?;
            Ok(sum.done(t.name))
        })
        .collect()
}

/// Rows are written in batches of this many, so a large table is never held whole.
const BATCH: usize = 1000;

/// Copy every table of `from` into the empty store `to`, verified before it commits.
pub fn copy(from: &dyn Storage, to: &mut dyn Storage) -> Result<Vec<TableSum>> {
    let non_empty: Vec<&str> = checksums(to.db())?
        .into_iter()
        .filter(|s| s.rows > 0)
        .map(|s| s.table)
        .collect();
    if !non_empty.is_empty() {
        return Err(Error::Usage(format!(
            "{} is not empty (it has rows in {}); migrate-store copies into a new store only",
            to.location(),
            non_empty.join(", ")
        )));
    }
    super::atomically(to, |to| {
        let mut source = Vec::new();
        for t in TABLES {
            let mut sum = Sum::default();
            let mut batch = Vec::with_capacity(BATCH);
            let dest = to.db();
            from.db().read_table(t, &mut |row| {
                sum.add(&row);
                batch.push(row);
                if batch.len() >= BATCH {
                    dest.write_rows(t, &batch)?;
                    batch.clear();
                }
                Ok(())
            })?;
            dest.write_rows(t, &batch)?;
            source.push(sum.done(t.name));
        }
        to.db().after_copy()?;
        let copied = checksums(to.db())?;
        for (s, d) in source.iter().zip(&copied) {
            if s != d {
                return Err(Error::Store(format!(
                    "table {}: copied {} rows with checksum {}, but the source has {} with {}; nothing was written",
                    s.table, d.rows, d.checksum, s.rows, s.checksum
                )));
            }
        }
        Ok(source)
    })
}
