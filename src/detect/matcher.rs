//! A detection rule's query (the Signals Explorer syntax) evaluated on one attack event, with the
//! vendor's event attribute names (`@http.client_ip`, `@appsec.type`, `service:`...).
use super::event::AttackEvent;
use crate::error::{Error, Result};
use crate::query::{match_cidr, match_value, Expr, Field, TermKind, TextMatcher, Val, Value};
use ipnet::IpNet;
use std::borrow::Cow;

/// An event attribute a query or a group-by can name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvField {
    ClientIp,
    User,
    Method,
    Url,
    Path,
    Status,
    UserAgent,
    /// `@appsec.type`: the attack families of the event.
    Family,
    Blocked,
    Category,
    RuleId,
    RuleName,
    RuleTag,
    Address,
    Payload,
    Service,
    Host,
    Source,
    EventId,
    /// A bare `key:` the event does not have (`env`, a tag key): matches through the WAF tags `key:value`.
    TagKey(String),
}

impl EvField {
    /// The field a query key names (`@http.client_ip`, `service`); `None` if events do not have it.
    pub fn parse(f: &Field) -> EvField {
        match f {
            Field::Key(k) => match k.as_str() {
                "service" => EvField::Service,
                "host" => EvField::Host,
                "source" => EvField::Source,
                other => EvField::TagKey(other.to_string()),
            },
            Field::Attr(p) => {
                Self::from_path(p).unwrap_or_else(|| EvField::TagKey(format!("@{p}")))
            }
        }
    }

    /// A group-by or distinct field as rules write it (`@http.client_ip` or `service`).
    pub fn from_name(name: &str) -> Result<EvField> {
        let f = Field::parse_key(name.trim());
        match EvField::parse(&f) {
            EvField::TagKey(k) if k.starts_with('@') => Err(Error::Invalid(format!(
                "unknown event attribute {name:?} (known: @http.client_ip, @usr.id, @http.url, @http.method, @http.status_code, @http.useragent, @appsec.type, @appsec.blocked, @appsec.triggers.rule.id, service, host, source)"
            ))),
            f => Ok(f),
        }
    }

    fn from_path(p: &str) -> Option<EvField> {
        Some(match p {
            "http.client_ip" | "network.client.ip" | "network.ip.list" => EvField::ClientIp,
            "usr.id" => EvField::User,
            "http.method" => EvField::Method,
            "http.url" => EvField::Url,
            "http.url_details.path" => EvField::Path,
            "http.status_code" => EvField::Status,
            "http.useragent" | "http.user_agent" => EvField::UserAgent,
            "appsec.type" => EvField::Family,
            "appsec.blocked" => EvField::Blocked,
            "appsec.category" => EvField::Category,
            "appsec.rule_id" | "appsec.triggers.rule.id" => EvField::RuleId,
            "appsec.triggers.rule.name" => EvField::RuleName,
            "appsec.triggers.rule.tags" => EvField::RuleTag,
            "appsec.triggers.rule_matches.parameters.address" => EvField::Address,
            "appsec.triggers.rule_matches.parameters.value" => EvField::Payload,
            "service" => EvField::Service,
            "host" | "http.host" => EvField::Host,
            "source" => EvField::Source,
            "event_id" | "trace_id" => EvField::EventId,
            _ => return None,
        })
    }

    /// The values of the field on an event (several for lists).
    pub fn values<'a>(&self, e: &'a AttackEvent, out: &mut Vec<Val<'a>>) {
        self.any_value(e, &mut |v| {
            out.push(v);
            false
        });
    }

    /// Call `f` on each value of the field, in order, until it answers true; whether it did. This
    /// is `values` without collecting them: queries run on every event of a log.
    pub fn any_value<'a>(&self, e: &'a AttackEvent, f: &mut dyn FnMut(Val<'a>) -> bool) -> bool {
        let mut opt = |s: &'a Option<String>| match s.as_deref().filter(|x| !x.is_empty()) {
            Some(x) => f(Val::Str(x)),
            None => false,
        };
        match self {
            EvField::ClientIp => opt(&e.client_ip),
            EvField::User => opt(&e.user),
            EvField::Method => opt(&e.method),
            EvField::Url => opt(&e.url),
            EvField::Path => match e.url.as_deref() {
                Some(u) => f(Val::Str(u.split('?').next().unwrap_or(u))),
                None => false,
            },
            EvField::Status => e.status.is_some_and(|s| f(Val::Num(s as f64))),
            EvField::UserAgent => opt(&e.user_agent),
            // The distinct families, in match order.
            EvField::Family => e.matches.iter().enumerate().any(|(i, m)| {
                m.family.as_deref().is_some_and(|fam| {
                    !e.matches[..i]
                        .iter()
                        .any(|p| p.family.as_deref() == Some(fam))
                        && f(Val::Str(fam))
                })
            }),
            EvField::Blocked => f(Val::Bool(e.blocked)),
            EvField::Category => e.is_attack() && f(Val::Str("attack_attempt")),
            EvField::RuleId => e.matches.iter().any(|m| f(Val::Str(m.rule_id.as_str()))),
            EvField::RuleName => e.matches.iter().any(|m| f(Val::Str(m.message.as_str()))),
            EvField::RuleTag => e
                .matches
                .iter()
                .any(|m| m.tags.iter().any(|t| f(Val::Str(t.as_str())))),
            EvField::Address => e
                .matches
                .iter()
                .filter_map(|m| m.address.as_deref())
                .any(|a| f(Val::Str(a))),
            EvField::Payload => e
                .matches
                .iter()
                .filter_map(|m| m.value.as_deref())
                .any(|v| f(Val::Str(v))),
            EvField::Service => opt(&e.service),
            EvField::Host => opt(&e.host),
            EvField::Source => f(Val::Str(e.source.as_str())),
            EvField::EventId => f(Val::Str(e.id.as_str())),
            EvField::TagKey(k) => e.matches.iter().any(|m| {
                m.tags.iter().any(|t| {
                    t.strip_prefix(k.as_str())
                        .and_then(|r| r.strip_prefix(':'))
                        .is_some_and(|v| f(Val::Str(v)))
                })
            }),
        }
    }

    /// The field's first value as text (group-by keys).
    pub fn first_text(&self, e: &AttackEvent) -> Option<String> {
        self.first_cow(e).map(Cow::into_owned)
    }

    /// The field's first value as text, borrowed from the event where it can be.
    pub fn first_cow<'a>(&self, e: &'a AttackEvent) -> Option<Cow<'a, str>> {
        let mut first = None;
        self.any_value(e, &mut |v| {
            first = Some(v);
            true
        });
        first.map(|v| match v {
            Val::Str(s) => Cow::Borrowed(s),
            other => Cow::Owned(other.text().into_owned()),
        })
    }
}

/// A parsed query, compiled for events.
#[derive(Clone, Debug)]
pub enum Matcher {
    All,
    And(Vec<Matcher>),
    Or(Vec<Matcher>),
    Not(Box<Matcher>),
    Text(TextMatcher),
    Field(EvField, Value),
    Cidr(EvField, Vec<IpNet>),
}

impl Matcher {
    pub fn compile(src: &str) -> Result<Matcher> {
        let q =
            crate::query::parse(src).map_err(|e| Error::Invalid(format!("query {src:?}: {e}")))?;
        Ok(match &q.root {
            None => Matcher::All,
            Some(e) => Self::expr(e),
        })
    }

    fn expr(e: &Expr) -> Matcher {
        match e {
            Expr::And(v) => Matcher::And(v.iter().map(Self::expr).collect()),
            Expr::Or(v) => Matcher::Or(v.iter().map(Self::expr).collect()),
            Expr::Not(x, _) => Matcher::Not(Box::new(Self::expr(x))),
            Expr::Term(t) => match &t.kind {
                TermKind::Text(p) => Matcher::Text(TextMatcher::new(p)),
                TermKind::Field(f, v) => Matcher::Field(EvField::parse(f), v.clone()),
                TermKind::Cidr(f, n) => Matcher::Cidr(EvField::parse(f), n.clone()),
            },
        }
    }

    pub fn matches(&self, e: &AttackEvent) -> bool {
        match self {
            Matcher::All => true,
            Matcher::And(v) => v.iter().all(|m| m.matches(e)),
            Matcher::Or(v) => v.iter().any(|m| m.matches(e)),
            Matcher::Not(m) => !m.matches(e),
            Matcher::Text(t) => free_text(e).any(|x| t.matches(x)),
            Matcher::Field(f, v) => f.any_value(e, &mut |x| match_value(v, &x)),
            Matcher::Cidr(f, nets) => f.any_value(e, &mut |x| match_cidr(nets, &x)),
        }
    }
}

/// What free-text terms search on an event: URL, user agent, client IP, user, service, the attack
/// families and the matched rules' messages and values.
fn free_text(e: &AttackEvent) -> impl Iterator<Item = &str> {
    [&e.url, &e.user_agent, &e.client_ip, &e.user, &e.service]
        .into_iter()
        .filter_map(|x| x.as_deref())
        .chain(e.families())
        .chain(e.matches.iter().map(|m| m.message.as_str()))
        .chain(e.matches.iter().filter_map(|m| m.value.as_deref()))
}
