//! The edge denylist inside the engine: allowlist, automated blocking rules (run after signals are
//! created, imported or synced), bouncer keys, and the denylist read for exports and bouncers.
//!
//! The decisions are `denylist::`'s pure functions; this file loads their inputs, applies their
//! outputs through the engine's own block placement (so allowlist, refusals and extension apply
//! the same way as for a person's block), and records each step in the same transaction.
use super::{blocking, BlockFor, Engine, Tx};
use crate::denylist::RunRow;
use crate::denylist::{self, Allowlist, AutoblockRule, Decision, PlannedBlock};
use crate::error::{Error, Result};
use crate::model::{Permission, Role, Signal, User};
use crate::query::Query;
use crate::store::Db;
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

    pub fn add_autoblock_rule(&mut self, actor: &User, rule: AutoblockRule) -> Result<()> {
        super::rbac::require(actor, Permission::AppsecProtectWrite)?;
        rule.validate()?;
        compile(&rule)?;
        let now = self.now();
        self.write_rows(|db| {
            db.autoblock_rule_insert(&rule, &actor.handle, &now)?;
            audit(
                db,
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
        self.write_rows(|db| {
            let find = |db: &dyn Db| -> Result<AutoblockRule> {
                db.autoblock_rules()?
                    .into_iter()
                    .find(|r| r.name == name)
                    .ok_or_else(|| Error::NotFound(format!("no autoblock rule named {name}")))
            };
            let before = find(db)?;
            db.autoblock_rule_set(name, simulate, enabled)?;
            let after = find(db)?;
            audit(
                db,
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
        self.write_rows(|db| {
            db.autoblock_rule_delete(name)?;
            audit(
                db,
                actor,
                now,
                "autoblock.rule_remove",
                name,
                Value::Null,
                Value::Null,
            )
        })
    }

    /// What `rule` would do to the stored signals now, newest signal last, without changing
    /// anything; `limit` bounds how many of the newest signals are looked at.
    pub fn dry_run_autoblock(
        &self,
        rule: &AutoblockRule,
        limit: Option<usize>,
    ) -> Result<Vec<PlannedBlock>> {
        let q = compile(rule)?;
        let db = self.db();
        let filter = crate::store::ListFilter {
            ascending: false,
            limit,
            ..Default::default()
        };
        let mut signals = db.list_signals(&filter)?;
        signals.reverse();
        let mut all = rule.clone();
        all.enabled = true;
        Ok(denylist::autoblock::dry_run_with(
            &all,
            &q,
            signals.iter(),
            &denylist::autoblock::PlanCtx {
                history: &db.deny_history_since(0)?,
                runs: &runs(db)?,
                allow: &Allowlist::new(db.allow_list()?),
                now: self.now(),
                v6_prefix: self.signal_v6_prefix(),
            },
        ))
    }

    /// Run every enabled rule over `signals` (just created, imported or synced), in order.
    /// Idempotent: a rule acts once per signal and value.
    pub fn run_autoblock(&mut self, signals: &[Signal]) -> Result<Vec<AutoblockResult>> {
        let rules: Vec<(AutoblockRule, Query)> = self
            .db()
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
        let v6_prefix = self.signal_v6_prefix();
        let allow = Allowlist::new(self.db().allow_list()?);
        let mut history = self.db().deny_history_since(0)?;
        let mut runs = runs(self.db())?;
        for s in signals {
            for (rule, q) in &rules {
                if !q.matches(s) {
                    continue;
                }
                let ctx = denylist::autoblock::PlanCtx {
                    history: &history,
                    runs: &runs,
                    allow: &allow,
                    now,
                    v6_prefix,
                };
                let plan = denylist::autoblock::plan_with(rule, q, s, &ctx);
                for p in &plan {
                    if let Decision::Skip { why } = &p.decision {
                        if why.starts_with(denylist::autoblock::NOT_BLOCKABLE) {
                            tracing::warn!(rule = %rule.name, signal = %crate::sanitize::clean(&s.id), %why, "autoblock refused a signal value");
                        }
                    }
                }
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
                    history.extend(self.db().deny_history_since(last)?);
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
        let mut run = RunRow {
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
            self.write_rows(|db| {
                db.autoblock_run_insert(&run)?;
                // On the signal's timeline too, so the analyst tuning the rule sees it in context.
                let mut tx = Tx {
                    db,
                    actor: &actor,
                    now,
                    notify: None,
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
        // The planner only plans single addresses from signals; checked again here because this is
        // the last step before the denylist, and a range reaching it would be served to every edge.
        if let Some(net) = p.value.net() {
            if !denylist::address::is_single(&net, self.signal_v6_prefix()) {
                return Ok(AutoblockResult {
                    note: Some(format!(
                        "{} is a range; automated blocks are single addresses",
                        p.value
                    )),
                    plan: p,
                    outcome: "refused".into(),
                    block_id: None,
                });
            }
        }
        let extend = matches!(p.decision, Decision::Extend { .. });
        let res = self.write_rows(|db| {
            let mut tx = Tx {
                db,
                actor: &actor,
                now,
                notify: None,
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
                db.autoblock_run_insert(&run)?;
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
}

/// The runs so far, as the planner reads them.
pub(crate) fn runs(db: &dyn Db) -> Result<Vec<denylist::Run>> {
    Ok(db
        .autoblock_runs(None)?
        .iter()
        .map(RunRow::as_run)
        .collect())
}

/// One audit event for a denylist administration change.
pub(crate) fn audit(
    db: &dyn Db,
    actor: &User,
    now: chrono::DateTime<chrono::Utc>,
    action: &str,
    target: &str,
    before: Value,
    after: Value,
) -> Result<()> {
    let mut tx = Tx {
        db,
        actor,
        now,
        notify: None,
        out: Default::default(),
    };
    let kind = action.split('.').next().unwrap_or(action);
    tx.audit(action, kind, target, vec![], before, after)?;
    Ok(())
}
