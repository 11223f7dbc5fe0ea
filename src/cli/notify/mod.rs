//! `sigscope notify rules list|add|edit|remove|test`, `notify deliveries`, `notify flush`.
//!
//! This file holds the command definitions, the dispatch, `notify flush` and the helpers other
//! commands share; the rule subcommands live in `rules`, the delivery listings in `deliveries`.
mod deliveries;
mod rules;

use super::output::{print_json, ListFormat, ShowFormat};
use super::Context;
use crate::engine::Engine;
use crate::error::Result;
use crate::model::{Permission, User};
use crate::notify::{self, NotifyConfig, Sender};
use clap::{Args, Subcommand};
use serde_json::json;
use std::time::Duration;

#[derive(Debug, Subcommand)]
pub enum NotifyCmd {
    /// Manage notification rules.
    #[command(subcommand)]
    Rules(RulesCmd),
    /// List deliveries, newest first; with an ID, show that delivery's attempts.
    Deliveries {
        /// A delivery's id: show its attempts instead of the list.
        id: Option<i64>,
        /// Only failed (to be retried) and dead deliveries.
        #[arg(long)]
        failed: bool,
        /// Show at most this many (a note on stderr says when more were left out).
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Output: a table, JSON, or the ids alone.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Send the deliveries that are due, retrying for up to --wait seconds.
    Flush {
        /// Keep sending and retrying for up to this many seconds.
        #[arg(long, default_value_t = 0)]
        wait: u64,
        /// Retry failed deliveries now rather than at their backoff time.
        #[arg(long)]
        now: bool,
        /// Also give dead deliveries a fresh set of attempts (after fixing their target).
        #[arg(long)]
        dead: bool,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
}

#[derive(Debug, Args)]
pub struct Selectors {
    /// A query in the search syntax the signal must match.
    #[arg(long)]
    query: Option<String>,
    /// A severity the signal must have (repeat for several; none means any).
    #[arg(long = "severity", value_name = "S")]
    severities: Vec<String>,
    /// A detection rule type (e.g. application_security; repeat for several; none means any).
    #[arg(long = "rule-type", value_name = "T")]
    rule_types: Vec<String>,
    /// webhook:URL, webhook:whsec_SECRET@URL, slack:URL, teams:URL or pagerduty:ROUTING_KEY
    /// (repeat for several). A webhook given without a secret gets a fresh Standard Webhooks
    /// signing secret, shown once.
    #[arg(long = "target", value_name = "T")]
    targets: Vec<String>,
    /// Send webhooks given without a secret unsigned instead of making them a secret.
    #[arg(long)]
    unsigned: bool,
}

#[derive(Debug, Subcommand)]
pub enum RulesCmd {
    /// List the notification rules (targets masked).
    List {
        /// Output: a table, JSON, or the ids alone.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Add a rule.
    Add {
        /// The rule's name.
        name: String,
        #[command(flatten)]
        sel: Selectors,
        /// Store the rule disabled.
        #[arg(long)]
        disabled: bool,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Change a rule; each option given replaces that part of the rule.
    Edit {
        /// The rule's id or name.
        rule: String,
        /// A new name for the rule.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        sel: Selectors,
        /// Clear the severities (any severity matches).
        #[arg(long, conflicts_with = "severities")]
        any_severity: bool,
        /// Clear the rule types (any type matches).
        #[arg(long, conflicts_with = "rule_types")]
        any_rule_type: bool,
        /// Enable the rule.
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        /// Disable the rule.
        #[arg(long)]
        disable: bool,
        /// Fail unless the rule is still at this version (the vendor's optimistic locking).
        #[arg(long)]
        version: Option<i64>,
    },
    /// Remove a rule.
    Remove {
        /// The rule's id or name.
        rule: String,
    },
    /// Send one real message per target of RULE about signal ID, and show each answer.
    Test {
        /// The rule's id or name.
        rule: String,
        /// The signal's id.
        #[arg(long)]
        signal: String,
    },
}

/// Open the store, resolve the acting user through the engine (which bootstraps the first user of a
/// fresh store as Admin), and check they hold `p`.
pub(super) fn acting(ctx: &Context, p: Permission) -> Result<(Engine, User)> {
    let (engine, actor) = super::triage::open(ctx)?;
    crate::engine::rbac::require(&actor, p)?;
    Ok((engine, actor))
}

pub fn run(ctx: &Context, cmd: NotifyCmd) -> Result<()> {
    let cfg = NotifyConfig::from_config(&ctx.config)?;
    match cmd {
        NotifyCmd::Rules(c) => rules::run_rules(ctx, cfg, c),
        NotifyCmd::Deliveries {
            id,
            failed,
            limit,
            format,
        } => {
            let (engine, actor) = acting(ctx, Permission::NotificationProfilesRead)?;
            let reads = engine.reads(&actor);
            match id {
                Some(id) => deliveries::show_delivery(&reads, id, format),
                None => deliveries::list_deliveries(&reads, failed, limit, format),
            }
        }
        NotifyCmd::Flush {
            wait,
            now,
            dead,
            format,
        } => {
            let mut engine = ctx.open_engine()?;
            if now || dead {
                let (e, actor) = acting(ctx, Permission::NotificationProfilesWrite)?;
                engine = e;
                engine.retry_deliveries(&actor, dead)?;
            }
            let sender = Sender::new(cfg)?;
            let wait = crate::timing::seconds(wait, "--wait", crate::timing::WAIT)?;
            let r = notify::flush_for(&mut engine, &sender, wait)?;
            if format == ShowFormat::Json {
                return print_json(&json!({"sent": r.sent, "failed": r.failed, "dead": r.dead,
                    "throttled": r.throttled, "pending": r.pending}));
            }
            println!(
                "{} sent, {} failed (will retry), {} dead, {} pending",
                r.sent, r.failed, r.dead, r.pending
            );
            Ok(())
        }
    }
}

/// After an import queued deliveries: try them now, wait a little for retries, and say what is left.
pub(super) fn deliver_after_import(
    engine: &mut Engine,
    cfg: &NotifyConfig,
    queued: usize,
) -> Result<()> {
    if queued == 0 {
        return Ok(());
    }
    let sender = Sender::new(cfg.clone())?;
    let r = notify::flush_for(engine, &sender, Duration::from_secs(cfg.import_wait_secs))?;
    eprintln!(
        "sigscope: notifications: {} sent{}{}",
        r.sent,
        if r.dead > 0 {
            format!(", {} failed for good", r.dead)
        } else {
            String::new()
        },
        if r.pending > 0 {
            format!(
                ", {} pending (retried by the next sigscope process, or `sigscope notify flush`)",
                r.pending
            )
        } else {
            String::new()
        }
    );
    Ok(())
}
