//! Malformed queries: the error says what and where (column and byte span), for the UI to underline.
use sigscope::query::parse;

/// Parse must fail with a message containing `what` at 1-based `column`.
fn err(q: &str, what: &str, column: usize) {
    let e = parse(q).expect_err(q);
    assert!(e.message.contains(what), "{q:?}: got {e}");
    assert_eq!(e.column, column, "{q:?}: got {e}");
    assert!(
        e.span.start <= q.len() && e.span.end <= q.len(),
        "{q:?}: span {:?}",
        e.span
    );
    assert_eq!(
        e.to_string(),
        format!("{} at column {}", e.message, e.column)
    );
}

#[test]
fn unbalanced_open_paren() {
    err("(service:web OR a", "expected ')'", 18);
    err("status:(high OR low", "expected ')'", 20);
}

#[test]
fn unbalanced_close_paren() {
    err("service:web)", "unexpected ')'", 12);
}

#[test]
fn dangling_or_and_not() {
    err("sqlmap OR", "expected a term after 'OR'", 10);
    err("sqlmap AND", "expected a term after 'AND'", 11);
    err("NOT", "expected a term after 'NOT'", 4);
    err("a OR OR b", "expected a term after 'OR'", 6);
}

#[test]
fn leading_operator() {
    err("OR sqlmap", "unexpected 'OR'", 1);
}

#[test]
fn unfinished_range() {
    err("@x:[1 TO", "expected a range bound", 9);
    err("@x:[1 2]", "expected 'TO'", 7);
    err("@x:[1 TO 2", "expected ']'", 11);
}

#[test]
fn empty_value() {
    err("service:", "expected a value after 'service:'", 9);
    err("@http.url: x", "expected a value after '@http.url:'", 11);
    err("@x:> ", "expected a value after '>'", 5);
}

#[test]
fn empty_parens_and_lone_minus() {
    err("()", "expected a term", 2);
    err("- sqlmap", "expected a term", 2);
}

#[test]
fn attribute_without_colon() {
    err("@http.url", "expected ':'", 10);
    err("@:x", "expected an attribute path", 2);
}

#[test]
fn unterminated_quote() {
    let e = parse("service:\"web").unwrap_err();
    assert!(e.message.contains("unterminated quote"), "{e}");
    assert_eq!(e.column, 9);
    assert_eq!(e.span, 8..12);
}

#[test]
fn bad_cidr() {
    err("CIDR(@ip,300.0.0.0/8)", "invalid network '300.0.0.0/8'", 10);
    err("CIDR(@ip)", "expected ','", 9);
    err("CIDR(@ip,1.2.3.4", "expected ','", 17);
}

#[test]
fn dangling_escape() {
    err("abc\\", "nothing to escape", 4);
}

#[test]
fn columns_count_characters_not_bytes() {
    // "é" is two bytes; the column is in characters, the span in bytes.
    let e = parse("é OR").unwrap_err();
    assert_eq!(e.column, 5);
    assert_eq!(e.span.start, 5);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let q = "(".repeat(10_000);
    assert!(parse(&q).unwrap_err().message.contains("nested too deeply"));
    let q = "-".repeat(10_000) + "a";
    assert!(parse(&q).is_err());
}
