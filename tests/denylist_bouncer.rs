//! The real CrowdSec custom bouncer (Debian's `crowdsec-custom-bouncer`) against `sigscope serve`:
//! its script is called with `add` for a new block and `del` once the block is lifted. Blocks are
//! made and lifted with the CLI on the server's store, as an analyst would. Fails where the bouncer
//! is not installed (tests/needs).
mod needs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BOUNCER: &str = "/usr/bin/crowdsec-custom-bouncer";

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Store {
    path: PathBuf,
    config: PathBuf,
}

impl Store {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sigscope"));
        c.args(args)
            .env("SIGSCOPE_STORE", &self.path)
            .env("SIGSCOPE_CONFIG", &self.config)
            .env("SIGSCOPE_USER", "ana@example.com");
        c
    }

    fn ok(&self, args: &[&str]) -> String {
        let out: Output = self.cmd(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

fn wait_for(path: &Path, needle: &str, timeout: Duration) -> String {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.lines().any(|l| l.starts_with(needle)) || start.elapsed() > timeout {
            return text;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn the_custom_bouncer_adds_and_deletes_what_sigscope_blocks_and_lifts() {
    if !Path::new(BOUNCER).exists() {
        needs::missing(
            "the_custom_bouncer_adds_and_deletes_what_sigscope_blocks_and_lifts",
            &format!("{BOUNCER} is not installed (apt-get install crowdsec-custom-bouncer)"),
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store {
        path: dir.path().join("signals.db"),
        config: dir.path().join("config.toml"),
    };
    let key = store.ok(&["bouncers", "add", "custom"]).trim().to_string();

    let port = free_port();
    let serve_log = std::fs::File::create(dir.path().join("serve.log")).unwrap();
    let _serve = Kill(
        store
            .cmd(&["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(serve_log.try_clone().unwrap())
            .stderr(serve_log)
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "serve did not start: {}",
            std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let calls = dir.path().join("calls.log");
    let script = dir.path().join("enforce.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$1 $2 $3\" >> {}\n", calls.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = dir.path().join("bouncer.yaml");
    std::fs::write(
        &config,
        format!(
            "bin_path: {}\nfeed_via_stdin: false\ntotal_retries: 0\nscenarios_containing: []\nscenarios_not_containing: []\norigins: []\npiddir: {}\nupdate_frequency: 1s\ncache_retention_duration: 1s\ndaemonize: false\nlog_mode: stdout\nlog_level: info\napi_url: http://127.0.0.1:{port}/\napi_key: {key}\nprometheus:\n  enabled: false\n  listen_addr: 127.0.0.1\n  listen_port: 60602\n",
            script.display(),
            dir.path().display()
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.path().join("bouncer.log")).unwrap();
    let _bouncer = Kill(
        Command::new(BOUNCER)
            .arg("-c")
            .arg(&config)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let logs = || {
        format!(
            "bouncer log:\n{}\nserve log:\n{}",
            std::fs::read_to_string(dir.path().join("bouncer.log")).unwrap_or_default(),
            std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default()
        )
    };

    store.ok(&[
        "block",
        "ip",
        "198.51.100.7",
        "--for",
        "1h",
        "--reason",
        "credential stuffing",
    ]);
    let text = wait_for(&calls, "add 198.51.100.7", Duration::from_secs(30));
    let add = text
        .lines()
        .find(|l| l.starts_with("add 198.51.100.7"))
        .unwrap_or_else(|| panic!("no add call: {text:?}\n{}", logs()));
    let secs: i64 = add.split(' ').nth(2).unwrap().parse().unwrap();
    assert!((3500..=3600).contains(&secs), "duration in seconds: {add}");

    store.ok(&["unblock", "198.51.100.7"]);
    let text = wait_for(&calls, "del 198.51.100.7", Duration::from_secs(30));
    assert!(
        text.lines().any(|l| l.starts_with("del 198.51.100.7")),
        "no del call: {text:?}\n{}",
        logs()
    );
}
