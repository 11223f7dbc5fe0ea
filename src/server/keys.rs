//! API and application keys: generated once, shown once, stored only as SHA-256 hashes.
//!
//! Keys are 128+ random bits, so an unsalted hash is enough: there is nothing to brute-force.
use crate::error::{Error, Result};
use crate::model::User;
use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

/// A freshly created pair; the only moment the secrets exist outside the client.
pub struct NewKeys {
    pub id: String,
    pub api_key: String,
    pub app_key: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    pub id: String,
    pub user_uuid: String,
    pub user_handle: Option<String>,
    pub created: i64,
    pub revoked: Option<i64>,
}

pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Create a key pair for `user` (the vendor's lengths: 32 and 40 hex characters).
pub fn create(conn: &Connection, user: &User) -> Result<NewKeys> {
    let keys = NewKeys {
        id: random_hex(4),
        api_key: random_hex(16),
        app_key: random_hex(20),
    };
    conn.execute(
        "INSERT INTO api_keys (id, api_hash, app_hash, user_uuid, created) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![keys.id, hash(&keys.api_key), hash(&keys.app_key), user.uuid, now_ms()],
    )?;
    Ok(keys)
}

pub fn list(conn: &Connection) -> Result<Vec<KeyInfo>> {
    let mut stmt = conn.prepare(
        "SELECT k.id, k.user_uuid, u.handle, k.created, k.revoked
         FROM api_keys k LEFT JOIN users u ON u.uuid = k.user_uuid ORDER BY k.created, k.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(KeyInfo {
            id: r.get(0)?,
            user_uuid: r.get(1)?,
            user_handle: r.get(2)?,
            created: r.get(3)?,
            revoked: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Revoke by key id; revoking twice is an error so a typo is not mistaken for success.
pub fn revoke(conn: &Connection, id: &str) -> Result<()> {
    let n = conn.execute(
        "UPDATE api_keys SET revoked = ?2 WHERE id = ?1 AND revoked IS NULL",
        params![id, now_ms()],
    )?;
    if n == 0 {
        return Err(Error::NotFound(format!("no active key with id {id}")));
    }
    Ok(())
}

/// The user uuid the pair belongs to, when both keys are valid, match each other and are not revoked.
pub fn authenticate(conn: &Connection, api_key: &str, app_key: &str) -> Result<Option<String>> {
    let row: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT user_uuid, api_hash FROM api_keys WHERE app_hash = ?1 AND revoked IS NULL",
        )?
        .query_row([hash(app_key)], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row.and_then(|(user, api_hash)| {
        // Both are hashes of the caller's input, so comparing them leaks nothing about the secret.
        (api_hash == hash(api_key)).then_some(user)
    }))
}
