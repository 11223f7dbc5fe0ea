//! Issue 17, item 12 in the buffer: the facets keep the cursor on its value and list an excluded
//! value (so the exclusion can be undone there), severity in severity order with full names,
//! messages in plain words, and an empty store that says how to get data.
mod tui_support;

use sigscope::model::Role;
use sigscope::tui::app::Pane;
use sigscope::tui::harness::keys;
use tui_support::*;

#[test]
fn an_excluded_facet_value_stays_listed_under_the_cursor() {
    let b = fixture();
    let mut app = open(&b, 160, 45);
    keys(&mut app, &b, "<Tab><Tab>");
    assert_eq!(app.focus, Pane::Facets);
    // The first value is Signal State Open; exclude it.
    keys(&mut app, &b, "-");
    assert_eq!(app.query, "-@workflow.triage.state:open");
    let s = screen(&app);
    assert!(
        s.lines().any(|l| l.contains(">- Open")),
        "listed, marked excluded, under the cursor: {s}"
    );
    // Undone where it was made.
    keys(&mut app, &b, "-");
    assert_eq!(app.query, "");
    assert!(screen(&app).lines().any(|l| l.contains(">  Open")));
}

#[test]
fn the_facet_cursor_stays_on_its_value_when_the_counts_change() {
    let b = fixture();
    let mut app = open(&b, 160, 45);
    keys(&mut app, &b, "<Tab><Tab>jj");
    let s = screen(&app);
    let picked = s
        .lines()
        .find(|l| l.starts_with("│>"))
        .map(|l| l.to_string())
        .unwrap_or_default();
    assert!(picked.contains("Archived"), "{s}");
    // A query narrows the counts: "Open" drops out, the cursor stays on Archived.
    keys(&mut app, &b, "/-@workflow.triage.state:open<Enter>");
    let s = screen(&app);
    assert!(
        s.lines().any(|l| l.contains(">  Archived")),
        "cursor kept on its value: {s}"
    );
}

#[test]
fn severity_facet_in_severity_order_with_full_names() {
    let b = fixture();
    let app = open(&b, 160, 45);
    let s = screen(&app);
    let at = |v: &str| s.find(&format!("   {v} ")).unwrap_or(usize::MAX);
    assert!(at("Critical") < at("High"), "{s}");
    assert!(at("High") < at("Medium") && at("Medium") < at("Low"), "{s}");
    assert!(
        at("Open") < at("Under Review") && at("Under Review") < at("Archived"),
        "{s}"
    );
}

#[test]
fn refusals_and_bulk_blocks_read_as_sentences() {
    let b = fixture().with_role(Role::ReadOnly);
    let mut app = open(&b, 120, 30);
    keys(&mut app, &b, "c");
    let s = screen(&app);
    assert!(s.contains("cannot add to a case: needs"), "{s}");
    assert!(!s.contains("cannot new or existing case"), "{s}");
}

#[test]
fn an_empty_store_says_how_to_get_data() {
    let b = Fake::new(vec![]);
    let app = open(&b, 80, 24);
    let s = screen(&app);
    assert!(s.contains("sigscope --demo"), "{s}");
    assert!(s.contains("sigscope import FILE"), "{s}");
    assert!(s.contains("sigscope ingest"), "{s}");
}

#[test]
fn a_long_rule_name_is_not_cut_in_the_facets_at_160_columns() {
    let b = Fake::new(vec![signal(Spec {
        title: "Credential stuffing against the login endpoint",
        ..Default::default()
    })]);
    let mut app = open(&b, 160, 45);
    // The fake's facets are Signal State, Severity and Service: put the long name in the service.
    let long = "payments-gateway-europe-west-internal";
    app.results.facets[2].values[0].raw = long.into();
    app.results.facets[2].values[0].text = sigscope::tui::text::SafeText::new(long);
    let s = screen(&app);
    let joined: String = s
        .lines()
        .map(|l| l.get(..80).unwrap_or(l).replace(['│', ' '], ""))
        .collect();
    assert!(joined.contains(&long.replace(' ', "")), "{s}");
    assert!(!s.contains("payments-gateway-europe-w…"), "{s}");
}
