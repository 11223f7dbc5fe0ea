//! The edge denylist inside the engine: allowlist, automated blocking rules (run after signals are
//! created, imported or synced), bouncer keys, and the denylist read for exports and bouncers.
//!
//! The decisions are `denylist::`'s pure functions; this file loads their inputs, applies their
//! outputs through the engine's own block placement (so allowlist, refusals and extension apply
//! the same way as for a person's block), and records each step in the same transaction.
use super::{blocking, BlockFor, Engine, Tx};
use crate::denylist::{
    self, AllowEntry, Allowlist, AutoblockRule, Decision, DenyEntry, HistoryEvent, PlannedBlock,
};
use crate::error::{Error, Result};
use crate::model::{Permission, Role, Signal, User};
use crate::query::Query;
use crate::store::sqlite::denylist as rows;
use serde_json::{json, Value};

/// The `origin` of a block: the rule's actor for automated blocks, `manual` otherwise.
pub fn origin(actor: &str) -> String {
    if actor.starts_with("autoblock:") {
        actor.to_string()
    } else {
        "manual".into()
    }
}

/// The acting identity of a rule's blocks. It is not a stored user: the rule was added by someone
/// holding `appsec_protect_write`, and acts with that authority.
fn rule_actor(rule: &AutoblockRule) -> User {
    User {
        uuid: rule.actor(),
        handle: rule.actor(),
        name: rule.actor(),
        role: Role::Admin,
        disabled: false,
    }
}

/// A rule's query, parsed; a parse error names the rule and the column.
pub fn compile(rule: &AutoblockRule) -> Result<Query> {
    crate::query::parse(&rule.query)
        .map_err(|e| Error::Usage(format!("rule {}: query: {e}", rule.name)))
}

/// What one automated step did, for the import's report.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AutoblockResult {
    pub plan: PlannedBlock,
    /// `made`, `extended`, `simulated`, `skipped` (the engine found nothing to do) or `refused`.
    pub outcome: String,
    pub block_id: Option<i64>,
    pub note: Option<String>,
}

impl Engine {
    // ---- autoblock rules ----

    pub fn autoblock_rules(&self) -> Result<Vec<AutoblockRule>> {
        rows::rule_list(self.store.conn())
    }

    pub fn add_autoblock_rule(&mut self, actor: &User, rule: AutoblockRule) -> Result<()> {
        super::rbac::require(actor, Permission::AppsecProtectWrite)?;
        rule.validate()?;
        compile(&rule)?;
        let now = self.now();
        self.store.write(|conn| {
            rows::rule_insert(conn, &rule, &actor.handle, &now)?;
            audit(
                conn,
                actor,
                now,
                "autoblock.rule_add",
                &rule.name,
                Value::Null,
                json!(rule),
            )
        })
    }

    /// Turn simulation or the rule itself on or off; the rule afterwards.
    pub fn set_autoblock_rule(
        &mut self,
        actor: &User,
        name: &str,
        simulate: Option<bool>,
        enabled: Option<bool>,
    ) -> Result<AutoblockRule> {
        super::rbac::require(actor, Permission::AppsecProtectWrite)?;
        let now = self.now();
        self.store.write(|conn| {
            let find = |conn: &rusqlite::Connection| -> Result<AutoblockRule> {
                rows::rule_list(conn)?
                    .into_iter()
                    .find(|r| r.name == name)
                    .ok_or_else(|| Error::NotFound(format!("no autoblock rule named {name}")))
            };
            let before = find(conn)?;
            rows::rule_set(conn, name, simulate, enabled)?;
            let after = find(conn)?;
            audit(
                conn,
                actor,
                now,
                "autoblock.rule_set",
                name,
                json!(before),
                json!(after),
            )?;
            Ok(after)
        })
    }

    pub fn remove_autoblock_rule(&mut self, actor: &User, name: &str) -> Result<()> {
        super::rbac::require(actor, Permission::AppsecProtectWrite)?;
        let now = self.now();
        self.store.write(|conn| {
            rows::rule_remove(conn, name)?;
            audit(
                conn,
                actor,
                now,
                "autoblock.rule_remove",
                name,
                Value::Null,
                Value::Null,
            )
        })
    }

    /// What each rule did so far (simulations included), oldest first.
    pub fn autoblock_runs(&self, rule: Option<&str>) -> Result<Vec<rows::RunRow>> {
        rows::run_list(self.store.conn(), rule)
    }

    /// What `rule` would do to the stored signals now, newest signal last, without changing
    /// anything; `limit` bounds how many of the newest signals are looked at.
    pub fn dry_run_autoblock(
        &self,
        rule: &AutoblockRule,
        limit: Option<usize>,
    ) -> Result<Vec<PlannedBlock>> {
        let q = compile(rule)?;
        let conn = self.store.conn();
        let filter = crate::store::ListFilter {
            ascending: false,
            limit,
            ..Default::default()
        };
        let mut signals = crate::store::Store::list_signals(&self.store, &filter)?;
        signals.reverse();
        let mut all = rule.clone();
        all.enabled = true;
        Ok(denylist::autoblock::dry_run(
            &all,
            &q,
            signals.iter(),
            &rows::history(conn)?,
            &rows::runs(conn)?,
            &Allowlist::new(rows::allow_list(conn)?),
            self.now(),
        ))
    }

    /// Run every enabled rule over `signals` (just created, imported or synced), in order.
    /// Idempotent: a rule acts once per signal and value.
    pub fn run_autoblock(&mut self, signals: &[Signal]) -> Result<Vec<AutoblockResult>> {
        let rules: Vec<(AutoblockRule, Query)> = self
            .autoblock_rules()?
            .into_iter()
            .filter(|r| r.enabled)
            .filter_map(|r| compile(&r).ok().map(|q| (r, q)))
            .collect();
        let mut out = Vec::new();
        if rules.is_empty() {
            return Ok(out);
        }
        let now = self.now();
        let allow = Allowlist::new(rows::allow_list(self.store.conn())?);
        let mut history = rows::history(self.store.conn())?;
        let mut runs = rows::runs(self.store.conn())?;
        for s in signals {
            for (rule, q) in &rules {
                if !q.matches(s) {
                    continue;
                }
                let plan = denylist::plan(rule, q, s, &history, &runs, &allow, now);
                for p in plan.into_iter().filter(PlannedBlock::acts) {
                    let r = self.apply(rule, s, p, now)?;
                    // Later signals see this step: its run, and the history it wrote (read back
                    // incrementally, so a large import stays linear).
                    runs.push(denylist::Run {
                        rule: rule.name.clone(),
                        signal_id: s.id.clone(),
                        value: r.plan.value.clone(),
                        simulated: r.outcome == "simulated",
                    });
                    let last = history.last().map_or(0, |e| e.seq);
                    history.extend(rows::history_since(self.store.conn(), last)?);
                    out.push(r);
                }
            }
        }
        Ok(out)
    }

    /// One planned step, with its run record, in one transaction.
    fn apply(
        &mut self,
        rule: &AutoblockRule,
        s: &Signal,
        p: PlannedBlock,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<AutoblockResult> {
        let expires_at = match &p.decision {
            Decision::Block { expires_at, .. } | Decision::Extend { expires_at, .. } => *expires_at,
            Decision::Skip { .. } => None,
        };
        let mut run = rows::RunRow {
            rule: rule.name.clone(),
            signal_id: s.id.clone(),
            value: p.value.clone(),
            outcome: "simulated".into(),
            block_id: None,
            expires_at,
            time: now,
        };
        if p.simulate {
            let actor = rule_actor(rule);
            self.store.write(|conn| {
                rows::run_insert(conn, &run)?;
                // On the signal's timeline too, so the analyst tuning the rule sees it in context.
                let mut tx = Tx {
                    conn,
                    actor: &actor,
                    now,
                    out: Default::default(),
                };
                tx.audit(
                    "autoblock.simulated",
                    "block",
                    &p.value.to_string(),
                    vec![s.id.clone()],
                    Value::Null,
                    json!({"value": p.value, "kind": p.kind, "expires_at": expires_at, "rule": rule.name}),
                )?;
                Ok(())
            })?;
            return Ok(AutoblockResult {
                plan: p,
                outcome: "simulated".into(),
                block_id: None,
                note: None,
            });
        }
        let actor = rule_actor(rule);
        let duration = match expires_at {
            Some(t) => BlockFor::Duration(t - now),
            None => BlockFor::Permanent,
        };
        let values = vec![p.value.to_string()];
        let reason = Some(p.reason.clone());
        let signal_id = Some(s.id.clone());
        let is_user = p.value.net().is_none();
        let extend = matches!(p.decision, Decision::Extend { .. });
        let res = self.store.write(|conn| {
            let mut tx = Tx {
                conn,
                actor: &actor,
                now,
                out: Default::default(),
            };
            if is_user {
                blocking::block_users(&mut tx, &values, duration, reason, signal_id)?;
            } else {
                blocking::block_ips(&mut tx, &values, duration, reason, signal_id)?;
            }
            if let Some(b) = tx.out.blocks.first() {
                run.block_id = Some(b.id);
                run.outcome = if extend { "extended" } else { "made" }.into();
                rows::run_insert(conn, &run)?;
            }
            Ok(tx.out)
        });
        Ok(match res {
            Ok(o) => AutoblockResult {
                outcome: if o.blocks.is_empty() {
                    "skipped".into()
                } else {
                    run.outcome.clone()
                },
                block_id: run.block_id,
                note: o.skipped.first().cloned(),
                plan: p,
            },
            // A refusal (the allowlist changed under us, a value the engine will not block) is
            // reported, and does not stop the import.
            Err(e @ (Error::Conflict(_) | Error::Usage(_))) => AutoblockResult {
                plan: p,
                outcome: "refused".into(),
                block_id: None,
                note: Some(e.to_string()),
            },
            Err(e) => return Err(e),
        })
    }

    // ---- allowlist ----

    pub fn allowlist(&self) -> Result<Vec<AllowEntry>> {
        rows::allow_list(self.store.conn())
    }

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
        let note = crate::sanitize::truncate(note.trim(), 200);
        if note.chars().any(char::is_control) {
            return Err(Error::Usage("the note contains control characters".into()));
        }
        let now = self.now();
        self.store.write(|conn| {
            let id = rows::allow_insert(conn, kind, &canon, &note, &actor.handle, &now)?;
            let e = AllowEntry {
                id,
                value: rows::value_of(kind, &canon)?,
                note: note.clone(),
                created_by: actor.handle.clone(),
                created_at: now,
            };
            audit(
                conn,
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
        let now = self.now();
        self.store.write(|conn| {
            let e = rows::allow_remove(conn, target)?;
            audit(
                conn,
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

    // ---- the denylist for the edge ----

    /// Entries not lifted; exporters keep those active at their `now`.
    pub fn denylist_entries(&self) -> Result<Vec<DenyEntry>> {
        rows::entries(self.store.conn())
    }

    /// Every block event, oldest first, as the decision stream reads it.
    pub fn block_events(&self) -> Result<Vec<HistoryEvent>> {
        rows::history(self.store.conn())
    }

    // ---- bouncers ----

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
        self.store.write(|conn| {
            rows::bouncer_insert(conn, name, &key, &actor.handle, &now)?;
            audit(
                conn,
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
        self.store.write(|conn| {
            rows::bouncer_remove(conn, name)?;
            audit(
                conn,
                actor,
                now,
                "bouncer.remove",
                name,
                Value::Null,
                Value::Null,
            )
        })
    }

    pub fn bouncers(&self) -> Result<Vec<rows::Bouncer>> {
        rows::bouncer_list(self.store.conn())
    }

    /// One bouncer poll of `/v1/decisions/stream`: the answer, the bouncer's cursor moved on.
    /// An unknown key is `PermissionDenied`.
    pub fn decision_stream(
        &mut self,
        key: &str,
        startup: bool,
    ) -> Result<denylist::DecisionStream> {
        let now = self.now();
        self.store.write(|conn| {
            let b = rows::bouncer_by_key(conn, key)?
                .ok_or_else(|| Error::PermissionDenied("unknown bouncer API key".into()))?;
            crate::store::sqlite::blocks::record_expired(conn, &now)?;
            let history = rows::history(conn)?;
            let (answer, next) = denylist::stream(&history, b.cursor, startup, now);
            rows::bouncer_set_cursor(conn, &b.name, &next, &now)?;
            Ok(answer)
        })
    }

    /// Whether `key` belongs to a registered bouncer.
    pub fn is_bouncer_key(&self, key: &str) -> Result<bool> {
        Ok(rows::bouncer_by_key(self.store.conn(), key)?.is_some())
    }

    /// `/v1/decisions?ip=`: the active decisions covering `ip`, for a bouncer holding `key`.
    pub fn decisions_for_ip(
        &self,
        key: &str,
        ip: std::net::IpAddr,
    ) -> Result<Option<Vec<denylist::decisions::WireDecision>>> {
        let conn = self.store.conn();
        rows::bouncer_by_key(conn, key)?
            .ok_or_else(|| Error::PermissionDenied("unknown bouncer API key".into()))?;
        Ok(denylist::decisions::for_ip(
            &rows::history(conn)?,
            ip,
            self.now(),
        ))
    }
}

fn audit(
    conn: &rusqlite::Connection,
    actor: &User,
    now: chrono::DateTime<chrono::Utc>,
    action: &str,
    target: &str,
    before: Value,
    after: Value,
) -> Result<()> {
    let mut tx = Tx {
        conn,
        actor,
        now,
        out: Default::default(),
    };
    let kind = action.split('.').next().unwrap_or(action);
    tx.audit(action, kind, target, vec![], before, after)?;
    Ok(())
}
