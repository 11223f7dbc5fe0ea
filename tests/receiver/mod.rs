//! A real HTTP receiver on 127.0.0.1 for the notification and workflow tests: it records every request
//! and answers each path from a script of status codes (the last one repeats).
#![allow(dead_code)]
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// When the request arrived.
    pub at: std::time::Instant,
}

impl Request {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("request body is JSON")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Default)]
struct State {
    requests: Vec<Request>,
    scripts: HashMap<String, Vec<u16>>,
    /// Extra response headers per path.
    answer_headers: HashMap<String, Vec<(String, String)>>,
    hang: Vec<String>,
}

#[derive(Clone)]
pub struct Receiver {
    pub base: String,
    state: Arc<Mutex<State>>,
}

impl Receiver {
    pub fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let st = st.clone();
                std::thread::spawn(move || {
                    let _ = serve(conn, &st);
                });
            }
        });
        Receiver { base, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Answer `path` with these statuses in turn; the last repeats. Unscripted paths answer 200.
    pub fn script(&self, path: &str, statuses: &[u16]) {
        self.state
            .lock()
            .unwrap()
            .scripts
            .insert(path.into(), statuses.to_vec());
    }

    /// Send these headers with every answer to `path` (e.g. `Retry-After`).
    pub fn answer_headers(&self, path: &str, headers: &[(&str, &str)]) {
        self.state.lock().unwrap().answer_headers.insert(
            path.into(),
            headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
    }

    /// Never answer requests to `path`.
    pub fn hang(&self, path: &str) {
        self.state.lock().unwrap().hang.push(path.into());
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn to(&self, path: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }
}

fn serve(conn: TcpStream, st: &Arc<Mutex<State>>) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let path = parts.next().unwrap_or("").to_string();
        let mut headers = Vec::new();
        let mut len = 0usize;
        loop {
            let mut h = String::new();
            reader.read_line(&mut h)?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let mut body = vec![0; len];
        reader.read_exact(&mut body)?;
        let extra: String = st
            .lock()
            .unwrap()
            .answer_headers
            .get(&path)
            .map(|hs| hs.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect())
            .unwrap_or_default();
        let status = {
            let mut s = st.lock().unwrap();
            s.requests.push(Request {
                method,
                path: path.clone(),
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
                at: std::time::Instant::now(),
            });
            if s.hang.contains(&path) {
                None
            } else {
                let n = s.requests.iter().filter(|r| r.path == path).count();
                let script = s.scripts.get(&path).cloned().unwrap_or_else(|| vec![200]);
                Some(script[(n - 1).min(script.len() - 1)])
            }
        };
        let Some(status) = status else {
            std::thread::sleep(Duration::from_secs(30));
            return Ok(());
        };
        let answer = format!("{{\"ok\":{}}}", status < 300);
        let mut w = conn.try_clone()?;
        write!(
            w,
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{answer}",
            answer.len()
        )?;
        w.flush()?;
    }
    Ok(())
}

/// A vendor-shaped signal.
pub fn signal_json(id: &str, severity: &str, title: &str) -> serde_json::Value {
    serde_json::json!({"id": id, "type": "signal", "attributes": {
        "timestamp": "2026-11-20T10:00:00.000Z", "status": severity, "service": ["checkout-api"],
        "tags": ["env:prod", "source:appsec"], "host": "web-1", "message": "m", "version": 1,
        "attributes": {"title": title,
            "workflow": {"rule": {"id": "r1", "name": "SQL injection", "type": "application_security"},
                         "triage": {"state": "open"}},
            "network": {"client": {"ip": "198.51.100.7"}},
            "http": {"client_ip": "198.51.100.7"}}}})
}

pub fn signal(id: &str, severity: &str, title: &str) -> sigscope::model::Signal {
    sigscope::model::Signal::from_json(signal_json(id, severity, title)).unwrap()
}
