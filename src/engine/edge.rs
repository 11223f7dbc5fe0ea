//! The denylist's administration and its readers at the edge: the allowlist, bouncer keys, and the
//! CrowdSec decision stream. Every change is permission-checked and audited in its transaction.
use super::autoblock::audit;
use super::{blocking, Engine};
use crate::denylist::{self, key_hash, AllowEntry, BlockValue};
use crate::error::{Error, Result};
use crate::locks::lock;
use crate::model::{Permission, User};
use serde_json::{json, Value};

impl Engine {
    /// Allow an IP, range or (with `user`) a user id; the new entry. Blocks already in force are
    /// left alone (lift them with `unblock`); new ones are refused.
    pub fn allow(
        &mut self,
        actor: &User,
        value: &str,
        user: bool,
        note: &str,
    ) -> Result<AllowEntry> {
        super::rbac::require(actor, Permission::AppsecProtectWrite)?;
        let (kind, canon) = if user {
            ("user", blocking::check_user_value(value)?)
        } else {
            let (k, v) = blocking::parse_ip_value(value)?;
            (k.as_str(), v)
        };
        let stored = if user {
            BlockValue::User(canon.clone())
        } else {
            BlockValue::parse_net(&canon)
                .map_err(|_| Error::Usage(format!("{canon} is not an address")))?
        };
        let note = crate::sanitize::truncate(note.trim(), 200);
        if note.chars().any(char::is_control) {
            return Err(Error::Usage("the note contains control characters".into()));
        }
        let now = self.now();
        self.write_rows(|db| {
            let id = db.allow_insert(kind, &canon, &note, &actor.handle, &now)?;
            let e = AllowEntry {
                id,
                value: stored,
                note: note.clone(),
                created_by: actor.handle.clone(),
                created_at: now,
            };
            audit(
                db,
                actor,
                now,
                "allowlist.add",
                &id.to_string(),
                Value::Null,
                json!(e),
            )?;
            Ok(e)
        })
    }

    /// Remove an allowlist entry by id or value.
    pub fn disallow(&mut self, actor: &User, target: &str) -> Result<AllowEntry> {
        super::rbac::require(actor, Permission::AppsecProtectWrite)?;
        let t = target.trim();
        // The value as it is stored: `10.0.0.1` finds `10.0.0.1/32`.
        let canon = blocking::parse_ip_value(t)
            .map(|p| p.1)
            .unwrap_or_else(|_| t.to_string());
        let now = self.now();
        self.write_rows(|db| {
            let e = db
                .allow_list()?
                .into_iter()
                .find(|a| a.value.to_string() == canon || a.id.to_string() == t)
                .ok_or_else(|| {
                    Error::NotFound(format!(
                        "{} is not on the allowlist",
                        crate::sanitize::clean(t)
                    ))
                })?;
            db.allow_delete(e.id)?;
            audit(
                db,
                actor,
                now,
                "allowlist.remove",
                &e.id.to_string(),
                json!(e),
                Value::Null,
            )?;
            Ok(e)
        })
    }

    /// Register a bouncer; the key, returned once, is stored only as its SHA-256.
    pub fn add_bouncer(&mut self, actor: &User, name: &str) -> Result<String> {
        super::rbac::require(actor, Permission::AppsecProtectWrite)?;
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            return Err(Error::Usage(format!(
                "bouncer name {:?}: use 1-64 letters, digits, '-', '_' or '.'",
                crate::sanitize::clean(name)
            )));
        }
        use rand::RngCore;
        let mut bytes = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let key = hex::encode(bytes);
        let now = self.now();
        self.write_rows(|db| {
            db.bouncer_insert(name, &key_hash(&key), &actor.handle, &now)?;
            audit(
                db,
                actor,
                now,
                "bouncer.add",
                name,
                Value::Null,
                json!({"name": name}),
            )
        })?;
        Ok(key)
    }

    pub fn remove_bouncer(&mut self, actor: &User, name: &str) -> Result<()> {
        super::rbac::require(actor, Permission::AppsecProtectWrite)?;
        let now = self.now();
        self.write_rows(|db| {
            db.bouncer_delete(name)?;
            audit(
                db,
                actor,
                now,
                "bouncer.remove",
                name,
                Value::Null,
                Value::Null,
            )
        })
    }

    /// One bouncer poll of `/v1/decisions/stream`: the answer, the bouncer's cursor moved on.
    /// An unknown key is `PermissionDenied`. The key is the bouncer's credential, so this is its
    /// permission check; the cursor is bookkeeping, not a change anyone audits.
    pub fn decision_stream(
        &mut self,
        key: &str,
        startup: bool,
    ) -> Result<denylist::DecisionStream> {
        let now = self.now();
        let memory = self.deny_memory.clone();
        let out = self.write_rows(|db| {
            let b = db
                .bouncer_by_key_hash(&key_hash(key))?
                .ok_or_else(|| Error::PermissionDenied("unknown bouncer API key".into()))?;
            db.record_expired_blocks(&now)?;
            // Only the history since the last poll is read: the rest is in memory.
            let mut last = lock(&memory);
            let fresh = db.deny_history_since(last.seq)?;
            last.extend(fresh);
            let (answer, next) = last.stream(b.cursor, startup, now);
            db.bouncer_set_cursor(&b.name, &next, &now)?;
            Ok(answer)
        });
        if out.is_err() {
            // Events read inside a transaction that did not commit may be in memory: start over.
            *lock(&self.deny_memory) = Default::default();
        }
        out
    }

    /// Whether `key` belongs to a registered bouncer.
    pub fn is_bouncer_key(&self, key: &str) -> Result<bool> {
        Ok(self.db().bouncer_by_key_hash(&key_hash(key))?.is_some())
    }

    /// `/v1/decisions?ip=`: the active decisions covering `ip`, for a bouncer holding `key`.
    pub fn decisions_for_ip(
        &self,
        key: &str,
        ip: std::net::IpAddr,
    ) -> Result<Option<Vec<denylist::decisions::WireDecision>>> {
        let db = self.db();
        db.bouncer_by_key_hash(&key_hash(key))?
            .ok_or_else(|| Error::PermissionDenied("unknown bouncer API key".into()))?;
        let mut last = lock(&self.deny_memory);
        let fresh = db.deny_history_since(last.seq)?;
        last.extend(fresh);
        Ok(last.for_ip(ip, self.now()))
    }
}
