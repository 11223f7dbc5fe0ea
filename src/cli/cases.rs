//! `sigscope cases create|add|list|show|status|comment`.
use super::output::{print_json, table, ListFormat, ShowFormat};
use super::triage::{open, print_outcome};
use super::Context;
use crate::engine::{rbac, Command, NewCase, SignalRef};
use crate::error::{Error, Result};
use crate::model::json::fmt_time;
use crate::model::{Case, CasePriority, CaseStatus, Permission};
use crate::sanitize::{clean, truncate};
use clap::Subcommand;
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum CasesCmd {
    /// Open a case from signals.
    Create {
        /// The signals the case is about.
        #[arg(value_name = "SIGNAL_ID")]
        signals: Vec<String>,
        /// The title.
        #[arg(long)]
        title: String,
        /// The description.
        #[arg(long, default_value = "")]
        description: String,
        /// P1..P5 or NOT_DEFINED.
        #[arg(long, default_value = "NOT_DEFINED")]
        priority: String,
        /// A user's email/handle or uuid.
        #[arg(long)]
        assignee: Option<String>,
        /// Also archive the signals as investigated_case_opened.
        #[arg(long)]
        archive: bool,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Add signals to an existing case.
    Add {
        /// `SEC-12`, `12` or the case uuid.
        case: String,
        /// Signal ids.
        #[arg(required = true, value_name = "SIGNAL_ID")]
        signals: Vec<String>,
        /// Archive the signals as they join the case.
        #[arg(long)]
        archive: bool,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// List cases, newest first.
    List {
        /// Output: a table, JSON, or the ids alone.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Show one case with its signals and comments.
    Show {
        /// The case: its key (SEC-12) or uuid.
        case: String,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Set a case's status: open, in_progress or closed.
    Status {
        /// The case: its key (SEC-12) or uuid.
        case: String,
        /// OPEN, IN_PROGRESS or CLOSED.
        status: String,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Set a case's priority: P1..P5 or NOT_DEFINED.
    Priority {
        /// The case: its key (SEC-12) or uuid.
        case: String,
        /// NOT_DEFINED or P1 to P5.
        priority: String,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Assign a case to a user, or unassign it.
    Assign {
        /// The case: its key (SEC-12) or uuid.
        case: String,
        /// A user's email/handle or uuid.
        #[arg(
            long = "to",
            value_name = "USER",
            conflicts_with = "unassign",
            required_unless_present = "unassign"
        )]
        to: Option<String>,
        /// Remove the assignee instead of setting one.
        #[arg(long)]
        unassign: bool,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Comment on a case.
    Comment {
        /// The case: its key (SEC-12) or uuid.
        case: String,
        /// The comment's text.
        text: String,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
}

pub fn run(ctx: &Context, cmd: CasesCmd) -> Result<()> {
    let (mut engine, actor) = if matches!(cmd, CasesCmd::List { .. } | CasesCmd::Show { .. }) {
        ctx.engine_as_reader()?
    } else {
        open(ctx)?
    };
    let (command, format) = match cmd {
        CasesCmd::Create {
            signals,
            title,
            description,
            priority,
            assignee,
            archive,
            format,
        } => {
            let priority = parse_priority(&priority)?;
            (
                Command::CreateCase(NewCase {
                    signals: SignalRef::many(&signals, None),
                    title,
                    description,
                    priority,
                    assignee,
                    archive_signals: archive,
                }),
                format,
            )
        }
        CasesCmd::Add {
            case,
            signals,
            archive,
            format,
        } => (
            Command::AddToCase {
                case,
                signals: SignalRef::many(&signals, None),
                archive_signals: archive,
            },
            format,
        ),
        CasesCmd::Status {
            case,
            status,
            format,
        } => {
            let status = CaseStatus::parse(&status).ok_or_else(|| {
                Error::Usage(format!(
                    "status {status:?}: expected open, in_progress or closed"
                ))
            })?;
            (Command::SetCaseStatus { case, status }, format)
        }
        CasesCmd::Priority {
            case,
            priority,
            format,
        } => (
            Command::SetCasePriority {
                case,
                priority: parse_priority(&priority)?,
            },
            format,
        ),
        CasesCmd::Assign {
            case,
            to,
            unassign,
            format,
        } => (
            Command::AssignCase {
                case,
                user: if unassign { None } else { to },
            },
            format,
        ),
        CasesCmd::Comment { case, text, format } => (Command::CommentCase { case, text }, format),
        CasesCmd::List { format } => {
            rbac::require(&actor, Permission::CasesRead)?;
            return list(&engine.reads(&actor).cases()?, format);
        }
        CasesCmd::Show { case, format } => {
            rbac::require(&actor, Permission::CasesRead)?;
            let c = engine
                .reads(&actor)
                .case(&case)?
                .ok_or_else(|| Error::NotFound(format!("case {} not found", clean(&case))))?;
            return show(&c, format);
        }
    };
    let out = engine.execute(&actor, command)?;
    print_outcome(&out, format, &engine.reads(&actor))
}

fn parse_priority(p: &str) -> Result<CasePriority> {
    CasePriority::parse(p).ok_or_else(|| {
        Error::Usage(format!(
            "priority {p:?}: expected P1, P2, P3, P4, P5 or NOT_DEFINED"
        ))
    })
}

fn list(cases: &[Case], format: ListFormat) -> Result<()> {
    match format {
        ListFormat::Json => print_json(&json!({
            "data": cases.iter().map(Case::to_json).collect::<Vec<_>>()
        })),
        ListFormat::Ids => {
            for c in cases {
                println!("{}", c.key);
            }
            Ok(())
        }
        ListFormat::Table => {
            let rows: Vec<Vec<String>> = cases
                .iter()
                .map(|c| {
                    vec![
                        c.key.clone(),
                        c.status.to_string(),
                        c.priority.to_string(),
                        truncate(&clean(&c.title), 48),
                        c.assignee
                            .as_ref()
                            .map(|a| truncate(&clean(a.display()), 20))
                            .unwrap_or_else(|| "-".into()),
                        c.signal_ids.len().to_string(),
                        fmt_time(&c.created_at),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(
                    &["KEY", "STATUS", "PRIORITY", "TITLE", "ASSIGNEE", "SIGNALS", "CREATED"],
                    &rows
                )
            );
            Ok(())
        }
    }
}

fn show(c: &Case, format: ShowFormat) -> Result<()> {
    if format == ShowFormat::Json {
        return print_json(&json!({ "data": c.to_json() }));
    }
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<13}{v}\n"));
    line("key", c.key.clone());
    line("title", clean(&c.title));
    line("status", c.status.label().to_string());
    line("priority", c.priority.to_string());
    line(
        "assignee",
        c.assignee
            .as_ref()
            .map(|a| clean(a.display()))
            .unwrap_or_else(|| "Unassigned".into()),
    );
    line(
        "created",
        format!("{} by {}", fmt_time(&c.created_at), clean(&c.created_by)),
    );
    if !c.description.is_empty() {
        line("description", clean(&c.description));
    }
    line("signals", clean(&c.signal_ids.join(", ")));
    print!("{out}");
    for cm in &c.comments {
        println!(
            "  {} {}: {}",
            fmt_time(&cm.time),
            clean(&cm.author),
            clean(&cm.text)
        );
    }
    Ok(())
}
