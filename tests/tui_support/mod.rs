//! A backend held in memory, for the explorer's tests. It imitates the engine's refusals only as far
//! as the tests need; the real rules live in the engine.
#![allow(dead_code)]
pub mod records;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde_json::json;
use sigscope::model::{Permission, Role, Signal, TriageState, User};
use sigscope::tui::app::{App, Options};
use sigscope::tui::backend::*;
use sigscope::tui::harness;
use sigscope::tui::text::SafeText;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
}

pub struct Spec<'a> {
    pub id: &'a str,
    pub minutes_ago: i64,
    pub severity: &'a str,
    pub title: &'a str,
    pub service: &'a str,
    pub ip: &'a str,
    pub user: &'a str,
    pub user_agent: &'a str,
    pub state: &'a str,
    pub first_seen_days_ago: i64,
}

impl Default for Spec<'_> {
    fn default() -> Self {
        Spec {
            id: "sig-1",
            minutes_ago: 5,
            severity: "high",
            title: "SQL injection exploited on /api/login",
            service: "checkout-api",
            ip: "203.0.113.7",
            user: "jane@example.com",
            user_agent: "sqlmap/1.7",
            state: "open",
            first_seen_days_ago: 0,
        }
    }
}

pub fn signal(s: Spec) -> Signal {
    let ts = now() - TimeDelta::minutes(s.minutes_ago);
    let first = ts - TimeDelta::days(s.first_seen_days_ago);
    let sample = |n: i64, blocked: bool| {
        json!({"id": format!("ev-{n}"), "content": {
            "timestamp": (ts - TimeDelta::seconds(60 - n)).to_rfc3339(),
            "http": {"client_ip": s.ip, "method": "POST", "url": "https://shop.example/api/login?next=/", "status_code": if blocked {403} else {200}, "useragent": s.user_agent},
            "usr": {"id": s.user},
            "appsec": {"type": "sql_injection", "blocked": blocked, "triggers": [{"rule": {"id": "crs-942-100", "name": "SQL Injection Attack"}, "rule_matches": [{"parameters": [{"address": "server.request.body", "key_path": ["password"], "value": "' OR 1=1--"}]}]}]},
            "trace_id": format!("trace-{n}")
        }})
    };
    let v = json!({
        "id": s.id, "type": "signal",
        "attributes": {
            "timestamp": ts.to_rfc3339(),
            "status": s.severity,
            "message": s.title,
            "service": [s.service],
            "tags": [format!("service:{}", s.service), "env:prod", "source:appsec"],
            "custom": {
                "title": s.title,
                "workflow": {
                    "first_seen": first.to_rfc3339(), "last_seen": ts.to_rfc3339(),
                    "rule": {"id": "rule-sqli", "name": "SQL injection exploited", "type": "Application Security", "version": 3},
                    "triage": {"state": s.state, "assignee": {"uuid": ""}}
                },
                "samples": [sample(1, true), sample(2, true), sample(3, false)]
            }
        }
    });
    Signal::from_json(v).unwrap()
}

pub fn users() -> Vec<User> {
    vec![
        User {
            uuid: "u-alice".into(),
            handle: "alice@example.com".into(),
            name: "Alice Admin".into(),
            role: Role::Admin,
            disabled: false,
        },
        User {
            uuid: "u-bob".into(),
            handle: "bob@example.com".into(),
            name: "Bob Analyst".into(),
            role: Role::Standard,
            disabled: false,
        },
        User {
            uuid: "u-rita".into(),
            handle: "rita@example.com".into(),
            name: "Rita Reader".into(),
            role: Role::ReadOnly,
            disabled: false,
        },
    ]
}

/// A workflow run the fake was asked for: (workflow, signal, inputs).
pub type Run = (String, String, Vec<(String, String)>);

pub struct Fake {
    pub signals: Mutex<Vec<Signal>>,
    pub role: Role,
    pub applied: Mutex<Vec<Change>>,
    pub generation: AtomicU64,
    pub searches: AtomicU64,
    pub blocks: Mutex<Vec<sigscope::model::Block>>,
    pub rules: Mutex<Vec<NotifyRuleRow>>,
    /// Workflow runs asked for: (workflow, signal, inputs).
    pub runs: Mutex<Vec<Run>>,
    /// Answers `stats` (off by default, as a backend without them: no histogram).
    pub stats_on: bool,
}

impl Fake {
    pub fn new(signals: Vec<Signal>) -> Fake {
        Fake {
            signals: Mutex::new(signals),
            role: Role::Standard,
            applied: Mutex::new(Vec::new()),
            generation: AtomicU64::new(1),
            searches: AtomicU64::new(0),
            blocks: Mutex::new(Vec::new()),
            rules: Mutex::new(Vec::new()),
            runs: Mutex::new(Vec::new()),
            stats_on: false,
        }
    }

    /// A fake that answers `stats` from the real index and stats code, at `now()`, with no
    /// triage events (an untriaged signal breaches on its age alone).
    pub fn with_stats(mut self) -> Fake {
        self.stats_on = true;
        self
    }

    pub fn with_role(mut self, role: Role) -> Fake {
        self.role = role;
        self
    }

    pub fn add(&self, s: Signal) {
        let mut v = self.signals.lock().unwrap();
        v.push(s);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

/// The records that link signal `id`, as side-panel choices.
fn pick(all: impl Iterator<Item = (String, String, Vec<String>)>, id: &str) -> Vec<Choice> {
    all.filter(|(_, _, ids)| ids.iter().any(|s| s == id))
        .map(|(id, title, _)| Choice { id, title })
        .collect()
}

fn matches(s: &Signal, term: &str) -> bool {
    let (neg, t) = match term.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, term),
    };
    let hit = match t.split_once(':') {
        Some(("service", v)) => s.services.iter().any(|x| x == v.trim_matches('"')),
        Some(("status", v)) => s.severity.as_str() == v,
        Some(("@workflow.triage.state", v)) => s.triage.state.as_str() == v,
        Some((_, _)) => false,
        None => s
            .title
            .to_lowercase()
            .contains(&t.trim_matches(['(', ')']).to_lowercase()),
    };
    hit != neg
}

/// A denylist entry as the engine lists it.
pub fn block(
    id: i64,
    value: &str,
    kind: sigscope::model::BlockKind,
    hours: Option<i64>,
) -> sigscope::model::Block {
    sigscope::model::Block {
        id,
        value: value.into(),
        kind,
        expires_at: hours.map(|h| now() + TimeDelta::hours(h)),
        reason: Some("credential stuffing".into()),
        origin: "manual".into(),
        created_by: "alice@example.com".into(),
        signal_id: Some("sig-1".into()),
        created_at: now() - TimeDelta::hours(1),
        lifted_at: None,
        lifted_by: None,
    }
}

impl Backend for Fake {
    fn stats(
        &self,
        req: &sigscope::tui::stats::StatsRequest,
    ) -> sigscope::Result<sigscope::query::Stats> {
        use sigscope::query::{parse, SignalIndex, SlaContext, TimeRange};
        if !self.stats_on {
            return Err(sigscope::Error::NotFound("no stats here".into()));
        }
        let ix = SignalIndex::build(self.signals.lock().unwrap().clone());
        let q = parse(&req.search.query).map_err(|e| sigscope::Error::Usage(e.to_string()))?;
        let ctx = SlaContext {
            now_ms: now().timestamp_millis(),
            ..Default::default()
        };
        let range = TimeRange {
            from: req.search.from,
            to: req.search.to,
        };
        Ok(ix.stats_query(&q, &range, &ctx, &req.params))
    }

    fn blocks(&self, include_inactive: bool) -> sigscope::Result<Vec<sigscope::model::Block>> {
        Ok(self
            .blocks
            .lock()
            .unwrap()
            .iter()
            .filter(|b| include_inactive || b.is_active(now()))
            .cloned()
            .collect())
    }

    fn workflows(&self) -> sigscope::Result<Vec<WorkflowInfo>> {
        use sigscope::workflow::InputKind;
        let input =
            |name: &str, kind, required, default: Option<&str>, choices: &[&str]| WorkflowInput {
                name: name.into(),
                kind,
                description: String::new(),
                required,
                default: default.map(String::from),
                choices: choices.iter().map(|c| c.to_string()).collect(),
            };
        Ok(vec![
            WorkflowInfo {
                name: "notify-owner".into(),
                description: "Mail the service owner".into(),
                inputs: vec![],
            },
            WorkflowInfo {
                name: "open-ticket".into(),
                description: "Open a ticket".into(),
                inputs: vec![
                    input("project", InputKind::String, true, None, &[]),
                    input(
                        "priority",
                        InputKind::Enum,
                        false,
                        Some("P3"),
                        &["P1", "P2", "P3"],
                    ),
                    input("urgent", InputKind::Bool, false, Some("false"), &[]),
                    input("count", InputKind::Number, false, Some("1"), &[]),
                ],
            },
        ])
    }

    fn run_workflow(
        &self,
        name: &str,
        signal_id: &str,
        inputs: &[(String, String)],
        on_step: &mut dyn FnMut(WorkflowStep),
    ) -> Result<WorkflowOutcome, WorkflowRefusal> {
        // The fake's only input rules: `project` is required, `count` a number.
        let mut problems = Vec::new();
        if name == "open-ticket" && !inputs.iter().any(|(k, _)| k == "project") {
            problems.push(("project".to_string(), "required".to_string()));
        }
        if let Some((_, c)) = inputs.iter().find(|(k, _)| k == "count") {
            if c.parse::<f64>().is_err() {
                problems.push(("count".to_string(), format!("expected a number, got {c:?}")));
            }
        }
        if !problems.is_empty() {
            return Err(WorkflowRefusal {
                message: format!("workflow {name}: invalid inputs"),
                inputs: problems,
            });
        }
        self.runs
            .lock()
            .unwrap()
            .push((name.into(), signal_id.into(), inputs.to_vec()));
        on_step(WorkflowStep {
            name: "create".into(),
            status: sigscope::workflow::StepStatus::Succeeded,
            summary: "POST https://tickets.example.com -> 201".into(),
        });
        Ok(WorkflowOutcome::Succeeded {
            summary: format!("workflow {name} succeeded in 5 ms"),
        })
    }

    fn notify_rules(&self) -> sigscope::Result<Vec<NotifyRuleRow>> {
        Ok(self.rules.lock().unwrap().clone())
    }

    fn search(&self, req: &SearchRequest) -> sigscope::Result<SearchResult> {
        self.searches.fetch_add(1, Ordering::SeqCst);
        // The fake's idea of a bad query: an unclosed parenthesis or a dangling colon.
        if let Some(p) = req.query.find('(').filter(|_| !req.query.contains(')')) {
            return Ok(SearchResult {
                error: Some(QueryError {
                    message: "unclosed parenthesis".into(),
                    start: p,
                    end: p + 1,
                }),
                ..Default::default()
            });
        }
        if req.query.trim_end().ends_with(':') {
            let e = req.query.trim_end().len();
            return Ok(SearchResult {
                error: Some(QueryError {
                    message: "expected a value after ':'".into(),
                    start: e,
                    end: e,
                }),
                ..Default::default()
            });
        }
        let all = self.signals.lock().unwrap();
        let mut hits: Vec<&Signal> = all
            .iter()
            .filter(|s| req.from.is_none_or(|f| s.timestamp >= f))
            .filter(|s| {
                sigscope::tui::query_edit::terms(&req.query)
                    .iter()
                    .all(|t| matches(s, t))
            })
            .collect();
        hits.sort_by_key(|s| std::cmp::Reverse(s.timestamp));
        let facet = |label: &str, key: &str, f: &dyn Fn(&Signal) -> String| {
            let mut counts: Vec<(String, usize)> = Vec::new();
            for s in &hits {
                let v = f(s);
                match counts.iter_mut().find(|(k, _)| *k == v) {
                    Some(c) => c.1 += 1,
                    None => counts.push((v, 1)),
                }
            }
            counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            Facet {
                label: label.into(),
                key: key.into(),
                values: counts
                    .into_iter()
                    .map(|(raw, count)| FacetValue {
                        text: SafeText::new(&raw),
                        raw,
                        count,
                    })
                    .collect(),
            }
        };
        let facets = vec![
            facet("Signal State", "@workflow.triage.state", &|s| {
                s.triage.state.as_str().into()
            }),
            facet("Severity", "status", &|s| s.severity.as_str().into()),
            facet("Service", "service", &|s| s.service().into()),
        ];
        Ok(SearchResult {
            rows: Arc::new(VecRows(hits.iter().map(|s| Row::from_signal(s)).collect())),
            facets,
            error: None,
            hint: None,
            total: all.len(),
            loading: None,
        })
    }

    fn detail(&self, id: &str) -> sigscope::Result<Option<Detail>> {
        let all = self.signals.lock().unwrap();
        let Some(s) = all.iter().find(|s| s.id == id).cloned() else {
            return Ok(None);
        };
        let related = all
            .iter()
            .filter(|o| o.id != s.id && o.attacker_ips.iter().any(|ip| s.attacker_ips.contains(ip)))
            .map(Row::from_signal)
            .collect();
        Ok(Some(Detail {
            timeline: vec![TimelineEntry {
                at: s.first_seen,
                actor: "system".into(),
                text: "signal created".into(),
            }],
            blocks: s
                .attacker_ips
                .iter()
                .map(|ip| BlockState {
                    value: ip.clone(),
                    blocked: if ip.starts_with("198.") {
                        Some(None)
                    } else {
                        None
                    },
                })
                .collect(),
            rule: Some(RuleInfo {
                condition: "appsec.type:sql_injection AND http.status_code:2xx".into(),
                description: "A SQL injection reached the database.".into(),
                runbook: "1. Block the IP.\n2. Check the logs.".into(),
            }),
            service_owner: Some("team-payments".into()),
            related,
            cases: pick(
                records::cases()
                    .into_iter()
                    .map(|c| (c.key, c.title, c.signal_ids)),
                id,
            ),
            incidents: pick(
                records::incidents()
                    .into_iter()
                    .map(|i| (i.display_id(), i.title, i.signal_ids)),
                id,
            ),
            signal: s,
        }))
    }

    fn users(&self) -> sigscope::Result<Vec<User>> {
        Ok(users())
    }
    fn case_list(&self) -> sigscope::Result<Vec<sigscope::model::Case>> {
        Ok(records::cases())
    }
    fn incident_list(&self) -> sigscope::Result<Vec<sigscope::model::Incident>> {
        Ok(records::incidents())
    }
    fn cases(&self) -> sigscope::Result<Vec<Choice>> {
        Ok(vec![Choice {
            id: "CASE-7".into(),
            title: "Credential stuffing wave".into(),
        }])
    }
    fn incidents(&self) -> sigscope::Result<Vec<Choice>> {
        Ok(vec![Choice {
            id: "42".into(),
            title: "Checkout outage".into(),
        }])
    }

    fn apply(&self, change: &Change) -> sigscope::Result<String> {
        if let Err(p) = self.allowed(change.kind()) {
            return Err(sigscope::Error::PermissionDenied(format!("needs {p}")));
        }
        let mut all = self.signals.lock().unwrap();
        if let Change::SetState {
            ids, state, reason, ..
        } = change
        {
            for id in ids {
                let s = all.iter_mut().find(|s| &s.id == id).unwrap();
                if s.triage.state == TriageState::Archived
                    && *state == TriageState::Open
                    && now() - s.first_seen > TimeDelta::days(30)
                {
                    return Err(sigscope::Error::InvalidTransition(format!(
                        "signal {id} was first seen more than 30 days ago and cannot be reopened"
                    )));
                }
                let mut t = s.triage.clone();
                t.state = *state;
                t.archive_reason = *reason;
                let v = s.version + 1;
                s.set_triage(t, v);
            }
        }
        if let Change::Unblock { id } = change {
            for b in self
                .blocks
                .lock()
                .unwrap()
                .iter_mut()
                .filter(|b| b.id == *id)
            {
                b.lifted_at = Some(now());
            }
        }
        self.applied.lock().unwrap().push(change.clone());
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok("done".into())
    }

    fn allowed(&self, kind: ChangeKind) -> Result<(), String> {
        let p = match kind {
            ChangeKind::Case => Permission::CasesWrite,
            ChangeKind::Incident => Permission::IncidentWrite,
            ChangeKind::Block => Permission::AppsecProtectWrite,
            ChangeKind::Workflow => Permission::WorkflowsRun,
            _ => Permission::SecurityMonitoringSignalsWrite,
        };
        if self.role.has(p) {
            Ok(())
        } else {
            Err(p.as_str().to_string())
        }
    }

    fn acting(&self) -> Option<String> {
        Some(format!("bob@example.com ({})", self.role.as_str()))
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }
}

/// The usual store: four signals, newest first sig-1..sig-4.
pub fn fixture() -> Fake {
    Fake::new(vec![
        signal(Spec::default()),
        signal(Spec {
            id: "sig-2",
            minutes_ago: 30,
            severity: "critical",
            title: "Command injection on /admin/exec",
            service: "admin-portal",
            ip: "198.51.100.23",
            user: "",
            ..Default::default()
        }),
        signal(Spec {
            id: "sig-3",
            minutes_ago: 90,
            severity: "medium",
            title: "Credential stuffing on /login",
            service: "auth",
            ip: "203.0.113.7",
            state: "under_review",
            ..Default::default()
        }),
        signal(Spec {
            id: "sig-4",
            minutes_ago: 300,
            severity: "low",
            title: "Scanner detected",
            service: "checkout-api",
            ip: "192.0.2.1",
            state: "archived",
            first_seen_days_ago: 45,
            ..Default::default()
        }),
    ])
}

pub fn open(backend: &Fake, w: u16, h: u16) -> App {
    open_with(backend, w, h, Options::default())
}

pub fn open_with(backend: &Fake, w: u16, h: u16, opts: Options) -> App {
    let mut app = App::new(opts, now(), w, h);
    harness::open(&mut app, backend);
    app
}

pub fn screen(app: &App) -> String {
    harness::screen(&harness::render(app))
}
