//! `sigscope serve`: the vendor's public API (see `api.md`) over a SQLite store, for a team sharing
//! one queue, plus sigscope's change feed and signal ingest.
mod auth;
mod body;
pub mod changes;
mod crowdsec;
mod db;
mod denylist_routes;
mod errors;
mod filter;
mod guard;
mod listen;
mod ops;
mod options;
mod ratelimit;
mod routes_cases;
mod routes_events;
mod routes_incidents;
mod routes_notify;
mod routes_signals;
mod routes_stats;
mod routes_update;
mod routes_users;
mod triage;
mod writer;

pub use errors::ApiError;
pub use options::{public_base, ServeOptions, ServerConfig};
pub use routes_signals::{MAX_BULK, MAX_INGEST};

use crate::error::{Error, Result};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, patch, post, put};
use axum::Router;
use db::Db;
use ratelimit::RateLimiter;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tower::limit::ConcurrencyLimitLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

/// How long a write's idempotency record is kept.
pub const IDEMPOTENCY_DAYS: i64 = 7;

#[derive(Clone)]
pub struct AppState {
    db: Arc<Db>,
    limiter: Arc<RateLimiter>,
    per_address: Arc<RateLimiter<std::net::IpAddr>>,
    /// Where links point (`links.next`): the configured public URL or the bound address.
    public_url: Arc<str>,
    changes: Arc<changes::Changes>,
    opts: Arc<ServeOptions>,
    /// Flips to true on shutdown so long-polls return at once instead of holding it up.
    shutdown: watch::Receiver<bool>,
}

/// A bound server: `addr` is known before it runs, so tests can listen on port 0.
pub struct Server {
    pub addr: SocketAddr,
    listener: tokio::net::TcpListener,
    router: Router,
    db: Arc<Db>,
    stop: watch::Sender<bool>,
    limits: listen::Limits,
    /// Wakes this replica's change feed when another replica writes (PostgreSQL stores).
    _follower: Option<crate::engine::ChangeFollower>,
}

pub fn router(state: AppState) -> Router {
    let max_body = state.opts.max_body;
    let opts = Arc::clone(&state.opts);
    use routes_signals as s;
    let routes = Router::new()
        .route("/api/v2/security_monitoring/signals", get(s::list))
        .route(
            "/api/v2/security_monitoring/signals/search",
            post(s::search),
        )
        .route(
            "/api/v2/security_monitoring/signals/bulk/state",
            patch(s::bulk_state),
        )
        .route(
            "/api/v2/security_monitoring/signals/bulk/assignee",
            patch(s::bulk_assignee),
        )
        .route(
            "/api/v2/security_monitoring/signals/bulk/update",
            patch(routes_update::bulk_update),
        )
        .route(
            "/api/v2/security_monitoring/signals/{id}/update",
            patch(routes_update::patch_update),
        )
        .route("/api/v2/security_monitoring/signals/{id}", get(s::get_one))
        .route(
            "/api/v2/security_monitoring/signals/{id}/state",
            patch(s::patch_state),
        )
        .route(
            "/api/v2/security_monitoring/signals/{id}/assignee",
            patch(s::patch_assignee),
        )
        .route(
            "/api/v2/security_monitoring/signals/{id}/incidents",
            patch(s::patch_incidents),
        )
        .route("/api/v2/users", get(routes_users::list))
        .route(
            "/api/v2/cases",
            get(routes_cases::list).post(routes_cases::create),
        )
        .route("/api/v2/cases/{id}", get(routes_cases::get_one))
        .route("/api/v2/cases/{id}/status", post(routes_cases::status))
        .route(
            "/api/v2/cases/{id}/priority",
            post(routes_cases::set_priority),
        )
        .route("/api/v2/cases/{id}/assign", post(routes_cases::assign))
        .route("/api/v2/cases/{id}/comment", post(routes_cases::comment))
        .route(
            "/api/v2/cases/{id}/insights",
            put(routes_cases::link).delete(routes_cases::unlink),
        )
        .route(
            "/api/v2/incidents",
            get(routes_incidents::list).post(routes_incidents::create),
        )
        .route(
            "/api/v2/incidents/{id}",
            get(routes_incidents::get_one).patch(routes_incidents::patch),
        )
        .route(
            "/api/v2/security/signals/notification_rules",
            get(routes_notify::list).post(routes_notify::create),
        )
        .route(
            "/api/v2/security/signals/notification_rules/{id}",
            get(routes_notify::get_one)
                .patch(routes_notify::patch)
                .delete(routes_notify::delete),
        )
        .route("/api/v2/sigscope/signals", post(s::ingest))
        .route(
            "/api/v2/sigscope/events",
            post(routes_events::ingest_events),
        )
        .route("/api/v2/sigscope/changes", get(changes::feed))
        .route("/api/v2/sigscope/whoami", get(routes_users::whoami))
        .route("/api/v2/sigscope/stats", get(routes_stats::stats))
        .route("/api/v2/sigscope/signals/{id}/timeline", get(s::timeline))
        .route(
            "/api/v2/sigscope/denylist",
            get(denylist_routes::list).post(denylist_routes::add),
        )
        .route(
            "/api/v2/sigscope/denylist/rules_data",
            get(denylist_routes::rules_data),
        )
        .route(
            "/api/v2/sigscope/denylist/export",
            get(denylist_routes::export),
        )
        .route(
            "/api/v2/sigscope/denylist/{id}",
            axum::routing::delete(denylist_routes::remove),
        )
        .route("/v1/decisions/stream", get(crowdsec::stream))
        .route("/v1/decisions", get(crowdsec::decisions))
        .route("/v1/usage-metrics", post(crowdsec::usage_metrics))
        .fallback(|| async { ApiError::not_found("Not found") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "Method not allowed",
            )
        })
        .merge(ops::routes())
        .layer(DefaultBodyLimit::max(max_body))
        // Innermost first: the whole request is bounded in time (its body read included, piece
        // by piece), and requests in flight are capped; the tower-http/tower layers do the work,
        // `json_answers` gives their bare answers (408, 413) the vendor's JSON body. The
        // per-address limit and the size limits go outermost, so a flood is answered 429 before
        // it holds an in-flight slot.
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(RequestBodyTimeoutLayer::new(opts.body_timeout))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            opts.request_timeout,
        ))
        .layer(axum::middleware::map_response(guard::json_answers))
        .layer(ConcurrencyLimitLayer::new(opts.max_in_flight))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::client_limits,
        ));
    // Request ids, logs and metrics outermost: every answer is counted and logged, refusals too.
    ops::instrument(routes).with_state(state)
}

/// Open the store and bind `listen`.
pub async fn bind(listen: SocketAddr, store_path: &Path, opts: ServeOptions) -> Result<Server> {
    opts.validate()?;
    let path: PathBuf = store_path.to_path_buf();
    let v6_prefix = opts.signal_v6_prefix;
    let notify = opts.notify.clone();
    let index_save = opts.index_save;
    let db = tokio::task::spawn_blocking(move || Db::open(&path, v6_prefix, notify, index_save))
        .await
        .map_err(|e| Error::Other(format!("opening the store: {e}")))??;
    let db = Arc::new(db);
    // A client replays within minutes or hours; a week of records is ample and keeps the table small.
    db.engine(move |e| {
        e.purge_idempotent_answers(IDEMPOTENCY_DAYS)?;
        Ok(())
    })
    .await
    .map_err(|e| Error::Store(e.detail.clone()))?;
    let last = db
        .read(|e| Ok(e.head_seq()?))
        .await
        .map_err(|e| Error::Store(e.detail.clone()))?;
    let (stop, shutdown) = watch::channel(false);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Error::Io(format!("cannot listen on {listen}: {e}")))?;
    let addr = listener.local_addr()?;
    let public_url = match &opts.public_url {
        Some(u) => public_base(u)?,
        None => format!("http://{addr}"),
    };
    if let Some(fds) = listen::raise_fd_limit() {
        // Each connection is a descriptor; the store, its WAL and the runtime need some too.
        if libc::rlim_t::try_from(opts.max_connections).map_or(true, |n| n.saturating_add(64) > fds)
        {
            tracing::warn!(
                max_connections = opts.max_connections,
                open_files = fds,
                "max_connections is above what the open-file limit allows; accepts will fail first"
            );
        }
    }
    let limits = listen::Limits {
        header_timeout: opts.header_timeout,
        max_connections: opts.max_connections,
    };
    let state = AppState {
        db: Arc::clone(&db),
        limiter: Arc::new(RateLimiter::new(
            opts.rate_limit,
            opts.rate_period,
            "sigscope_api",
        )),
        per_address: Arc::new(RateLimiter::new(
            opts.per_address_limit,
            opts.rate_period,
            "sigscope_address",
        )),
        public_url: Arc::from(public_url),
        changes: Arc::new(changes::Changes::new(last)),
        opts: Arc::new(opts),
        shutdown,
    };
    let wake = Arc::clone(&state.changes);
    let follower = db
        .read(move |e| Ok(e.follow_changes(Box::new(move |seq| wake.published(seq)))?))
        .await
        .map_err(|e| Error::Store(e.detail.clone()))?;
    Ok(Server {
        addr,
        listener,
        router: router(state),
        db,
        stop,
        limits,
        _follower: follower,
    })
}

impl Server {
    /// Serve until `shutdown` resolves, then finish in-flight requests and close the store.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        let stop = self.stop;
        let stopped = stop.subscribe();
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop.send(true);
        });
        listen::serve(
            self.listener,
            self.router,
            self.limits,
            stopped,
            Duration::from_secs(30),
        )
        .await;
        // Every handler's clone of the state is gone once serve returns, so this is the last owner.
        match Arc::try_unwrap(self.db) {
            Ok(db) => tokio::task::spawn_blocking(move || db.close())
                .await
                .map_err(|e| Error::Other(format!("closing the store: {e}")))?,
            Err(_) => tracing::warn!("store still in use at shutdown; left to close on exit"),
        }
        Ok(())
    }
}

/// Bind and spawn the server; returns the bound address and the task (resolving when it has shut
/// down cleanly).
pub async fn serve(
    listen: SocketAddr,
    store_path: &Path,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(SocketAddr, tokio::task::JoinHandle<Result<()>>)> {
    serve_with(listen, store_path, ServeOptions::default(), shutdown).await
}

pub async fn serve_with(
    listen: SocketAddr,
    store_path: &Path,
    opts: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(SocketAddr, tokio::task::JoinHandle<Result<()>>)> {
    let server = bind(listen, store_path, opts).await?;
    let addr = server.addr;
    Ok((addr, tokio::spawn(server.run(shutdown))))
}
