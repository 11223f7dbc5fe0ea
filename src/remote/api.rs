//! `remote::api`: the typed calls a face makes on a team server or the vendor's API, beyond the
//! signal list and the change feed in `client`. Paths, bodies and answer shapes live here, once;
//! the explorer's remote backend and the CLI get typed values back.
use super::client::{encode_segment, Client, ClientError, Flavor};
use crate::model::{
    Block, Case, CaseComment, CasePriority, CaseStatus, Incident, IncidentSeverity, IncidentState,
    Role,
};
use chrono::{DateTime, TimeDelta, Utc};
use reqwest::Method;
use serde_json::{json, Value};

/// One entry of a signal's triage history, as a sigscope server describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineItem {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub text: String,
}

/// A case or an incident to pick from: what the analyst types (`SEC-3`, `IR-7`) and its title.
#[derive(Clone, Debug, PartialEq)]
pub struct Pick {
    pub id: String,
    pub title: String,
}

/// A notification rule as the remote lists it (targets already masked by the remote).
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSummary {
    pub name: String,
    pub enabled: bool,
    pub severities: Vec<String>,
    pub query: String,
    pub targets: Vec<String>,
}

/// A new case. `assignee` is a user's uuid.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseDraft<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub priority: &'a str,
    pub assignee: Option<&'a str>,
    pub signal_ids: &'a [String],
}

fn uuid_ref(v: &Value, p: &str) -> Option<crate::model::Assignee> {
    text(v, p).map(|uuid| crate::model::Assignee {
        uuid,
        handle: None,
        name: None,
    })
}

/// A case from the server's JSON:API shape (`Case::to_json`).
fn case_of(c: &Value) -> Option<Case> {
    let t = |p: &str| text(c, p).unwrap_or_default();
    let time = |p: &str| crate::model::json::time_at(c, p).unwrap_or_default();
    let key = text(c, "/attributes/key")?;
    Some(Case {
        id: t("/id"),
        number: key
            .rsplit('-')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        key,
        title: t("/attributes/title"),
        description: t("/attributes/description"),
        priority: CasePriority::parse(&t("/attributes/priority")).unwrap_or_default(),
        status: CaseStatus::parse(&t("/attributes/status")).unwrap_or_default(),
        assignee: uuid_ref(c, "/relationships/assignee/data/id"),
        created_by: t("/relationships/created_by/data/id"),
        created_at: time("/attributes/created_at"),
        modified_at: time("/attributes/modified_at"),
        signal_ids: c
            .pointer("/attributes/insights")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|i| text(i, "/resource_id"))
            .collect(),
        comments: c
            .pointer("/attributes/comments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|m| CaseComment {
                author: text(m, "/author").unwrap_or_default(),
                time: crate::model::json::time_at(m, "/time").unwrap_or_default(),
                text: text(m, "/text").unwrap_or_default(),
            })
            .collect(),
    })
}

/// An incident from the server's JSON:API shape (`Incident::to_json`).
fn incident_of(i: &Value) -> Option<Incident> {
    let t = |p: &str| text(i, p).unwrap_or_default();
    let time = |p: &str| crate::model::json::time_at(i, p).unwrap_or_default();
    Some(Incident {
        id: t("/id"),
        public_id: i.pointer("/attributes/public_id").and_then(Value::as_i64)?,
        title: t("/attributes/title"),
        severity: IncidentSeverity::parse(&t("/attributes/fields/severity/value"))
            .unwrap_or_default(),
        state: IncidentState::parse(&t("/attributes/fields/state/value")).unwrap_or_default(),
        commander: uuid_ref(i, "/relationships/commander_user/data/id"),
        customer_impacted: i
            .pointer("/attributes/customer_impacted")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        created_by: String::new(),
        created_at: time("/attributes/created"),
        modified_at: time("/attributes/modified"),
        signal_ids: strings(i.pointer("/attributes/signal_ids")),
    })
}

/// A new incident. `commander` is a user's uuid.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentDraft<'a> {
    pub title: &'a str,
    pub severity: &'a str,
    pub commander: Option<&'a str>,
    pub customer_impacted: bool,
}

/// A user's role from the vendor's user shape (`attributes.role`, a label or a name).
pub fn role_of(user: &Value) -> Option<Role> {
    let label = user.pointer("/attributes/role").and_then(Value::as_str)?;
    [Role::Admin, Role::Standard, Role::ReadOnly]
        .into_iter()
        .find(|r| r.label() == label || Role::parse(label) == Some(*r))
}

fn list(v: &Value) -> impl Iterator<Item = &Value> {
    v.get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn text(v: &Value, p: &str) -> Option<String> {
    v.pointer(p).and_then(Value::as_str).map(str::to_string)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn bad(what: &str) -> ClientError {
    ClientError::Invalid(format!("{what}: the answer is not in the expected shape"))
}

impl Client {
    /// Whether this is a sigscope server (it has a denylist, a whoami and the audit timeline).
    pub fn is_sigscope(&self) -> bool {
        matches!(self.endpoint.flavor, Flavor::Sigscope)
    }

    fn sigscope_only(&self, what: &str) -> Result<(), ClientError> {
        if self.is_sigscope() {
            Ok(())
        } else {
            Err(ClientError::Invalid(format!(
                "{what} is a sigscope server's; the vendor's API has no such call"
            )))
        }
    }

    /// Whom the keys act as, and their role (a sigscope server's `whoami`).
    pub async fn whoami(&self) -> Result<(String, Option<Role>), ClientError> {
        self.sigscope_only("whoami")?;
        let v = self
            .send_once(Method::GET, "/api/v2/sigscope/whoami", &[], None, None)
            .await?;
        let user = v.get("data").unwrap_or(&Value::Null);
        let handle = text(user, "/attributes/handle").ok_or_else(|| bad("whoami"))?;
        Ok((handle, role_of(user)))
    }

    /// `who`'s role among the remote's users; `None` when `who` is not one of them.
    pub async fn role_of_user(&self, who: &str) -> Result<Option<Role>, ClientError> {
        let who = who.to_lowercase();
        let v = self
            .send_once(Method::GET, "/api/v2/users", &[], None, None)
            .await?;
        let role = list(&v)
            .find(|u| {
                ["/attributes/handle", "/attributes/email", "/id"]
                    .iter()
                    .filter_map(|p| u.pointer(p).and_then(Value::as_str))
                    .any(|s| s.to_lowercase() == who)
            })
            .and_then(role_of);
        Ok(role)
    }

    /// A signal's triage history from the server's audit trail, oldest first.
    pub async fn signal_timeline(&self, id: &str) -> Result<Vec<TimelineItem>, ClientError> {
        self.sigscope_only("the activity timeline")?;
        let path = format!("/api/v2/sigscope/signals/{}/timeline", encode_segment(id));
        let v = self.send_once(Method::GET, &path, &[], None, None).await?;
        Ok(list(&v)
            .filter_map(|e| {
                Some(TimelineItem {
                    at: crate::model::json::time_of(e.pointer("/attributes/time")?)?,
                    actor: text(e, "/attributes/actor")?,
                    text: text(e, "/attributes/text")?,
                })
            })
            .collect())
    }

    /// The server's denylist, newest first; with `include_inactive`, lifted and expired too.
    pub async fn denylist(&self, include_inactive: bool) -> Result<Vec<Block>, ClientError> {
        self.sigscope_only("the denylist")?;
        let query = [("all", include_inactive.to_string())];
        let v = self
            .send_once(Method::GET, "/api/v2/sigscope/denylist", &query, None, None)
            .await?;
        v.get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("the denylist"))?
            .iter()
            .map(|b| Block::from_json(b).map_err(|e| ClientError::Invalid(e.to_string())))
            .collect()
    }

    /// Add one value to the server's denylist (it extends an entry already in force); how many
    /// entries the server reports made or extended.
    pub async fn block(
        &self,
        kind: &str,
        value: &str,
        duration: Option<TimeDelta>,
        signal_id: Option<&str>,
        reason: &str,
    ) -> Result<usize, ClientError> {
        self.sigscope_only("the denylist")?;
        let mut attrs = json!({
            "value": value,
            // Never promoted to `range`: attacker values from a signal are sent as `ip`, and the
            // server refuses a range under that kind (a range in signal data is not an attacker).
            "kind": kind,
            "duration": duration.map_or_else(|| "permanent".to_string(), |d| format!("{}s", d.num_seconds())),
            "reason": reason,
        });
        if let Some(id) = signal_id {
            attrs["signal_id"] = json!(id);
        }
        let body = json!({"data": {"type": "denylist_entry", "attributes": attrs}});
        let v = self
            .send_once(
                Method::POST,
                "/api/v2/sigscope/denylist",
                &[],
                Some(&body),
                None,
            )
            .await?;
        Ok(v.get("data").and_then(Value::as_array).map_or(0, Vec::len))
    }

    /// Lift a block by its id.
    pub async fn unblock(&self, id: i64) -> Result<(), ClientError> {
        self.sigscope_only("the denylist")?;
        self.send_once(
            Method::DELETE,
            &format!("/api/v2/sigscope/denylist/{id}"),
            &[],
            None,
            None,
        )
        .await?;
        Ok(())
    }

    /// The cases, to pick one.
    pub async fn case_picks(&self) -> Result<Vec<Pick>, ClientError> {
        let v = self
            .send(Method::GET, "/api/v2/cases", &[], None, None)
            .await?;
        Ok(list(&v)
            .filter_map(|c| {
                Some(Pick {
                    id: text(c, "/attributes/key").or_else(|| text(c, "/id"))?,
                    title: text(c, "/attributes/title")?,
                })
            })
            .collect())
    }

    /// Every case, whole (`:cases`): the server's JSON:API shape back to the model. The assignee
    /// comes as a uuid only; the caller names it from its user list.
    pub async fn cases(&self) -> Result<Vec<Case>, ClientError> {
        let v = self
            .send(Method::GET, "/api/v2/cases", &[], None, None)
            .await?;
        Ok(list(&v).filter_map(case_of).collect())
    }

    /// Every incident, whole (`:incidents`); the commander as a uuid, as for cases.
    pub async fn incidents(&self) -> Result<Vec<Incident>, ClientError> {
        let v = self
            .send(Method::GET, "/api/v2/incidents", &[], None, None)
            .await?;
        Ok(list(&v).filter_map(incident_of).collect())
    }

    /// Open a case with everything the explorer's form asks for (description, assignee).
    pub async fn open_case(
        &self,
        d: &CaseDraft<'_>,
        project_id: Option<&str>,
        idem: Option<&str>,
    ) -> Result<Value, ClientError> {
        let insights: Vec<Value> = d
            .signal_ids
            .iter()
            .map(|id| json!({"type": "SECURITY_SIGNAL", "resource_id": id, "ref": format!("/security/signal?event={id}")}))
            .collect();
        let mut body = json!({"data": {"type": "case", "attributes": {
            "title": d.title, "description": d.description, "priority": d.priority,
            "type_id": super::client::SECURITY_CASE_TYPE, "insights": insights}}});
        let mut rel = serde_json::Map::new();
        if let Some(p) = project_id {
            rel.insert(
                "project".into(),
                json!({"data": {"id": p, "type": "project"}}),
            );
        }
        if let Some(a) = d.assignee {
            rel.insert(
                "assignee".into(),
                json!({"data": {"id": a, "type": "user"}}),
            );
        }
        if !rel.is_empty() {
            body["data"]["relationships"] = Value::Object(rel);
        }
        self.send(Method::POST, "/api/v2/cases", &[], Some(&body), idem)
            .await
    }

    /// The incidents, to pick one (`IR-n`).
    pub async fn incident_picks(&self) -> Result<Vec<Pick>, ClientError> {
        let v = self
            .send(Method::GET, "/api/v2/incidents", &[], None, None)
            .await?;
        Ok(list(&v)
            .filter_map(|i| {
                let n = i.pointer("/attributes/public_id").and_then(Value::as_i64)?;
                Some(Pick {
                    id: format!("IR-{n}"),
                    title: text(i, "/attributes/title")?,
                })
            })
            .collect())
    }

    /// Link signals to a case (the Case Management API's insights). `case` must be a case key.
    pub async fn add_to_case(
        &self,
        case: &str,
        signal_ids: &[String],
        idem: Option<&str>,
    ) -> Result<(), ClientError> {
        let ok = !case.is_empty()
            && case
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(ClientError::Invalid(format!(
                "case {:?}: not a case key",
                crate::sanitize::clean(case)
            )));
        }
        let insights: Vec<Value> = signal_ids
            .iter()
            .map(|id| json!({"type": "SECURITY_SIGNAL", "resource_id": id}))
            .collect();
        let body = json!({"data": {"type": "case", "attributes": {"insights": insights}}});
        self.send(
            Method::PUT,
            &format!("/api/v2/cases/{case}/insights"),
            &[],
            Some(&body),
            idem,
        )
        .await?;
        Ok(())
    }

    /// Declare an incident; its `public_id`.
    pub async fn declare_incident(
        &self,
        d: &IncidentDraft<'_>,
        idem: Option<&str>,
    ) -> Result<i64, ClientError> {
        let mut body = json!({"data": {"type": "incidents", "attributes": {
            "title": d.title, "customer_impacted": d.customer_impacted,
            "fields": {"severity": {"type": "dropdown", "value": d.severity},
                       "state": {"type": "dropdown", "value": "active"}}}}});
        if let Some(uuid) = d.commander {
            body["data"]["relationships"] =
                json!({"commander_user": {"data": {"id": uuid, "type": "users"}}});
        }
        let v = self
            .send(Method::POST, "/api/v2/incidents", &[], Some(&body), idem)
            .await?;
        v.pointer("/data/attributes/public_id")
            .and_then(Value::as_i64)
            .ok_or_else(|| bad("the declared incident"))
    }

    /// The notification rules (the vendor's API, which a sigscope server also serves).
    pub async fn notify_rule_summaries(&self) -> Result<Vec<RuleSummary>, ClientError> {
        let v = self
            .send_once(
                Method::GET,
                "/api/v2/security/signals/notification_rules",
                &[],
                None,
                None,
            )
            .await?;
        Ok(list(&v)
            .map(|r| RuleSummary {
                name: text(r, "/attributes/name").unwrap_or_else(|| "(unnamed)".into()),
                enabled: r
                    .pointer("/attributes/enabled")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
                severities: strings(r.pointer("/attributes/selectors/severities")),
                query: text(r, "/attributes/selectors/query").unwrap_or_default(),
                targets: strings(r.pointer("/attributes/targets")),
            })
            .collect())
    }
}
