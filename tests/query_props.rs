//! Properties: the parser never panics, and printing an AST then parsing it gives the same AST.
use proptest::prelude::*;
use sigscope::query::{
    parse, CmpOp, Expr, Field, Pattern, Piece, Query, Span, Term, TermKind, Value,
};

fn lit() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 :*?\"\\\\()\\[\\]{}@<>=,#!~^&|+/.é\t-]{1,6}"
}

fn any_text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 :*?\"\\\\()\\[\\]{}@<>=,é-]{0,6}"
}

/// Normalised patterns, as the parser builds them: no empty or adjacent literal pieces.
fn pattern() -> impl Strategy<Value = Pattern> {
    prop::collection::vec(
        prop_oneof![
            lit().prop_map(Piece::Lit),
            Just(Piece::Star),
            Just(Piece::One)
        ],
        0..4,
    )
    .prop_map(|pieces| {
        let mut p = Pattern::default();
        for x in pieces {
            match (p.pieces.last_mut(), x) {
                (Some(Piece::Lit(a)), Piece::Lit(b)) => a.push_str(&b),
                // The parser merges `**` into one star (the same language): so does the model.
                (Some(Piece::Star), Piece::Star) => {}
                (_, x) => p.pieces.push(x),
            }
        }
        p
    })
}

fn field() -> impl Strategy<Value = Field> {
    prop_oneof![
        "[a-z][a-z0-9_.-]{0,8}".prop_map(Field::Key),
        "[a-z][a-z0-9_.]{0,10}".prop_map(Field::Attr),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        // A lone `*` is existence, never a pattern.
        pattern()
            .prop_filter("lone star", |p| p.pieces != [Piece::Star])
            .prop_map(Value::Pattern),
        Just(Value::Exists),
        (
            prop_oneof![
                Just(CmpOp::Gt),
                Just(CmpOp::Ge),
                Just(CmpOp::Lt),
                Just(CmpOp::Le)
            ],
            any_text()
        )
            .prop_map(|(o, s)| Value::Cmp(o, s)),
        (
            prop::option::of(any_text()),
            prop::option::of(any_text()),
            any::<bool>(),
            any::<bool>()
        )
            .prop_map(|(lo, hi, lo_incl, hi_incl)| Value::Range {
                lo,
                hi,
                lo_incl,
                hi_incl
            }),
    ]
}

fn term() -> impl Strategy<Value = Expr> {
    let kind = prop_oneof![
        pattern().prop_map(TermKind::Text),
        (field(), value()).prop_map(|(f, v)| TermKind::Field(f, v)),
        (
            field(),
            prop::collection::vec(
                prop_oneof![
                    "(10|192|13)\\.[0-9]{1,2}\\.0\\.0/(8|16|24)",
                    "2001:db8::/(32|48)",
                    "::1/128"
                ],
                1..3
            )
        )
            .prop_map(|(f, nets)| TermKind::Cidr(
                f,
                nets.iter().map(|n| n.parse().unwrap()).collect()
            )),
    ];
    kind.prop_map(|kind| {
        Expr::Term(Term {
            kind,
            span: Span::default(),
        })
    })
}

fn expr() -> impl Strategy<Value = Expr> {
    term().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
            inner.prop_map(|e| Expr::Not(Box::new(e), Span::default())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parser_never_panics(s in "\\PC{0,40}") {
        let _ = parse(&s);
    }

    #[test]
    fn parser_never_panics_on_syntax_soup(s in "[a-z@:*?\"\\\\()\\[\\]{} ,.<>=/-]{0,40}|(OR |AND |NOT |TO |CIDR\\(|[a-z]+:)*") {
        if let Err(e) = parse(&s) {
            prop_assert!(e.span.start <= s.len() && e.span.end <= s.len());
            prop_assert!(s.is_char_boundary(e.span.start) && s.is_char_boundary(e.span.end));
        }
    }

    #[test]
    fn printed_ast_parses_back_to_itself(e in expr()) {
        let q = Query { root: Some(e) };
        let text = q.to_string();
        let again = parse(&text);
        prop_assert!(again.is_ok(), "{text:?}: {:?}", again.err());
        prop_assert_eq!(again.unwrap(), q, "{}", text);
    }

    #[test]
    fn parsed_text_prints_and_parses_the_same(
        s in prop::collection::vec(
            "OR|AND|NOT|TO| |a|b:|@c.d:|CIDR\\(@e,|10.0.0.0/8|\\(|\\)|\"|\\*|\\?|\\[|\\]|\\{|\\}|>|>=|<|-|\\\\|:|,|é",
            0..16,
        ).prop_map(|v| v.concat())
    ) {
        if let Ok(q) = parse(&s) {
            let text = q.to_string();
            prop_assert_eq!(parse(&text).ok(), Some(q), "{:?} printed as {:?}", s, text);
        }
    }
}
