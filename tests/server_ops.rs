//! Operating `sigscope serve`: health and readiness probes, Prometheus metrics that follow the text
//! format's rules, and request logs carrying a request id.
mod common;

use common::{authed, http, TestServer};
use std::collections::HashMap;

/// A strict reader of the Prometheus text exposition format (0.0.4): every line is a `# HELP`,
/// a `# TYPE` (counter, gauge, histogram...) given once before its samples, or a sample
/// `name{label="value",...} number`; histogram buckets are cumulative and end with `+Inf` equal to
/// `_count`. Returns the samples by `name{labels}`.
fn parse_prometheus(text: &str) -> HashMap<String, f64> {
    let name_ok = |n: &str| {
        let mut cs = n.chars();
        cs.next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && cs.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    let mut types: HashMap<String, String> = HashMap::new();
    let mut samples = HashMap::new();
    assert!(text.ends_with('\n'), "the exposition ends with a newline");
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (kind, name) = (parts.next().unwrap(), parts.next().unwrap());
            assert!(name_ok(name), "metric name {name:?}");
            if kind == "TYPE" {
                let t = parts.next().unwrap();
                assert!(
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(&t),
                    "{line}"
                );
                assert!(
                    types.insert(name.into(), t.into()).is_none(),
                    "TYPE twice: {name}"
                );
            }
            continue;
        }
        assert!(!line.is_empty(), "no blank lines");
        let (series, value) = line.rsplit_once(' ').unwrap();
        let v: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v
                .parse()
                .unwrap_or_else(|_| panic!("value {v:?} in {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            Some((n, l)) => (n, Some(l.strip_suffix('}').expect("labels close"))),
            None => (series, None),
        };
        assert!(name_ok(name), "{line}");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| types.get(*f).is_some_and(|t| t == "histogram"))
            })
            .unwrap_or(name);
        assert!(types.contains_key(family), "sample before its TYPE: {line}");
        if let Some(l) = labels {
            // name="value" pairs, values with \\, \" and \n escapes only.
            let mut rest = l;
            while !rest.is_empty() {
                let (k, after) = rest.split_once("=\"").expect("label=\"value\"");
                assert!(name_ok(k) && !k.starts_with("__"), "label name {k:?}");
                let mut chars = after.char_indices();
                let end = loop {
                    match chars.next().expect("label value closes") {
                        (_, '\\') => {
                            let (_, e) = chars.next().unwrap();
                            assert!(matches!(e, '\\' | '"' | 'n'), "escape \\{e}");
                        }
                        (i, '"') => break i,
                        (_, c) => assert!(c != '\n'),
                    }
                };
                rest = &after[end + 1..];
                rest = rest.strip_prefix(',').unwrap_or(rest);
            }
        }
        samples.insert(series.to_string(), v);
    }
    // Histograms: cumulative buckets, +Inf == _count.
    for (name, t) in &types {
        if t != "histogram" {
            continue;
        }
        let mut by_series: HashMap<String, Vec<(f64, f64)>> = HashMap::new();
        for (series, v) in &samples {
            if let Some(l) = series.strip_prefix(&format!("{name}_bucket{{")) {
                let (le_at, _) = l
                    .split_once("le=\"")
                    .map(|(a, b)| (a.to_string(), b))
                    .unwrap();
                let le = l.split("le=\"").nth(1).unwrap().split('"').next().unwrap();
                let le: f64 = if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().unwrap()
                };
                by_series.entry(le_at).or_default().push((le, *v));
            }
        }
        for (labels, mut bs) in by_series {
            bs.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
            assert!(
                bs.windows(2).all(|w| w[0].1 <= w[1].1),
                "not cumulative: {bs:?}"
            );
            assert_eq!(bs.last().unwrap().0, f64::INFINITY);
            let count_key = format!("{name}_count{{{}}}", labels.trim_end_matches(','));
            assert_eq!(
                samples.get(&count_key),
                Some(&bs.last().unwrap().1),
                "{count_key}"
            );
        }
    }
    samples
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_and_metrics() {
    let mut s = TestServer::start(3).await;
    let c = http();
    let r = c.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = c.get(s.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);

    // Requests to count: a signal by id (twice), a 404, a bouncer poll without a key.
    for id in ["sig-0000", "sig-0001", "nope"] {
        let r = authed(
            c.get(s.url(&format!("/api/v2/security_monitoring/signals/{id}"))),
            &s.reader,
        )
        .header("x-request-id", format!("req-{id}"))
        .send()
        .await
        .unwrap();
        assert_eq!(
            r.headers().get("x-request-id").unwrap(),
            &format!("req-{id}"),
            "the client's request id comes back"
        );
    }
    let r = c.get(s.url("/v1/decisions/stream")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let made = r.headers().get("x-request-id").unwrap().to_str().unwrap();
    assert_eq!(
        made.len(),
        36,
        "a uuid is made when the client sends none: {made}"
    );

    let r = c.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = r.text().await.unwrap();
    let m = parse_prometheus(&text);
    let get = |k: &str| {
        m.get(k)
            .copied()
            .unwrap_or_else(|| panic!("no {k} in\n{text}"))
    };
    let by_id = "/api/v2/security_monitoring/signals/{id}";
    assert_eq!(
        get(&format!(
            "sigscope_http_requests_total{{route=\"{by_id}\",method=\"GET\",status=\"200\"}}"
        )),
        2.0
    );
    assert_eq!(
        get(&format!(
            "sigscope_http_requests_total{{route=\"{by_id}\",method=\"GET\",status=\"404\"}}"
        )),
        1.0
    );
    assert_eq!(
        get(&format!(
            "sigscope_http_request_duration_seconds_count{{route=\"{by_id}\"}}"
        )),
        3.0
    );
    assert_eq!(
        get("sigscope_bouncer_polls_total{route=\"/v1/decisions/stream\"}"),
        1.0
    );
    assert!(get("sigscope_changes_total") > 0.0);
    assert_eq!(get("sigscope_notification_deliveries{state=\"dead\"}"), 0.0);
    assert!(!text.contains("sig-0000"), "raw paths never become labels");

    // A store whose schema is not this build's is not ready.
    common::pg_support::execute(
        &s.store_path,
        "PRAGMA user_version = 999",
        "UPDATE sigscope_schema SET version = 999",
    )
    .unwrap();
    let r = c.get(s.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["reason"].as_str().unwrap().contains("999"), "{v}");
    s.stop().await;
}

#[test]
fn serve_logs_each_request_as_json_with_its_id() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sigscope"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--log-format",
            "json",
        ])
        .env("SIGSCOPE_STORE", dir.path().join("s.db"))
        .env("SIGSCOPE_CONFIG", dir.path().join("config.toml"))
        .env("SIGSCOPE_LOG", "info")
        .env_remove("RUST_LOG")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    // The line saying where it listens; the live index may log before it.
    let mut line = String::new();
    for _ in 0..20 {
        line.clear();
        err.read_line(&mut line).unwrap();
        if line.contains("listening") {
            break;
        }
    }
    assert!(line.contains("listening"), "{line}");
    let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        conn,
        "GET /healthz?secret=1 HTTP/1.1\r\nhost: x\r\nx-request-id: trace-me-42\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let mut logged = None;
    for _ in 0..20 {
        line.clear();
        if err.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if line.contains("trace-me-42") {
            logged = Some(line.clone());
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let line = logged.expect("a log line with the request id");
    let v: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
    let text = v.to_string();
    assert!(
        text.contains("\"/healthz\"") && text.contains("200"),
        "{text}"
    );
    assert!(
        !text.contains("secret"),
        "query strings are not logged: {text}"
    );
}
