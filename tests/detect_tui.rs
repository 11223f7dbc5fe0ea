//! The explorer on a store filled by detection: the ingested signal's real requests in Attack Flow
//! and the rule that fired in Rule Details, rendered into a ratatui test buffer.
use sigscope::detect::pipeline::Ingest;
use sigscope::detect::{Catalogue, Detector, Format};
use sigscope::engine::Engine;
use sigscope::store::SqliteStore;
use sigscope::tui::app::{App, Options};
use sigscope::tui::{harness, LocalBackend};

#[test]
fn attack_flow_shows_the_real_requests_and_rule_details_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signals.db");
    {
        let mut engine = Engine::system(SqliteStore::open(&path).unwrap());
        let actor = engine.resolve_actor(Some("alice@example.com")).unwrap();
        let det = Detector::new(Catalogue::defaults().unwrap().enabled());
        let mut run = Ingest::new(
            &mut engine,
            actor,
            Default::default(),
            det,
            Format::ModSecurity,
            false,
        );
        let log = std::fs::read_to_string(format!(
            "{}/tests/fixtures/detect/modsec-crs-apache.log",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        for (i, l) in log.lines().enumerate() {
            run.line("log", i as u64 + 1, l.as_bytes()).unwrap();
        }
        run.commit(None).unwrap();
        assert_eq!(run.stats.created, 3);
    }
    let b = LocalBackend::open(&path, Some("alice@example.com")).unwrap();
    let mut app = App::new(Options::default(), chrono::Utc::now(), 200, 50);
    harness::open(&mut app, &b);
    harness::keys(&mut app, &b, "/");
    harness::keys(&mut app, &b, "lfi<Enter>");
    let s = harness::screen(&harness::render(&app));
    assert!(s.contains("Path traversal / local file inclusion"), "{s}");
    harness::keys(&mut app, &b, "1");
    let s = harness::screen(&harness::render(&app));
    assert!(
        s.contains("/download?file=../../../../etc/passwd"),
        "Attack Flow shows the request: {s}"
    );
    assert!(s.contains("203.0.113.7"), "{s}");
    assert!(
        s.contains("930100") || s.contains("930110"),
        "the CRS rule that matched: {s}"
    );
    harness::keys(&mut app, &b, "3");
    let s = harness::screen(&harness::render(&app));
    assert!(
        s.contains("appsec-lfi-001"),
        "Rule Details names the rule: {s}"
    );
    assert!(s.contains("Application Security"), "{s}");
}
