//! `RemoteBackend`: the explorer over a team server or the vendor's API (`--remote`, `--site`,
//! `[remote]`).
//!
//! Reads come from the remote's local cache through a `LocalBackend` reader (the same index and
//! catch-up as the local explorer, following the cache's update log as the sync writes into it).
//! Triage goes through `Remote`'s outbox, so it works offline and a conflict on replay is kept with
//! both versions for `:conflicts`; cases, incidents and the denylist (a sigscope server's) are
//! changed on the remote directly; notification rules are listed from it. Editing rules and
//! running workflows happen on the server and are refused here by name.
use super::backend::{
    Backend, Change, ChangeKind, Choice, ConflictRow, Detail, NotifyRuleRow, SearchRequest,
    SearchResult,
};
use super::local::LocalBackend;
use super::said::plural;
use crate::engine::Command;
use crate::error::{Error, Result};
use crate::locks::lock;
use crate::model::{Role, Signal, User};
use crate::remote::{Remote, RemoteSetup, SyncStatus};
use crate::sanitize::clean;
use serde_json::Value;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

// The acting user's role as the remote knows it.
mod role;
use role::RoleCache;
// The server's denylist: the side panel's cache and blocking from the explorer.
mod blocks;
// Engine commands as the vendor's calls.
mod commands;
use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long a direct call to the remote (cases, incidents, the acting user's role) may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Only a sigscope server has a denylist API; the vendor's blocking is in its own app.
const DENYLIST_NOT_HERE: &str =
    "the vendor's denylist is not reachable from sigscope (block in the vendor's app)";

/// How long the side panel waits for what only the server knows (activity, blocks) before showing
/// the cached signal without it.
const DETAIL_TIMEOUT: Duration = Duration::from_secs(2);

/// How long the side panel reuses the server's denylist before asking again.
const BLOCKS_FRESH: Duration = Duration::from_secs(5);

/// The server's denylist as last read, for the side panel's blocked markers.
#[derive(Default)]
struct BlocksCache {
    at: Option<Instant>,
    active: Vec<crate::model::Block>,
}

/// How long after a failed attempt the role is not asked again.
const ROLE_RETRY: Duration = Duration::from_secs(60);

pub struct RemoteBackend {
    remote: Remote,
    reads: LocalBackend,
    status: watch::Receiver<SyncStatus>,
    /// `--as` / `SIGSCOPE_USER` / the config's `user`: who the key belongs to, as far as we know.
    acting: Option<String>,
    role: Mutex<RoleCache>,
    /// Vendor mode: the Case Management project new cases go to.
    project_id: Option<String>,
    runtime: Mutex<Option<Handle>>,
    task: Mutex<Option<JoinHandle<()>>>,
    blocks: Mutex<BlocksCache>,
}

impl Drop for RemoteBackend {
    fn drop(&mut self) {
        if let Some(t) = lock(&self.task).take() {
            t.abort();
        }
    }
}

impl RemoteBackend {
    /// The explorer over `remote`, whose cache is the SQLite file at `cache_path`. Nothing touches
    /// the network until `start`.
    pub fn new(remote: Remote, cache_path: &Path, acting: Option<&str>) -> Result<RemoteBackend> {
        let acting = acting
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        // The reader's actor is never used to change anything: writes go to the remote.
        let reader = User {
            uuid: String::new(),
            handle: acting.clone().unwrap_or_else(|| "remote".into()),
            name: String::new(),
            role: Role::ReadOnly,
            disabled: false,
        };
        let reads = LocalBackend::reader(cache_path, reader)?;
        Ok(RemoteBackend {
            status: remote.status(),
            remote,
            reads,
            acting,
            role: Mutex::new(RoleCache::default()),
            project_id: None,
            runtime: Mutex::new(None),
            task: Mutex::new(None),
            blocks: Mutex::new(BlocksCache::default()),
        })
    }

    /// Open the remote a resolved `--remote` / `--site` / `[remote]` names.
    pub fn open(setup: &RemoteSetup, acting: Option<&str>) -> Result<RemoteBackend> {
        let mut b = Self::new(setup.open()?, &setup.cache, acting)?;
        b.project_id = setup.config.project_id.clone();
        Ok(b)
    }

    pub fn remote(&self) -> &Remote {
        &self.remote
    }

    /// The handle the explorer's `start` captured; direct calls to the remote run on it.
    fn runtime(&self) -> Result<Handle> {
        lock(&self.runtime)
            .clone()
            .or_else(|| Handle::try_current().ok())
            .ok_or_else(|| Error::Other("not connected to the remote yet".into()))
    }

    /// Run a call to the remote from a blocking thread (the explorer's background jobs).
    fn call<T>(
        &self,
        what: &str,
        f: impl std::future::Future<Output = std::result::Result<T, crate::remote::ClientError>>,
    ) -> Result<T> {
        self.call_within(what, CALL_TIMEOUT, f)
    }

    fn call_within<T>(
        &self,
        what: &str,
        limit: Duration,
        f: impl std::future::Future<Output = std::result::Result<T, crate::remote::ClientError>>,
    ) -> Result<T> {
        let rt = self.runtime()?;
        match rt.block_on(async { tokio::time::timeout(limit, f).await }) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(Error::from(e)),
            Err(_) => Err(Error::Other(format!(
                "{what}: the remote did not answer within {} s",
                limit.as_secs()
            ))),
        }
    }

    /// The signal's triage history as a sigscope server records it; empty when the remote cannot
    /// say (the vendor, offline), since the cache keeps signals, not the audit trail.
    fn remote_timeline(&self, id: &str) -> Vec<super::backend::TimelineEntry> {
        if !self.remote.client().is_sigscope() {
            return Vec::new();
        }
        match self.call_within(
            "the activity",
            DETAIL_TIMEOUT,
            self.remote.client().signal_timeline(id),
        ) {
            Ok(items) => items
                .into_iter()
                .map(|e| super::backend::TimelineEntry {
                    at: e.at,
                    actor: e.actor,
                    text: e.text,
                })
                .collect(),
            Err(e) => {
                tracing::debug!("the activity of a signal: {e}");
                Vec::new()
            }
        }
    }

    fn denylist_here(&self) -> Result<()> {
        if self.remote.client().is_sigscope() {
            Ok(())
        } else {
            Err(Error::Usage(DENYLIST_NOT_HERE.into()))
        }
    }

    /// The signals a change names, as the cache has them; with `version` (one signal, side panel
    /// loaded), a signal the sync has changed since the analyst looked at it is refused, as the
    /// local engine does, rather than queued on top of a version they never saw.
    fn signals_at(&self, ids: &[String], version: Option<i64>) -> Result<Vec<Signal>> {
        if ids.is_empty() {
            return Err(Error::Invalid("no signal selected".into()));
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let s = self.remote.get_signal(id)?.ok_or_else(|| {
                Error::NotFound(format!("signal {} is not in the cache", clean(id)))
            })?;
            if ids.len() == 1 {
                // The engine's rule, not a copy of it: stale only when the cache moved past it.
                super::intent::check_version(id, version, s.version)?;
            }
            out.push(s);
        }
        Ok(out)
    }

    /// After queueing: the index follows the cache, and the summary says where the change is.
    fn queued(&self, summary: String) -> String {
        let _ = self.reads.generation();
        if matches!(
            self.status.borrow().state,
            crate::remote::SyncState::Offline { .. }
        ) {
            format!("{summary} (offline: sent when the remote is back)")
        } else {
            summary
        }
    }

    fn user_named(&self, uuid: &str) -> User {
        self.reads
            .users()
            .ok()
            .and_then(|us| us.into_iter().find(|u| u.uuid == uuid))
            .unwrap_or_else(|| User {
                uuid: uuid.to_string(),
                handle: uuid.to_string(),
                name: String::new(),
                role: Role::ReadOnly,
                disabled: false,
            })
    }
}

impl Backend for RemoteBackend {
    fn search(&self, req: &SearchRequest) -> Result<SearchResult> {
        self.reads.search(req)
    }

    fn detail(&self, id: &str) -> Result<Option<Detail>> {
        Ok(self.reads.detail(id)?.map(|mut d| {
            d.timeline = self.remote_timeline(id);
            // The cache has no denylist: the server's, when it answers; otherwise nothing rather
            // than a guessed "not blocked".
            match self.active_blocks() {
                Some(active) => {
                    for b in &mut d.blocks {
                        b.blocked = active
                            .iter()
                            .find(|x| x.value == b.value)
                            .map(|x| x.expires_at);
                    }
                }
                None => d.blocks.clear(),
            }
            // Cases and incidents live on the server only; offline, none are listed. The side
            // panel waits no longer for them than for the activity.
            let client = self.remote.client();
            let cases = self.call_within("cases", DETAIL_TIMEOUT, client.cases());
            let incidents = self.call_within("incidents", DETAIL_TIMEOUT, client.incidents());
            d.cases = super::records::cases_of(cases.unwrap_or_default(), id);
            d.incidents = super::records::incidents_of(incidents.unwrap_or_default(), id);
            d
        }))
    }

    fn case_list(&self) -> Result<Vec<crate::model::Case>> {
        let mut cases = self.call("cases", self.remote.client().cases())?;
        let users = self.reads.users().unwrap_or_default();
        for c in &mut cases {
            if let Some(a) = c.assignee.as_mut() {
                super::records::name_user(a, &users);
            }
        }
        Ok(cases)
    }

    fn incident_list(&self) -> Result<Vec<crate::model::Incident>> {
        let mut list = self.call("incidents", self.remote.client().incidents())?;
        let users = self.reads.users().unwrap_or_default();
        for i in &mut list {
            if let Some(a) = i.commander.as_mut() {
                super::records::name_user(a, &users);
            }
        }
        Ok(list)
    }

    fn users(&self) -> Result<Vec<User>> {
        self.reads.users()
    }

    fn cases(&self) -> Result<Vec<Choice>> {
        let picks = self.call("cases", self.remote.client().case_picks())?;
        Ok(picks
            .into_iter()
            .map(|p| Choice {
                id: p.id,
                title: p.title,
            })
            .collect())
    }

    fn incidents(&self) -> Result<Vec<Choice>> {
        let picks = self.call("incidents", self.remote.client().incident_picks())?;
        Ok(picks
            .into_iter()
            .map(|p| Choice {
                id: p.id,
                title: p.title,
            })
            .collect())
    }

    fn apply(&self, change: &Change) -> Result<String> {
        if let Some(cmd) = super::intent::command(change) {
            return self.send_command(cmd);
        }
        match change {
            Change::BlockIps { ids, duration } => {
                let mut values = Vec::new();
                for s in self.signals_at(ids, None)? {
                    for ip in &s.attacker_ips {
                        values.push((ip.clone(), Some(s.id.clone())));
                    }
                }
                self.block_all("ip", values, *duration, "IP")
            }
            Change::BlockUsers { ids, duration } => {
                let mut values = Vec::new();
                for s in self.signals_at(ids, None)? {
                    for u in &s.attacker_users {
                        values.push((u.clone(), Some(s.id.clone())));
                    }
                }
                if values.is_empty() {
                    return Err(Error::Invalid(
                        "these signals have no authenticated attacker to block".into(),
                    ));
                }
                self.block_all("user", values, *duration, "user")
            }
            Change::ExtendBlock {
                kind,
                value,
                duration,
            } => {
                self.post_block(kind.as_str(), value, *duration, None)?;
                Ok(format!("{} blocked again", clean(value)))
            }
            Change::Unblock { id } => {
                self.denylist_here()?;
                self.call("lifting the block", self.remote.client().unblock(*id))?;
                lock(&self.blocks).at = None;
                Ok(format!("block #{id} lifted"))
            }
            // Made into commands above.
            Change::Assign { .. }
            | Change::SetState { .. }
            | Change::NewCase { .. }
            | Change::AddToCase { .. }
            | Change::NewIncident { .. }
            | Change::AddToIncident { .. } => {
                Err(Error::Other("this change is an engine command".into()))
            }
        }
    }

    fn allowed(&self, kind: ChangeKind) -> std::result::Result<(), String> {
        match kind {
            ChangeKind::Block => self
                .denylist_here()
                .map_err(|_| DENYLIST_NOT_HERE.to_string())?,
            ChangeKind::Workflow => return Err("workflows are run on the server".into()),
            _ => {}
        }
        // The engine's table; an unknown role is allowed here and checked by the remote.
        match self.role() {
            Some(r) => super::intent::allowed_role(r, kind),
            None => Ok(()),
        }
    }

    fn acting(&self) -> Option<String> {
        let cached = lock(&self.role);
        let who = self.acting.clone().or_else(|| cached.who.clone())?;
        Some(match cached.known {
            Some(Some(r)) => format!("{} ({})", clean(&who), r.as_str()),
            _ => clean(&who),
        })
    }

    fn sync_state(&self) -> Option<super::backend::SyncLine> {
        let mut st = self.status.borrow().clone();
        // The outbox is the truth for conflicts: a dismissal shows at once, not at the next round.
        if let Ok(p) = self.remote.problems() {
            st.problems = p.len();
        }
        let mut line = st.line();
        if st.problems > 0 {
            line.push_str(" — :conflicts");
        }
        Some(super::backend::SyncLine {
            text: line,
            // Offline or refused changes need the analyst; the status line makes them stand out.
            alert: st.problems > 0 || matches!(st.state, crate::remote::SyncState::Offline { .. }),
        })
    }

    fn start(&self) {
        let Ok(h) = Handle::try_current() else {
            tracing::error!("the remote's sync needs a tokio runtime; not started");
            return;
        };
        *lock(&self.runtime) = Some(h);
        let mut task = lock(&self.task);
        if task.is_none() {
            *task = Some(self.remote.spawn());
        }
    }

    fn conflicts(&self) -> Result<Vec<ConflictRow>> {
        let users = self.reads.users().unwrap_or_default();
        Ok(self
            .remote
            .problems()?
            .into_iter()
            .map(|p| super::conflict_row::conflict_row(p, &users))
            .collect())
    }

    fn dismiss_conflict(&self, seq: i64) -> Result<String> {
        if self.remote.dismiss(seq)? {
            Ok(format!("dismissed #{seq}"))
        } else {
            Err(Error::NotFound(format!("no conflict #{seq}")))
        }
    }

    fn generation(&self) -> u64 {
        self.reads.generation() + self.status.borrow().users
    }

    fn blocks(&self, include_inactive: bool) -> Result<Vec<crate::model::Block>> {
        self.fetch_blocks(include_inactive)
    }

    fn stats(&self, req: &super::stats::StatsRequest) -> Result<crate::query::Stats> {
        if self.remote.client().endpoint.flavor != crate::remote::Flavor::Sigscope {
            // The vendor has no such route: the figures of what the cache holds.
            return self.reads.stats(req);
        }
        let s = &req.search;
        self.call(
            "stats",
            self.remote
                .client()
                .stats(&s.query, s.from, s.to, &req.params),
        )
    }

    fn notify_rules(&self) -> Result<Vec<NotifyRuleRow>> {
        // The vendor's notification-rules API, which a sigscope server also serves; targets come
        // back masked.
        let rules = self.call(
            "notification rules",
            self.remote.client().notify_rule_summaries(),
        )?;
        Ok(rules
            .into_iter()
            .map(|r| NotifyRuleRow {
                name: r.name,
                enabled: r.enabled,
                severities: r.severities,
                query: r.query,
                targets: r.targets,
            })
            .collect())
    }
}
