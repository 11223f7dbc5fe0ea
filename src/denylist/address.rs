//! Addresses as the denylist checks them: one canonical form (IPv4-mapped IPv6 turned back into
//! IPv4) before any check, the values never blocked, and the single-address rule for values that
//! come from signal data.
//!
//! The order matters: `::ffff:127.0.0.0/104` *is* `127.0.0.0/8` on a dual-stack socket, and
//! `::ffff:198.51.100.0/120` is an allowlisted `198.51.100.0/24`. Checking the IPv6 spelling first
//! let both through; canonicalising first makes every later check (allowlist, loopback, `/0`) see
//! the IPv4 network the packets actually come from.
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The IPv4-mapped block `::ffff:0:0/96`.
fn mapped_block() -> Ipv6Net {
    Ipv6Net::new_assert(Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96)
}

/// The network in canonical form: host bits dropped, and an IPv4-mapped IPv6 network at least as
/// narrow as the mapped block (`::ffff:a.b.c.d/p`, p >= 96) as the IPv4 network `a.b.c.d/(p-96)`.
pub fn canonical(net: IpNet) -> IpNet {
    let net = net.trunc();
    if let IpNet::V6(v6) = net {
        if v6.prefix_len() >= 96 {
            if let Some(v4) = v6.addr().to_ipv4_mapped() {
                // prefix_len is 96..=128, so the IPv4 prefix is 0..=32 and `new` cannot fail.
                if let Ok(n) = Ipv4Net::new(v4, v6.prefix_len() - 96) {
                    return IpNet::V4(n.trunc());
                }
            }
        }
    }
    net
}

/// The address in canonical form (an IPv4-mapped IPv6 address as IPv4).
pub fn canonical_addr(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// Why a (canonical) network may never be blocked, or `None`. Shared by every path that blocks:
/// people, autoblock rules, `block attackers`, the explorer, workflows.
pub fn never_blocked(net: &IpNet) -> Option<&'static str> {
    let net = canonical(*net);
    if net.prefix_len() == 0 {
        return Some("covers every address; a /0 block would cut off everyone");
    }
    if let IpNet::V6(v6) = net {
        // Wider than the mapped block and containing it: every IPv4 address, spelled as IPv6.
        if v6.contains(&mapped_block()) {
            return Some("covers every IPv4 address (through IPv4-mapped IPv6)");
        }
    }
    let specials: [(IpNet, &'static str); 4] = [
        (
            IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(127, 0, 0, 0), 8)),
            "is a loopback address or covers one: blocking it would cut the host off from itself",
        ),
        (
            IpNet::V6(Ipv6Net::new_assert(Ipv6Addr::LOCALHOST, 128)),
            "is a loopback address or covers one: blocking it would cut the host off from itself",
        ),
        (
            IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::UNSPECIFIED, 32)),
            "is the unspecified address or covers it, not an attacker",
        ),
        (
            IpNet::V6(Ipv6Net::new_assert(Ipv6Addr::UNSPECIFIED, 128)),
            "is the unspecified address or covers it, not an attacker",
        ),
    ];
    specials
        .into_iter()
        .find(|(sp, _)| net.contains(sp) || sp.contains(&net))
        .map(|(_, why)| why)
}

/// An address or CIDR range as typed by a person, canonical; `None` when it is neither.
pub fn parse_any(s: &str) -> Option<IpNet> {
    let t = s.trim();
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Some(canonical(IpNet::from(ip)));
    }
    t.parse::<IpNet>().ok().map(canonical)
}

/// The longest IPv6 prefix a block from signal data may widen an address to: `/128` (the address
/// alone) unless configured (`/64` is common, since one IPv6 client owns a whole /64).
pub const DEFAULT_SIGNAL_V6_PREFIX: u8 = 128;

/// Refuse configured IPv6 prefixes that would let a single signal block more than a subscriber.
pub const MIN_SIGNAL_V6_PREFIX: u8 = 48;

/// The one network a value taken from signal data may block: an address (an IPv4 `/32` or IPv6
/// `/128` written as CIDR counts as one), canonical, then for IPv6 widened to `v6_prefix`.
/// Anything wider than one address in the signal itself is refused: signal fields are written
/// by attackers, and `128.0.0.0/1` in a `client_ip` must not block half of IPv4.
pub fn from_signal(raw: &str, v6_prefix: u8) -> Result<IpNet, String> {
    let t = raw.trim();
    let shown = || crate::sanitize::truncate(&crate::sanitize::clean(t), 80);
    let net = match t.parse::<IpAddr>() {
        Ok(ip) => IpNet::from(canonical_addr(ip)),
        Err(_) => match t.parse::<IpNet>() {
            Ok(n) => canonical(n),
            Err(_) => return Err(format!("{:?} is not an IP address", shown())),
        },
    };
    if net.prefix_len() != net.max_prefix_len() {
        return Err(format!(
            "{:?} is a range ({net}); blocks taken from signal data are single addresses",
            shown()
        ));
    }
    let net = match net {
        IpNet::V6(v6) if v6_prefix < 128 => {
            let p = v6_prefix.max(MIN_SIGNAL_V6_PREFIX);
            Ipv6Net::new(v6.addr(), p)
                .map(|n| IpNet::V6(n.trunc()))
                .unwrap_or(net)
        }
        other => other,
    };
    if let Some(why) = never_blocked(&net) {
        return Err(format!("{:?} {why}", shown()));
    }
    Ok(net)
}

/// True when `net` blocks no more than one address from a signal may (one address, or an IPv6
/// network no wider than `v6_prefix`).
pub fn is_single(net: &IpNet, v6_prefix: u8) -> bool {
    match net {
        IpNet::V4(n) => n.prefix_len() == 32,
        IpNet::V6(n) => n.prefix_len() >= v6_prefix.max(MIN_SIGNAL_V6_PREFIX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        parse_any(s).unwrap()
    }

    #[test]
    fn mapped_ipv6_networks_become_the_ipv4_network_they_carry() {
        assert_eq!(
            net("::ffff:198.51.100.0/120").to_string(),
            "198.51.100.0/24"
        );
        assert_eq!(net("::ffff:127.0.0.0/104").to_string(), "127.0.0.0/8");
        assert_eq!(net("::ffff:0.0.0.0/96").to_string(), "0.0.0.0/0");
        assert_eq!(net("::ffff:203.0.113.9").to_string(), "203.0.113.9/32");
        assert_eq!(net("2001:db8::1/64").to_string(), "2001:db8::/64");
    }

    #[test]
    fn mapped_loopback_and_everything_ranges_are_never_blocked() {
        for v in [
            "::ffff:127.0.0.0/104",
            "::ffff:0.0.0.0/96",
            "::/64",
            "0.0.0.0/0",
            "::1",
            "::",
        ] {
            assert!(never_blocked(&net(v)).is_some(), "{v}");
        }
        assert!(never_blocked(&net("198.51.100.0/24")).is_none());
    }

    #[test]
    fn signal_values_are_one_address_or_refused() {
        for v in [
            "128.0.0.0/1",
            "10.0.0.0/8",
            "::ffff:0.0.0.0/96",
            "2001:db8::/64",
        ] {
            let e = from_signal(v, 128).unwrap_err();
            assert!(e.contains("range") || e.contains("every"), "{v}: {e}");
        }
        assert_eq!(
            from_signal("203.0.113.7/32", 128).unwrap().to_string(),
            "203.0.113.7/32"
        );
        assert_eq!(
            from_signal("::ffff:203.0.113.7", 128).unwrap().to_string(),
            "203.0.113.7/32"
        );
        assert_eq!(
            from_signal("2001:db8::7", 64).unwrap().to_string(),
            "2001:db8::/64",
            "a configured IPv6 prefix widens the address to its subscriber network"
        );
        assert!(from_signal("-oProxyCommand=x", 128).is_err());
        assert!(from_signal("::ffff:127.0.0.1", 128).is_err());
    }
}
