//! The cases and incidents a signal is in, as both backends list them for the side panel.

/// The cases that link signal `id`, as the side panel lists them.
pub fn cases_of(all: Vec<crate::model::Case>, id: &str) -> Vec<super::backend::Choice> {
    all.into_iter()
        .filter(|c| c.signal_ids.iter().any(|s| s == id))
        .map(|c| super::backend::Choice {
            id: c.key,
            title: c.title,
        })
        .collect()
}

/// The incidents that link signal `id`.
pub fn incidents_of(all: Vec<crate::model::Incident>, id: &str) -> Vec<super::backend::Choice> {
    all.into_iter()
        .filter(|i| i.signal_ids.iter().any(|s| s == id))
        .map(|i| super::backend::Choice {
            id: i.display_id(),
            title: i.title,
        })
        .collect()
}

/// Name a user the server sent as a uuid only, from the cached user list.
pub fn name_user(a: &mut crate::model::Assignee, users: &[crate::model::User]) {
    if let Some(u) = users.iter().find(|u| u.uuid == a.uuid) {
        a.handle = Some(u.handle.clone());
        a.name = Some(u.name.clone()).filter(|n| !n.is_empty());
    }
}
