//! A detection rule's query (the Signals Explorer syntax) evaluated on one attack event, with the
//! vendor's event attribute names (`@http.client_ip`, `@appsec.type`, `service:`...).
use super::event::AttackEvent;
use crate::error::{Error, Result};
use crate::query::{match_cidr, match_value, Expr, Field, TermKind, TextMatcher, Val, Value};
use ipnet::IpNet;

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
        let opt = |s: &'a Option<String>, out: &mut Vec<Val<'a>>| {
            if let Some(x) = s.as_deref().filter(|x| !x.is_empty()) {
                out.push(Val::Str(x));
            }
        };
        match self {
            EvField::ClientIp => opt(&e.client_ip, out),
            EvField::User => opt(&e.user, out),
            EvField::Method => opt(&e.method, out),
            EvField::Url => opt(&e.url, out),
            EvField::Path => {
                if let Some(u) = e.url.as_deref() {
                    out.push(Val::Str(u.split('?').next().unwrap_or(u)));
                }
            }
            EvField::Status => out.extend(e.status.map(|s| Val::Num(s as f64))),
            EvField::UserAgent => opt(&e.user_agent, out),
            EvField::Family => out.extend(e.families().into_iter().map(Val::Str)),
            EvField::Blocked => out.push(Val::Bool(e.blocked)),
            EvField::Category => {
                if e.is_attack() {
                    out.push(Val::Str("attack_attempt"));
                }
            }
            EvField::RuleId => out.extend(e.matches.iter().map(|m| Val::Str(m.rule_id.as_str()))),
            EvField::RuleName => out.extend(e.matches.iter().map(|m| Val::Str(m.message.as_str()))),
            EvField::RuleTag => out.extend(
                e.matches
                    .iter()
                    .flat_map(|m| m.tags.iter().map(|t| Val::Str(t.as_str()))),
            ),
            EvField::Address => out.extend(
                e.matches
                    .iter()
                    .filter_map(|m| m.address.as_deref())
                    .map(Val::Str),
            ),
            EvField::Payload => out.extend(
                e.matches
                    .iter()
                    .filter_map(|m| m.value.as_deref())
                    .map(Val::Str),
            ),
            EvField::Service => opt(&e.service, out),
            EvField::Host => opt(&e.host, out),
            EvField::Source => out.push(Val::Str(e.source.as_str())),
            EvField::EventId => out.push(Val::Str(e.id.as_str())),
            EvField::TagKey(k) => {
                for m in &e.matches {
                    for t in &m.tags {
                        if let Some(v) =
                            t.strip_prefix(k.as_str()).and_then(|r| r.strip_prefix(':'))
                        {
                            out.push(Val::Str(v));
                        }
                    }
                }
            }
        }
    }

    /// The field's first value as text (group-by keys).
    pub fn first_text(&self, e: &AttackEvent) -> Option<String> {
        let mut out = Vec::new();
        self.values(e, &mut out);
        out.first().map(|v| v.text().into_owned())
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
            Matcher::Field(f, v) => {
                let mut out = Vec::new();
                f.values(e, &mut out);
                out.iter().any(|x| match_value(v, x))
            }
            Matcher::Cidr(f, nets) => {
                let mut out = Vec::new();
                f.values(e, &mut out);
                out.iter().any(|x| match_cidr(nets, x))
            }
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
