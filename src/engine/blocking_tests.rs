//! Unit tests of value parsing for blocks.
use super::*;

#[test]
fn durations() {
    assert_eq!(parse_duration("30m").unwrap(), TimeDelta::minutes(30));
    assert_eq!(parse_duration("24h").unwrap(), TimeDelta::hours(24));
    assert_eq!(parse_duration("7d").unwrap(), TimeDelta::days(7));
    for bad in ["", "7", "d", "0m", "-5m", "7x", "1.5h"] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
}

#[test]
fn ip_values_are_canonical() {
    assert_eq!(
        parse_ip_value(" 203.0.113.7 ").unwrap(),
        (BlockKind::Ip, "203.0.113.7".into())
    );
    // A range with host bits set is refused, naming what it would be, never silently widened.
    let e = parse_ip_value("203.0.113.77/24").unwrap_err().to_string();
    assert!(
        e.contains("the range is 203.0.113.0/24") && e.contains("give 203.0.113.77"),
        "{e}"
    );
    assert_eq!(
        parse_ip_value("203.0.113.7/32").unwrap(),
        (BlockKind::Ip, "203.0.113.7".into())
    );
    assert_eq!(
        parse_ip_value("::ffff:198.51.100.1").unwrap(),
        (BlockKind::Ip, "198.51.100.1".into())
    );
    assert_eq!(
        parse_ip_value("2001:DB8::1").unwrap(),
        (BlockKind::Ip, "2001:db8::1".into())
    );
    // Attackers inside the network are real.
    assert!(parse_ip_value("10.0.0.5").is_ok());
    assert!(parse_ip_value("192.168.0.0/16").is_ok());
}

#[test]
fn dangerous_values_are_refused_with_the_reason() {
    for (v, why) in [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("0.0.0.0/0", "/0"),
        ("::/0", "/0"),
        ("127.0.0.0/8", "loopback"),
        ("126.0.0.0/7", "loopback"),
        ("not-an-ip", "not an IP"),
    ] {
        let e = parse_ip_value(v).unwrap_err().to_string();
        assert!(e.contains(why), "{v}: {e}");
    }
}

#[test]
fn user_values() {
    assert_eq!(check_user_value(" user8 ").unwrap(), "user8");
    assert!(check_user_value("").is_err());
    assert!(check_user_value("a\u{1b}[31m").is_err());
}
