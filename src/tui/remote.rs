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
use crate::error::{Error, Result};
use crate::model::{Permission, Role, Signal, TriageState, User};
use crate::remote::{Problem, Remote, RemoteSetup, SyncStatus};
use crate::sanitize::clean;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};
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

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The acting user's role as the remote knows it.
#[derive(Default)]
struct RoleCache {
    /// `Some(None)`: the remote answered and the user is not among its users.
    known: Option<Option<Role>>,
    /// Without `--as`: whom the remote says the keys belong to.
    who: Option<String>,
    /// The last failed attempt: offline, the next one waits a while.
    failed_at: Option<Instant>,
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
        if self.denylist_here().is_err() {
            return Vec::new();
        }
        let path = format!(
            "/api/v2/sigscope/signals/{}/timeline",
            crate::remote::client::encode_segment(id)
        );
        let asked = self.call_within(
            "the activity",
            DETAIL_TIMEOUT,
            self.remote
                .client()
                .send_once(reqwest::Method::GET, &path, &[], None, None),
        );
        let v = match asked {
            Ok(v) => v,
            Err(e) => {
                tracing::debug!("the activity of a signal: {e}");
                return Vec::new();
            }
        };
        v.get("data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| {
                Some(super::backend::TimelineEntry {
                    at: crate::model::json::time_of(e.pointer("/attributes/time")?)?,
                    actor: e.pointer("/attributes/actor")?.as_str()?.to_string(),
                    text: e.pointer("/attributes/text")?.as_str()?.to_string(),
                })
            })
            .collect()
    }

    /// The acting user's role on the remote, asked once; `None` when unknown (the remote enforces
    /// its roles anyway, so unknown means allowed here and refused there if need be). Without
    /// `--as`, a sigscope server is asked whom the keys belong to.
    fn role(&self) -> Option<Role> {
        let mut cached = lock(&self.role);
        if let Some(r) = cached.known {
            return r;
        }
        if cached.failed_at.is_some_and(|t| t.elapsed() < ROLE_RETRY) {
            return None;
        }
        let asked = match self.acting.as_deref() {
            Some(who) => self.role_among_users(who),
            None => self.whoami().map(|(handle, role)| {
                cached.who = Some(handle);
                role
            }),
        };
        match asked {
            Ok(role) => {
                cached.known = Some(role);
                role
            }
            Err(e) => {
                tracing::debug!("the acting user's role: {e}");
                cached.failed_at = Some(Instant::now());
                None
            }
        }
    }

    /// `who`'s role in the remote's user list; `Ok(None)` when `who` is not among its users. One
    /// attempt, no retries: this runs while the explorer loads its permissions.
    fn role_among_users(&self, who: &str) -> Result<Option<Role>> {
        let who = who.to_lowercase();
        let v = self.call(
            "users",
            self.remote
                .client()
                .send_once(reqwest::Method::GET, "/api/v2/users", &[], None, None),
        )?;
        Ok(v.get("data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|u| {
                ["/attributes/handle", "/attributes/email", "/id"]
                    .iter()
                    .filter_map(|p| u.pointer(p).and_then(Value::as_str))
                    .any(|s| s.to_lowercase() == who)
            })
            .and_then(role_of))
    }

    /// Whom the keys act as, by the sigscope server's `whoami` (the vendor has no such call).
    fn whoami(&self) -> Result<(String, Option<Role>)> {
        if !matches!(
            self.remote.client().endpoint.flavor,
            crate::remote::Flavor::Sigscope
        ) {
            return Err(Error::Other(
                "the vendor does not say whom keys belong to".into(),
            ));
        }
        let v = self.call(
            "whoami",
            self.remote.client().send_once(
                reqwest::Method::GET,
                "/api/v2/sigscope/whoami",
                &[],
                None,
                None,
            ),
        )?;
        let user = v.get("data").unwrap_or(&Value::Null);
        let handle = user
            .pointer("/attributes/handle")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Other("whoami: the answer names no user".into()))?;
        Ok((handle.to_string(), role_of(user)))
    }

    fn denylist_here(&self) -> Result<()> {
        if matches!(
            self.remote.client().endpoint.flavor,
            crate::remote::Flavor::Sigscope
        ) {
            Ok(())
        } else {
            Err(Error::Usage(DENYLIST_NOT_HERE.into()))
        }
    }

    /// The server's denylist, newest first; with `include_inactive`, lifted and expired too.
    fn fetch_blocks(&self, include_inactive: bool) -> Result<Vec<crate::model::Block>> {
        self.denylist_here()?;
        let query = [("all", include_inactive.to_string())];
        let v = self.call(
            "the denylist",
            self.remote.client().send_once(
                reqwest::Method::GET,
                "/api/v2/sigscope/denylist",
                &query,
                None,
                None,
            ),
        )?;
        v.get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::Other("the denylist answer has no `data` list".into()))?
            .iter()
            .map(crate::model::Block::from_json)
            .collect()
    }

    /// The active blocks for the side panel, read again at most every few seconds; `None` when
    /// the server cannot say (offline, the vendor).
    fn active_blocks(&self) -> Option<Vec<crate::model::Block>> {
        let mut cache = lock(&self.blocks);
        if cache.at.is_some_and(|t| t.elapsed() < BLOCKS_FRESH) {
            return Some(cache.active.clone());
        }
        drop(cache);
        let fetched = self.fetch_blocks(false);
        cache = lock(&self.blocks);
        match fetched {
            Ok(list) => {
                cache.active = list;
                cache.at = Some(Instant::now());
                Some(cache.active.clone())
            }
            Err(e) => {
                tracing::debug!("the denylist for the side panel: {e}");
                None
            }
        }
    }

    /// Add one value to the server's denylist (the server extends an entry already in force).
    fn post_block(
        &self,
        kind: &str,
        value: &str,
        duration: Option<chrono::TimeDelta>,
        signal_id: Option<&str>,
    ) -> Result<usize> {
        self.denylist_here()?;
        let mut attrs = json!({
            "value": value,
            "kind": if kind == "ip" && value.contains('/') { "range" } else { kind },
            "duration": duration.map_or_else(|| "permanent".to_string(), |d| format!("{}s", d.num_seconds())),
            "reason": "blocked from the explorer",
        });
        if let Some(id) = signal_id {
            attrs["signal_id"] = json!(id);
        }
        let body = json!({"data": {"type": "denylist_entry", "attributes": attrs}});
        let v = self.call(
            "blocking",
            self.remote.client().send_once(
                reqwest::Method::POST,
                "/api/v2/sigscope/denylist",
                &[],
                Some(&body),
                None,
            ),
        )?;
        lock(&self.blocks).at = None;
        Ok(v.get("data").and_then(Value::as_array).map_or(0, Vec::len))
    }

    /// Block each value; one refused (an allowlisted IP, say) does not stop the others, and the
    /// summary names it.
    fn block_all(
        &self,
        kind: &str,
        values: Vec<(String, Option<String>)>,
        duration: Option<chrono::TimeDelta>,
        what: &str,
    ) -> Result<String> {
        let mut seen = std::collections::HashSet::new();
        let (mut blocked, mut refused) = (0, Vec::new());
        for (value, signal) in values {
            if !seen.insert(value.clone()) {
                continue;
            }
            match self.post_block(kind, &value, duration, signal.as_deref()) {
                Ok(n) => blocked += n,
                // Unreachable or not allowed: said once, as the whole change's refusal.
                Err(e @ (Error::Other(_) | Error::PermissionDenied(_)))
                    if blocked == 0 && refused.is_empty() =>
                {
                    return Err(e)
                }
                Err(e) => refused.push(format!("{}: {e}", clean(&value))),
            }
        }
        let mut out = format!("blocked {}", plural(blocked, what));
        if !refused.is_empty() {
            out.push_str(&format!("; refused {}", refused.join("; ")));
        }
        Ok(out)
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
            if let (1, Some(v)) = (ids.len(), version) {
                if s.version != v {
                    return Err(Error::Conflict(format!(
                        "signal {} changed since you looked at it (version {v}, now {}); look again",
                        clean(id),
                        s.version
                    )));
                }
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

    fn add_incident(&self, signals: &[Signal], public_id: i64) -> Result<()> {
        for s in signals {
            let mut list = s.triage.incident_ids.clone();
            if !list.contains(&public_id) {
                list.push(public_id);
                self.remote.set_incidents(&s.id, &list)?;
            }
        }
        Ok(())
    }

    fn conflict_row(&self, p: Problem, users: &[User]) -> ConflictRow {
        let handle = |uuid: &str| {
            users
                .iter()
                .find(|u| u.uuid == uuid)
                .map(|u| u.handle.clone())
                .unwrap_or_else(|| uuid.to_string())
        };
        let a = p
            .mine
            .pointer("/data/attributes")
            .cloned()
            .unwrap_or(json!({}));
        let s = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("");
        let mine = match p.action.as_str() {
            "state" => {
                let mut m = format!("state {}", s("state"));
                if s("state") == TriageState::Archived.as_str() && !s("archive_reason").is_empty() {
                    m.push_str(&format!(" ({})", s("archive_reason")));
                }
                if !s("archive_comment").is_empty() {
                    m.push_str(&format!(": {}", s("archive_comment")));
                }
                m
            }
            "assignee" => match a.pointer("/assignee/uuid").and_then(Value::as_str) {
                Some(u) if !u.is_empty() => format!("assign to {}", handle(u)),
                _ => "unassign".into(),
            },
            "incidents" => format!("incidents {}", a.get("incident_ids").unwrap_or(&json!([]))),
            _ => a.to_string(),
        };
        let theirs = p.theirs.as_ref().map(|t| {
            let mut d = t.triage.state.as_str().to_string();
            if let Some(r) = t.triage.archive_reason {
                d.push_str(&format!(" ({})", r.as_str()));
            }
            match &t.triage.assignee {
                Some(x) => d.push_str(&format!(", assigned to {}", x.display())),
                None => d.push_str(", unassigned"),
            }
            if !t.triage.incident_ids.is_empty() {
                d.push_str(&format!(", incidents {:?}", t.triage.incident_ids));
            }
            d
        });
        ConflictRow {
            seq: p.seq,
            signal_id: p.signal_id,
            action: p.action,
            conflict: p.conflict,
            mine,
            base_version: p.base_version,
            theirs_version: p.theirs.as_ref().map(|t| t.version),
            theirs,
            error: p.error,
        }
    }
}

/// `IR-12` or `12`.
fn incident_number(id: &str) -> Result<i64> {
    let t = id.trim();
    let n = t
        .strip_prefix("IR-")
        .or_else(|| t.strip_prefix("ir-"))
        .unwrap_or(t);
    n.parse()
        .map_err(|_| Error::Invalid(format!("incident {:?}: expected IR-<number>", clean(id))))
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
            d
        }))
    }

    fn users(&self) -> Result<Vec<User>> {
        self.reads.users()
    }

    fn cases(&self) -> Result<Vec<Choice>> {
        let v = self.call(
            "cases",
            self.remote
                .client()
                .send(reqwest::Method::GET, "/api/v2/cases", &[], None, None),
        )?;
        Ok(v.get("data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| {
                let id = c
                    .pointer("/attributes/key")
                    .or_else(|| c.get("id"))
                    .and_then(Value::as_str)?;
                let title = c.pointer("/attributes/title").and_then(Value::as_str)?;
                Some(Choice {
                    id: id.to_string(),
                    title: title.to_string(),
                })
            })
            .collect())
    }

    fn incidents(&self) -> Result<Vec<Choice>> {
        let v = self.call(
            "incidents",
            self.remote
                .client()
                .send(reqwest::Method::GET, "/api/v2/incidents", &[], None, None),
        )?;
        Ok(v.get("data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|i| {
                let n = i.pointer("/attributes/public_id").and_then(Value::as_i64)?;
                let title = i.pointer("/attributes/title").and_then(Value::as_str)?;
                Some(Choice {
                    id: format!("IR-{n}"),
                    title: title.to_string(),
                })
            })
            .collect())
    }

    fn apply(&self, change: &Change) -> Result<String> {
        match change {
            Change::Assign { ids, user, version } => {
                self.signals_at(ids, *version)?;
                let who = user.as_deref().map(|u| self.user_named(u));
                for id in ids {
                    self.remote.assign(id, who.as_ref())?;
                }
                let verb = if who.is_some() {
                    "assigned"
                } else {
                    "unassigned"
                };
                Ok(self.queued(format!("{verb} {}", plural(ids.len(), "signal"))))
            }
            Change::SetState {
                ids,
                state,
                reason,
                comment,
                version,
            } => {
                self.signals_at(ids, *version)?;
                for id in ids {
                    self.remote
                        .set_state(id, *state, *reason, comment.as_deref())?;
                }
                Ok(self.queued(format!(
                    "{} → {}",
                    plural(ids.len(), "signal"),
                    state.label()
                )))
            }
            Change::NewCase {
                ids,
                title,
                priority,
            } => {
                self.signals_at(ids, None)?;
                let idem = uuid::Uuid::new_v4().to_string();
                let v = self.call(
                    "opening the case",
                    self.remote.client().create_case(
                        title,
                        priority,
                        ids,
                        self.project_id.as_deref(),
                        Some(&idem),
                    ),
                )?;
                Ok(
                    match v.pointer("/data/attributes/key").and_then(Value::as_str) {
                        Some(k) => format!("opened case {}", clean(k)),
                        None => "opened a case".into(),
                    },
                )
            }
            Change::AddToCase { ids, case_id } => {
                self.signals_at(ids, None)?;
                if case_id.is_empty()
                    || !case_id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    return Err(Error::Invalid(format!(
                        "case {:?}: not a case key",
                        clean(case_id)
                    )));
                }
                let insights: Vec<Value> = ids
                    .iter()
                    .map(|id| json!({"type": "SECURITY_SIGNAL", "resource_id": id}))
                    .collect();
                let body = json!({"data": {"type": "case", "attributes": {"insights": insights}}});
                let idem = uuid::Uuid::new_v4().to_string();
                self.call(
                    "adding to the case",
                    self.remote.client().send(
                        reqwest::Method::PUT,
                        &format!("/api/v2/cases/{case_id}/insights"),
                        &[],
                        Some(&body),
                        Some(&idem),
                    ),
                )?;
                Ok(format!(
                    "added {} to {}",
                    plural(ids.len(), "signal"),
                    clean(case_id)
                ))
            }
            Change::NewIncident {
                ids,
                title,
                severity,
                commander: _,
            } => {
                let signals = self.signals_at(ids, None)?;
                let idem = uuid::Uuid::new_v4().to_string();
                let v = self.call(
                    "declaring the incident",
                    self.remote
                        .client()
                        .create_incident(title, severity, Some(&idem)),
                )?;
                let n = v
                    .pointer("/data/attributes/public_id")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| {
                        Error::Other("the remote declared the incident without a number".into())
                    })?;
                self.add_incident(&signals, n)?;
                Ok(self.queued(format!("declared incident IR-{n}")))
            }
            Change::AddToIncident { ids, incident_id } => {
                let n = incident_number(incident_id)?;
                let signals = self.signals_at(ids, None)?;
                self.add_incident(&signals, n)?;
                Ok(self.queued(format!("added {} to IR-{n}", plural(ids.len(), "signal"))))
            }
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
                self.call(
                    "lifting the block",
                    self.remote.client().send_once(
                        reqwest::Method::DELETE,
                        &format!("/api/v2/sigscope/denylist/{id}"),
                        &[],
                        None,
                        None,
                    ),
                )?;
                lock(&self.blocks).at = None;
                Ok(format!("block #{id} lifted"))
            }
        }
    }

    fn allowed(&self, kind: ChangeKind) -> std::result::Result<(), String> {
        let needs = match kind {
            ChangeKind::Block => {
                self.denylist_here()
                    .map_err(|_| DENYLIST_NOT_HERE.to_string())?;
                Permission::AppsecProtectWrite
            }
            ChangeKind::Workflow => return Err("workflows are run on the server".into()),
            ChangeKind::Assign | ChangeKind::SetState => Permission::SecurityMonitoringSignalsWrite,
            ChangeKind::Case => Permission::CasesWrite,
            ChangeKind::Incident => Permission::IncidentWrite,
        };
        match self.role() {
            Some(r) if !r.has(needs) => Err(needs.as_str().to_string()),
            _ => Ok(()),
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
            .map(|p| self.conflict_row(p, &users))
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
        self.reads.generation()
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
        let v = self.call(
            "notification rules",
            self.remote.client().send_once(
                reqwest::Method::GET,
                "/api/v2/security/signals/notification_rules",
                &[],
                None,
                None,
            ),
        )?;
        let strings = |x: Option<&Value>| -> Vec<String> {
            x.and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        };
        Ok(v.get("data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|r| NotifyRuleRow {
                name: r
                    .pointer("/attributes/name")
                    .and_then(Value::as_str)
                    .unwrap_or("(unnamed)")
                    .to_string(),
                enabled: r
                    .pointer("/attributes/enabled")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
                severities: strings(r.pointer("/attributes/selectors/severities")),
                query: r
                    .pointer("/attributes/selectors/query")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                targets: strings(r.pointer("/attributes/targets")),
            })
            .collect())
    }
}

/// A user's role from the vendor's user shape (`attributes.role`, a label or a name).
fn role_of(user: &Value) -> Option<Role> {
    let label = user.pointer("/attributes/role").and_then(Value::as_str)?;
    [Role::Admin, Role::Standard, Role::ReadOnly]
        .into_iter()
        .find(|r| r.label() == label || Role::parse(label) == Some(*r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_numbers_read_both_ways() {
        assert_eq!(incident_number("IR-12").unwrap(), 12);
        assert_eq!(incident_number(" 7 ").unwrap(), 7);
        assert!(incident_number("IR-x").is_err());
    }
}
