//! Running a workflow's steps in order, each with its timeout; a failed step stops the run. Commands
//! run from an argv (no shell) and are killed when their time is up.
use super::def::{CommandStep, HttpStep, Step, Workflow, DEFAULT_TIMEOUT_SECS};
use super::template::Context;
use crate::error::{Error, Result};
use crate::notify::mask::{mask_text, redact};
use serde::Serialize;
use serde_json::Value;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Output kept per step, in characters.
pub const MAX_OUTPUT: usize = 4000;

#[derive(Clone, Debug)]
pub struct Options {
    /// The config's `[workflows] allow_commands`.
    pub allow_commands: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Succeeded,
    Failed,
    TimedOut,
    Skipped,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Succeeded => "succeeded",
            StepStatus::Failed => "failed",
            StepStatus::TimedOut => "timed_out",
            StepStatus::Skipped => "skipped",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepResult {
    pub name: String,
    pub kind: String,
    pub status: StepStatus,
    /// What was done: `POST https://host/path -> 201`, `argv[0] exited 0` (secrets masked).
    pub summary: String,
    /// The response body or the command's output, cut to `MAX_OUTPUT`, secrets masked.
    pub output: String,
    pub duration_ms: i64,
}

/// Refuse a workflow the config does not allow, before any step runs.
pub fn preflight(w: &Workflow, opts: &Options) -> Result<()> {
    if !opts.allow_commands {
        if let Some(Step::Command(c)) = w.steps.iter().find(|s| matches!(s, Step::Command(_))) {
            return Err(Error::PermissionDenied(format!(
                "workflow {} has a command step ({:?}); local commands run only when the config sets `allow_commands = true` under [workflows]",
                w.name, c.name
            )));
        }
    }
    Ok(())
}

fn cut(s: &str) -> String {
    crate::sanitize::truncate(s, MAX_OUTPUT)
}

/// Run every step in order, reporting each result to `on_step` as it finishes; after a failure the
/// rest are reported as skipped.
pub fn execute(
    w: &Workflow,
    ctx: &Context,
    opts: &Options,
    on_step: &mut dyn FnMut(&StepResult),
) -> Result<Vec<StepResult>> {
    preflight(w, opts)?;
    let mut results = Vec::new();
    let mut failed = false;
    for step in &w.steps {
        let r = if failed {
            StepResult {
                name: step.name().into(),
                kind: step.kind().into(),
                status: StepStatus::Skipped,
                summary: "skipped: an earlier step failed".into(),
                output: String::new(),
                duration_ms: 0,
            }
        } else {
            let started = Instant::now();
            let timeout = Duration::from_secs(step.timeout_secs().unwrap_or(DEFAULT_TIMEOUT_SECS));
            let (status, summary, output) = match step {
                Step::Http(h) => http(h, ctx, timeout),
                Step::Command(c) => command(c, ctx, timeout),
            };
            let secrets = ctx.secrets();
            StepResult {
                name: step.name().into(),
                kind: step.kind().into(),
                status,
                summary: mask_text(&redact(&summary, &secrets)),
                output: mask_text(&redact(&cut(&output), &secrets)),
                duration_ms: started.elapsed().as_millis() as i64,
            }
        };
        failed |= r.status != StepStatus::Succeeded;
        on_step(&r);
        results.push(r);
    }
    Ok(results)
}

fn text_of_value(v: &Value) -> String {
    match v {
        Value::String(s) => crate::sanitize::clean(s),
        other => other.to_string(),
    }
}

/// A request with every template rendered.
struct Request {
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Value>,
}

fn http(h: &HttpStep, ctx: &Context, timeout: Duration) -> (StepStatus, String, String) {
    let method = h.method.to_ascii_uppercase();
    let prepared = (|| -> Result<Request> {
        let url = ctx.url(&h.url)?;
        let headers = h
            .headers
            .iter()
            .map(|(k, v)| Ok((k.clone(), ctx.header(v)?)))
            .collect::<Result<Vec<_>>>()?;
        let body = match (h.body_json(), &h.body_for_each) {
            (Some(Value::Array(one)), Some(each)) => {
                let list = match ctx.lookup(each)? {
                    Value::Array(a) => a,
                    Value::Null => Vec::new(),
                    other => vec![other],
                };
                let template = one.first().cloned().unwrap_or(Value::Null);
                let mut items = Vec::new();
                for item in list {
                    let c = ctx.with_item(item);
                    items.push(c.json(&template)?);
                    ctx.absorb_secrets(&c);
                }
                Some(Value::Array(items))
            }
            (Some(b), _) => Some(ctx.json(&b)?),
            (None, _) => None,
        };
        Ok(Request { url, headers, body })
    })();
    let Request { url, headers, body } = match prepared {
        Ok(p) => p,
        Err(e) => return (StepStatus::Failed, format!("{method}: {e}"), String::new()),
    };
    // Values the denylist's checks refused are said in the step's output, so the analyst sees
    // what was left out and why.
    let mut notes = String::new();
    if h.body_for_each.as_deref() == Some("denylist.ips") {
        if let Ok(Value::Array(refused)) = ctx.lookup("denylist.refused") {
            for r in refused {
                notes.push_str(&format!("left out: {}\n", text_of_value(&r)));
            }
        }
    }
    if let (Some(Value::Array(items)), Some(each)) = (&body, &h.body_for_each) {
        if items.is_empty() {
            return (
                StepStatus::Succeeded,
                format!("{method} {url}: nothing to send ({each} is empty)"),
                notes,
            );
        }
    }
    let client = match reqwest::blocking::Client::builder()
        .timeout(timeout)
        .user_agent(concat!("sigscope/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            return (
                StepStatus::Failed,
                format!("HTTP client: {e}"),
                String::new(),
            )
        }
    };
    let m = match reqwest::Method::from_bytes(method.as_bytes()) {
        Ok(m) => m,
        Err(_) => {
            return (
                StepStatus::Failed,
                format!("bad method {method}"),
                String::new(),
            )
        }
    };
    let mut req = client.request(m, &url);
    for (k, v) in &headers {
        req = req.header(k.as_str(), v.as_str());
    }
    if let Some(b) = &body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    match req.send() {
        Ok(resp) => {
            let code = resp.status();
            let text = resp.text().unwrap_or_default();
            let status = if code.is_success() {
                StepStatus::Succeeded
            } else {
                StepStatus::Failed
            };
            (
                status,
                format!("{method} {url} -> {}", code.as_u16()),
                notes + &text,
            )
        }
        Err(e) if e.is_timeout() => (
            StepStatus::TimedOut,
            format!("{method} {url}: no answer within {} s", timeout.as_secs()),
            String::new(),
        ),
        Err(e) => (
            StepStatus::Failed,
            format!("{method} {url}: {}", e.without_url()),
            String::new(),
        ),
    }
}

/// The argv to run: the program exactly as written (never templated), each argument rendered on
/// its own, refusing a value that would turn into an option before a literal `--`.
fn render_argv(c: &CommandStep, ctx: &Context) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(c.argv.len());
    let mut after_dashes = false;
    for (i, a) in c.argv.iter().enumerate() {
        if i == 0 {
            if a.contains("{{") {
                return Err(Error::Invalid(
                    "the program (argv[0]) cannot be a placeholder".into(),
                ));
            }
            out.push(a.clone());
            continue;
        }
        out.push(
            ctx.arg(a, after_dashes)
                .map_err(|e| Error::Invalid(format!("argv[{i}]: {e}")))?,
        );
        after_dashes |= a == "--";
    }
    Ok(out)
}

fn command(c: &CommandStep, ctx: &Context, timeout: Duration) -> (StepStatus, String, String) {
    let argv = match render_argv(c, ctx) {
        Ok(a) => a,
        Err(e) => return (StepStatus::Failed, e.to_string(), String::new()),
    };
    let Some(program) = argv.first().cloned() else {
        return (StepStatus::Failed, "argv is empty".into(), String::new());
    };
    let mut child = match Command::new(&program)
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(ch) => ch,
        Err(e) => {
            return (
                StepStatus::Failed,
                format!("{program}: cannot start: {e}"),
                String::new(),
            )
        }
    };
    // Read both pipes on their own threads so a chatty command cannot fill a pipe and stall.
    let (tx, rx) = std::sync::mpsc::channel::<(bool, Vec<u8>)>();
    let mut readers = 0;
    if let Some(mut out) = child.stdout.take() {
        let tx = tx.clone();
        readers += 1;
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = out.by_ref().take(1 << 20).read_to_end(&mut buf);
            let _ = tx.send((false, buf));
        });
    }
    if let Some(mut err) = child.stderr.take() {
        let tx = tx.clone();
        readers += 1;
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = err.by_ref().take(1 << 20).read_to_end(&mut buf);
            let _ = tx.send((true, buf));
        });
    }
    drop(tx);
    let deadline = Instant::now() + timeout;
    let exit = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return (StepStatus::Failed, format!("{program}: {e}"), String::new()),
        }
    };
    // A killed command's own children may hold the pipes open: wait a little for the output, no more.
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    for _ in 0..readers {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok((true, b)) => stderr = b,
            Ok((false, b)) => stdout = b,
            Err(_) => break,
        }
    }
    let mut output = String::from_utf8_lossy(&stdout).into_owned();
    if !stderr.is_empty() {
        if !output.is_empty() && !output.ends_with('\n') {
            output.push('\n');
        }
        output.push_str(&String::from_utf8_lossy(&stderr));
    }
    match exit {
        None => (
            StepStatus::TimedOut,
            format!("{program}: killed after {} s", timeout.as_secs()),
            output,
        ),
        Some(s) if s.success() => (StepStatus::Succeeded, format!("{program} exited 0"), output),
        Some(s) => (
            StepStatus::Failed,
            match s.code() {
                Some(c) => format!("{program} exited {c}"),
                None => format!("{program} was killed by a signal"),
            },
            output,
        ),
    }
}
