//! Searching the index: the query compiled against the columns, evaluated to a row bitmap, then
//! one pass over the time window that collects matches newest first and counts every facet.
//!
//! Each string predicate runs once per distinct dictionary entry (services, rules, IPs... are few
//! next to the rows); the row scans are then table lookups.
use super::ast::{Expr, Query, TermKind, Value};
use super::digits;
use super::fields::{resolve, Col};
use super::index::{
    extra_val, severity_of, state_of, AssigneeKey, MultiCol, SignalIndex, SingleCol,
    COMBO_ASSIGNEE, COMBO_ENV, COMBO_RULE, COMBO_SERVICES, COMBO_SEV, COMBO_STATE, COMBO_TAGS,
    COMBO_TYPES, MULTI_COLS, NO_NUMBER,
};
use super::intern::NONE;
use super::sla::SlaContext;
use super::stats_scan::RowTimes;

/// The SLA context of an evaluation, with its times laid out by row.
pub(crate) type Sla<'a> = (&'a SlaContext, &'a RowTimes);
use super::time::TimeRange;
use super::topk::{dict_text, top};
use super::value::{match_cidr, match_value, TextMatcher, Val};
use crate::model::{ArchiveReason, Severity, TriageState};
use std::collections::HashMap;

// Facet counts over the matching rows.
mod counts;
use counts::Counts;
// Evaluating a compiled plan into a row bitmap.
mod eval;

/// Counts per value of one facet over the matching signals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facet {
    /// Display name: "Signal State", "Severity", ..., "Tag" for tag keys.
    pub name: &'static str,
    /// The query key that filters on it (`@workflow.triage.state`, `status`, a tag key...).
    pub key: String,
    /// The top values by count (ties by value).
    pub values: Vec<(String, u32)>,
    /// How many distinct values the matching signals have.
    pub distinct: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchResult {
    /// Matching rows, newest first.
    pub matches: Vec<u32>,
    pub total: usize,
    pub facets: Vec<Facet>,
}

/// A bitmap over rows.
pub(crate) type Bits = Vec<u64>;

pub(crate) fn bits_new(n: usize, fill: bool) -> Bits {
    let mut b = vec![if fill { u64::MAX } else { 0 }; n.div_ceil(64)];
    if fill && !n.is_multiple_of(64) {
        if let Some(last) = b.last_mut() {
            *last = (1u64 << (n % 64)) - 1;
        }
    }
    b
}

#[inline]
fn bit(b: &Bits, r: usize) -> bool {
    b[r >> 6] >> (r & 63) & 1 == 1
}

/// The query compiled against the index's columns.
enum Plan {
    Const(bool),
    And(Vec<Plan>),
    Or(Vec<Plan>),
    Not(Box<Plan>),
    /// A `u8` enum column and the set of codes that match.
    Code(CodeCol, u32),
    Single(SingleCol, Vec<bool>),
    Assignee(Vec<bool>),
    Multi(MultiCol, Vec<bool>),
    Extra(Vec<bool>),
    /// Message templates that match (exact for patterns that cannot touch a digit run).
    MsgTpl(Vec<bool>),
    /// A phrase with digits (and its lower-cased text): see `digits`.
    MsgDigits(TextMatcher, String),
    /// Other patterns with digits, or with `?`: the message is rebuilt row by row.
    MsgRows(TextMatcher),
    Number(NumCol, Value),
    /// Rows computed outside the columns (the SLA, from the audit trail's triage times).
    Bits(Bits),
}

#[derive(Clone, Copy)]
enum CodeCol {
    Severity,
    State,
    Reason,
}

#[derive(Clone, Copy)]
enum NumCol {
    Events,
    FirstSeen,
    LastSeen,
}

/// How a leaf tests one value.
enum Pred<'a> {
    Value(&'a Value),
    Cidr(&'a [ipnet::IpNet]),
}

impl Pred<'_> {
    fn test(&self, v: &Val) -> bool {
        match self {
            Pred::Value(q) => match_value(q, v),
            Pred::Cidr(nets) => match_cidr(nets, v),
        }
    }
}

impl SignalIndex {
    /// Matches (newest first) and facet counts (top `top_n` values each) in one pass.
    pub fn search(&self, q: &Query, range: &TimeRange, top_n: usize) -> SearchResult {
        self.run(q, range, Some(top_n), None)
    }

    /// The context's times by row, when the query needs them.
    fn sla_for(&self, q: &Query, sla: Option<&SlaContext>) -> Option<std::sync::Arc<RowTimes>> {
        sla.filter(|_| q.uses_sla()).map(|c| self.row_times(c))
    }

    /// `search`, answering `sla:` terms from `sla` (without it they match nothing).
    pub fn search_sla(
        &self,
        q: &Query,
        range: &TimeRange,
        top_n: usize,
        sla: Option<&SlaContext>,
    ) -> SearchResult {
        let times = self.sla_for(q, sla);
        self.run(q, range, Some(top_n), sla.zip(times.as_deref()))
    }

    /// Matches only, newest first.
    pub fn matches(&self, q: &Query, range: &TimeRange) -> Vec<u32> {
        self.run(q, range, None, None).matches
    }

    /// `matches`, answering `sla:` terms from `sla`.
    pub fn matches_sla(&self, q: &Query, range: &TimeRange, sla: Option<&SlaContext>) -> Vec<u32> {
        let times = self.sla_for(q, sla);
        self.run(q, range, None, sla.zip(times.as_deref())).matches
    }

    /// `matches` with the context's times already laid out by row.
    pub(crate) fn matches_with(
        &self,
        q: &Query,
        range: &TimeRange,
        sla: Option<Sla<'_>>,
    ) -> Vec<u32> {
        self.run(q, range, None, sla).matches
    }

    fn run(
        &self,
        q: &Query,
        range: &TimeRange,
        top_n: Option<usize>,
        sla: Option<Sla<'_>>,
    ) -> SearchResult {
        let n = self.rows();
        let plan = match &q.root {
            None => Plan::Const(true),
            Some(e) => self.compile(e, sla),
        };
        let bits = match &plan {
            Plan::Const(true) => None,
            p => Some(self.eval(p, n)),
        };
        let (from, to) = range.millis();
        let ts = &self.ts;
        let a = self.order.partition_point(|&r| ts[r as usize] > to);
        let b = self.order.partition_point(|&r| ts[r as usize] >= from);
        let window = &self.order[a..b.max(a)];
        let mut counts = top_n.map(|_| Counts::new(self));
        let mut matches = Vec::with_capacity(if bits.is_none() { window.len() } else { 0 });
        for &r in window {
            if bits.as_ref().is_some_and(|bits| !bit(bits, r as usize)) {
                continue;
            }
            matches.push(r);
            if let Some(c) = counts.as_mut() {
                c.add(self, r as usize);
            }
        }
        let total = matches.len();
        let facets = match (counts, top_n) {
            (Some(c), Some(k)) => c.facets(self, k),
            _ => Vec::new(),
        };
        SearchResult {
            matches,
            total,
            facets,
        }
    }

    fn compile(&self, e: &Expr, sla: Option<Sla<'_>>) -> Plan {
        prune(self.compile_raw(e, sla))
    }

    fn compile_raw(&self, e: &Expr, sla: Option<Sla<'_>>) -> Plan {
        match e {
            Expr::And(xs) => Plan::And(xs.iter().map(|x| self.compile(x, sla)).collect()),
            Expr::Or(xs) => Plan::Or(xs.iter().map(|x| self.compile(x, sla)).collect()),
            Expr::Not(x, _) => Plan::Not(Box::new(self.compile(x, sla))),
            Expr::Term(t) => match &t.kind {
                TermKind::Text(p) => {
                    let m = TextMatcher::new(p);
                    let mut any = Vec::new();
                    for c in [
                        SingleCol::Title,
                        SingleCol::RuleName,
                        SingleCol::Env,
                        SingleCol::Host,
                        SingleCol::Source,
                    ] {
                        let d = &self.single_dict[c as usize];
                        any.push(Plan::Single(
                            c,
                            d.items().iter().map(|s| m.matches(s)).collect(),
                        ));
                    }
                    for c in [
                        MultiCol::Service,
                        MultiCol::Tag,
                        MultiCol::Ip,
                        MultiCol::User,
                        MultiCol::AttackType,
                    ] {
                        let d = &self.multi[c as usize].dict;
                        any.push(Plan::Multi(
                            c,
                            d.items().iter().map(|s| m.matches(s)).collect(),
                        ));
                    }
                    any.push(if template_safe(p) {
                        Plan::MsgTpl(
                            self.msg_tpl_dict
                                .items()
                                .iter()
                                .map(|s| m.matches(s))
                                .collect(),
                        )
                    } else {
                        match m
                            .literal()
                            .filter(|x| digits::applies(x))
                            .map(str::to_owned)
                        {
                            Some(phrase) => Plan::MsgDigits(m, phrase),
                            None => Plan::MsgRows(m),
                        }
                    });
                    any.extend(super::ids::text_rows(self, p).map(Plan::Bits));
                    Plan::Or(any)
                }
                TermKind::Field(f, v) if resolve(f) == Col::Sla => {
                    let pred = Pred::Value(v);
                    let want = |w: bool| pred.test(&Val::Str(super::sla::word(w)));
                    match sla {
                        Some((ctx, times)) if want(true) || want(false) => {
                            Plan::Bits(self.sla_bits(ctx, times, want(true), want(false)))
                        }
                        _ => Plan::Const(false),
                    }
                }
                TermKind::Field(f, v) => self.leaf(resolve(f), Pred::Value(v), Some(v)),
                TermKind::Cidr(f, nets) => self.leaf(resolve(f), Pred::Cidr(nets), None),
            },
        }
    }

    fn leaf(&self, col: Col<'_>, pred: Pred<'_>, value: Option<&Value>) -> Plan {
        let strs =
            |d: &[Box<str>]| -> Vec<bool> { d.iter().map(|s| pred.test(&Val::Str(s))).collect() };
        let single = |c: SingleCol| Plan::Single(c, strs(self.single_dict[c as usize].items()));
        let multi = |c: MultiCol| Plan::Multi(c, strs(self.multi[c as usize].dict.items()));
        let assignee = |pick: fn(&AssigneeKey) -> &str| {
            Plan::Assignee(
                self.assignees
                    .items()
                    .iter()
                    .map(|a| {
                        let s = pick(a);
                        !s.is_empty() && pred.test(&Val::Str(s))
                    })
                    .collect(),
            )
        };
        let number = |c: NumCol| match value {
            Some(v) => Plan::Number(c, v.clone()),
            None => Plan::Const(false),
        };
        match col {
            Col::Service => multi(MultiCol::Service),
            Col::Env => single(SingleCol::Env),
            Col::Host => single(SingleCol::Host),
            Col::Source => single(SingleCol::Source),
            Col::RuleId => single(SingleCol::RuleId),
            Col::RuleName => single(SingleCol::RuleName),
            Col::RuleType => single(SingleCol::RuleType),
            Col::Title => single(SingleCol::Title),
            Col::AttackerIp => multi(MultiCol::Ip),
            Col::User => multi(MultiCol::User),
            Col::AttackType => multi(MultiCol::AttackType),
            Col::Tag(k) => Plan::Multi(
                MultiCol::Tag,
                self.multi[MultiCol::Tag as usize]
                    .dict
                    .items()
                    .iter()
                    .map(|t| {
                        t.strip_prefix(k)
                            .and_then(|r| r.strip_prefix(':'))
                            .is_some_and(|v| pred.test(&Val::Str(v)))
                    })
                    .collect(),
            ),
            Col::Severity => {
                let mut m = 0;
                for s in Severity::ALL {
                    if pred.test(&Val::Sev(s)) {
                        m |= 1 << s.rank();
                    }
                }
                Plan::Code(CodeCol::Severity, m)
            }
            Col::State => {
                let mut m = 0;
                for (i, s) in TriageState::ALL.iter().enumerate() {
                    if pred.test(&Val::Str(s.as_str())) {
                        m |= 1 << i;
                    }
                }
                Plan::Code(CodeCol::State, m)
            }
            Col::ArchiveReason => {
                let mut m = 0;
                for (i, s) in ArchiveReason::ALL.iter().enumerate() {
                    if pred.test(&Val::Str(s.as_str())) {
                        m |= 1 << i;
                    }
                }
                Plan::Code(CodeCol::Reason, m)
            }
            Col::AssigneeUuid => assignee(|a| &a.0),
            Col::AssigneeHandle => assignee(|a| &a.1),
            Col::AssigneeName => assignee(|a| &a.2),
            Col::EventsMatched => number(NumCol::Events),
            Col::FirstSeen => number(NumCol::FirstSeen),
            Col::LastSeen => number(NumCol::LastSeen),
            // Answered in `compile_raw`, which has the SLA context.
            Col::Sla => Plan::Const(false),
            Col::Id => Plan::Bits(super::ids::field_rows(
                self,
                value.and_then(super::ids::exact_literal),
                &|id| pred.test(&Val::Str(id)),
            )),
            Col::Raw(path) => match self.paths.items().iter().position(|p| **p == *path) {
                None => Plan::Const(false),
                Some(pid) => Plan::Extra(
                    self.extra_dict
                        .items()
                        .iter()
                        .map(|e| e.0 == pid as u32 && pred.test(&extra_val(e)))
                        .collect(),
                ),
            },
        }
    }
}

/// A leaf no dictionary entry satisfies matches no row: skip its scan.
fn prune(p: Plan) -> Plan {
    let none = |ok: &[bool]| !ok.iter().any(|&b| b);
    match p {
        Plan::Single(_, ref ok)
        | Plan::Assignee(ref ok)
        | Plan::Multi(_, ref ok)
        | Plan::Extra(ref ok)
        | Plan::MsgTpl(ref ok)
            if none(ok) =>
        {
            Plan::Const(false)
        }
        Plan::Code(_, 0) => Plan::Const(false),
        Plan::Or(xs) => {
            let xs: Vec<Plan> = xs
                .into_iter()
                .map(prune)
                .filter(|x| !matches!(x, Plan::Const(false)))
                .collect();
            if xs.is_empty() {
                Plan::Const(false)
            } else {
                Plan::Or(xs)
            }
        }
        other => other,
    }
}

/// Can this free-text pattern be matched on message templates instead of messages? Yes when no
/// literal holds a digit or the placeholder and there is no `?`: such a match never overlaps a
/// digit run except through `*`, which matches the run and the placeholder alike.
fn template_safe(p: &super::ast::Pattern) -> bool {
    use super::ast::Piece;
    p.pieces.iter().all(|x| match x {
        Piece::Lit(s) => !s
            .chars()
            .any(|c| c.is_ascii_digit() || c == super::index::DIGITS),
        Piece::Star => true,
        Piece::One => false,
    })
}
