//! `sigscope signals list|show`.
use super::output::{print_json, table, ListFormat, ShowFormat};
use super::Context;
use crate::engine::ListFilter;
use crate::engine::Reads;
use crate::error::{Error, Result};
use crate::model::Signal;
use crate::sanitize::{clean, truncate};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum SignalsCmd {
    /// List signals, newest first.
    List(ListArgs),
    /// Count signals per facet value (state, severity, service, env, rule, attack type, attacker
    /// IP, user, assignee, tags) for a query and time range.
    Facets(super::facets::FacetsArgs),
    /// Show one signal.
    Show {
        /// The signal's id.
        id: String,
        /// Output: text or JSON.
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
    /// A query in the Signals Explorer search syntax (it may start with `-`).
    #[arg(short, long, allow_hyphen_values = true)]
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
    /// Output: a table, JSON, or the ids alone.
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
    let (mut engine, actor) = ctx.engine_as_reader()?;
    // A query or facets at a million signals: from the index persisted next to the store (caught
    // up from its change log), not by parsing every stored signal.
    let indexed = match &cmd {
        SignalsCmd::List(a) => a.query.is_some(),
        SignalsCmd::Facets(_) => true,
        _ => false,
    };
    if indexed {
        let live = crate::engine::LiveIndex::open_persisted(&engine)?;
        engine.attach_live_index(live);
    }
    let store = engine.reads(&actor);
    match cmd {
        SignalsCmd::List(a) => list(&store, a, ctx.config.sla_targets()?),
        SignalsCmd::Facets(a) => super::facets::run(&store, a, ctx.config.sla_targets()?),
        SignalsCmd::Show { id, format } => {
            let s = store
                .signal(&id)?
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
    crate::query::parse_time(s, now).map_err(|e| Error::Usage(format!("{flag} {e}")))
}

/// The `-q` query, parsed; a syntax error names the column.
pub(crate) fn parse_query_arg(q: Option<&str>) -> Result<crate::query::Query> {
    let q = q.unwrap_or("");
    super::output::note_query_hints(q);
    crate::query::parse(q).map_err(|e| Error::Usage(format!("-q: {e}")))
}

/// `--from`/`--to` as a time range.
pub(crate) fn time_range_args(
    from: Option<&str>,
    to: Option<&str>,
    now: DateTime<Utc>,
) -> Result<crate::query::TimeRange> {
    Ok(crate::query::TimeRange {
        from: from.map(|s| parse_time_arg("--from", s, now)).transpose()?,
        to: to.map(|s| parse_time_arg("--to", s, now)).transpose()?,
    })
}

/// Signals matching a query in a time range, newest first (oldest first when `ascending`), at most
/// `limit`: from the live index (see `run`), reading only the kept signals from the store.
fn query_signals(
    store: &Reads,
    query: &crate::query::Query,
    range: &crate::query::TimeRange,
    ascending: bool,
    limit: Option<usize>,
    targets: crate::query::SlaTargets,
) -> Result<Vec<Signal>> {
    let (from, to) = range.millis();
    let req = crate::engine::PageRequest {
        query: Some(query.clone()),
        from,
        to,
        after: None,
        ascending,
        limit: limit.unwrap_or(usize::MAX),
        sla: targets,
        deadline: None,
    };
    Ok(store.query_page(&req)?.0)
}

fn list(store: &Reads, a: ListArgs, targets: crate::query::SlaTargets) -> Result<()> {
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
    if a.query.is_some() {
        let query = parse_query_arg(a.query.as_deref())?;
        let range = time_range_args(a.from.as_deref(), a.to.as_deref(), now)?;
        // One more than asked: whether the listing was cut is then known, and said.
        let limit = (a.limit > 0).then_some(a.limit + 1);
        let signals = query_signals(store, &query, &range, ascending, limit, targets)?;
        return print_signals(&cut(signals, a.limit), a.format);
    }
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
        limit: (a.limit > 0).then_some(a.limit + 1),
    };
    let signals = store.signals(&filter)?;
    print_signals(&cut(signals, a.limit), a.format)
}

/// Keep `limit` signals (0: all) of a listing fetched with one extra, saying on stderr when more
/// matched, so a script reading stdout knows the answer is partial.
fn cut(mut signals: Vec<Signal>, limit: usize) -> Vec<Signal> {
    if limit > 0 && signals.len() > limit {
        signals.truncate(limit);
        super::output::note_cut(limit, "signals");
    }
    signals
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
