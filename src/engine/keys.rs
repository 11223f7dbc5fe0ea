//! API and application keys: generated once, shown once, stored only as SHA-256 hashes. Keys are
//! 128+ random bits, so an unsalted hash is enough: there is nothing to brute-force.
//!
//! Anyone may manage their own keys; another user's need `user_access_manage`, as in the vendor's
//! org, since a key acts with its user's role.
use super::autoblock::audit;
use super::Engine;
use crate::error::{Error, Result};
use crate::model::{Permission, User};
use rand::RngCore;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// A freshly created pair; the only moment the secrets exist outside the client.
pub struct NewKeys {
    pub id: String,
    pub api_key: String,
    pub app_key: String,
}

pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

fn may_manage(actor: &User, owner_uuid: &str) -> Result<()> {
    if actor.uuid == owner_uuid {
        super::rbac::require(actor, Permission::SecurityMonitoringSignalsRead)
    } else {
        super::rbac::require(actor, Permission::UserAccessManage)
    }
}

impl Engine {
    /// Create a key pair for the user `who` (the vendor's lengths: 32 and 40 hex characters).
    pub fn create_key(&mut self, actor: &User, who: &str) -> Result<(User, NewKeys)> {
        let owner = super::find_user_loose(self.db(), who.trim())?.ok_or_else(|| {
            Error::NotFound(format!(
                "no user {} in {}",
                crate::sanitize::clean(who),
                self.location()
            ))
        })?;
        may_manage(actor, &owner.uuid)?;
        if owner.disabled {
            return Err(Error::Invalid(format!("user {} is disabled", owner.handle)));
        }
        let keys = NewKeys {
            id: random_hex(4),
            api_key: random_hex(16),
            app_key: random_hex(20),
        };
        let now = self.now();
        self.write_rows(|db| {
            db.insert_key(
                &keys.id,
                &hash(&keys.api_key),
                &hash(&keys.app_key),
                &owner.uuid,
                now.timestamp_millis(),
            )?;
            audit(
                db,
                actor,
                now,
                "api_key.create",
                &keys.id,
                Value::Null,
                json!({ "id": keys.id, "user": owner.handle }),
            )
        })?;
        Ok((owner, keys))
    }

    /// Revoke a key pair by id; revoking twice is an error so a typo is not mistaken for success.
    pub fn revoke_key(&mut self, actor: &User, id: &str) -> Result<()> {
        let now = self.now();
        self.write_rows(|db| {
            let key = db.list_keys()?.into_iter().find(|k| k.id == id);
            let Some(key) = key.filter(|k| k.revoked.is_none()) else {
                return Err(Error::NotFound(format!(
                    "no active key with id {}",
                    crate::sanitize::clean(id)
                )));
            };
            may_manage(actor, &key.user_uuid)?;
            db.revoke_key(id, now.timestamp_millis())?;
            audit(
                db,
                actor,
                now,
                "api_key.revoke",
                id,
                json!({ "id": id, "user": key.user_handle }),
                Value::Null,
            )
        })
    }

    /// The user a key pair belongs to, when both keys are valid, match each other, are not revoked
    /// and the user is enabled. The keys are the caller's credential, so this is its check.
    pub fn authenticate(&self, api_key: &str, app_key: &str) -> Result<Option<User>> {
        let db = self.db();
        let Some((uuid, api_hash)) = db.key_by_app_hash(&hash(app_key))? else {
            return Ok(None);
        };
        // Both are hashes of the caller's input, so comparing them leaks nothing about the secret.
        if api_hash != hash(api_key) {
            return Ok(None);
        }
        Ok(db.find_user(&uuid)?.filter(|u| !u.disabled))
    }
}
