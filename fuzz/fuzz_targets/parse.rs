//! The parser on arbitrary text: no panic; a parsed query prints and parses back to itself; and
//! evaluating it (slow path and index) does not panic either.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sigscope::model::Signal;
use sigscope::query::{parse, SignalIndex, TimeRange};
use std::sync::OnceLock;

fn signal() -> &'static (Signal, SignalIndex) {
    static S: OnceLock<(Signal, SignalIndex)> = OnceLock::new();
    S.get_or_init(|| {
        let v = serde_json::json!({
            "id": "F1", "type": "signal",
            "attributes": {
                "timestamp": "2026-11-20T10:00:00.000Z", "status": "high", "service": ["checkout-api"],
                "tags": ["env:prod", "team:payments"], "message": "SQLMap 12 attempts",
                "attributes": {
                    "title": "SQL injection", "workflow": {"rule": {"name": "SQLi"}, "events_matched": 150,
                    "triage": {"state": "open"}}, "http": {"client_ip": "192.0.2.7", "status_code": 403},
                    "network": {"client": {"ip": "2001:db8::1"}}, "entities": [{"k": 1}, {"k": "x"}]
                }
            }
        });
        let s = Signal::from_json(v).expect("fixed fuzz signal");
        let ix = SignalIndex::build([s.clone()]);
        (s, ix)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse(text) {
        Err(e) => {
            assert!(e.span.start <= text.len() && e.span.end <= text.len());
            assert!(text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end));
        }
        Ok(q) => {
            let printed = q.to_string();
            let again = parse(&printed).unwrap_or_else(|e| panic!("{printed:?} does not parse: {e}"));
            assert_eq!(again, q, "{text:?} printed as {printed:?}");
            let (s, ix) = signal();
            let slow = q.matches(s);
            let fast = ix.search(&q, &TimeRange::all(), 5).total == 1;
            assert_eq!(slow, fast, "slow and index paths disagree on {text:?}");
        }
    }
});
