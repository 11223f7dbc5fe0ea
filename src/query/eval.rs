//! The slow path: a query evaluated straight on a `Signal`. The index gives the same answers faster.
use super::ast::{Expr, Query, Term, TermKind};
use super::fields::{is_typed_or_excluded, resolve, typed_step, Col, TypedNode, TypedStep};
use super::sla::{SlaContext, Triaged};
use super::value::{match_cidr, match_value, TextMatcher, Val};
use crate::model::{Signal, TriageState};
use serde_json::Value as Json;

impl Query {
    /// Does the signal match? An empty query matches everything. `sla:` terms match nothing
    /// here: they need the audit trail's triage times, which `matches_sla` is given.
    pub fn matches(&self, s: &Signal) -> bool {
        self.matches_sla(s, None)
    }

    /// `matches`, with the SLA context that `sla:breached` and `sla:ok` are answered from.
    pub fn matches_sla(&self, s: &Signal, sla: Option<&SlaContext>) -> bool {
        match &self.root {
            None => true,
            Some(e) => eval(e, s, sla),
        }
    }

    /// Does the query name `sla:` anywhere? Callers derive the SLA context only then.
    pub fn uses_sla(&self) -> bool {
        fn walk(e: &Expr) -> bool {
            match e {
                Expr::And(xs) | Expr::Or(xs) => xs.iter().any(walk),
                Expr::Not(x, _) => walk(x),
                Expr::Term(t) => match &t.kind {
                    TermKind::Field(f, _) | TermKind::Cidr(f, _) => resolve(f) == Col::Sla,
                    TermKind::Text(_) => false,
                },
            }
        }
        self.root.as_ref().is_some_and(walk)
    }
}

fn eval(e: &Expr, s: &Signal, sla: Option<&SlaContext>) -> bool {
    match e {
        Expr::And(items) => items.iter().all(|x| eval(x, s, sla)),
        Expr::Or(items) => items.iter().any(|x| eval(x, s, sla)),
        Expr::Not(x, _) => !eval(x, s, sla),
        Expr::Term(t) => term(t, s, sla),
    }
}

/// The word a signal answers to `sla:`, when there is a context to answer from.
fn sla_word(s: &Signal, sla: Option<&SlaContext>) -> Option<&'static str> {
    let ctx = sla?;
    let touched = s.triage.state != TriageState::Open || s.triage.assignee.is_some();
    let b = super::sla::breached(
        s.severity,
        s.first_seen.timestamp_millis(),
        Triaged::of(ctx.times_of(&s.id).first_triage, touched),
        ctx.now_ms,
        &ctx.targets,
    );
    Some(super::sla::word(b))
}

fn term(t: &Term, s: &Signal, sla: Option<&SlaContext>) -> bool {
    match &t.kind {
        TermKind::Field(f, v) if resolve(f) == Col::Sla => {
            sla_word(s, sla).is_some_and(|w| match_value(v, &Val::Str(w)))
        }
        TermKind::Text(p) => {
            let m = TextMatcher::new(p);
            free_text(s).any(|x| m.matches(x)) || super::ids::text_names(p, &s.id)
        }
        TermKind::Field(f, v) => {
            let mut out = Vec::new();
            values(s, resolve(f), &mut out);
            out.iter().any(|x| match_value(v, x))
        }
        TermKind::Cidr(f, nets) => {
            let mut out = Vec::new();
            values(s, resolve(f), &mut out);
            out.iter().any(|x| match_cidr(nets, x))
        }
    }
}

/// The text free-text terms search: title, message, and the signal's named attributes (services,
/// env, host, source, tags, rule name, attackers' IPs and users, attack types). Other event
/// attributes are reachable with `@path:value`.
pub(crate) fn free_text(s: &Signal) -> impl Iterator<Item = &str> {
    [s.title.as_str(), s.message.as_str(), s.rule.name.as_str()]
        .into_iter()
        .chain(s.env.as_deref())
        .chain(s.host.as_deref())
        .chain(s.source.as_deref())
        .chain(s.services.iter().map(String::as_str))
        .chain(s.tags.iter().map(String::as_str))
        .chain(s.attacker_ips.iter().map(String::as_str))
        .chain(s.attacker_users.iter().map(String::as_str))
        .chain(s.attack_types.iter().map(String::as_str))
}

fn nonempty(s: &str) -> Option<Val<'_>> {
    (!s.is_empty()).then_some(Val::Str(s))
}

/// The values a field has on a signal (several for lists).
pub(crate) fn values<'a>(s: &'a Signal, col: Col<'_>, out: &mut Vec<Val<'a>>) {
    let strs = |v: &'a [String], out: &mut Vec<Val<'a>>| {
        out.extend(v.iter().filter(|x| !x.is_empty()).map(|x| Val::Str(x)))
    };
    let assignee = s.triage.assignee.as_ref();
    match col {
        Col::Service => strs(&s.services, out),
        Col::Env => out.extend(s.env.as_deref().and_then(nonempty)),
        Col::Host => out.extend(s.host.as_deref().and_then(nonempty)),
        Col::Source => out.extend(s.source.as_deref().and_then(nonempty)),
        Col::Severity => out.push(Val::Sev(s.severity)),
        Col::Tag(k) => out.extend(s.tags.iter().filter_map(|t| {
            t.strip_prefix(k)
                .and_then(|r| r.strip_prefix(':'))
                .map(Val::Str)
        })),
        Col::State => out.push(Val::Str(s.triage.state.as_str())),
        Col::AssigneeHandle => out.extend(
            assignee
                .and_then(|a| a.handle.as_deref())
                .and_then(nonempty),
        ),
        Col::AssigneeName => {
            out.extend(assignee.and_then(|a| a.name.as_deref()).and_then(nonempty))
        }
        Col::AssigneeUuid => out.extend(assignee.and_then(|a| nonempty(&a.uuid))),
        Col::ArchiveReason => out.extend(s.triage.archive_reason.map(|r| Val::Str(r.as_str()))),
        Col::RuleId => out.extend(nonempty(&s.rule.id)),
        Col::RuleName => out.extend(nonempty(&s.rule.name)),
        Col::RuleType => out.extend(nonempty(&s.rule.rule_type)),
        Col::EventsMatched => out.extend(s.events_matched.map(|n| Val::Num(n as f64))),
        Col::FirstSeen => out.push(Val::Time(s.first_seen.timestamp_millis())),
        Col::LastSeen => out.push(Val::Time(s.last_seen.timestamp_millis())),
        Col::Title => out.extend(nonempty(&s.title)),
        Col::AttackerIp => strs(&s.attacker_ips, out),
        Col::User => strs(&s.attacker_users, out),
        Col::AttackType => strs(&s.attack_types, out),
        // Answered by `term` from the SLA context; no value of the signal itself.
        Col::Sla => {}
        Col::Id => out.push(Val::Str(&s.id)),
        Col::Raw(path) => {
            let segs: Vec<&str> = path.split('.').collect();
            if !is_typed_or_excluded(path) && !segs.iter().any(|x| x.is_empty()) {
                raw_values(s.event(), &segs, out);
            }
        }
    }
}

fn scalar(v: &Json) -> Option<Val<'_>> {
    match v {
        Json::String(s) => Some(Val::Str(s)),
        Json::Number(n) => n.as_f64().map(Val::Num),
        Json::Bool(b) => Some(Val::Bool(*b)),
        _ => None,
    }
}

/// Scalars at a dotted path, looking through arrays at every level ("any element matches").
/// An object is not a value: `@http:*` asks for a scalar at `http`, not for the object.
fn raw_values<'a>(v: &'a Json, segs: &[&str], out: &mut Vec<Val<'a>>) {
    match v {
        Json::Array(items) => {
            for x in items {
                raw_values(x, segs, out);
            }
        }
        Json::Object(map) => {
            if let Some((first, rest)) = segs.split_first() {
                if let Some(next) = map.get(*first) {
                    raw_values(next, rest, out);
                }
            }
        }
        other => {
            if segs.is_empty() {
                out.extend(scalar(other));
            }
        }
    }
}

/// Every scalar of the event with its array-transparent path, except the typed and excluded
/// paths: what the index keeps per row for arbitrary `@path` queries. Agrees with `raw_values`.
pub(crate) fn flatten_event<'a>(event: &'a Json, f: &mut impl FnMut(&str, Val<'a>)) {
    fn walk<'a>(
        v: &'a Json,
        path: &mut String,
        node: Option<TypedNode>,
        f: &mut impl FnMut(&str, Val<'a>),
    ) {
        match v {
            Json::Array(items) => {
                for x in items {
                    walk(x, path, node, f);
                }
            }
            Json::Object(map) => {
                for (k, x) in map {
                    // A key with a dot cannot be named by a dotted path; the slow path cannot
                    // reach it either, so both leave it out alike.
                    if k.is_empty() || has_dot(k.as_bytes()) {
                        continue;
                    }
                    let TypedStep::Below(below) = typed_step(node, k) else {
                        continue;
                    };
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    // Most values are scalars: no call for them.
                    match x {
                        Json::Array(_) | Json::Object(_) => walk(x, path, below, f),
                        other => {
                            if let Some(val) = scalar(other) {
                                f(path, val);
                            }
                        }
                    }
                    path.truncate(len);
                }
            }
            other => {
                if !path.is_empty() {
                    if let Some(val) = scalar(other) {
                        f(path, val);
                    }
                }
            }
        }
    }
    let mut path = String::with_capacity(64);
    walk(event, &mut path, Some(TypedNode::Root), f);
}

/// Does a key hold a dot? Eight bytes at a time (the has-zero-byte test on the key xor dots):
/// this runs for every key of every event indexed, and keys are too short for `memchr` to pay.
fn has_dot(k: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut chunks = k.chunks_exact(8);
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        let w = u64::from_le_bytes(word) ^ (u64::from(b'.') * ONES);
        if w.wrapping_sub(ONES) & !w & (ONES << 7) != 0 {
            return true;
        }
    }
    // Fewer than eight bytes: a plain loop (`contains` would call out to `memchr`).
    for &b in chunks.remainder() {
        if b == b'.' {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::has_dot;

    #[test]
    fn dots_are_found_anywhere_in_a_key() {
        for k in ["", "a", "abcdefgh", "abcdefghijklmnopq", "é", "x\u{2024}y"] {
            assert!(!has_dot(k.as_bytes()), "{k}");
        }
        for k in [
            ".",
            "a.b",
            "abcdefg.",
            "abcdefgh.",
            "abcdefghijklmno.q",
            ".bcdefghi",
        ] {
            assert!(has_dot(k.as_bytes()), "{k}");
        }
    }
}
