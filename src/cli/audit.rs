//! `sigscope audit list`: the audit trail, every write's who, when, what, before and after.
use super::output::{print_json, table, ListFormat};
use super::Context;
use crate::error::Result;
use crate::model::json::fmt_time;
use crate::model::AuditFilter;
use crate::sanitize::clean;
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// The newest events, oldest first (needs `audit_logs_read`: Admin).
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only events by this user (their handle).
    #[arg(long)]
    pub actor: Option<String>,
    /// Only events about this kind of target: signal, case, incident, block, user, api_key,
    /// bouncer, allowlist, autoblock, notify, workflow, catalog.
    #[arg(long)]
    pub target_type: Option<String>,
    /// Only events at or after this time: RFC 3339, `now-15m`, `now-7d`.
    #[arg(long)]
    pub since: Option<String>,
    /// At most this many (the newest); 0 means all.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// Output: a table, JSON, or the ids alone.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub fn run(ctx: &Context, cmd: AuditCmd) -> Result<()> {
    let AuditCmd::List(a) = cmd;
    let (engine, actor) = ctx.engine_as_reader()?;
    let since = a
        .since
        .as_deref()
        .map(|s| super::signals::parse_time_arg("--since", s, engine.now()))
        .transpose()?;
    let filter = AuditFilter {
        actor: a.actor,
        target_type: a.target_type,
        since,
        // One more than asked: whether the listing was cut is then known, and said.
        limit: (a.limit > 0).then_some(a.limit.saturating_add(1)),
    };
    let mut events = engine.reads(&actor).audit(&filter)?;
    if a.limit > 0 && events.len() > a.limit {
        // Oldest first: the newest `limit` are the tail.
        events.drain(..events.len() - a.limit);
        eprintln!(
            "note: the newest {} events shown; older ones match too (--limit 0 shows all)",
            a.limit
        );
    }
    match a.format {
        // The shape: a plain array of events, each with its before and after.
        ListFormat::Json => print_json(&json!(events
            .iter()
            .map(|e| json!({
                "seq": e.seq,
                "time": fmt_time(&e.time),
                "actor": e.actor,
                "action": e.action,
                "target_type": e.target_type,
                "target_id": e.target_id,
                "before": e.before,
                "after": e.after,
            }))
            .collect::<Vec<_>>())),
        ListFormat::Ids => {
            events.iter().for_each(|e| println!("{}", e.seq));
            Ok(())
        }
        ListFormat::Table => {
            let rows: Vec<Vec<String>> = events
                .iter()
                .map(|e| {
                    vec![
                        e.seq.to_string(),
                        fmt_time(&e.time),
                        clean(&e.actor),
                        clean(&e.action),
                        clean(&format!("{} {}", e.target_type, e.target_id)),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(&["SEQ", "TIME", "ACTOR", "ACTION", "TARGET"], &rows)
            );
            Ok(())
        }
    }
}
