//! The accept loop. `axum::serve` gives no hold on hyper's connection settings, and without a
//! header-read timeout a client that sends half a request line holds its socket (and a file
//! descriptor) for ever: about 20,000 of them starved the server. Here hyper's HTTP/1 builder gets
//! a timer and `header_read_timeout` (which also closes keep-alive connections left idle), and a
//! semaphore caps open connections so a flood is refused at accept instead of running the process
//! out of descriptors.
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// Raise the soft open-file limit to the hard one (a server is expected to use its allowance) and
/// return it; `None` where it cannot be read.
pub fn raise_fd_limit() -> Option<libc::rlim_t> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return None;
        }
        if lim.rlim_cur < lim.rlim_max {
            let want = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                lim = want;
            }
        }
    }
    Some(lim.rlim_cur)
}

/// Connection settings (from `ServeOptions`).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub header_timeout: Duration,
    pub max_connections: usize,
}

/// Serve `router` on `listener` until `stop` turns true; then stop accepting, let in-flight
/// requests finish (up to `grace`) and return.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
    grace: Duration,
) {
    let max = limits.max_connections.max(1);
    let slots = Arc::new(Semaphore::new(max));
    // Each connection task watches this to shut down gracefully.
    let (closing_tx, closing_rx) = watch::channel(false);
    loop {
        let stopping = async {
            let _ = stop.wait_for(|s| *s).await.map(|_| ());
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stopping => break,
        };
        let (stream, remote) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // Out of descriptors (EMFILE) and the like: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
            // At the cap: close at once; the descriptor is freed now rather than held.
            tracing::warn!(%remote, max, "connection refused: too many open connections");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let mut closing = closing_rx.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(remote));
                router.clone().oneshot(req.map(Body::new))
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .keep_alive(true);
            let conn = builder.serve_connection(TokioIo::new(stream), svc);
            tokio::pin!(conn);
            let closed = async move {
                // The guard `wait_for` returns is not `Send`: drop it before anything else awaits.
                let _ = closing.wait_for(|c| *c).await.map(|_| ());
            };
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(%remote, error = %e, "connection ended");
                    }
                }
                _ = closed => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = closing_tx.send(true);
    // Every permit back means every connection task has finished.
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(grace, slots.acquire_many(all)).await;
}
