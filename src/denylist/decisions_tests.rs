use super::*;
use chrono::{Duration, TimeZone};
use serde_json::json;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
}

fn ev(
    seq: i64,
    id: i64,
    v: &str,
    action: HistoryAction,
    at: DateTime<Utc>,
    exp: Option<DateTime<Utc>>,
) -> HistoryEvent {
    let value = if let Some(u) = v.strip_prefix("user:") {
        BlockValue::User(u.into())
    } else {
        BlockValue::parse_net(v).unwrap()
    };
    HistoryEvent {
        seq,
        entry_id: id,
        value,
        action,
        at,
        expires_at: exp,
        by: "ana".into(),
        signal_id: None,
        reason: "credential stuffing".into(),
    }
}

fn values(ds: &[WireDecision]) -> Vec<String> {
    ds.iter().map(|d| d.value.clone()).collect()
}

#[test]
fn startup_sends_every_active_ip_and_range_and_no_users() {
    let h = vec![
        ev(
            1,
            1,
            "192.0.2.7",
            HistoryAction::Made,
            t0(),
            Some(t0() + Duration::hours(24)),
        ),
        ev(2, 2, "203.0.113.0/24", HistoryAction::Made, t0(), None),
        ev(3, 3, "user:bob", HistoryAction::Made, t0(), None),
        ev(
            4,
            4,
            "198.51.100.1",
            HistoryAction::Made,
            t0(),
            Some(t0() + Duration::seconds(5)),
        ),
        ev(5, 5, "198.51.100.2", HistoryAction::Made, t0(), None),
        ev(6, 5, "198.51.100.2", HistoryAction::Lifted, t0(), None),
    ];
    let now = t0() + Duration::seconds(10);
    let (s, cur) = stream(&h, None, true, now);
    assert_eq!(values(&s.new), vec!["192.0.2.7", "203.0.113.0/24"]);
    assert_eq!(cur, Cursor { seq: 6, at: now });
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(v["deleted"], serde_json::Value::Null);
    assert_eq!(
        v["new"][0],
        json!({"id": 1, "origin": "sigscope", "type": "ban", "scope": "Ip", "value": "192.0.2.7",
               "duration": "23h59m50s", "scenario": "credential stuffing"})
    );
    assert_eq!(v["new"][1]["scope"], "Range");
    assert_eq!(v["new"][1]["duration"], "87600h0m0s");
}

#[test]
fn deltas_across_a_block_a_lift_and_an_expiry() {
    let mut h = vec![ev(
        1,
        1,
        "192.0.2.7",
        HistoryAction::Made,
        t0(),
        Some(t0() + Duration::minutes(30)),
    )];
    let (first, c1) = stream(&h, None, true, t0());
    assert_eq!(values(&first.new), vec!["192.0.2.7"]);

    // Nothing happened: both lists null.
    let (s, c2) = stream(&h, Some(c1), false, t0() + Duration::minutes(1));
    assert_eq!(
        serde_json::to_value(&s).unwrap(),
        json!({"new": null, "deleted": null})
    );

    // A new block.
    h.push(ev(
        2,
        2,
        "2001:db8::/32",
        HistoryAction::Made,
        t0() + Duration::minutes(2),
        None,
    ));
    let (s, c3) = stream(&h, Some(c2), false, t0() + Duration::minutes(3));
    assert_eq!(values(&s.new), vec!["2001:db8::/32"]);
    assert!(s.deleted.is_empty());

    // It is lifted.
    h.push(ev(
        3,
        2,
        "2001:db8::/32",
        HistoryAction::Lifted,
        t0() + Duration::minutes(4),
        None,
    ));
    let (s, c4) = stream(&h, Some(c3), false, t0() + Duration::minutes(5));
    assert!(s.new.is_empty());
    assert_eq!(values(&s.deleted), vec!["2001:db8::/32"]);
    assert_eq!(s.deleted[0].id, 2);

    // The first one runs out on the clock, with no event written.
    let (s, c5) = stream(&h, Some(c4), false, t0() + Duration::minutes(31));
    assert_eq!(values(&s.deleted), vec!["192.0.2.7"]);
    assert_eq!(s.deleted[0].id, 1);

    // And is not reported again.
    let (s, _) = stream(&h, Some(c5), false, t0() + Duration::minutes(40));
    assert!(s.new.is_empty() && s.deleted.is_empty());
}

#[test]
fn an_extension_is_resent_as_new_with_the_longer_duration() {
    let mut h = vec![ev(
        1,
        1,
        "192.0.2.7",
        HistoryAction::Made,
        t0(),
        Some(t0() + Duration::hours(1)),
    )];
    let (_, c) = stream(&h, None, true, t0());
    h.push(ev(
        2,
        1,
        "192.0.2.7",
        HistoryAction::Extended,
        t0(),
        Some(t0() + Duration::hours(5)),
    ));
    let (s, _) = stream(&h, Some(c), false, t0());
    assert_eq!(s.new.len(), 1);
    assert_eq!(s.new[0].duration, "5h0m0s");
}

#[test]
fn an_explicit_expired_event_is_deleted_even_after_the_cursor_time() {
    let mut h = vec![ev(
        1,
        1,
        "192.0.2.7",
        HistoryAction::Made,
        t0(),
        Some(t0() + Duration::minutes(1)),
    )];
    let (_, c) = stream(&h, None, true, t0() + Duration::minutes(5));
    // The engine's sweep records the expiry later than it happened.
    h.push(ev(
        2,
        1,
        "192.0.2.7",
        HistoryAction::Expired,
        t0() + Duration::minutes(6),
        Some(t0() + Duration::minutes(1)),
    ));
    let (s, _) = stream(&h, Some(c), false, t0() + Duration::minutes(7));
    assert_eq!(values(&s.deleted), vec!["192.0.2.7"]);
}

#[test]
fn the_scenario_is_one_line() {
    let mut e = ev(1, 1, "192.0.2.7", HistoryAction::Made, t0(), None);
    e.reason = "stuffing\n; rm -rf /\r".into();
    let (s, _) = stream(&[e], None, true, t0());
    assert_eq!(s.new[0].scenario, "stuffing ; rm -rf /");
}

#[test]
fn decisions_for_an_ip_include_covering_ranges() {
    let h = vec![
        ev(1, 1, "203.0.113.0/24", HistoryAction::Made, t0(), None),
        ev(
            2,
            2,
            "203.0.113.9",
            HistoryAction::Made,
            t0(),
            Some(t0() + Duration::hours(1)),
        ),
        ev(
            3,
            3,
            "192.0.2.7",
            HistoryAction::Made,
            t0(),
            Some(t0() - Duration::hours(1)),
        ),
    ];
    let ip = "203.0.113.9".parse().unwrap();
    assert_eq!(
        values(&for_ip(&h, ip, t0()).unwrap()),
        vec!["203.0.113.0/24", "203.0.113.9"]
    );
    assert!(
        for_ip(&h, "192.0.2.7".parse().unwrap(), t0()).is_none(),
        "expired"
    );
    assert!(for_ip(&h, "198.51.100.1".parse().unwrap(), t0()).is_none());
}

mod props {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// One step of a denylist's life: make a block (value index, minutes or permanent), extend the
    /// newest block of a value, lift it, or let minutes pass and have the bouncer poll.
    #[derive(Clone, Debug)]
    enum Step {
        Make(u8, Option<u8>),
        Extend(u8, Option<u8>),
        Lift(u8),
        Poll(u8),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0u8..6, proptest::option::of(1u8..60)).prop_map(|(v, m)| Step::Make(v, m)),
            (0u8..6, proptest::option::of(1u8..120)).prop_map(|(v, m)| Step::Extend(v, m)),
            (0u8..6).prop_map(Step::Lift),
            (0u8..90).prop_map(Step::Poll),
        ]
    }

    proptest! {
        /// A bouncer that applies every answer, `new` then `deleted`, holds exactly the active
        /// blocks after each poll, whatever happened in between.
        #[test]
        fn a_bouncer_applying_deltas_holds_the_active_set(steps in proptest::collection::vec(step(), 1..60)) {
            let mut now = t0();
            let mut h: Vec<HistoryEvent> = Vec::new();
            let mut seq = 0;
            let mut next_id = 1;
            // value index -> (entry id, expiry) of its block in force, as the engine keeps one.
            let mut live: std::collections::HashMap<u8, (i64, Option<DateTime<Utc>>)> = Default::default();
            let (first, mut cursor) = stream(&h, None, true, now);
            // What the server keeps: the events applied as they come, never the whole history.
            let mut memory = LastEvents::default();
            let mut applied = 0;
            let mut held: BTreeSet<i64> = first.new.iter().map(|d| d.id).collect();
            for s in steps {
                live.retain(|_, (_, exp)| exp.is_none_or(|t| t > now));
                let ip = |v: u8| format!("192.0.2.{}", v + 1);
                match s {
                    Step::Make(v, m) if !live.contains_key(&v) => {
                        seq += 1;
                        let exp = m.map(|m| now + Duration::minutes(m as i64));
                        h.push(ev(seq, next_id, &ip(v), HistoryAction::Made, now, exp));
                        live.insert(v, (next_id, exp));
                        next_id += 1;
                    }
                    Step::Extend(v, m) => {
                        if let Some((id, _)) = live.get(&v).copied() {
                            seq += 1;
                            let exp = m.map(|m| now + Duration::minutes(m as i64));
                            h.push(ev(seq, id, &ip(v), HistoryAction::Extended, now, exp));
                            live.insert(v, (id, exp));
                        }
                    }
                    Step::Lift(v) => {
                        if let Some((id, _)) = live.remove(&v) {
                            seq += 1;
                            h.push(ev(seq, id, &ip(v), HistoryAction::Lifted, now, None));
                        }
                    }
                    Step::Poll(m) => {
                        now += Duration::minutes(m as i64);
                        let (s, c) = stream(&h, Some(cursor), false, now);
                        memory.extend(h[applied..].iter().cloned());
                        applied = h.len();
                        prop_assert_eq!(&memory.stream(Some(cursor), false, now), &(s.clone(), c));
                        cursor = c;
                        for d in &s.new {
                            held.insert(d.id);
                        }
                        for d in &s.deleted {
                            held.remove(&d.id);
                        }
                        let active: BTreeSet<i64> = stream(&h, None, true, now).0.new.iter().map(|d| d.id).collect();
                        prop_assert_eq!(&held, &active);
                    }
                    _ => {}
                }
            }
        }
    }
}
