//! `sigscope autoblock list|add|remove|dry-run|log`: rules that block a signal's attackers.
use super::output::{print_json, table, ListFormat};
use super::triage::open;
use super::Context;
use crate::denylist::{duration, AutoblockRule, BlockWhat, Decision, PlannedBlock};
use crate::engine::autoblock::AutoblockResult;
use crate::engine::rbac;
use crate::error::{Error, Result};
use crate::model::json::fmt_time;
use crate::model::Permission;
use crate::sanitize::{clean, truncate};
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// Search syntax selecting the signals, e.g. '@workflow.rule.name:Credential\ stuffing* status:(high OR critical)'.
    #[arg(long, short = 'q', value_name = "QUERY")]
    pub query: String,
    /// What to block: ips, users or both.
    #[arg(long = "block", default_value = "ips", value_name = "WHAT")]
    pub what: String,
    /// How long each block lasts: 30m, 1h, 24h, 7d.
    #[arg(
        long = "for",
        default_value = "24h",
        value_name = "DUR",
        conflicts_with = "permanent"
    )]
    pub for_: String,
    /// Block for good instead of for a duration.
    #[arg(long)]
    pub permanent: bool,
    /// Double the duration for each earlier block of the same value (fail2ban's bantime.increment).
    #[arg(long)]
    pub escalate: bool,
    /// Longest escalated duration.
    #[arg(long, value_name = "DUR", requires = "escalate")]
    pub cap: Option<String>,
    /// Record what the rule would block, block nothing.
    #[arg(long)]
    pub simulate: bool,
}

impl RuleArgs {
    fn rule(&self, name: &str) -> Result<AutoblockRule> {
        super::output::note_query_hints(&self.query);
        let duration = if self.permanent {
            None
        } else {
            duration::parse(&self.for_)?
        };
        let cap = match &self.cap {
            Some(c) => duration::parse(c)?,
            None => None,
        };
        let r = AutoblockRule {
            name: name.to_string(),
            query: self.query.clone(),
            what: BlockWhat::parse(&self.what)?,
            duration,
            escalate: self.escalate,
            cap,
            simulate: self.simulate,
            enabled: true,
        };
        r.validate()?;
        Ok(r)
    }
}

#[derive(Debug, Subcommand)]
pub enum AutoblockCmd {
    /// The rules.
    List {
        /// Output: a table, JSON, or the ids alone.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Add a rule; it acts on signals imported from now on.
    Add {
        /// The autoblock rule's name.
        name: String,
        #[command(flatten)]
        rule: RuleArgs,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = super::output::ShowFormat::Text)]
        format: super::output::ShowFormat,
    },
    /// Switch a rule between simulation and blocking, or off and on.
    Set {
        /// The autoblock rule's name.
        name: String,
        /// Record only, block nothing.
        #[arg(long, conflicts_with = "block")]
        simulate: bool,
        /// Block for real.
        #[arg(long)]
        block: bool,
        /// Disable the rule.
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        /// Enable the rule.
        #[arg(long)]
        enable: bool,
    },
    Remove {
        /// The autoblock rule's name.
        name: String,
    },
    /// What a rule (stored, or given with --query) would block over the stored signals now.
    DryRun {
        /// A stored rule; omit it and give --query to try a new one.
        name: Option<String>,
        /// Only signals matching this query (the search syntax).
        #[arg(long, short = 'q', value_name = "QUERY")]
        query: Option<String>,
        /// What would be blocked: ips, users or both.
        #[arg(long = "block", default_value = "ips", value_name = "WHAT")]
        what: String,
        /// How long each block would last (30m, 24h, 7d).
        #[arg(long = "for", default_value = "24h", value_name = "DUR")]
        for_: String,
        /// Only the newest N signals.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Show the skipped attackers and why.
        #[arg(long)]
        all: bool,
        /// Output: a table, JSON, or the ids alone.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// What the rules did (simulations included), oldest first.
    Log {
        /// The autoblock rule's name.
        name: Option<String>,
        /// Output: a table, JSON, or the ids alone.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
}

pub fn run(ctx: &Context, cmd: AutoblockCmd) -> Result<()> {
    let reading = matches!(
        cmd,
        AutoblockCmd::List { .. } | AutoblockCmd::Log { .. } | AutoblockCmd::DryRun { .. }
    );
    let (mut engine, actor) = if reading {
        ctx.engine_as_reader()?
    } else {
        open(ctx)?
    };
    match cmd {
        AutoblockCmd::List { format } => {
            rbac::require(&actor, Permission::AppsecProtectRead)?;
            let rules = engine.reads(&actor).autoblock_rules()?;
            match format {
                ListFormat::Json => print_json(&json!({ "data": rules })),
                ListFormat::Ids => {
                    rules.iter().for_each(|r| println!("{}", r.name));
                    Ok(())
                }
                ListFormat::Table => {
                    let rows: Vec<Vec<String>> = rules
                        .iter()
                        .map(|r| {
                            vec![
                                clean(&r.name),
                                r.what.as_str().into(),
                                duration::human(r.duration),
                                if r.escalate {
                                    format!("x2 up to {}", duration::human(r.cap))
                                } else {
                                    "-".into()
                                },
                                match (r.enabled, r.simulate) {
                                    (false, _) => "disabled",
                                    (true, true) => "simulate",
                                    (true, false) => "block",
                                }
                                .into(),
                                truncate(&clean(&r.query), 60),
                            ]
                        })
                        .collect();
                    print!(
                        "{}",
                        table(
                            &["NAME", "BLOCKS", "FOR", "ESCALATE", "MODE", "QUERY"],
                            &rows
                        )
                    );
                    Ok(())
                }
            }
        }
        AutoblockCmd::Add { name, rule, format } => {
            let r = rule.rule(&name)?;
            engine.add_autoblock_rule(&actor, r.clone())?;
            if format == super::output::ShowFormat::Json {
                return print_json(&json!({ "data": r }));
            }
            println!(
                "autoblock rule {} added: blocks {} for {}{}",
                r.name,
                r.what.as_str(),
                duration::human(r.duration),
                if r.simulate {
                    " (simulation: records, blocks nothing)"
                } else {
                    ""
                }
            );
            Ok(())
        }
        AutoblockCmd::Set {
            name,
            simulate,
            block,
            disable,
            enable,
        } => {
            let sim = match (simulate, block) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            let on = match (enable, disable) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            if sim.is_none() && on.is_none() {
                return Err(Error::Usage(
                    "nothing to set: give --simulate, --block, --enable or --disable".into(),
                ));
            }
            let r = engine.set_autoblock_rule(&actor, &name, sim, on)?;
            println!(
                "autoblock rule {}: {}, {}",
                r.name,
                if r.enabled { "enabled" } else { "disabled" },
                if r.simulate { "simulating" } else { "blocking" }
            );
            Ok(())
        }
        AutoblockCmd::Remove { name } => {
            engine.remove_autoblock_rule(&actor, &name)?;
            println!("autoblock rule {} removed", clean(&name));
            Ok(())
        }
        AutoblockCmd::DryRun {
            name,
            query,
            what,
            for_,
            limit,
            all,
            format,
        } => {
            rbac::require(&actor, Permission::AppsecProtectRead)?;
            let rule = match (name, query) {
                (Some(n), None) => engine
                    .reads(&actor)
                    .autoblock_rules()?
                    .into_iter()
                    .find(|r| r.name == n)
                    .ok_or_else(|| {
                        Error::NotFound(format!("no autoblock rule named {}", clean(&n)))
                    })?,
                (None, Some(q)) => RuleArgs {
                    query: q,
                    what,
                    for_,
                    permanent: false,
                    escalate: false,
                    cap: None,
                    simulate: true,
                }
                .rule("dry-run")?,
                _ => return Err(Error::Usage("give a rule name or --query, not both".into())),
            };
            let plan: Vec<PlannedBlock> = engine
                .reads(&actor)
                .dry_run_autoblock(&rule, limit)?
                .into_iter()
                .filter(|p| all || p.acts())
                .collect();
            print_plan(&plan, format)
        }
        AutoblockCmd::Log { name, format } => {
            rbac::require(&actor, Permission::AppsecProtectRead)?;
            let runs = engine.reads(&actor).autoblock_runs(name.as_deref())?;
            match format {
                ListFormat::Json => print_json(&json!({ "data": runs })),
                _ => {
                    let rows: Vec<Vec<String>> = runs
                        .iter()
                        .map(|r| {
                            vec![
                                fmt_time(&r.time),
                                r.rule.clone(),
                                r.outcome.clone(),
                                truncate(&clean(&r.value.to_string()), 40),
                                clean(&r.signal_id),
                                r.expires_at
                                    .as_ref()
                                    .map(fmt_time)
                                    .unwrap_or_else(|| "permanent".into()),
                            ]
                        })
                        .collect();
                    print!(
                        "{}",
                        table(
                            &["TIME", "RULE", "OUTCOME", "VALUE", "SIGNAL", "UNTIL"],
                            &rows
                        )
                    );
                    Ok(())
                }
            }
        }
    }
}

fn decision_text(d: &Decision) -> (String, String) {
    let until = |t: &Option<chrono::DateTime<chrono::Utc>>| {
        t.as_ref()
            .map(fmt_time)
            .unwrap_or_else(|| "permanent".into())
    };
    match d {
        Decision::Block { expires_at, .. } => ("block".into(), until(expires_at)),
        Decision::Extend {
            expires_at,
            entry_id,
            ..
        } if *entry_id < 0 => ("extend (planned)".into(), until(expires_at)),
        Decision::Extend {
            expires_at,
            entry_id,
            ..
        } => (format!("extend #{entry_id}"), until(expires_at)),
        Decision::Skip { why } => ("skip".into(), truncate(&clean(why), 80)),
    }
}

fn print_plan(plan: &[PlannedBlock], format: ListFormat) -> Result<()> {
    match format {
        ListFormat::Json => print_json(&json!({ "data": plan })),
        _ => {
            let rows: Vec<Vec<String>> = plan
                .iter()
                .map(|p| {
                    let (what, detail) = decision_text(&p.decision);
                    vec![
                        clean(&p.signal_id),
                        p.kind.as_str().into(),
                        truncate(&clean(&p.value.to_string()), 40),
                        what,
                        detail,
                    ]
                })
                .collect();
            print!(
                "{}",
                table(&["SIGNAL", "KIND", "VALUE", "WOULD", "UNTIL / WHY"], &rows)
            );
            println!(
                "{} blocks would be made or extended",
                plan.iter().filter(|p| p.acts()).count()
            );
            Ok(())
        }
    }
}

/// One line per automated step, after an import.
pub fn report(results: &[AutoblockResult]) {
    for r in results {
        let until = match &r.plan.decision {
            Decision::Block { expires_at, .. } | Decision::Extend { expires_at, .. } => expires_at
                .as_ref()
                .map(|t| format!("until {}", fmt_time(t)))
                .unwrap_or_else(|| "permanently".into()),
            Decision::Skip { .. } => String::new(),
        };
        let note = r
            .note
            .as_ref()
            .map(|n| format!(" ({})", clean(n)))
            .unwrap_or_default();
        println!(
            "autoblock {}: {} {} {} {until} (signal {}){note}",
            r.plan.rule,
            r.outcome,
            r.plan.kind.as_str(),
            truncate(&clean(&r.plan.value.to_string()), 60),
            clean(&r.plan.signal_id),
        );
    }
}
