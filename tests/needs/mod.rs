//! Tests that need a real tool (tmux, nginx, nft, ipset, the CrowdSec bouncers) fail when it is
//! missing, so a green run means the tool checked what it should: a skip that `cargo test` hides
//! behind `ok` proves nothing. `.ci/run` installs every one of them. A developer without them can
//! say `SIGSCOPE_ALLOW_SKIP=1` to skip knowingly.
#![allow(dead_code)]

/// Report that `test` cannot run because of `why`: panics, unless skipping was allowed; then prints
/// the reason and returns (the caller returns too).
pub fn missing(test: &str, why: &str) {
    if std::env::var_os("SIGSCOPE_ALLOW_SKIP").is_some_and(|v| v == "1") {
        eprintln!("SKIP {test}: {why} (SIGSCOPE_ALLOW_SKIP=1)");
        return;
    }
    panic!("{test}: {why}; .ci/run installs it (SIGSCOPE_ALLOW_SKIP=1 skips knowingly)");
}
