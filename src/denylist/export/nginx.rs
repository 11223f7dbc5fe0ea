//! nginx: a `deny` include for `http`/`server`/`location` blocks, and a `geo` map for rules that
//! need a variable (`if ($sigscope_blocked) { return 403; }`). nginx has no expiry of its own:
//! expired entries are simply absent from the next export.
use super::{comment_text, expiry_text, header, nets, Rendered};
use crate::denylist::entry::DenyEntry;
use chrono::{DateTime, Utc};
use std::fmt::Write;

pub(super) fn deny(active: &[&DenyEntry], now: DateTime<Utc>, out: &mut Rendered) {
    let nets = nets(active);
    let mut s = header("nginx", nets.len(), now);
    s.push_str(
        "# Include it where requests are handled: `include /etc/nginx/sigscope-deny.conf;`\n",
    );
    for (_, e) in &nets {
        let _ = writeln!(
            s,
            "deny {};  # #{} {}: {}",
            e.value,
            e.id,
            expiry_text(e),
            comment_text(&e.reason)
        );
    }
    out.text = s;
}

pub(super) fn geo(active: &[&DenyEntry], now: DateTime<Utc>, out: &mut Rendered) {
    let nets = nets(active);
    let mut s = header("nginx-geo", nets.len(), now);
    s.push_str("# Include it in the http block, then: if ($sigscope_blocked) { return 403; }\n");
    s.push_str("geo $sigscope_blocked {\n    default 0;\n");
    for (net, e) in &nets {
        let _ = writeln!(
            s,
            "    {net} 1;  # #{} {}: {}",
            e.id,
            expiry_text(e),
            comment_text(&e.reason)
        );
    }
    s.push_str("}\n");
    out.text = s;
}
