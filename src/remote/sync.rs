//! The background sync: drain the outbox in order, then pull: the first time by paging through the
//! time window, then by following the change feed (sigscope) or re-querying the window (vendor).
use super::cache::Inner;
use super::client::{retry_delay, ClientError, Flavor, ListQuery};
use super::outbox::{self, EntryState};
use crate::model::Signal;
use chrono::{DateTime, Utc};
use reqwest::Method;
use rusqlite::{params, OptionalExtension};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncState {
    Synced,
    Syncing,
    Offline { since: DateTime<Utc> },
}

/// What the explorer's status line shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncStatus {
    pub state: SyncState,
    /// Writes waiting in the outbox.
    pub pending: usize,
    /// Conflicts and refusals waiting for the analyst.
    pub problems: usize,
    pub last_ok: Option<DateTime<Utc>>,
    /// How many times the remote's users were copied into the cache: the explorer reloads its
    /// assign list when this moves (a user added on the server shows without `r`).
    pub users: u64,
}

impl SyncStatus {
    pub fn starting() -> SyncStatus {
        SyncStatus {
            state: SyncState::Syncing,
            pending: 0,
            problems: 0,
            last_ok: None,
            users: 0,
        }
    }

    /// `synced`, `syncing`, `offline since 10:42`, then `· N changes waiting`, `· N conflicts`.
    pub fn line(&self) -> String {
        let mut s = match &self.state {
            SyncState::Synced => "synced".to_string(),
            SyncState::Syncing => "syncing".to_string(),
            SyncState::Offline { since } => format!("offline since {}", since.format("%H:%M:%S")),
        };
        if self.pending > 0 {
            s.push_str(&format!(
                " · {} change{} waiting",
                self.pending,
                if self.pending == 1 { "" } else { "s" }
            ));
        }
        if self.problems > 0 {
            s.push_str(&format!(
                " · {} conflict{}",
                self.problems,
                if self.problems == 1 { "" } else { "s" }
            ));
        }
        s
    }
}

/// The per-remote cursor row.
#[derive(Clone, Debug, Default)]
pub struct SyncRow {
    pub complete: bool,
    pub last_seq: i64,
    pub last_ok: Option<i64>,
}

pub fn load_row(conn: &rusqlite::Connection, remote: &str) -> crate::Result<SyncRow> {
    Ok(conn
        .query_row(
            "SELECT cursor, last_seq, last_ok FROM sync_state WHERE remote = ?1",
            [remote],
            |r| {
                let cursor: Option<String> = r.get(0)?;
                Ok(SyncRow {
                    complete: cursor.as_deref() == Some("complete"),
                    last_seq: r.get(1)?,
                    last_ok: r.get(2)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

pub fn save_row(conn: &rusqlite::Connection, remote: &str, row: &SyncRow) -> crate::Result<()> {
    conn.execute(
        "INSERT INTO sync_state (remote, cursor, last_seq, last_ok) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(remote) DO UPDATE SET cursor = excluded.cursor, last_seq = excluded.last_seq,
           last_ok = excluded.last_ok",
        params![
            remote,
            row.complete.then_some("complete"),
            row.last_seq,
            row.last_ok
        ],
    )?;
    Ok(())
}

/// Failures of one round: the remote (retry later) or the cache (log, retry later).
#[derive(Debug)]
pub enum RoundError {
    Remote(ClientError),
    Local(crate::Error),
}

impl From<ClientError> for RoundError {
    fn from(e: ClientError) -> Self {
        RoundError::Remote(e)
    }
}

impl From<crate::Error> for RoundError {
    fn from(e: crate::Error) -> Self {
        RoundError::Local(e)
    }
}

/// Send every pending outbox entry, oldest first, each exactly once (its idempotency key makes a
/// resend after a crash a no-op on the server).
pub async fn drain(inner: &Arc<Inner>) -> Result<(), RoundError> {
    loop {
        let Some(entry) = inner.with_cache(|s| outbox::next_pending(s.conn())).await? else {
            return Ok(());
        };
        // While offline, a retry is not news: saying `syncing` would make the status flicker and
        // restart `offline since` at every probe (issue 17); it stays offline until a send works.
        inner
            .publish(|st| {
                if !matches!(st.state, SyncState::Offline { .. }) {
                    st.state = SyncState::Syncing;
                }
            })
            .await;
        let method = Method::from_bytes(entry.method.as_bytes()).unwrap_or(Method::PATCH);
        let sent = inner
            .sync_client
            .send_once(
                method,
                &entry.path,
                &[],
                Some(&entry.body),
                Some(&entry.idem_key),
            )
            .await;
        let seq = entry.seq;
        let signal_id = entry.signal_id.clone();
        match sent {
            Ok(_) => {
                inner
                    .with_cache(move |s| {
                        outbox::set_state(s.conn(), seq, EntryState::Done, None, None)
                    })
                    .await?;
                if inner.sync_client.endpoint.flavor == Flavor::Vendor {
                    if let Some(id) = &signal_id {
                        refresh_signal(inner, id).await?;
                    }
                }
            }
            Err(ClientError::Api {
                status: 409,
                meta,
                message,
                ..
            }) => {
                let theirs = match meta.as_ref().and_then(|m| m.get("signal")).cloned() {
                    Some(v) => Some(v),
                    None => match &signal_id {
                        Some(id) => inner
                            .sync_client
                            .get_signal(id)
                            .await?
                            .map(|s| s.to_json().clone()),
                        None => None,
                    },
                };
                let sid = signal_id.clone();
                inner
                    .with_cache(move |s| {
                        outbox::set_state(
                            s.conn(),
                            seq,
                            EntryState::Conflict,
                            Some(&message),
                            theirs.as_ref(),
                        )?;
                        if let Some(id) = &sid {
                            outbox::hold_after_conflict(s.conn(), id, seq)?;
                            // The cache shows the remote's version; the analyst's is in the outbox row.
                            if let Some(t) = theirs.clone().map(Signal::from_json).transpose()? {
                                crate::store::SignalRows::put_signal(s.conn(), &t)?;
                            }
                        }
                        Ok(())
                    })
                    .await?;
            }
            Err(e) if e.is_transient() => {
                let msg = e.to_string();
                inner
                    .with_cache(move |s| outbox::record_attempt(s.conn(), seq, Some(&msg)))
                    .await?;
                return Err(e.into());
            }
            Err(e) => {
                let msg = e.to_string();
                inner
                    .with_cache(move |s| {
                        outbox::set_state(s.conn(), seq, EntryState::Failed, Some(&msg), None)
                    })
                    .await?;
                // Undo the optimistic local change: show what the remote really has.
                if let Some(id) = &signal_id {
                    refresh_signal(inner, id).await?;
                }
            }
        }
        inner.publish(|_| {}).await;
    }
}

async fn refresh_signal(inner: &Arc<Inner>, id: &str) -> Result<(), RoundError> {
    if let Some(s) = inner.sync_client.get_signal(id).await? {
        inner.store_remote_signals(vec![s]).await?;
    }
    Ok(())
}

/// Page through the time window into the cache.
pub async fn full_pull(inner: &Arc<Inner>) -> Result<(), RoundError> {
    let head = if inner.sync_client.endpoint.flavor == Flavor::Sigscope {
        Some(
            inner
                .sync_client
                .changes(i64::MAX, Duration::ZERO)
                .await?
                .head,
        )
    } else {
        None
    };
    let from = Utc::now() - inner.opts.window;
    let mut q = ListQuery {
        from: Some(crate::model::json::fmt_time(&from)),
        to: Some("now".into()),
        limit: inner.opts.page_size,
        ..ListQuery::default()
    };
    loop {
        let page = inner.sync_client.list_signals(&q).await?;
        inner.store_remote_signals(page.signals).await?;
        match page.next {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    pull_users(inner).await?;
    let remote = inner.sync_client.endpoint.base.clone();
    inner
        .with_cache(move |s| {
            let mut row = load_row(s.conn(), &remote)?;
            row.complete = true;
            if let Some(h) = head {
                row.last_seq = h;
            }
            row.last_ok = Some(Utc::now().timestamp_millis());
            save_row(s.conn(), &remote, &row)
        })
        .await?;
    Ok(())
}

/// Copy the remote's users into the cache, for the assign dialog. Roles are the remote's business
/// (it enforces them), so cached users carry the least one. A key without `user_access_read` just
/// gets no list.
async fn pull_users(inner: &Arc<Inner>) -> Result<(), RoundError> {
    let v = match inner.sync_client.users("").await {
        Ok(v) => v,
        Err(ClientError::Api { status: 403, .. }) | Err(ClientError::Api { status: 404, .. }) => {
            return Ok(())
        }
        Err(e) => return Err(e.into()),
    };
    let mut users = Vec::new();
    for u in v
        .get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let s = |p: &str| {
            u.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let (uuid, handle) = (s("/id"), s("/attributes/handle"));
        if uuid.is_empty() || handle.is_empty() {
            continue;
        }
        let disabled = u
            .pointer("/attributes/disabled")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        users.push((uuid, handle, s("/attributes/name"), disabled));
    }
    inner
        .with_cache(move |s| {
            for (uuid, handle, name, disabled) in &users {
                s.conn().execute(
                    "INSERT OR REPLACE INTO users (uuid, handle, name, role, disabled) VALUES (?1, ?2, ?3, 'read_only', ?4)",
                    params![uuid, handle, name, disabled],
                )?;
            }
            Ok(())
        })
        .await?;
    inner.publish(|st| st.users += 1).await;
    Ok(())
}

/// Wait on the change feed (or a local write) and apply what comes.
pub async fn follow(inner: &Arc<Inner>) -> Result<(), RoundError> {
    let remote = inner.sync_client.endpoint.base.clone();
    let r = remote.clone();
    let row = inner.with_cache(move |s| load_row(s.conn(), &r)).await?;
    // Never say `synced` before the remote has answered: coming back from offline (or starting),
    // ask without waiting, so the status turns on the answer and not 25 s later; once synced,
    // long-poll. (Publishing `synced` first made the status flicker while the server was down
    // and reset `offline since`.)
    let wait = if inner.is_synced() {
        inner.opts.long_poll
    } else {
        Duration::ZERO
    };
    let page = tokio::select! {
        p = inner.sync_client.changes(row.last_seq, wait) => p?,
        _ = inner.kick.notified() => return Ok(()),
    };
    let mut last = page.last_seq;
    if page.head < row.last_seq {
        // The server's feed is behind our cursor (a restored or replaced store): start over.
        last = page.head;
        full_pull(inner).await?;
    }
    // Users come and go on the server too; the feed says so (`user.add`), and the list follows.
    let users_moved = page.changes.iter().any(|c| c.action.starts_with("user."));
    inner.store_remote_signals(page.signals).await?;
    if users_moved {
        pull_users(inner).await?;
    }
    inner
        .with_cache(move |s| {
            let mut row = load_row(s.conn(), &remote)?;
            row.last_seq = last.max(0);
            row.last_ok = Some(Utc::now().timestamp_millis());
            save_row(s.conn(), &remote, &row)
        })
        .await?;
    Ok(())
}

/// One round: drain, then pull once (first sync, feed or re-query).
pub async fn round(inner: &Arc<Inner>) -> Result<(), RoundError> {
    drain(inner).await?;
    let remote = inner.sync_client.endpoint.base.clone();
    let row = inner
        .with_cache(move |s| load_row(s.conn(), &remote))
        .await?;
    match inner.sync_client.endpoint.flavor {
        Flavor::Sigscope if row.complete => follow(inner).await,
        Flavor::Sigscope => full_pull(inner).await,
        Flavor::Vendor => {
            full_pull(inner).await?;
            inner
                .publish(|st| {
                    st.state = SyncState::Synced;
                    st.last_ok = Some(Utc::now());
                })
                .await;
            tokio::select! {
                _ = tokio::time::sleep(inner.opts.poll) => {},
                _ = inner.kick.notified() => {},
            }
            Ok(())
        }
    }
}

/// One round, with the status updated from its outcome: synced, or offline since the first failure.
pub async fn round_with_status(inner: &Arc<Inner>) -> Result<(), RoundError> {
    let r = round(inner).await;
    match &r {
        Ok(()) => {
            inner
                .publish(|st| {
                    st.state = SyncState::Synced;
                    st.last_ok = Some(Utc::now());
                })
                .await
        }
        Err(RoundError::Remote(e)) if e.is_transient() => {
            inner
                .publish(|st| {
                    if !matches!(st.state, SyncState::Offline { .. }) {
                        st.state = SyncState::Offline { since: Utc::now() };
                    }
                })
                .await
        }
        Err(_) => inner.publish(|_| {}).await,
    }
    r
}

/// The background loop; runs until the task is dropped.
pub async fn run(inner: Arc<Inner>) {
    let mut failures = 0u32;
    loop {
        match round_with_status(&inner).await {
            Ok(()) => failures = 0,
            Err(RoundError::Remote(e)) if e.is_transient() => {
                failures += 1;
                tracing::debug!(error = %e, "remote unavailable");
                let delay = retry_delay(&e, failures).min(inner.opts.max_backoff);
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {},
                    _ = inner.kick.notified() => {},
                }
            }
            Err(e) => {
                failures += 1;
                tracing::warn!(error = ?e, "sync round failed");
                let delay = Duration::from_secs(1 << failures.min(5)).min(inner.opts.max_backoff);
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {},
                    _ = inner.kick.notified() => {},
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn status_line_reads_naturally() {
        let mut s = SyncStatus::starting();
        assert_eq!(s.line(), "syncing");
        s.state = SyncState::Offline {
            since: Utc.with_ymd_and_hms(2026, 1, 1, 10, 42, 5).unwrap(),
        };
        s.pending = 3;
        assert_eq!(s.line(), "offline since 10:42:05 · 3 changes waiting");
        s.state = SyncState::Synced;
        s.pending = 0;
        s.problems = 1;
        assert_eq!(s.line(), "synced · 1 conflict");
    }
}
