//! `Remote`: the remote store as the explorer sees it: reads from the local SQLite cache (instant,
//! and still there offline), writes into the outbox plus an optimistic cache update, a background
//! sync task, and a watch channel of its status.
use super::client::{signal_path, Client, Credentials, Endpoint};
use super::outbox::{self, Entry, EntryState};
use super::sync::{self, SyncStatus};
use crate::error::{Error, Result};
use crate::model::{ArchiveReason, Assignee, Signal, TriageState, User};
use crate::store::sqlite::signals;
use crate::store::{ListFilter, SignalRows, SqliteStore, Store, UpsertReport};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{watch, Notify};

#[derive(Clone, Debug)]
pub struct RemoteOptions {
    /// How far back the first sync (and the vendor re-query) reaches.
    pub window: chrono::Duration,
    pub page_size: usize,
    /// Change-feed wait per request.
    pub long_poll: Duration,
    /// Vendor mode: how often the window is re-queried.
    pub poll: Duration,
    /// The longest wait between retries while the remote is down.
    pub max_backoff: Duration,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        RemoteOptions {
            window: chrono::Duration::days(14),
            page_size: 1000,
            long_poll: Duration::from_secs(25),
            poll: Duration::from_secs(60),
            // Probing a team server once a second while it is away is cheap, and the analyst
            // sees it back within about a second (issue 17).
            max_backoff: Duration::from_secs(1),
        }
    }
}

pub struct Inner {
    cache: Mutex<SqliteStore>,
    pub(crate) client: Client,
    /// The background sync's own client, one attempt per request: the sync loop is the retry, and
    /// its pace (at most `max_backoff` between probes) is what brings it back within a second or
    /// two of the remote's return; the client's own backoff would stack seconds on top.
    pub(crate) sync_client: Client,
    status: watch::Sender<SyncStatus>,
    pub(crate) kick: Notify,
    pub(crate) opts: RemoteOptions,
}

fn lock(m: &Mutex<SqliteStore>) -> MutexGuard<'_, SqliteStore> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Inner {
    /// Run a cache operation on a blocking thread.
    pub(crate) async fn with_cache<T, F>(self: &Arc<Self>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&SqliteStore) -> Result<T> + Send + 'static,
    {
        let me = Arc::clone(self);
        tokio::task::spawn_blocking(move || f(&lock(&me.cache)))
            .await
            .map_err(|e| Error::Other(format!("cache task: {e}")))?
    }

    /// Whether the last round reached the remote.
    pub(crate) fn is_synced(&self) -> bool {
        matches!(self.status.borrow().state, super::sync::SyncState::Synced)
    }

    /// Update the status (with fresh outbox counts) and tell subscribers. The counts are read and
    /// sent under the cache lock, as `queue` counts its change: a count read before a change and
    /// sent after it would hide that change from the status line until the next round.
    pub(crate) async fn publish(
        self: &Arc<Self>,
        f: impl FnOnce(&mut SyncStatus) + Send + 'static,
    ) {
        let me = Arc::clone(self);
        let sent = self
            .with_cache(move |s| {
                let counts = outbox::count(s.conn(), EntryState::Pending).and_then(|p| {
                    Ok((
                        p,
                        outbox::count(s.conn(), EntryState::Conflict)?
                            + outbox::count(s.conn(), EntryState::Failed)?,
                    ))
                });
                me.status.send_modify(|st| {
                    f(st);
                    if let Ok((p, c)) = counts {
                        st.pending = p;
                        st.problems = c;
                    }
                });
                Ok(())
            })
            .await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, "sync status not updated");
        }
    }

    /// Put signals from the remote into the cache, except those with local writes still waiting:
    /// their optimistic state stays until the outbox has been replayed.
    pub(crate) async fn store_remote_signals(self: &Arc<Self>, list: Vec<Signal>) -> Result<()> {
        if list.is_empty() {
            return Ok(());
        }
        self.with_cache(move |s| {
            let conn = s.conn();
            let tx = rusqlite::Transaction::new_unchecked(
                conn,
                rusqlite::TransactionBehavior::Immediate,
            )?;
            for sig in &list {
                if !outbox::has_pending_for(&tx, &sig.id)? {
                    tx.put_signal(sig)?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }
}

/// A conflict or refusal from the outbox, with both versions for the analyst.
#[derive(Clone, Debug)]
pub struct Problem {
    pub seq: i64,
    pub signal_id: Option<String>,
    /// `state`, `assignee`, `incidents`...
    pub action: String,
    /// The analyst's change (the request body) and the version it was based on.
    pub mine: Value,
    pub base_version: Option<i64>,
    /// The remote's signal as it is now, on a conflict.
    pub theirs: Option<Signal>,
    pub conflict: bool,
    pub error: Option<String>,
}

impl Problem {
    fn from_entry(e: Entry) -> Problem {
        Problem {
            seq: e.seq,
            signal_id: e.signal_id,
            action: e.path.rsplit('/').next().unwrap_or("").to_string(),
            mine: e.body,
            base_version: e.base_version,
            theirs: e.remote.and_then(|v| Signal::from_json(v).ok()),
            conflict: e.state == EntryState::Conflict,
            error: e.last_error,
        }
    }
}

/// A short, one-way tag for the user behind a pair of keys: enough to tell two users' caches
/// apart, useless for recovering a key.
pub fn owner_tag(creds: &Credentials) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"sigscope-cache-owner\0");
    h.update(creds.api_key.as_bytes());
    h.update(b"\0");
    h.update(creds.app_key.as_bytes());
    hex::encode(&h.finalize()[..6])
}

/// A cache belongs to the first key that opened it. Another key may not open it while its outbox
/// holds changes (they would be replayed, and audited, as the wrong analyst); once the outbox is
/// empty the cache changes hands (it is only a copy of the remote).
fn claim_owner(conn: &rusqlite::Connection, creds: &Credentials, path: &Path) -> Result<()> {
    use rusqlite::OptionalExtension;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS cache_owner (id INTEGER PRIMARY KEY CHECK (id = 1), tag TEXT NOT NULL)",
        [],
    )?;
    let me = owner_tag(creds);
    let owner: Option<String> = conn
        .query_row("SELECT tag FROM cache_owner WHERE id = 1", [], |r| r.get(0))
        .optional()?;
    if let Some(o) = owner.filter(|o| *o != me) {
        let waiting = outbox::count(conn, EntryState::Pending)?;
        if waiting > 0 {
            return Err(Error::Usage(format!(
                "the cache {} holds {waiting} offline change(s) of another user's key; \
                 set a cache of your own ([remote] cache) or let its owner sync first",
                path.display()
            )));
        }
        tracing::info!(previous = %o, "cache changes owner");
    }
    conn.execute(
        "INSERT INTO cache_owner (id, tag) VALUES (1, ?1) ON CONFLICT(id) DO UPDATE SET tag = excluded.tag",
        [&me],
    )?;
    Ok(())
}

#[derive(Clone)]
pub struct Remote {
    inner: Arc<Inner>,
}

impl Remote {
    /// Open (creating it if needed) the cache at `cache_path` for `endpoint`. Nothing touches the
    /// network until `spawn`.
    pub fn open(
        cache_path: &Path,
        endpoint: Endpoint,
        creds: Credentials,
        opts: RemoteOptions,
    ) -> Result<Remote> {
        let cache = SqliteStore::open(cache_path)?;
        claim_owner(cache.conn(), &creds, cache_path)?;
        // The explorer reads this cache through the engine and follows the sync's writes here.
        crate::store::sqlite::signals::track_updates(cache.conn())?;
        let client = Client::new(endpoint.clone(), creds.clone())?;
        let mut sync_client = Client::new(endpoint, creds)?;
        sync_client.max_attempts = 1;
        let (status, _) = watch::channel(SyncStatus::starting());
        let remote = Remote {
            inner: Arc::new(Inner {
                cache: Mutex::new(cache),
                client,
                sync_client,
                status,
                kick: Notify::new(),
                opts,
            }),
        };
        let (p, c) = {
            let s = lock(&remote.inner.cache);
            (
                outbox::count(s.conn(), EntryState::Pending)?,
                outbox::count(s.conn(), EntryState::Conflict)?
                    + outbox::count(s.conn(), EntryState::Failed)?,
            )
        };
        remote.inner.status.send_modify(|st| {
            st.pending = p;
            st.problems = c;
        });
        Ok(remote)
    }

    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// Start the background sync on the current tokio runtime.
    pub fn spawn(&self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(sync::run(Arc::clone(&self.inner)))
    }

    pub fn status(&self) -> watch::Receiver<SyncStatus> {
        self.inner.status.subscribe()
    }

    /// Wake the sync task (after a write, or on the analyst's refresh).
    pub fn kick(&self) {
        self.inner.kick.notify_one();
    }

    /// Send what is waiting now, without the background task (tests, CLI).
    pub async fn flush(&self) -> std::result::Result<(), sync::RoundError> {
        sync::drain(&self.inner).await
    }

    /// One sync round without the background task; the status reflects its outcome.
    pub async fn sync_once(&self) -> std::result::Result<(), sync::RoundError> {
        sync::round_with_status(&self.inner).await
    }

    pub fn pending(&self) -> Result<Vec<Entry>> {
        outbox::pending(lock(&self.inner.cache).conn())
    }

    pub fn problems(&self) -> Result<Vec<Problem>> {
        Ok(outbox::problems(lock(&self.inner.cache).conn())?
            .into_iter()
            .map(Problem::from_entry)
            .collect())
    }

    pub fn dismiss(&self, seq: i64) -> Result<bool> {
        let r = outbox::dismiss(lock(&self.inner.cache).conn(), seq)?;
        self.kick();
        Ok(r)
    }

    /// Queue a write to one signal: the outbox row (with its version) and the optimistic cache
    /// update commit together, so a crash keeps both or neither.
    fn queue(
        &self,
        id: &str,
        what: &str,
        mut body: Value,
        apply: impl FnOnce(&mut crate::model::Triage),
    ) -> Result<i64> {
        let seq = {
            let s = lock(&self.inner.cache);
            let tx = rusqlite::Transaction::new_unchecked(
                s.conn(),
                rusqlite::TransactionBehavior::Immediate,
            )?;
            let mut sig = signals::get_signal(&tx, id)?
                .ok_or_else(|| Error::NotFound(format!("signal {id} is not in the cache")))?;
            let base = sig.version;
            if let Some(a) = body
                .pointer_mut("/data/attributes")
                .and_then(Value::as_object_mut)
            {
                a.insert("version".into(), json!(base));
            }
            let mut t = sig.triage.clone();
            apply(&mut t);
            sig.set_triage(t, base + 1);
            tx.put_signal(&sig)?;
            let e = outbox::enqueue(
                &tx,
                "PATCH",
                &signal_path(id, what),
                &body,
                Some(id),
                Some(base),
            )?;
            tx.commit()?;
            // Counted before the lock goes, so `publish` never sends a count older than this.
            self.inner.status.send_modify(|st| st.pending += 1);
            e.seq
        };
        self.kick();
        Ok(seq)
    }

    pub fn set_state(
        &self,
        id: &str,
        state: TriageState,
        reason: Option<ArchiveReason>,
        comment: Option<&str>,
    ) -> Result<i64> {
        let mut attrs = json!({"state": state.as_str()});
        let reason = if state == TriageState::Archived {
            Some(reason.unwrap_or(ArchiveReason::None))
        } else {
            None
        };
        attrs["archive_reason"] = json!(reason.map(|r| r.as_str()).unwrap_or("none"));
        if let Some(c) = comment {
            attrs["archive_comment"] = json!(c);
        }
        let comment = comment.map(str::to_string);
        self.queue(
            id,
            "state",
            json!({"data": {"type": "signal_metadata", "attributes": attrs}}),
            move |t| {
                t.state = state;
                t.archive_reason = reason;
                t.archive_comment = if state == TriageState::Archived {
                    comment
                } else {
                    None
                };
            },
        )
    }

    /// `None` unassigns.
    pub fn assign(&self, id: &str, user: Option<&User>) -> Result<i64> {
        let uuid = user.map(|u| u.uuid.clone()).unwrap_or_default();
        let assignee = user.map(|u| Assignee {
            uuid: u.uuid.clone(),
            handle: Some(u.handle.clone()),
            name: Some(u.name.clone()),
        });
        self.queue(
            id,
            "assignee",
            json!({"data": {"type": "signal_metadata", "attributes": {"assignee": {"uuid": uuid}}}}),
            move |t| t.assignee = assignee,
        )
    }

    pub fn set_incidents(&self, id: &str, ids: &[i64]) -> Result<i64> {
        let list = ids.to_vec();
        self.queue(
            id,
            "incidents",
            json!({"data": {"type": "signal_metadata", "attributes": {"incident_ids": ids}}}),
            move |t| t.incident_ids = list,
        )
    }
}

/// Reads come from the cache. Upserts go to the cache and, as an ingest, through the outbox.
impl Remote {
    pub fn upsert_signals(&mut self, list: &[Signal]) -> Result<UpsertReport> {
        let report = {
            let s = lock(&self.inner.cache);
            let tx = rusqlite::Transaction::new_unchecked(
                s.conn(),
                rusqlite::TransactionBehavior::Immediate,
            )?;
            let mut report = UpsertReport::default();
            for sig in list {
                if tx.put_signal(sig)? {
                    report.inserted += 1;
                } else {
                    report.updated += 1;
                }
            }
            let data: Vec<Value> = list.iter().map(|s| s.to_json().clone()).collect();
            outbox::enqueue(
                &tx,
                "POST",
                "/api/v2/sigscope/signals",
                &json!({ "data": data }),
                None,
                None,
            )?;
            tx.commit()?;
            self.inner.status.send_modify(|st| st.pending += 1);
            report
        };
        self.kick();
        Ok(report)
    }

    pub fn get_signal(&self, id: &str) -> Result<Option<Signal>> {
        lock(&self.inner.cache).get_signal(id)
    }

    pub fn list_signals(&self, filter: &ListFilter) -> Result<Vec<Signal>> {
        lock(&self.inner.cache).list_signals(filter)
    }

    pub fn count_signals(&self) -> Result<u64> {
        lock(&self.inner.cache).count_signals()
    }

    pub fn for_each_signal(&self, f: &mut dyn FnMut(Signal) -> Result<()>) -> Result<()> {
        lock(&self.inner.cache).for_each_signal(f)
    }

    pub fn list_users(&self) -> Result<Vec<User>> {
        lock(&self.inner.cache).list_users()
    }

    pub fn find_user(&self, who: &str) -> Result<Option<User>> {
        lock(&self.inner.cache).find_user(who)
    }

    pub fn add_user(&mut self, _user: &User) -> Result<()> {
        Err(Error::Usage(
            "users of a remote are managed on the server (`sigscope users add` there)".into(),
        ))
    }
}
