//! `migrate-store`: a whole store copied to another backend (SQLite ⇄ PostgreSQL), verified by each
//! table's count and checksum before the destination commits.
//!
//! This is an operator's tool, like a backup: whoever can open both stores may copy them, and the
//! copy is exact — the audit log included — so no event is added to either side (an event would make
//! the round trip SQLite → PostgreSQL → SQLite differ).
use crate::error::{Error, Result};
pub use crate::store::copy::TableSum;
use std::path::Path;

/// Copy the store at `from` into the new, empty store at `to` (created and migrated if needed).
pub fn migrate_store(from: &Path, to: &Path) -> Result<Vec<TableSum>> {
    if from == to {
        return Err(Error::Usage("--from and --to name the same store".into()));
    }
    let source = crate::store::open(from)?;
    let mut dest = crate::store::open(to)?;
    let (have, _) = source.db().schema_versions()?;
    let (want, _) = dest.db().schema_versions()?;
    if have != want {
        return Err(Error::Store(format!(
            "{} is at schema version {have} and {} at {want}; open the older one with this sigscope first",
            source.location(),
            dest.location()
        )));
    }
    crate::store::copy::copy(source.as_ref(), dest.as_mut())
}

/// Every table's count and checksum, to compare two stores.
pub fn store_checksums(at: &Path) -> Result<Vec<TableSum>> {
    let s = crate::store::open(at)?;
    crate::store::copy::checksums(s.db())
}
