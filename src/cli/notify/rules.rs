//! `sigscope notify rules …`: the rule subcommands' running and the rule table; apart from the
//! command definitions in `mod.rs` so each file keeps to one job and stays small.
use super::{acting, RulesCmd};
use crate::cli::output::{print_json, table, ListFormat, ShowFormat};
use crate::cli::Context;
use crate::error::{Error, Result};
use crate::model::{Permission, Severity, User};
use crate::notify::{self, Author, Change, NotificationRule, NotifyConfig, Sender, Target};
use crate::sanitize::{clean, truncate};
use chrono::Utc;
use serde_json::json;

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

pub(super) fn run_rules(ctx: &Context, cfg: NotifyConfig, cmd: RulesCmd) -> Result<()> {
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
            crate::cli::output::note_query_hints(&r.query);
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
                    crate::cli::output::note_query_hints(&q);
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
