//! Workflows: declared in TOML (built-in examples in `assets/workflows/`, the user's in the config
//! dir's `workflows/`), run on one signal by a user who holds `workflows_run`, step by step in the
//! background, each run recorded with its inputs, step results and duration.
pub mod def;
pub mod run;
pub mod runs;
pub mod template;
pub mod url;

pub use def::{Input, InputKind, Step, Workflow};
pub use run::{Options, StepResult, StepStatus};
pub use runs::{RunRecord, RunState};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::model::{Permission, Signal, User};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;

/// The audit action of a finished workflow run, on the signal's timeline.
pub const WORKFLOW_RUN: &str = crate::model::audit::actions::WORKFLOW_RUN;

/// The `[workflows]` section of the config.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkflowsConfig {
    /// Let workflows run local commands (argv, never a shell). Off unless set.
    pub allow_commands: bool,
    /// Where the user's workflows live; default: `workflows/` next to the config file.
    pub dir: Option<PathBuf>,
    /// Per-workflow overrides of its `[vars]`: `[workflows.vars.open-ticket] base_url = "..."`.
    pub vars: BTreeMap<String, BTreeMap<String, String>>,
}

impl WorkflowsConfig {
    pub fn from_config(c: &crate::config::Config) -> Result<WorkflowsConfig> {
        c.section("workflows")
    }

    pub fn options(&self) -> Options {
        Options {
            allow_commands: self.allow_commands,
        }
    }
}

/// A run that passed every check and is ready to go.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub workflow: Workflow,
    pub signal: Signal,
    pub inputs: Map<String, Value>,
    pub actor: User,
    vars: BTreeMap<String, String>,
    link: String,
    opts: Options,
    /// The engine setting `denylist.ips` is computed with, for a run on its own connection.
    signal_v6_prefix: Option<u8>,
}

impl Prepared {
    /// Run with this `[denylist] signal_ipv6_prefix` (the caller's engine's), when `spawn` opens
    /// its own engine.
    pub fn with_signal_v6_prefix(mut self, prefix: u8) -> Prepared {
        self.signal_v6_prefix = Some(prefix);
        self
    }
}

/// Check the permission, the inputs (every problem named at once) and the config's leave for
/// commands, before anything runs.
pub fn prepare(
    workflow: Workflow,
    signal: Signal,
    given: &[(String, String)],
    actor: &User,
    cfg: &WorkflowsConfig,
    link: String,
) -> Result<Prepared> {
    crate::engine::rbac::require(actor, Permission::WorkflowsRun)?;
    let inputs = workflow.resolve_inputs(given)?;
    let opts = cfg.options();
    run::preflight(&workflow, &opts)?;
    let mut vars = workflow.vars.clone();
    if let Some(over) = cfg.vars.get(&workflow.name) {
        for (k, v) in over {
            if !vars.contains_key(k) {
                return Err(Error::Invalid(format!(
                    "config [workflows.vars.{}]: {k:?} is not a var of that workflow",
                    workflow.name
                )));
            }
            vars.insert(k.clone(), v.clone());
        }
    }
    Ok(Prepared {
        workflow,
        signal,
        inputs,
        actor: actor.clone(),
        vars,
        link,
        opts,
        signal_v6_prefix: None,
    })
}

/// What a running workflow reports.
#[derive(Clone, Debug)]
pub enum RunEvent {
    Step(StepResult),
    Done(RunRecord),
    /// The run could not be recorded or run (the store went away).
    Error(String),
}

/// Run a prepared workflow here and now, recording it in the store as it goes.
pub fn run_now(
    engine: &mut Engine,
    p: Prepared,
    on_step: &mut dyn FnMut(&StepResult),
) -> Result<RunRecord> {
    let mut rec = RunRecord {
        id: uuid::Uuid::new_v4().to_string(),
        workflow: p.workflow.name.clone(),
        signal_id: p.signal.id.clone(),
        actor: p.actor.handle.clone(),
        state: RunState::Running,
        started_at: Utc::now(),
        finished_at: None,
        inputs: p.inputs.clone(),
        steps: Vec::new(),
        error: None,
    };
    engine.save_workflow_run(&p.actor, &rec)?;
    // Anything a workflow sends as a block goes through the denylist's checks first.
    let (ips, refused) = engine.reads(&p.actor).blockable_attackers(&p.signal)?;
    let ctx = template::Context::new(
        template::signal_value(&p.signal, &p.link),
        p.inputs.clone(),
        p.vars.clone(),
    )
    .with_denylist(ips, refused);
    let mut save_err = None;
    let result = run::execute(&p.workflow, &ctx, &p.opts, &mut |step| {
        rec.steps.push(step.clone());
        if let Err(e) = engine.save_workflow_run(&p.actor, &rec) {
            save_err.get_or_insert(e);
        }
        on_step(step);
    });
    if let Some(e) = save_err {
        return Err(e);
    }
    match result {
        Ok(steps) => {
            rec.steps = steps;
            let bad = rec.steps.iter().find(|s| s.status != StepStatus::Succeeded);
            rec.state = if bad.is_some() {
                RunState::Failed
            } else {
                RunState::Succeeded
            };
            rec.error =
                bad.map(|s| format!("step {:?} {}: {}", s.name, s.status.as_str(), s.summary));
        }
        Err(e) => {
            rec.state = RunState::Failed;
            rec.error = Some(e.to_string());
        }
    }
    let finished = Utc::now();
    rec.finished_at = Some(finished);
    // The finished run goes on the signal's timeline in the same transaction as its row.
    engine.finish_workflow_run(&p.actor, &rec)?;
    Ok(rec)
}

/// A run going on in its own thread: its events arrive on `events`, the last one `Done` or `Error`.
pub struct RunHandle {
    pub events: mpsc::Receiver<RunEvent>,
    pub thread: JoinHandle<()>,
}

/// Run a prepared workflow in the background on its own connection to the store at `path`.
pub fn spawn(path: PathBuf, p: Prepared) -> Result<RunHandle> {
    let (tx, events) = mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("sigscope-workflow".into())
        .spawn(move || {
            let opened = Engine::open(&path).and_then(|mut e| {
                if let Some(prefix) = p.signal_v6_prefix {
                    e.set_signal_v6_prefix(prefix)?;
                }
                Ok(e)
            });
            let outcome = opened.and_then(|mut engine| {
                let steps = tx.clone();
                run_now(&mut engine, p, &mut |s| {
                    let _ = steps.send(RunEvent::Step(s.clone()));
                })
            });
            let _ = tx.send(match outcome {
                Ok(r) => RunEvent::Done(r),
                Err(e) => RunEvent::Error(e.to_string()),
            });
        })
        .map_err(|e| Error::Other(format!("cannot start the workflow thread: {e}")))?;
    Ok(RunHandle { events, thread })
}
