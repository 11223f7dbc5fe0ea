//! `sigscope notify rules list|add|edit|remove|test`, `notify deliveries`, `notify flush`.
use super::output::{print_json, table, ListFormat, ShowFormat};
use super::Context;
use crate::engine::{Engine, Reads};
use crate::error::{Error, Result};
use crate::model::{Permission, Severity, User};
use crate::notify::{self, queue, Author, Change, NotificationRule, NotifyConfig, Sender, Target};
use crate::sanitize::{clean, truncate};
use chrono::Utc;
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

fn author(u: &User) -> Author {
    Author {
        name: u.name.clone(),
        handle: u.handle.clone(),
    }
}

fn severities(list: &[String]) -> Result<Vec<Severity>> {
    list.iter()
        .map(|s| {
            Severity::parse(s).ok_or_else(|| {
                Error::Usage(format!(
                    "--severity {:?}: expected info, low, medium, high or critical",
                    clean(s)
                ))
            })
        })
        .collect()
}

/// The targets given, webhooks signed unless `unsigned`; each new secret is printed once and every
/// warning (retired Teams connectors, unsigned webhooks) goes to stderr.
fn targets(list: &[String], unsigned: bool) -> Result<Vec<Target>> {
    let mut out = Vec::new();
    for t in list {
        let parsed = Target::parse(t)?;
        let t = if unsigned {
            parsed
        } else {
            let signed = parsed.clone().with_new_secret();
            if signed != parsed {
                if let Some(secret) = signed.secret() {
                    // On stderr: stdout stays the command's answer (`--format json`).
                    eprintln!(
                        "signing secret for {}: {secret} (shown once; give it to the receiver to verify webhook-signature)",
                        clean(&notify::mask::mask_url(signed.value()))
                    );
                }
            }
            signed
        };
        for w in t.warnings() {
            eprintln!("sigscope: warning: {}", clean(&w));
        }
        out.push(t);
    }
    Ok(out)
}

fn show_list(items: &[String]) -> String {
    if items.is_empty() {
        "any".into()
    } else {
        clean(&items.join(","))
    }
}

fn rule_rows(rs: &[NotificationRule]) -> String {
    let rows: Vec<Vec<String>> = rs
        .iter()
        .map(|r| {
            vec![
                r.id.clone(),
                clean(&truncate(&r.name, 40)),
                if r.enabled { "yes" } else { "no" }.into(),
                show_list(
                    &r.severities
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>(),
                ),
                show_list(&r.rule_types),
                if r.query.is_empty() {
                    "*".into()
                } else {
                    clean(&truncate(&r.query, 40))
                },
                clean(
                    &r.targets
                        .iter()
                        .map(Target::masked)
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                r.version.to_string(),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "NAME",
            "ENABLED",
            "SEVERITIES",
            "RULE TYPES",
            "QUERY",
            "TARGETS",
            "VERSION",
        ],
        &rows,
    )
}

pub fn run(ctx: &Context, cmd: NotifyCmd) -> Result<()> {
    let cfg = NotifyConfig::from_config(&ctx.config)?;
    match cmd {
        NotifyCmd::Rules(c) => run_rules(ctx, cfg, c),
        NotifyCmd::Deliveries {
            id,
            failed,
            limit,
            format,
        } => {
            let (engine, actor) = acting(ctx, Permission::NotificationProfilesRead)?;
            let reads = engine.reads(&actor);
            match id {
                Some(id) => show_delivery(&reads, id, format),
                None => list_deliveries(&reads, failed, limit, format),
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

fn run_rules(ctx: &Context, cfg: NotifyConfig, cmd: RulesCmd) -> Result<()> {
    let needs = match cmd {
        RulesCmd::List { .. } => Permission::NotificationProfilesRead,
        _ => Permission::NotificationProfilesWrite,
    };
    let (mut engine, user) = acting(ctx, needs)?;
    match cmd {
        RulesCmd::List { format } => {
            let rs = engine.reads(&user).notify_rules()?;
            match format {
                ListFormat::Json => print_json(&json!({
                    "data": rs.iter().map(NotificationRule::to_json_masked).collect::<Vec<_>>()
                })),
                ListFormat::Ids => {
                    for r in &rs {
                        println!("{}", r.id);
                    }
                    Ok(())
                }
                ListFormat::Table => {
                    print!("{}", rule_rows(&rs));
                    Ok(())
                }
            }
        }
        RulesCmd::Add {
            name,
            sel,
            disabled,
            format,
        } => {
            let mut r =
                NotificationRule::new(NotificationRule::new_id(), name, Utc::now(), author(&user));
            r.enabled = !disabled;
            r.query = sel.query.unwrap_or_default();
            super::output::note_query_hints(&r.query);
            r.severities = severities(&sel.severities)?;
            r.rule_types = sel.rule_types;
            r.targets = targets(&sel.targets, sel.unsigned)?;
            if r.targets.is_empty() {
                return Err(Error::Usage(
                    "at least one --target is needed (webhook:URL, slack:URL, teams:URL or pagerduty:ROUTING_KEY)".into(),
                ));
            }
            let r = engine.add_notify_rule(&user, r)?;
            if format == ShowFormat::Json {
                // The full targets once, secrets included: what was just made, for the caller.
                let mut v = r.to_json_masked();
                v["attributes"]["targets"] =
                    json!(r.targets.iter().map(|t| t.to_string()).collect::<Vec<_>>());
                return print_json(&json!({ "data": v }));
            }
            println!("added notification rule {} ({})", r.id, clean(&r.name));
            Ok(())
        }
        RulesCmd::Edit {
            rule,
            name,
            sel,
            any_severity,
            any_rule_type,
            enable,
            disable,
            version,
        } => {
            let updated = engine.update_notify_rule(&user, &rule, version, |mut r| {
                if let Some(n) = name {
                    r.name = n;
                }
                if let Some(q) = sel.query {
                    super::output::note_query_hints(&q);
                    r.query = q;
                }
                if any_severity {
                    r.severities.clear();
                } else if !sel.severities.is_empty() {
                    r.severities = severities(&sel.severities)?;
                }
                if any_rule_type {
                    r.rule_types.clear();
                } else if !sel.rule_types.is_empty() {
                    r.rule_types = sel.rule_types;
                }
                if !sel.targets.is_empty() {
                    r.targets = targets(&sel.targets, sel.unsigned)?;
                }
                if enable {
                    r.enabled = true;
                }
                if disable {
                    r.enabled = false;
                }
                r.modified_by = author(&user);
                Ok(r)
            })?;
            println!(
                "updated notification rule {} ({}), now version {}",
                updated.id,
                clean(&updated.name),
                updated.version
            );
            Ok(())
        }
        RulesCmd::Remove { rule } => {
            let r = engine.remove_notify_rule(&user, &rule)?;
            println!("removed notification rule {} ({})", r.id, clean(&r.name));
            Ok(())
        }
        RulesCmd::Test { rule, signal } => {
            let reads = engine.reads(&user);
            let r = reads.notify_rule(&rule)?;
            let s = reads
                .signal(&signal)?
                .ok_or_else(|| Error::NotFound(format!("no signal {:?}", clean(&signal))))?;
            let sender = Sender::new(cfg.clone())?;
            let tctx = notify::targets::Context {
                rule_id: &r.id,
                rule_name: &r.name,
                change: Change::Created,
                link: notify::targets::signal_link(&cfg.signal_link, &s.id),
            };
            let mut failed = 0;
            for t in &r.targets {
                let body = crate::sanitize::to_json(&notify::targets::build(t, &s, &tctx))?;
                let a = sender.send(t, &body);
                let status = a
                    .outcome
                    .status
                    .map(|c| format!("HTTP {c}"))
                    .unwrap_or_else(|| "no answer".into());
                println!(
                    "{} -> {status} in {} ms",
                    clean(&t.masked()),
                    a.outcome.duration_ms
                );
                if let Some(e) = &a.outcome.error {
                    failed += 1;
                    println!("  error: {}", clean(e));
                }
                if !a.body.trim().is_empty() {
                    println!("  answer: {}", clean(a.body.trim()));
                }
            }
            if failed > 0 {
                return Err(Error::Other(format!(
                    "{failed} of {} targets failed",
                    r.targets.len()
                )));
            }
            Ok(())
        }
    }
}

fn delivery_json(d: &queue::Delivery) -> serde_json::Value {
    let target = Target::parse(&d.target)
        .map(|t| t.masked())
        .unwrap_or_else(|_| notify::mask::mask_text(&d.target));
    json!({
        "id": d.id,
        "rule_id": d.rule_id,
        "rule_name": d.rule_name,
        "signal_id": d.signal_id,
        "change": d.change_key,
        "target": target,
        "state": d.state.as_str(),
        "attempts": d.attempts,
        "next_attempt_at": crate::model::json::fmt_time(&d.next_attempt_at),
        "created_at": crate::model::json::fmt_time(&d.created_at),
        "sent_at": d.sent_at.as_ref().map(crate::model::json::fmt_time),
        "last_status": d.last_status,
        "last_error": d.last_error,
    })
}

fn list_deliveries(reads: &Reads, failed: bool, limit: usize, format: ListFormat) -> Result<()> {
    let mut ds = reads.deliveries(failed, limit.saturating_add(1))?;
    if ds.len() > limit {
        ds.truncate(limit);
        super::output::note_cut(limit, "deliveries");
    }
    match format {
        ListFormat::Json => {
            print_json(&json!({"data": ds.iter().map(delivery_json).collect::<Vec<_>>()}))
        }
        ListFormat::Ids => {
            for d in &ds {
                println!("{}", d.id);
            }
            Ok(())
        }
        ListFormat::Table => {
            let rows: Vec<Vec<String>> = ds
                .iter()
                .map(|d| {
                    let j = delivery_json(d);
                    vec![
                        d.id.to_string(),
                        d.state.as_str().into(),
                        d.attempts.to_string(),
                        clean(&truncate(&d.signal_id, 24)),
                        clean(&truncate(&d.rule_name, 24)),
                        d.change_key.clone(),
                        clean(j["target"].as_str().unwrap_or("")),
                        d.last_status.map(|s| s.to_string()).unwrap_or_default(),
                        clean(&truncate(d.last_error.as_deref().unwrap_or(""), 60)),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(
                    &[
                        "ID", "STATE", "TRIES", "SIGNAL", "RULE", "CHANGE", "TARGET", "STATUS",
                        "ERROR"
                    ],
                    &rows
                )
            );
            Ok(())
        }
    }
}

fn show_delivery(reads: &Reads, id: i64, format: ListFormat) -> Result<()> {
    let (d, attempts) = reads
        .delivery(id)?
        .ok_or_else(|| Error::NotFound(format!("no delivery {id}")))?;
    let mut j = delivery_json(&d);
    j["attempts_log"] = json!(attempts
        .iter()
        .map(|a| json!({"at": crate::model::json::fmt_time(&a.at), "status": a.status, "error": a.error, "duration_ms": a.duration_ms}))
        .collect::<Vec<_>>());
    if format == ListFormat::Json {
        return print_json(&j);
    }
    println!(
        "delivery {} ({}) of rule {} for signal {} [{}] to {}",
        d.id,
        d.state.as_str(),
        clean(&d.rule_name),
        clean(&d.signal_id),
        d.change_key,
        clean(j["target"].as_str().unwrap_or(""))
    );
    let rows: Vec<Vec<String>> = attempts
        .iter()
        .map(|a| {
            vec![
                crate::model::json::fmt_time(&a.at),
                a.status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".into()),
                format!("{} ms", a.duration_ms),
                clean(a.error.as_deref().unwrap_or("ok")),
            ]
        })
        .collect();
    print!("{}", table(&["AT", "STATUS", "TOOK", "RESULT"], &rows));
    Ok(())
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
