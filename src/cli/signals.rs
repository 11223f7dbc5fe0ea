//! `sigscope signals list|show`.
use super::output::{print_json, table, ListFormat, ShowFormat};
use super::Context;
use crate::error::{Error, Result};
use crate::model::Signal;
use crate::sanitize::{clean, truncate};
use crate::store::{ListFilter, Store};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum SignalsCmd {
    /// List signals, newest first.
    List(ListArgs),
    /// Show one signal.
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Change the triage state of signals (all or nothing).
    State(super::triage::StateArgs),
    /// Assign signals to a user, or unassign them.
    Assign(super::triage::AssignArgs),
    /// Every change made to a signal, oldest first.
    Timeline(super::triage::TimelineArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// A query in the Signals Explorer search syntax.
    #[arg(short, long)]
    pub query: Option<String>,
    /// Start of the time range: RFC 3339, `now-15m`, `now-7d` or `now`.
    #[arg(long)]
    pub from: Option<String>,
    /// End of the time range.
    #[arg(long)]
    pub to: Option<String>,
    /// `-timestamp` (newest first) or `timestamp`.
    #[arg(long, default_value = "-timestamp", allow_hyphen_values = true)]
    pub sort: String,
    /// At most this many; 0 means all.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub fn run(ctx: &Context, cmd: SignalsCmd) -> Result<()> {
    let cmd = match cmd {
        SignalsCmd::State(a) => return super::triage::state(ctx, a),
        SignalsCmd::Assign(a) => return super::triage::assign(ctx, a),
        SignalsCmd::Timeline(a) => return super::triage::show_timeline(ctx, a),
        other => other,
    };
    let store = ctx.open_store()?;
    match cmd {
        SignalsCmd::List(a) => list(&store, a),
        SignalsCmd::Show { id, format } => {
            let s = store
                .get_signal(&id)?
                .ok_or_else(|| Error::NotFound(format!("signal {} not found", clean(&id))))?;
            match format {
                ShowFormat::Json => print_json(&json!({ "data": s.to_json() })),
                ShowFormat::Text => {
                    print!("{}", show_text(&s));
                    Ok(())
                }
            }
        }
        SignalsCmd::State(_) | SignalsCmd::Assign(_) | SignalsCmd::Timeline(_) => {
            Err(Error::Other("triage commands are dispatched above".into()))
        }
    }
}

pub(crate) fn parse_time_arg(flag: &str, s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let rest = s.trim();
    if rest == "now" {
        return Ok(now);
    }
    if let Some(d) = rest.strip_prefix("now-") {
        let (num, unit) = d.split_at(d.find(|c: char| !c.is_ascii_digit()).unwrap_or(d.len()));
        if let Ok(n) = num.parse::<i64>() {
            let delta = match unit {
                "s" => Some(chrono::TimeDelta::seconds(n)),
                "m" => Some(chrono::TimeDelta::minutes(n)),
                "h" => Some(chrono::TimeDelta::hours(n)),
                "d" => Some(chrono::TimeDelta::days(n)),
                "w" => Some(chrono::TimeDelta::weeks(n)),
                _ => None,
            };
            if let Some(delta) = delta {
                return Ok(now - delta);
            }
        }
    }
    Err(Error::Usage(format!(
        "{flag} {s:?}: expected an RFC 3339 time or now, now-15m, now-7d (units s m h d w)"
    )))
}

fn list(store: &dyn Store, a: ListArgs) -> Result<()> {
    if a.query.is_some() {
        return Err(Error::Usage(
            "-q: the query language is not built yet".into(),
        ));
    }
    let ascending = match a.sort.as_str() {
        "-timestamp" => false,
        "timestamp" => true,
        other => {
            return Err(Error::Usage(format!(
                "--sort {other:?}: expected timestamp or -timestamp"
            )))
        }
    };
    let now = Utc::now();
    let filter = ListFilter {
        from: a
            .from
            .as_deref()
            .map(|s| parse_time_arg("--from", s, now))
            .transpose()?,
        to: a
            .to
            .as_deref()
            .map(|s| parse_time_arg("--to", s, now))
            .transpose()?,
        ascending,
        limit: (a.limit > 0).then_some(a.limit),
    };
    let signals = store.list_signals(&filter)?;
    print_signals(&signals, a.format)
}

pub(crate) fn print_signals(signals: &[Signal], format: ListFormat) -> Result<()> {
    match format {
        ListFormat::Json => print_json(&json!({
            "data": signals.iter().map(Signal::to_list_json).collect::<Vec<_>>()
        })),
        ListFormat::Ids => {
            for s in signals {
                println!("{}", clean(&s.id));
            }
            Ok(())
        }
        ListFormat::Table => {
            let rows: Vec<Vec<String>> = signals.iter().map(row).collect();
            print!(
                "{}",
                table(
                    &[
                        "TIME",
                        "SEVERITY",
                        "TITLE",
                        "SERVICE",
                        "ATTACKERS",
                        "STATE",
                        "ASSIGNEE",
                        "ID"
                    ],
                    &rows
                )
            );
            Ok(())
        }
    }
}

fn row(s: &Signal) -> Vec<String> {
    let attackers = s
        .attacker_ips
        .iter()
        .chain(s.attacker_users.iter())
        .map(|a| clean(a))
        .collect::<Vec<_>>();
    let attackers = match attackers.len() {
        0 => "-".to_string(),
        1 => attackers[0].clone(),
        n => format!("{} +{}", attackers[0], n - 1),
    };
    vec![
        s.timestamp.format("%Y-%m-%d %H:%M:%S").to_string(),
        s.severity.to_string(),
        truncate(&clean(&s.title), 48),
        truncate(&clean(s.service()), 24),
        truncate(&attackers, 28),
        s.triage.state.to_string(),
        s.triage
            .assignee
            .as_ref()
            .map(|a| truncate(&clean(a.display()), 20))
            .unwrap_or_else(|| "-".into()),
        clean(&s.id),
    ]
}

fn show_text(s: &Signal) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<14}{v}\n"));
    line("id", clean(&s.id));
    line("title", clean(&s.title));
    line("severity", s.severity.to_string());
    line("time", s.timestamp_str());
    line("first seen", crate::model::json::fmt_time(&s.first_seen));
    line("last seen", crate::model::json::fmt_time(&s.last_seen));
    line("service", clean(&s.services.join(", ")));
    line("env", clean(s.env.as_deref().unwrap_or("-")));
    line(
        "rule",
        format!("{} ({})", clean(&s.rule.name), clean(&s.rule.id)),
    );
    line("state", s.triage.state.label().to_string());
    if let Some(r) = s.triage.archive_reason {
        line("archive reason", r.to_string());
    }
    if let Some(c) = &s.triage.archive_comment {
        line("comment", clean(c));
    }
    line(
        "assignee",
        s.triage
            .assignee
            .as_ref()
            .map(|a| clean(a.display()))
            .unwrap_or_else(|| "Unassigned".into()),
    );
    line("attacker IPs", clean(&s.attacker_ips.join(", ")));
    line("users", clean(&s.attacker_users.join(", ")));
    line("attack types", clean(&s.attack_types.join(", ")));
    line("attempts", s.samples.len().to_string());
    line("version", s.version.to_string());
    out
}
