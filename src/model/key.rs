//! API and application keys as the store lists them (never the secrets: only their hashes are kept).
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    pub id: String,
    pub user_uuid: String,
    pub user_handle: Option<String>,
    /// Epoch milliseconds.
    pub created: i64,
    pub revoked: Option<i64>,
}
