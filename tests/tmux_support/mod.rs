//! The real binary in tmux: a private tmux server (its own socket, killed on drop) with one
//! session per explorer, read back with capture-pane.
#![allow(dead_code)]
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
}

/// A tmux server for one test, or the test fails here saying why (see tests/needs).
pub fn tmux(test: &str) -> Option<Tmux> {
    if Command::new("tmux").arg("-V").output().is_err() {
        crate::needs::missing(test, "tmux is not installed");
        return None;
    }
    Some(Tmux {
        socket: format!("sigscope-{test}-{}", std::process::id()),
    })
}

impl Tmux {
    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Start `cmd` in a new detached session `name` of `w`x`h` cells.
    pub fn start(&self, name: &str, w: u16, h: u16, cmd: &str) {
        self.run(&[
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
            cmd,
        ]);
    }

    pub fn screen(&self, name: &str) -> String {
        self.run(&["capture-pane", "-p", "-t", name])
    }

    /// The session's last screen line (the explorer's status line).
    pub fn status(&self, name: &str) -> String {
        self.screen(name)
            .lines()
            .rfind(|l| !l.trim().is_empty())
            .unwrap_or_default()
            .to_string()
    }

    /// Poll the screen until `pred` holds; fail with the last screen after `secs`.
    pub fn wait(&self, name: &str, what: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen(name);
            if pred(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "{name}: timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn keys(&self, name: &str, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", name];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    pub fn literal(&self, name: &str, text: &str) {
        self.run(&["send-keys", "-t", name, "-l", text]);
    }

    pub fn alive(&self, name: &str) -> bool {
        self.run(&["list-sessions", "-F", "#{session_name}"])
            .lines()
            .any(|l| l == name)
    }

    /// Wait until the session's program has exited (tmux then closes the session).
    pub fn wait_gone(&self, name: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while self.alive(name) {
            assert!(
                Instant::now() < deadline,
                "{name} did not exit; screen:\n{}",
                self.screen(name)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}
