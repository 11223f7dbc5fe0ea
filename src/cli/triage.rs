//! `sigscope signals state|assign|timeline`: triage through the engine, plus what every engine
//! command of the CLI shares (opening the engine as the acting user, printing an outcome).
use super::output::{print_json, table, ListFormat, ShowFormat};
use super::Context;
use crate::engine::{timeline, Command, Engine, Outcome, Reads, SignalRef};
use crate::error::{Error, Result};
use crate::model::json::fmt_time;
use crate::model::{ArchiveReason, TriageState, User};
use crate::sanitize::clean;
use clap::Args;
use serde_json::json;

/// The engine on the context's store, and who is acting (the first user of a new store becomes Admin).
pub(super) fn open(ctx: &Context) -> Result<(Engine, User)> {
    let mut engine = ctx.open_engine()?;
    let actor = engine.resolve_actor(ctx.acting.as_deref())?;
    Ok((engine, actor))
}

#[derive(Debug, Args)]
pub struct StateArgs {
    /// The signals to move; several move together or not at all.
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
    /// open, under_review or archived.
    #[arg(long = "to", value_name = "STATE")]
    pub to: String,
    /// Why it is archived: false_positive, testing_or_maintenance, remediated, investigated_case_opened,
    /// true_positive_benign, true_positive_malicious, other.
    #[arg(long)]
    pub reason: Option<String>,
    /// A comment kept with the archive reason.
    #[arg(long)]
    pub comment: Option<String>,
    /// Refuse (exit 5) if a signal changed since this version was loaded; applies to every ID.
    #[arg(long, value_name = "V")]
    pub if_version: Option<i64>,
    /// Output: text or JSON.
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    pub format: ShowFormat,
}

#[derive(Debug, Args)]
pub struct AssignArgs {
    /// Signal ids.
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
    /// The user: an email/handle or uuid.
    #[arg(
        long = "to",
        value_name = "USER",
        conflicts_with = "unassign",
        required_unless_present = "unassign"
    )]
    pub to: Option<String>,
    /// Remove the assignee instead of setting one.
    #[arg(long)]
    pub unassign: bool,
    /// Refuse (exit 5) if a signal changed since this version was loaded; applies to every ID.
    #[arg(long, value_name = "V")]
    pub if_version: Option<i64>,
    /// Output: text or JSON.
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    pub format: ShowFormat,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// The signal's id.
    pub id: String,
    /// Output: a table, JSON, or the ids alone.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub fn state(ctx: &Context, a: StateArgs) -> Result<()> {
    let to = TriageState::parse(&a.to).ok_or_else(|| {
        Error::Usage(format!(
            "--to {:?}: expected open, under_review or archived",
            a.to
        ))
    })?;
    let reason = a
        .reason
        .as_deref()
        .map(|r| {
            ArchiveReason::parse(&r.to_ascii_lowercase()).ok_or_else(|| {
                Error::Usage(format!(
                    "--reason {r:?}: expected one of {}",
                    ArchiveReason::ALL
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
        })
        .transpose()?;
    let (mut engine, actor) = open(ctx)?;
    let out = engine.execute(
        &actor,
        Command::SetState {
            signals: SignalRef::many(&a.ids, a.if_version),
            to,
            reason,
            comment: a.comment,
        },
    )?;
    print_outcome(&out, a.format, &engine.reads(&actor))
}

pub fn assign(ctx: &Context, a: AssignArgs) -> Result<()> {
    let signals = SignalRef::many(&a.ids, a.if_version);
    let cmd = match (a.unassign, a.to) {
        (true, _) => Command::Unassign { signals },
        (false, Some(user)) => Command::Assign { signals, user },
        (false, None) => return Err(Error::Usage("give --to USER or --unassign".into())),
    };
    let (mut engine, actor) = open(ctx)?;
    let out = engine.execute(&actor, cmd)?;
    print_outcome(&out, a.format, &engine.reads(&actor))
}

pub fn show_timeline(ctx: &Context, a: TimelineArgs) -> Result<()> {
    let (engine, actor) = ctx.engine_as_reader()?;
    let reads = engine.reads(&actor);
    reads.signal_required(&a.id)?;
    let events = reads.timeline(&a.id)?;
    match a.format {
        ListFormat::Json => print_json(&json!({ "data": events })),
        ListFormat::Ids => {
            for e in &events {
                println!("{}", e.seq);
            }
            Ok(())
        }
        ListFormat::Table => {
            let rows: Vec<Vec<String>> = events
                .iter()
                .map(|e| {
                    vec![
                        fmt_time(&e.time),
                        clean(&e.actor),
                        clean(&timeline::describe(e)),
                    ]
                })
                .collect();
            print!("{}", table(&["TIME", "ACTOR", "WHAT"], &rows));
            Ok(())
        }
    }
}

/// Print what a command changed: one line per object (text) or one JSON document.
pub(super) fn print_outcome(out: &Outcome, format: ShowFormat, reads: &Reads) -> Result<()> {
    let now = reads.now();
    match format {
        ShowFormat::Json => print_json(&json!({
            "signals": out.signals.iter().map(|s| reads.signal_metadata(s)).collect::<Result<Vec<_>>>()?,
            "case": out.case.as_ref().map(|c| c.to_json()),
            "incident": out.incident.as_ref().map(|i| i.to_json()),
            "blocks": out.blocks.iter().map(|b| b.to_json(now)).collect::<Vec<_>>(),
            "skipped": out.skipped,
            "events": out.events,
        })),
        ShowFormat::Text => {
            for s in &out.signals {
                let mut line = format!(
                    "{}  {}  version {}",
                    clean(&s.id),
                    s.triage.state.label(),
                    s.version
                );
                if let Some(r) = s.triage.archive_reason {
                    line.push_str(&format!("  reason {r}"));
                }
                if let Some(a) = &s.triage.assignee {
                    line.push_str(&format!("  assigned to {}", clean(a.display())));
                }
                if !s.triage.incident_ids.is_empty() {
                    let ids: Vec<String> = s
                        .triage
                        .incident_ids
                        .iter()
                        .map(|i| format!("IR-{i}"))
                        .collect();
                    line.push_str(&format!("  incidents {}", ids.join(",")));
                }
                println!("{line}");
            }
            if let Some(c) = &out.case {
                println!(
                    "case {}  {}  {}  {}  {} signal(s)",
                    c.key,
                    c.status,
                    c.priority,
                    clean(&c.title),
                    c.signal_ids.len()
                );
            }
            if let Some(i) = &out.incident {
                println!(
                    "incident {}  {}  {}  {}  {} signal(s)",
                    i.display_id(),
                    i.severity,
                    i.state,
                    clean(&i.title),
                    i.signal_ids.len()
                );
            }
            for b in &out.blocks {
                let until = b
                    .expires_at
                    .as_ref()
                    .map(|t| format!("until {}", fmt_time(t)))
                    .unwrap_or_else(|| "permanently".into());
                println!(
                    "block {}  {} {}  {}  {until}",
                    b.id,
                    b.kind,
                    clean(&b.value),
                    b.status(now)
                );
            }
            if let Some(u) = &out.user {
                println!("user {} ({}) {}", clean(&u.handle), u.uuid, u.role);
            }
            for s in &out.skipped {
                println!("unchanged: {}", clean(s));
            }
            Ok(())
        }
    }
}
