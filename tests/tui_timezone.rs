//! Issue 17, item 12: times in the zone `[ui] timezone` names, labelled. A file of its own: the
//! zone is the process's, and the other explorer tests expect the machine's.
mod tui_support;

use sigscope::config::Config;
use tui_support::*;

#[test]
fn ui_timezone_shifts_and_labels_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[ui]\ntimezone = \"+02:00\"\n").unwrap();
    let config = Config::load(&path).unwrap();
    let (opts, _) = sigscope::tui::options_from_config(&config, false, None).unwrap();
    let b = fixture();
    let app = open_with(&b, 160, 45, opts);
    let s = screen(&app);
    // sig-1 was first seen at 11:55 UTC.
    assert!(s.contains("first (UTC+02:00): 2026-11-26 13:55:00"), "{s}");
    assert!(
        s.contains("TIME +02:00"),
        "the stream's times are labelled: {s}"
    );

    std::fs::write(&path, "[ui]\ntimezone = \"Mars/Olympus\"\n").unwrap();
    let config = Config::load(&path).unwrap();
    let err = sigscope::tui::options_from_config(&config, false, None)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("[ui] timezone") && err.contains("+02:00"),
        "{err}"
    );
}
