//! Following other replicas' writes: every committing write transaction sends `NOTIFY
//! sigscope_changes` with the audit log's head (delivered only on commit, in commit order), and each
//! `serve` replica keeps one connection LISTENing, so a change made through replica A wakes the
//! change-feed long-polls on replica B at once instead of at their next recheck.
use crate::error::Result;
use postgres::fallible_iterator::FallibleIterator;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub const CHANNEL: &str = "sigscope_changes";

/// Stops its thread when dropped.
pub struct Follower {
    stop: Arc<AtomicBool>,
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Call `on_change(head seq)` for every write committed by anyone on this database, from a thread of
/// its own that reconnects (once a second) when the connection is lost.
pub fn follow(config: postgres::Config, on_change: Box<dyn Fn(i64) + Send>) -> Result<Follower> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    std::thread::Builder::new()
        .name("sigscope-pg-listen".into())
        .spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                if let Err(e) = listen(&config, &flag, on_change.as_ref()) {
                    tracing::warn!(error = %e, "PostgreSQL change listener: reconnecting");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        })?;
    Ok(Follower { stop })
}

fn listen(
    config: &postgres::Config,
    stop: &AtomicBool,
    on_change: &dyn Fn(i64),
) -> std::result::Result<(), postgres::Error> {
    let mut client = config.connect(postgres::NoTls)?;
    client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    while !stop.load(Ordering::Relaxed) {
        {
            let mut n = client.notifications();
            let mut it = n.timeout_iter(Duration::from_millis(250));
            while let Some(note) = it.next()? {
                // A payload that is not a number (another program on the channel) still means
                // "look".
                on_change(note.payload().parse().unwrap_or(0));
            }
        }
        if client.is_closed() {
            break;
        }
    }
    Ok(())
}
