//! What a query key names: a typed signal field (held as an index column) or a raw event path.
//!
//! The slow path and the index both resolve keys here, so a key means the same in both.
use super::ast::Field;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col<'a> {
    Service,
    Env,
    Severity,
    Host,
    Source,
    /// Any other bare key: the tags `key:value`.
    Tag(&'a str),
    State,
    AssigneeHandle,
    AssigneeName,
    AssigneeUuid,
    ArchiveReason,
    RuleId,
    RuleName,
    RuleType,
    EventsMatched,
    FirstSeen,
    LastSeen,
    Title,
    /// `@http.client_ip` and `@network.client.ip`: the attackers' IPs from the event and its samples.
    AttackerIp,
    /// `@usr.id`: attacker users from the event and its samples.
    User,
    /// `@appsec.type`: attack types from the event and its samples.
    AttackType,
    /// Any other `@path`: looked up in the event JSON.
    Raw(&'a str),
}

/// Event paths answered by typed fields; the index does not keep them again as raw attributes.
pub const TYPED_PATHS: &[&str] = &[
    "workflow.triage.state",
    "workflow.triage.assignee.handle",
    "workflow.triage.assignee.name",
    "workflow.triage.assignee.uuid",
    "workflow.triage.archive_reason",
    "workflow.triage.archiveReason",
    "workflow.rule.id",
    "workflow.rule.name",
    "workflow.rule.type",
    "workflow.events_matched",
    "workflow.first_seen",
    "workflow.last_seen",
    "title",
    "http.client_ip",
    "network.client.ip",
    "usr.id",
    "appsec.type",
];

pub fn resolve(field: &Field) -> Col<'_> {
    match field {
        Field::Key(k) => match k.as_str() {
            "service" => Col::Service,
            "env" => Col::Env,
            "status" => Col::Severity,
            "host" => Col::Host,
            "source" => Col::Source,
            other => Col::Tag(other),
        },
        Field::Attr(p) => match p.as_str() {
            "workflow.triage.state" => Col::State,
            "workflow.triage.assignee.handle" => Col::AssigneeHandle,
            "workflow.triage.assignee.name" => Col::AssigneeName,
            "workflow.triage.assignee.uuid" => Col::AssigneeUuid,
            "workflow.triage.archive_reason" | "workflow.triage.archiveReason" => {
                Col::ArchiveReason
            }
            "workflow.rule.id" => Col::RuleId,
            "workflow.rule.name" => Col::RuleName,
            "workflow.rule.type" => Col::RuleType,
            "workflow.events_matched" => Col::EventsMatched,
            "workflow.first_seen" => Col::FirstSeen,
            "workflow.last_seen" => Col::LastSeen,
            "title" => Col::Title,
            "http.client_ip" | "network.client.ip" => Col::AttackerIp,
            "usr.id" => Col::User,
            "appsec.type" => Col::AttackType,
            other => Col::Raw(other),
        },
    }
}

/// Exactly a typed path or `samples` (the event walk skips their subtrees, so it needs no prefix
/// test; this runs for every key of every event indexed).
pub fn is_typed_or_excluded_exact(path: &str) -> bool {
    matches!(
        path,
        "samples"
            | "workflow.triage.state"
            | "workflow.triage.assignee.handle"
            | "workflow.triage.assignee.name"
            | "workflow.triage.assignee.uuid"
            | "workflow.triage.archive_reason"
            | "workflow.triage.archiveReason"
            | "workflow.rule.id"
            | "workflow.rule.name"
            | "workflow.rule.type"
            | "workflow.events_matched"
            | "workflow.first_seen"
            | "workflow.last_seen"
            | "title"
            | "http.client_ip"
            | "network.client.ip"
            | "usr.id"
            | "appsec.type"
    )
}

/// Is this event path (or one under it) answered by a typed field, or excluded from raw lookup?
/// `samples` is excluded: attack attempts reach queries through the attacker fields only.
pub fn is_typed_or_excluded(path: &str) -> bool {
    let under = |t: &str| {
        path.strip_prefix(t)
            .is_some_and(|r| r.is_empty() || r.starts_with('.'))
    };
    under("samples") || TYPED_PATHS.iter().any(|t| under(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_list_is_the_typed_list_and_samples() {
        for p in TYPED_PATHS.iter().chain(&["samples"]) {
            assert!(is_typed_or_excluded_exact(p), "{p}");
        }
        assert!(!is_typed_or_excluded_exact("http.url"));
        assert!(is_typed_or_excluded("samples.content.http.url"));
        assert!(is_typed_or_excluded("title.x"));
        assert!(!is_typed_or_excluded("titles"));
    }
}
