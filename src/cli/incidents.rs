//! `sigscope incidents declare|add|state|list|show`.
use super::output::{print_json, table, ListFormat, ShowFormat};
use super::triage::{open, print_outcome};
use super::Context;
use crate::engine::{rbac, Command, NewIncident, SignalRef};
use crate::error::{Error, Result};
use crate::model::json::fmt_time;
use crate::model::{Incident, IncidentSeverity, IncidentState, Permission};
use crate::sanitize::{clean, truncate};
use clap::Subcommand;
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum IncidentsCmd {
    /// Declare an incident from signals.
    Declare {
        /// Signal ids.
        #[arg(value_name = "SIGNAL_ID")]
        signals: Vec<String>,
        /// The title.
        #[arg(long)]
        title: String,
        /// SEV-0..SEV-5 or UNKNOWN.
        #[arg(long, default_value = "UNKNOWN")]
        severity: String,
        /// The incident commander: a user's email/handle or uuid.
        #[arg(long)]
        commander: Option<String>,
        /// Customers are affected.
        #[arg(long)]
        customer_impacted: bool,
        /// active, stable or resolved.
        #[arg(long, default_value = "active")]
        state: String,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Add signals to an existing incident.
    Add {
        /// `IR-7`, `7` or the incident uuid.
        incident: String,
        /// Signal ids.
        #[arg(required = true, value_name = "SIGNAL_ID")]
        signals: Vec<String>,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Set an incident's state: active, stable or resolved.
    State {
        /// The incident: its public id or uuid.
        incident: String,
        /// active, stable or resolved.
        state: String,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// List incidents, newest first.
    List {
        /// Output: a table, JSON, or the ids alone.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Show one incident.
    Show {
        /// The incident: its public id or uuid.
        incident: String,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
}

fn parse_state(s: &str) -> Result<IncidentState> {
    IncidentState::parse(s)
        .ok_or_else(|| Error::Usage(format!("state {s:?}: expected active, stable or resolved")))
}

pub fn run(ctx: &Context, cmd: IncidentsCmd) -> Result<()> {
    let (mut engine, actor) =
        if matches!(cmd, IncidentsCmd::List { .. } | IncidentsCmd::Show { .. }) {
            ctx.engine_as_reader()?
        } else {
            open(ctx)?
        };
    let (command, format) = match cmd {
        IncidentsCmd::Declare {
            signals,
            title,
            severity,
            commander,
            customer_impacted,
            state,
            format,
        } => {
            let severity = IncidentSeverity::parse(&severity).ok_or_else(|| {
                Error::Usage(format!(
                    "--severity {severity:?}: expected SEV-0..SEV-5 or UNKNOWN"
                ))
            })?;
            (
                Command::DeclareIncident(NewIncident {
                    signals: SignalRef::many(&signals, None),
                    title,
                    severity,
                    commander,
                    customer_impacted,
                    state: parse_state(&state)?,
                }),
                format,
            )
        }
        IncidentsCmd::Add {
            incident,
            signals,
            format,
        } => (
            Command::AddToIncident {
                incident,
                signals: SignalRef::many(&signals, None),
            },
            format,
        ),
        IncidentsCmd::State {
            incident,
            state,
            format,
        } => (
            Command::SetIncidentState {
                incident,
                state: parse_state(&state)?,
            },
            format,
        ),
        IncidentsCmd::List { format } => {
            rbac::require(&actor, Permission::IncidentRead)?;
            return list(&engine.reads(&actor).incidents()?, format);
        }
        IncidentsCmd::Show { incident, format } => {
            rbac::require(&actor, Permission::IncidentRead)?;
            let i = engine.reads(&actor).incident(&incident)?.ok_or_else(|| {
                Error::NotFound(format!("incident {} not found", clean(&incident)))
            })?;
            return show(&i, format);
        }
    };
    let out = engine.execute(&actor, command)?;
    print_outcome(&out, format, &engine.reads(&actor))
}

fn list(incidents: &[Incident], format: ListFormat) -> Result<()> {
    match format {
        ListFormat::Json => print_json(&json!({
            "data": incidents.iter().map(Incident::to_json).collect::<Vec<_>>()
        })),
        ListFormat::Ids => {
            for i in incidents {
                println!("{}", i.public_id);
            }
            Ok(())
        }
        ListFormat::Table => {
            let rows: Vec<Vec<String>> = incidents
                .iter()
                .map(|i| {
                    vec![
                        i.display_id(),
                        i.severity.to_string(),
                        i.state.to_string(),
                        truncate(&clean(&i.title), 48),
                        i.commander
                            .as_ref()
                            .map(|a| truncate(&clean(a.display()), 20))
                            .unwrap_or_else(|| "-".into()),
                        if i.customer_impacted { "yes" } else { "no" }.into(),
                        i.signal_ids.len().to_string(),
                        fmt_time(&i.created_at),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(
                    &[
                        "ID",
                        "SEVERITY",
                        "STATE",
                        "TITLE",
                        "COMMANDER",
                        "IMPACT",
                        "SIGNALS",
                        "CREATED"
                    ],
                    &rows
                )
            );
            Ok(())
        }
    }
}

fn show(i: &Incident, format: ShowFormat) -> Result<()> {
    if format == ShowFormat::Json {
        return print_json(&json!({ "data": i.to_json() }));
    }
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<18}{v}\n"));
    line("id", i.display_id());
    line("title", clean(&i.title));
    line("severity", i.severity.to_string());
    line("state", i.state.to_string());
    line(
        "commander",
        i.commander
            .as_ref()
            .map(|a| clean(a.display()))
            .unwrap_or_else(|| "-".into()),
    );
    line(
        "customer impacted",
        if i.customer_impacted { "yes" } else { "no" }.into(),
    );
    line(
        "declared",
        format!("{} by {}", fmt_time(&i.created_at), clean(&i.created_by)),
    );
    line("signals", clean(&i.signal_ids.join(", ")));
    print!("{out}");
    Ok(())
}
