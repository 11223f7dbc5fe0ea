//! The workflows the explorer offers, running one on a signal with its steps shown as they go, and
//! the notification rules (targets masked) the same screen lists.
use super::super::backend::WorkflowInfo;
use super::*;

impl LocalBackend {
    pub(super) fn workflow_list(&self) -> Result<Vec<WorkflowInfo>> {
        let all = crate::workflow::def::load_all(&self.workflows.dir)?;
        Ok(all
            .into_iter()
            .map(|w| super::super::backend::WorkflowInfo {
                name: w.name,
                description: w.description,
                inputs: w
                    .inputs
                    .into_iter()
                    .map(|i| super::super::backend::WorkflowInput {
                        name: i.name,
                        kind: i.kind,
                        description: i.description,
                        required: i.required,
                        default: i.default.map(|d| match d {
                            toml::Value::String(s) => s,
                            other => other.to_string(),
                        }),
                        choices: i.choices,
                    })
                    .collect(),
            })
            .collect())
    }

    pub(super) fn run_workflow_here(
        &self,
        name: &str,
        signal_id: &str,
        inputs: &[(String, String)],
        on_step: &mut dyn FnMut(super::super::backend::WorkflowStep),
    ) -> std::result::Result<
        super::super::backend::WorkflowOutcome,
        super::super::backend::WorkflowRefusal,
    > {
        use super::super::backend::{WorkflowOutcome, WorkflowRefusal};
        let refuse = |e: Error| WorkflowRefusal {
            message: e.to_string(),
            inputs: Vec::new(),
        };
        let w = crate::workflow::def::find(&self.workflows.dir, name).map_err(refuse)?;
        // The workflow names every bad input at once; the form shows each under its field.
        if let Err(problems) = w.check_inputs(inputs) {
            return Err(WorkflowRefusal {
                message: w.invalid_inputs(&problems).to_string(),
                inputs: problems
                    .into_iter()
                    .filter(|p| w.inputs.iter().any(|i| i.name == p.input))
                    .map(|p| (p.input, p.problem))
                    .collect(),
            });
        }
        let (signal, path) = {
            let engine = lock(&self.engine);
            let s = engine
                .reads(&self.actor)
                .signal(signal_id)
                .map_err(refuse)?;
            (s, self.location.clone())
        };
        let signal = signal.ok_or_else(|| {
            refuse(Error::NotFound(format!(
                "signal {} not found",
                crate::sanitize::clean(signal_id)
            )))
        })?;
        let link = crate::notify::targets::signal_link(&self.workflows.link, &signal.id);
        let p =
            crate::workflow::prepare(w, signal, inputs, &self.actor, &self.workflows.config, link)
                .map_err(refuse)?;
        // Its own thread and connection, as the CLI does; this call is already off the UI thread.
        let p = p.with_signal_v6_prefix(lock(&self.engine).signal_v6_prefix());
        let h = crate::workflow::spawn(path, p).map_err(refuse)?;
        let mut last = Err(refuse(Error::Other(
            "the workflow stopped without a result".into(),
        )));
        for ev in h.events.iter() {
            match ev {
                crate::workflow::RunEvent::Step(s) => {
                    on_step(super::super::backend::WorkflowStep {
                        name: s.name,
                        status: s.status,
                        summary: s.summary,
                    })
                }
                crate::workflow::RunEvent::Done(rec) => {
                    let summary = format!(
                        "workflow {} {} in {} ms{}",
                        rec.workflow,
                        rec.state.as_str(),
                        rec.duration_ms().unwrap_or(0),
                        rec.error.map(|e| format!(": {e}")).unwrap_or_default()
                    );
                    // A finished run is succeeded or failed; anything else did not succeed.
                    last = Ok(match rec.state {
                        crate::workflow::RunState::Succeeded => {
                            WorkflowOutcome::Succeeded { summary }
                        }
                        _ => WorkflowOutcome::Failed { summary },
                    });
                }
                crate::workflow::RunEvent::Error(e) => last = Err(refuse(Error::Other(e))),
            }
        }
        let _ = h.thread.join();
        // The run is on the signal's timeline now: the index and live mode follow.
        let _ = self.catch_up();
        self.generation.fetch_add(1, Ordering::SeqCst);
        last
    }

    pub(super) fn notify_rule_rows(&self) -> Result<Vec<super::super::backend::NotifyRuleRow>> {
        let engine = lock(&self.engine);
        let rules = engine.reads(&self.actor).notify_rules()?;
        Ok(rules
            .into_iter()
            .map(|r| super::super::backend::NotifyRuleRow {
                name: r.name,
                enabled: r.enabled,
                severities: r
                    .severities
                    .iter()
                    .map(|s| s.as_str().to_string())
                    .collect(),
                query: r.query,
                // Targets carry webhook secrets and keys: only the masked form leaves here.
                targets: r.targets.iter().map(|t| t.masked()).collect(),
            })
            .collect())
    }
}
