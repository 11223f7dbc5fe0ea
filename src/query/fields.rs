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
    /// `sla`: `breached` or `ok`, from the triage SLA (see `sla.rs`); not a tag key.
    Sla,
    /// `id`: the signal's id (see `ids.rs`); not a tag key.
    Id,
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
            "sla" => Col::Sla,
            "id" => Col::Id,
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

/// The typed paths and `samples` as a tree of keys, for the event walk (which skips their
/// subtrees). Keys outside the tree need no test at all; this runs for every key of every
/// event indexed, so the tree is matches on the key rather than a table to search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypedNode {
    Root,
    Workflow,
    Triage,
    Assignee,
    Rule,
    Http,
    Network,
    NetworkClient,
    Usr,
    Appsec,
}

/// Where the walk goes under `key` from `node` (`None`: outside the tree).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypedStep {
    /// The key's path is typed or excluded: skip its subtree.
    Skip,
    Below(Option<TypedNode>),
}

pub fn typed_step(node: Option<TypedNode>, key: &str) -> TypedStep {
    use TypedNode as N;
    use TypedStep::{Below, Skip};
    let Some(node) = node else {
        return Below(None);
    };
    // The node first, then its few keys (a string match is a chain of compares).
    match node {
        N::Root => match key {
            "samples" | "title" => Skip,
            "workflow" => Below(Some(N::Workflow)),
            "http" => Below(Some(N::Http)),
            "network" => Below(Some(N::Network)),
            "usr" => Below(Some(N::Usr)),
            "appsec" => Below(Some(N::Appsec)),
            _ => Below(None),
        },
        N::Workflow => match key {
            "triage" => Below(Some(N::Triage)),
            "rule" => Below(Some(N::Rule)),
            "events_matched" | "first_seen" | "last_seen" => Skip,
            _ => Below(None),
        },
        N::Triage => match key {
            "state" | "archive_reason" | "archiveReason" => Skip,
            "assignee" => Below(Some(N::Assignee)),
            _ => Below(None),
        },
        N::Assignee => match key {
            "handle" | "name" | "uuid" => Skip,
            _ => Below(None),
        },
        N::Rule => match key {
            "id" | "name" | "type" => Skip,
            _ => Below(None),
        },
        N::Http => match key {
            "client_ip" => Skip,
            _ => Below(None),
        },
        N::Network => match key {
            "client" => Below(Some(N::NetworkClient)),
            _ => Below(None),
        },
        N::NetworkClient => match key {
            "ip" => Skip,
            _ => Below(None),
        },
        N::Usr => match key {
            "id" => Skip,
            _ => Below(None),
        },
        N::Appsec => match key {
            "type" => Skip,
            _ => Below(None),
        },
    }
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

    /// Walk a dotted path down the tree: whether it ends on a skipped key.
    fn skipped(path: &str) -> bool {
        let mut node = Some(TypedNode::Root);
        for seg in path.split('.') {
            match typed_step(node, seg) {
                TypedStep::Skip => return true,
                TypedStep::Below(n) => node = n,
            }
        }
        false
    }

    #[test]
    fn tree_is_the_typed_list_and_samples() {
        let exact: Vec<&str> = TYPED_PATHS.iter().copied().chain(["samples"]).collect();
        // The tree only goes down through proper prefixes of listed paths, and only names keys
        // that are segments of them: every such key under every such prefix covers every arm.
        let mut segs: Vec<&str> = exact.iter().flat_map(|p| p.split('.')).collect();
        segs.extend(["version", "url", "titles", "", "x"]);
        let mut prefixes = vec![String::new()];
        for e in &exact {
            let parts: Vec<&str> = e.split('.').collect();
            for n in 1..parts.len() {
                prefixes.push(parts[..n].join(".") + ".");
            }
        }
        for prefix in &prefixes {
            for seg in &segs {
                let p = format!("{prefix}{seg}");
                let typed = exact
                    .iter()
                    .any(|e| p == *e || p.starts_with(&format!("{e}.")));
                assert_eq!(skipped(&p), typed, "{p}");
            }
        }
        for e in &exact {
            assert!(skipped(e), "{e}");
        }
        assert!(!skipped("workflow.rule.version"));
        assert!(!skipped("workflow.triage.assignee.id"));
        assert!(is_typed_or_excluded("samples.content.http.url"));
        assert!(is_typed_or_excluded("title.x"));
        assert!(!is_typed_or_excluded("titles"));
    }
}
