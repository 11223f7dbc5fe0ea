//! `LocalBackend`: the explorer over the local SQLite store, the engine and the query index.
//!
//! The index is built from the store on the first search (in a background task, so the first frame
//! does not wait for it) and kept current from the store: new signals by rowid, changed ones from
//! the audit log, whoever wrote them (this process, the CLI, an import, a sync).
use super::backend::{
    Backend, BlockState, Change, ChangeKind, Choice, Detail, Facet, FacetValue, QueryError, Row,
    RuleInfo, SearchRequest, SearchResult, TimelineEntry,
};
pub use super::local_rows::index_rows;
use super::local_rows::{read_chunk, row_of, IndexRows};
use super::text::SafeText;
use crate::engine::{self, BlockFor, Command, Engine};
use crate::error::{Error, Result};
use crate::locks::lock;
use crate::model::User;
use crate::query::{self, SignalIndex};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

// Changes that are not one engine command (blocks) and the summaries the status line shows.
mod apply;
// The workflow list and runs from the explorer.
mod workflows;
// The initial load's background part: the snapshot, else the store a chunk at a time.
mod load;
use load::Loader;

/// Facet values shown per facet.
const TOP_VALUES: usize = 10;
/// Related signals listed in the side panel.
const RELATED: usize = 50;

/// Signals read for the first rows; the rest load in the background in chunks.
const FIRST_CHUNK: usize = 500;
const CHUNK: usize = 5_000;

#[derive(Default)]
struct Mark {
    loaded: bool,
    /// How far the index has followed the store's change log.
    seen: crate::engine::Watermark,
}

/// How far the initial load has come.
#[derive(Clone, Copy, Debug, Default)]
struct Progress {
    loaded: usize,
    total: usize,
    done: bool,
}

/// Where workflows come from and how they run, from the config.
#[derive(Clone, Debug, Default)]
pub struct WorkflowSetup {
    pub config: crate::workflow::WorkflowsConfig,
    pub dir: std::path::PathBuf,
    /// The notify section's signal link template (`{id}` is replaced).
    pub link: String,
}

pub struct LocalBackend {
    engine: Mutex<Engine>,
    workflows: WorkflowSetup,
    actor: User,
    index: Arc<RwLock<SignalIndex>>,
    mark: Arc<Mutex<Mark>>,
    generation: Arc<AtomicU64>,
    progress: Arc<Mutex<Progress>>,
    /// Where the store is, for the background loader's own engine.
    location: std::path::PathBuf,
    /// The `[sla]` targets, for `sla:` terms and the stats.
    sla: crate::query::SlaTargets,
}

impl LocalBackend {
    /// Open over the store at `location`, acting as `acting` (a handle, email or uuid; see
    /// `Engine::resolve_actor`).
    pub fn open(location: &std::path::Path, acting: Option<&str>) -> Result<LocalBackend> {
        let mut engine = Engine::open(location)?;
        let actor = engine.resolve_actor(acting)?;
        Ok(Self::with_engine(engine, actor, location))
    }

    /// Open over a store whose users are not this process's to resolve (a remote's cache: the
    /// remote decides who acts). Meant for reads: `apply` would run the local engine on the store
    /// as `actor`.
    pub fn reader(location: &std::path::Path, actor: User) -> Result<LocalBackend> {
        Ok(Self::with_engine(Engine::open(location)?, actor, location))
    }

    /// The `[denylist]` config for the blocks `b` makes from a signal's attackers.
    pub fn with_denylist(self, cfg: &crate::denylist::config::DenylistConfig) -> Result<Self> {
        cfg.apply(&mut lock(&self.engine))?;
        Ok(self)
    }

    /// Follow the `[notify]` settings: what a triage move owes PagerDuty (acknowledge, resolve) is
    /// queued as the CLI and the server queue it.
    pub fn with_notify(self, cfg: crate::notify::NotifyConfig) -> Self {
        lock(&self.engine).set_notify_config(cfg);
        self
    }

    fn with_engine(engine: Engine, actor: User, location: &std::path::Path) -> LocalBackend {
        LocalBackend {
            engine: Mutex::new(engine),
            workflows: WorkflowSetup::default(),
            actor,
            index: Arc::new(RwLock::new(SignalIndex::new())),
            mark: Arc::new(Mutex::new(Mark::default())),
            generation: Arc::new(AtomicU64::new(1)),
            progress: Arc::new(Mutex::new(Progress::default())),
            location: location.to_path_buf(),
            sla: Default::default(),
        }
    }

    pub fn with_sla(mut self, targets: crate::query::SlaTargets) -> LocalBackend {
        self.sla = targets;
        self
    }

    pub fn with_workflows(mut self, w: WorkflowSetup) -> LocalBackend {
        self.workflows = w;
        self
    }

    pub fn actor(&self) -> &User {
        &self.actor
    }

    /// Bring the index up to date with the store after the initial load: new rows, then signals
    /// the audit log says changed. Returns whether anything changed.
    fn catch_up(&self) -> Result<bool> {
        // Lock order everywhere: mark, then engine, then index.
        let mut mark = lock(&self.mark);
        if !mark.loaded {
            return Ok(false);
        }
        let engine = lock(&self.engine);
        let (added, changed, seen) = engine.reads(&self.actor).changes_after(&mark.seen)?;
        mark.seen = seen;
        drop(engine);
        Ok(engine::live::apply_changes(
            &self.index,
            &self.generation,
            &added,
            &changed,
        ))
    }

    /// The first search loads the newest signals at once and the rest in the background, newest
    /// first, so the first rows show in a moment even on a large store (each chunk bumps the
    /// generation, so live mode shows the growing result).
    fn ensure_loaded(&self) -> Result<()> {
        let mut mark = lock(&self.mark);
        if mark.loaded {
            return Ok(());
        }
        let engine = lock(&self.engine);
        let reads = engine.reads(&self.actor);
        // Everything up to this mark is the loader's; anything after, `catch_up`'s.
        mark.seen = reads.watermark()?;
        let total = usize::try_from(reads.count_signals()?).unwrap_or(usize::MAX);
        let (first, cursor, read) = read_chunk(&reads, None, FIRST_CHUNK)?;
        let path = self.location.clone();
        drop(engine);
        {
            let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
            *index = SignalIndex::build_prepared(first);
            index.reserve(total.saturating_sub(read));
        }
        let done = read < FIRST_CHUNK;
        *lock(&self.progress) = Progress {
            loaded: read,
            total,
            done,
        };
        mark.loaded = true;
        if !done {
            let (index, generation, progress, marks) = (
                self.index.clone(),
                self.generation.clone(),
                self.progress.clone(),
                self.mark.clone(),
            );
            let actor = self.actor.clone();
            std::thread::spawn(move || {
                let load = Loader {
                    index: &index,
                    generation: &generation,
                    progress: &progress,
                    mark: &marks,
                };
                if let Err(e) = load.run(&path, &actor, cursor) {
                    tracing::error!("loading the store: {e}");
                }
                lock(&progress).done = true;
                generation.fetch_add(1, Ordering::SeqCst);
            });
        }
        Ok(())
    }

    fn execute(&self, cmd: Command) -> Result<engine::Outcome> {
        let out = lock(&self.engine).execute(&self.actor, cmd);
        // Whatever happened, the index follows the store (a refusal changes nothing, cheaply).
        let _ = self.catch_up();
        out
    }

    fn related(&self, s: &crate::model::Signal) -> Vec<Row> {
        let quote = |v: &str| query::Pattern::literal(v).to_string();
        let mut parts = Vec::new();
        if !s.attacker_ips.is_empty() {
            let ips: Vec<String> = s.attacker_ips.iter().map(|v| quote(v)).collect();
            parts.push(format!("@network.client.ip:({})", ips.join(" OR ")));
        }
        if !s.attacker_users.is_empty() {
            let us: Vec<String> = s.attacker_users.iter().map(|v| quote(v)).collect();
            parts.push(format!("@usr.id:({})", us.join(" OR ")));
        }
        if parts.is_empty() {
            return Vec::new();
        }
        let Ok(q) = query::parse(&parts.join(" OR ")) else {
            return Vec::new();
        };
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        index
            .matches(&q, &query::TimeRange::all())
            .into_iter()
            .filter(|&r| index.id_of(r) != s.id)
            .take(RELATED)
            .filter_map(|r| index.row(r).map(|v| row_of(&v)))
            .collect()
    }
}

impl Backend for LocalBackend {
    fn search(&self, req: &SearchRequest) -> Result<SearchResult> {
        self.ensure_loaded()?;
        let q = match query::parse(&req.query) {
            Ok(q) => q,
            Err(e) => {
                return Ok(SearchResult {
                    error: Some(QueryError {
                        message: e.message,
                        start: e.span.start,
                        end: e.span.end,
                    }),
                    ..Default::default()
                })
            }
        };
        let range = query::TimeRange {
            from: req.from,
            to: req.to,
        };
        // Lock order: the engine (the audit trail, for `sla:` terms) before the index.
        let sla = if q.uses_sla() {
            Some(
                lock(&self.engine)
                    .reads(&self.actor)
                    .sla_context(self.sla)?,
            )
        } else {
            None
        };
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        let res = index.search_sla(&q, &range, TOP_VALUES, sla.as_ref());
        let total = index.len();
        drop(index);
        let facets = res
            .facets
            .into_iter()
            .map(|f| Facet {
                label: f.name.to_string(),
                key: f.key,
                values: f
                    .values
                    .into_iter()
                    .map(|(raw, n)| FacetValue {
                        text: SafeText::new(&raw),
                        raw,
                        count: n as usize,
                    })
                    .collect(),
            })
            .collect();
        let p = *lock(&self.progress);
        Ok(SearchResult {
            rows: Arc::new(IndexRows {
                index: self.index.clone(),
                matches: res.matches,
            }),
            facets,
            error: None,
            hint: query::hints(&req.query, &q)
                .into_iter()
                .next()
                .map(|h| QueryError {
                    message: h.message,
                    start: h.span.start,
                    end: h.span.end,
                }),
            total: if p.done { total } else { p.total.max(total) },
            loading: (!p.done).then_some((p.loaded, p.total)),
        })
    }

    fn detail(&self, id: &str) -> Result<Option<Detail>> {
        let engine = lock(&self.engine);
        let reads = engine.reads(&self.actor);
        let Some(signal) = reads.signal(id)? else {
            return Ok(None);
        };
        let timeline = reads
            .timeline(id)?
            .iter()
            .map(|e| TimelineEntry {
                at: e.time,
                actor: e.actor.clone(),
                text: engine::timeline::describe(e),
            })
            .collect();
        let mut blocks = Vec::new();
        for v in signal
            .attacker_ips
            .iter()
            .chain(signal.attacker_users.iter())
        {
            let b = reads.active_block_for(v)?;
            blocks.push(BlockState {
                value: v.clone(),
                blocked: b.map(|b| b.expires_at),
            });
        }
        let rule = reads
            .rule_info(&signal.rule.id)?
            .map(|r| RuleInfo {
                condition: r.condition,
                description: r.description,
                runbook: r.runbook,
            })
            .or_else(|| {
                // Outside the catalogue, the vendor's message is the rule's description.
                (!signal.message.is_empty()).then(|| RuleInfo {
                    description: signal.message.clone(),
                    ..Default::default()
                })
            });
        let service_owner = reads.service_owner(signal.service())?;
        // A user who may not read cases or incidents still sees the signal, without them.
        let (cases, incidents) = (
            super::records::cases_of(reads.cases().unwrap_or_default(), id),
            super::records::incidents_of(reads.incidents().unwrap_or_default(), id),
        );
        drop(engine);
        let related = self.related(&signal);
        Ok(Some(Detail {
            service_owner,
            timeline,
            blocks,
            rule,
            related,
            cases,
            incidents,
            signal,
        }))
    }

    fn users(&self) -> Result<Vec<User>> {
        lock(&self.engine).reads(&self.actor).users()
    }

    fn case_list(&self) -> Result<Vec<crate::model::Case>> {
        lock(&self.engine).reads(&self.actor).cases()
    }

    fn incident_list(&self) -> Result<Vec<crate::model::Incident>> {
        lock(&self.engine).reads(&self.actor).incidents()
    }

    fn cases(&self) -> Result<Vec<Choice>> {
        Ok(lock(&self.engine)
            .reads(&self.actor)
            .cases()?
            .into_iter()
            .map(|c| Choice {
                id: c.key,
                title: c.title,
            })
            .collect())
    }

    fn incidents(&self) -> Result<Vec<Choice>> {
        Ok(lock(&self.engine)
            .reads(&self.actor)
            .incidents()?
            .into_iter()
            .map(|i| Choice {
                id: format!("IR-{}", i.public_id),
                title: i.title,
            })
            .collect())
    }

    fn apply(&self, change: &Change) -> Result<String> {
        self.apply_change(change)
    }

    fn allowed(&self, kind: ChangeKind) -> std::result::Result<(), String> {
        super::intent::allowed(&self.actor, kind)
    }

    fn sync_state(&self) -> Option<super::backend::SyncLine> {
        Some(super::backend::SyncLine::calm("local"))
    }

    fn blocks(&self, include_inactive: bool) -> Result<Vec<crate::model::Block>> {
        lock(&self.engine)
            .reads(&self.actor)
            .blocks(include_inactive)
    }

    fn workflows(&self) -> Result<Vec<super::backend::WorkflowInfo>> {
        self.workflow_list()
    }

    fn run_workflow(
        &self,
        name: &str,
        signal_id: &str,
        inputs: &[(String, String)],
        on_step: &mut dyn FnMut(super::backend::WorkflowStep),
    ) -> std::result::Result<super::backend::WorkflowOutcome, super::backend::WorkflowRefusal> {
        self.run_workflow_here(name, signal_id, inputs, on_step)
    }

    fn notify_rules(&self) -> Result<Vec<super::backend::NotifyRuleRow>> {
        self.notify_rule_rows()
    }

    fn stats(&self, req: &super::stats::StatsRequest) -> Result<crate::query::Stats> {
        self.ensure_loaded()?;
        let q = query::parse(&req.search.query).map_err(|e| Error::Usage(e.to_string()))?;
        let range = query::TimeRange {
            from: req.search.from,
            to: req.search.to,
        };
        let engine = lock(&self.engine);
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        engine
            .reads(&self.actor)
            .stats_on(&index, &q, &range, &req.params, self.sla)
    }

    fn acting(&self) -> Option<String> {
        Some(format!(
            "{} ({})",
            self.actor.handle,
            self.actor.role.as_str()
        ))
    }

    fn generation(&self) -> u64 {
        if let Err(e) = self.catch_up() {
            tracing::warn!("catching up with the store: {e}");
        }
        self.generation.load(Ordering::SeqCst)
    }
}
