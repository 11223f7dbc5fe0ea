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

/// The typed paths and `samples` as a tree of keys, for the event walk (which skips their
/// subtrees): a key's entry is `None` when its path is typed or excluded, else the node for the
/// keys below it. Keys outside the tree need no test at all; this runs for every key of every
/// event indexed.
pub struct TypedNode {
    pub kids: &'static [(&'static str, Option<&'static TypedNode>)],
}

pub static TYPED_TREE: TypedNode = TypedNode {
    kids: &[
        ("samples", None),
        ("title", None),
        (
            "workflow",
            Some(&TypedNode {
                kids: &[
                    (
                        "triage",
                        Some(&TypedNode {
                            kids: &[
                                ("state", None),
                                (
                                    "assignee",
                                    Some(&TypedNode {
                                        kids: &[("handle", None), ("name", None), ("uuid", None)],
                                    }),
                                ),
                                ("archive_reason", None),
                                ("archiveReason", None),
                            ],
                        }),
                    ),
                    (
                        "rule",
                        Some(&TypedNode {
                            kids: &[("id", None), ("name", None), ("type", None)],
                        }),
                    ),
                    ("events_matched", None),
                    ("first_seen", None),
                    ("last_seen", None),
                ],
            }),
        ),
        (
            "http",
            Some(&TypedNode {
                kids: &[("client_ip", None)],
            }),
        ),
        (
            "network",
            Some(&TypedNode {
                kids: &[(
                    "client",
                    Some(&TypedNode {
                        kids: &[("ip", None)],
                    }),
                )],
            }),
        ),
        (
            "usr",
            Some(&TypedNode {
                kids: &[("id", None)],
            }),
        ),
        (
            "appsec",
            Some(&TypedNode {
                kids: &[("type", None)],
            }),
        ),
    ],
};

/// Where the walk goes under `key` from `node` (`None`: outside the tree).
pub enum TypedStep {
    /// The key's path is typed or excluded: skip its subtree.
    Skip,
    Below(Option<&'static TypedNode>),
}

pub fn typed_step(node: Option<&'static TypedNode>, key: &str) -> TypedStep {
    let Some(n) = node else {
        return TypedStep::Below(None);
    };
    match n.kids.iter().find(|(k, _)| *k == key) {
        None => TypedStep::Below(None),
        Some((_, None)) => TypedStep::Skip,
        Some((_, Some(c))) => TypedStep::Below(Some(c)),
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

    /// The tree's leaves, as dotted paths.
    fn leaves(n: &TypedNode, prefix: &str, out: &mut Vec<String>) {
        for (k, kid) in n.kids {
            let p = if prefix.is_empty() {
                k.to_string()
            } else {
                format!("{prefix}.{k}")
            };
            match kid {
                None => out.push(p),
                Some(c) => leaves(c, &p, out),
            }
        }
    }

    #[test]
    fn tree_is_the_typed_list_and_samples() {
        let mut got = Vec::new();
        leaves(&TYPED_TREE, "", &mut got);
        got.sort();
        let mut want: Vec<String> = TYPED_PATHS
            .iter()
            .chain(&["samples"])
            .map(|s| s.to_string())
            .collect();
        want.sort();
        assert_eq!(got, want);
        assert!(is_typed_or_excluded("samples.content.http.url"));
        assert!(is_typed_or_excluded("title.x"));
        assert!(!is_typed_or_excluded("titles"));
    }
}
