//! `sigscope workflows list|show|run|runs`.
use super::notify::acting;
use super::output::{print_json, table, ListFormat, ShowFormat};
use super::Context;
use crate::error::{Error, Result};
use crate::model::Permission;
use crate::notify::NotifyConfig;
use crate::sanitize::{clean, truncate};
use crate::workflow::{self, def, RunState, Step, StepResult, Workflow, WorkflowsConfig};
use clap::Subcommand;
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum WorkflowsCmd {
    /// List the workflows: the built-in examples and the config dir's workflows/*.toml.
    List {
        /// Output: a table, JSON, or the ids alone.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Show one workflow's inputs and steps.
    Show {
        /// The workflow's name.
        name: String,
    },
    /// Run a workflow on a signal.
    Run {
        /// The workflow's name.
        name: String,
        /// The signal's id.
        #[arg(long)]
        signal: String,
        /// An input, `key=value` (repeat for several).
        #[arg(long = "input", value_name = "KEY=VALUE")]
        inputs: Vec<String>,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// The workflow runs recorded on a signal, oldest first.
    Runs {
        /// The signal's id.
        #[arg(long)]
        signal: String,
        /// Output: text or JSON.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
}

fn dir(ctx: &Context, cfg: &WorkflowsConfig) -> std::path::PathBuf {
    cfg.dir
        .clone()
        .unwrap_or_else(|| def::user_dir(&ctx.config_path))
}

fn inputs_line(w: &Workflow) -> String {
    w.inputs
        .iter()
        .map(|i| {
            format!(
                "{}:{}{}",
                i.name,
                i.kind.as_str(),
                if i.required { "*" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn step_line(s: &StepResult) -> String {
    format!(
        "  {:<9} {} ({} ms): {}",
        s.status.as_str(),
        clean(&s.name),
        s.duration_ms,
        clean(&s.summary)
    )
}

pub fn run(ctx: &Context, cmd: WorkflowsCmd) -> Result<()> {
    let cfg = WorkflowsConfig::from_config(&ctx.config)?;
    let dir = dir(ctx, &cfg);
    match cmd {
        WorkflowsCmd::List { format } => {
            let all = def::load_all(&dir)?;
            match format {
                ListFormat::Json => print_json(&json!({"data": all.iter().map(|w| json!({
                    "name": w.name, "description": w.description, "source": w.source,
                    "inputs": w.inputs.iter().map(|i| json!({
                        "name": i.name, "type": i.kind.as_str(), "required": i.required,
                        "description": i.description, "choices": i.choices,
                        "default": i.default.as_ref().map(|d| d.to_string()),
                    })).collect::<Vec<_>>(),
                    "steps": w.steps.iter().map(|s| json!({"name": s.name(), "type": s.kind()})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>()})),
                ListFormat::Ids => {
                    for w in &all {
                        println!("{}", w.name);
                    }
                    Ok(())
                }
                ListFormat::Table => {
                    let rows: Vec<Vec<String>> = all
                        .iter()
                        .map(|w| {
                            vec![
                                w.name.clone(),
                                clean(&truncate(&w.description, 50)),
                                clean(&inputs_line(w)),
                                clean(&w.source),
                            ]
                        })
                        .collect();
                    print!(
                        "{}",
                        table(
                            &["NAME", "DESCRIPTION", "INPUTS (* required)", "SOURCE"],
                            &rows
                        )
                    );
                    Ok(())
                }
            }
        }
        WorkflowsCmd::Show { name } => {
            let w = def::find(&dir, &name)?;
            println!("{} ({})", w.name, clean(&w.source));
            if !w.description.is_empty() {
                println!("{}", clean(&w.description));
            }
            println!("inputs:");
            for i in &w.inputs {
                let mut extra = Vec::new();
                if i.required {
                    extra.push("required".to_string());
                }
                if let Some(d) = &i.default {
                    extra.push(format!("default {d}"));
                }
                if !i.choices.is_empty() {
                    extra.push(format!("one of {}", i.choices.join(", ")));
                }
                println!(
                    "  {} ({}{}){}",
                    i.name,
                    i.kind.as_str(),
                    if extra.is_empty() {
                        String::new()
                    } else {
                        format!("; {}", extra.join("; "))
                    },
                    if i.description.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", i.description)
                    }
                );
            }
            println!("steps:");
            for s in &w.steps {
                let what = match s {
                    Step::Http(h) => format!("{} {}", h.method.to_uppercase(), h.url),
                    Step::Command(c) => format!("command {}", c.argv.join(" ")),
                };
                println!("  {} [{}]: {}", clean(s.name()), s.kind(), clean(&what));
            }
            Ok(())
        }
        WorkflowsCmd::Run {
            name,
            signal,
            inputs,
            format,
        } => {
            let given = inputs
                .iter()
                .map(|kv| {
                    kv.split_once('=')
                        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                        .ok_or_else(|| {
                            Error::Usage(format!("--input {:?}: expected key=value", clean(kv)))
                        })
                })
                .collect::<Result<Vec<_>>>()?;
            let (mut engine, actor) = acting(ctx, Permission::WorkflowsRun)?;
            let w = def::find(&dir, &name)?;
            let s = engine
                .reads(&actor)
                .signal(&signal)?
                .ok_or_else(|| Error::NotFound(format!("no signal {:?}", clean(&signal))))?;
            let link_template = NotifyConfig::from_config(&ctx.config)?.signal_link;
            let link = crate::notify::targets::signal_link(&link_template, &s.id);
            let p = workflow::prepare(w, s, &given, &actor, &cfg, link)?;
            let text = format == ShowFormat::Text;
            if text {
                println!(
                    "running {} on signal {}",
                    p.workflow.name,
                    clean(&p.signal.id)
                );
            }
            let rec = workflow::run_now(&mut engine, p, &mut |s| {
                if text {
                    println!("{}", step_line(s));
                }
            })?;
            if text {
                println!(
                    "{} in {} ms (run {})",
                    rec.state.as_str(),
                    rec.duration_ms().unwrap_or(0),
                    rec.id
                );
                for s in rec.steps.iter().filter(|s| !s.output.trim().is_empty()) {
                    println!(
                        "--- {} output ---\n{}",
                        clean(&s.name),
                        clean(s.output.trim_end())
                    );
                }
            } else {
                print_json(&rec.to_json())?;
            }
            if rec.state == RunState::Failed {
                return Err(Error::Other(format!(
                    "workflow {} failed: {}",
                    rec.workflow,
                    rec.error.as_deref().unwrap_or("a step failed")
                )));
            }
            Ok(())
        }
        WorkflowsCmd::Runs { signal, format } => {
            let (engine, actor) = acting(ctx, Permission::WorkflowsRead)?;
            let runs = engine.reads(&actor).workflow_runs(&signal)?;
            if format == ShowFormat::Json {
                return print_json(
                    &json!({"data": runs.iter().map(|r| r.to_json()).collect::<Vec<_>>()}),
                );
            }
            for r in &runs {
                println!(
                    "{} {} by {}: {} ({} ms) run {}",
                    crate::model::json::fmt_time(&r.started_at),
                    r.workflow,
                    clean(&r.actor),
                    r.state.as_str(),
                    r.duration_ms().unwrap_or(0),
                    r.id
                );
                for s in &r.steps {
                    println!("{}", step_line(s));
                }
            }
            Ok(())
        }
    }
}
