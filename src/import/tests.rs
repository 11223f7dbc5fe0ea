use super::*;

fn sig(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","type":"signal","attributes":{{"timestamp":"2026-01-01T00:00:00.000Z","status":"low","custom":{{"title":"t"}}}}}}"#
    )
}

fn good(text: &str) -> Vec<Signal> {
    parse(text)
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap_or_else(|b| panic!("{b}")))
        .collect()
}

#[test]
fn all_five_shapes() {
    let a = sig("a");
    let b = sig("b");
    for text in [
        format!(r#"{{"data":[{a},{b}]}}"#),
        format!(r#"{{"meta":{{"page":{{"after":"x"}}}},"data":[{a},{b}],"links":{{"next":"y"}}}}"#),
        format!("[{a},{b}]"),
        format!("{a}\n{b}\n"),
        format!("\n  {a}\n\n{b}"),
    ] {
        let got = good(&text);
        assert_eq!(got.len(), 2, "{text}");
        assert_eq!((got[0].id.as_str(), got[1].id.as_str()), ("a", "b"));
    }
    assert_eq!(good(&format!(r#"{{"data":{a}}}"#))[0].id, "a");
    assert_eq!(good(&a)[0].id, "a");
    assert!(good("").is_empty());
    assert!(good(" \n").is_empty());
}

#[test]
fn records_arrive_one_at_a_time_with_their_index() {
    let text = format!("[{},{},{}]", sig("a"), sig("b"), sig("c"));
    let mut seen = Vec::new();
    // The callback's error stops the reading and comes back unchanged.
    let e = for_each_record(text.as_bytes(), &mut |i, v| {
        seen.push((i, v["id"].as_str().unwrap_or_default().to_string()));
        if i == 2 {
            return Err(crate::error::Error::Conflict("enough".into()));
        }
        Ok(())
    })
    .unwrap_err();
    assert!(matches!(e, crate::error::Error::Conflict(_)), "{e}");
    assert_eq!(seen, [(1, "a".to_string()), (2, "b".to_string())]);
}

#[test]
fn bad_record_is_named_by_index_and_id() {
    let text = format!(
        "[{},{},{}]",
        sig("a"),
        sig("b"),
        r#"{"id":"c","type":"signal","attributes":{"timestamp":"yesterday"}}"#
    );
    let p = parse(&text).unwrap();
    let bad: Vec<_> = p.into_iter().filter_map(|r| r.err()).collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].index, 3);
    assert_eq!(bad[0].id.as_deref(), Some("c"));
    assert!(bad[0].to_string().contains("attributes.timestamp"));
}

#[test]
fn a_bad_id_is_a_bad_record() {
    let text = format!("[{},{}]", sig("a"), sig("b\u{202e}"));
    let bad: Vec<_> = parse(&text)
        .unwrap()
        .into_iter()
        .filter_map(|r| r.err())
        .collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].index, 2);
}

#[test]
fn ndjson_line_error_names_the_line() {
    let text = format!("{}\n{{nope\n", sig("a"));
    let e = parse(&text).unwrap_err().to_string();
    assert!(e.contains("line 2") && e.contains("record 2"), "{e}");
    let text = format!("{}\n{{nope}}\n{}\n", sig("a"), sig("b"));
    let e = parse(&text).unwrap_err().to_string();
    assert!(e.contains("line 2: record 2: not JSON"), "{e}");
    let text = format!("{}\n\n{}\n{{\"id\" 1}}\n{}\n", sig("a"), sig("b"), sig("c"));
    let e = parse(&text).unwrap_err().to_string();
    assert!(e.contains("line 4") && e.contains("record 3"), "{e}");
}

#[test]
fn broken_documents_are_errors() {
    for (text, want) in [
        ("{nope", "not JSON"),
        ("[1,", "record 2: not JSON: unexpected end"),
        ("[1 2]", "not JSON after record 1: expected `,` or `]`"),
        (r#"[{"id":"a"},{"id":"#, "line 1: record 2: not JSON"),
        (r#"{"data":[{"id":"a"}"#, "not JSON after record 1"),
        (r#"{"data":"x"}"#, "`data` must be an array or an object"),
        (r#"{"data":[]} {"data":[]}"#, "after the document"),
        ("[] x", "after the document"),
        ("42", "expected a JSON object, array or NDJSON"),
    ] {
        let e = parse(text).unwrap_err().to_string();
        assert!(e.contains(want), "{text}: {e}");
    }
}

/// The scanner's verdict on each record, in every shape: a record is plain when its bytes are
/// exactly what serde_json writes for it, whatever whitespace surrounds it; the records the import
/// stores as they are (plain, with `attributes.version`) are then the same bytes it stored before.
#[test]
fn the_scanner_marks_the_records_serde_json_would_write_the_same() {
    let compact = r#"{"id":"a","type":"signal","attributes":{"version":3,"timestamp":"2026-01-01T00:00:00.000Z","tags":["x"],"custom":{"title":"t \"q\""}}}"#;
    let spaced = r#"{"id":"b", "type":"signal","attributes":{"version":1,"timestamp":"2026-01-01T00:00:00.000Z"}}"#;
    let float = r#"{"id":"c","type":"signal","attributes":{"version":1,"score":0.50,"timestamp":"2026-01-01T00:00:00.000Z"}}"#;
    let escaped = r#"{"id":"d","type":"signal","attributes":{"version":1,"timestamp":"2026-01-01T00:00:00.000Z","message":"\u00e9 \/"}}"#;
    let want = [true, false, false, false];
    let shapes = [
        format!("[{compact},{spaced},{float},{escaped}]"),
        format!("[\n  {compact},\n  {spaced} ,\n{float},{escaped}\n]\n"),
        format!(
            r#"{{"meta":{{"page":{{"after":"x y"}}}}, "data": [ {compact}, {spaced},{float},{escaped}]}}"#
        ),
        format!("{compact}\n{spaced}\n\n{float}\n{escaped}\n"),
    ];
    for text in shapes {
        let mut got = Vec::new();
        stream::for_each_raw(text.as_bytes(), &mut |raw| {
            got.push(raw.plain);
            if raw.plain {
                let v: Value = serde_json::from_slice(&raw.text).unwrap();
                assert_eq!(serde_json::to_vec(&v).unwrap(), raw.text);
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(got, want, "{text}");
    }
    // A record that is one top-level object is put together without its whitespace: plain.
    let mut got = Vec::new();
    stream::for_each_raw(
        format!("{{ \"id\" : \"a\", \"n\": 1 }}\n{compact}").as_bytes(),
        &mut |raw| {
            got.push((raw.plain, String::from_utf8(raw.text).unwrap()));
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(got[0], (true, r#"{"id":"a","n":1}"#.to_string()));
    assert_eq!(got[1], (true, compact.to_string()));
}
