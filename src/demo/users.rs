//! The demo team: at least one user per role, with stable uuids so signals can be assigned to them.
use crate::model::{Role, User};
use sha2::{Digest, Sha256};

const TEAM: &[(&str, &str, Role)] = &[
    ("admin@sigscope.test", "Ada Admin", Role::Admin),
    ("alice@sigscope.test", "Alice Analyst", Role::Standard),
    ("bob@sigscope.test", "Bob Responder", Role::Standard),
    ("carol@sigscope.test", "Carol Hunter", Role::Standard),
    ("ro@sigscope.test", "Rory Readonly", Role::ReadOnly),
];

/// A v4-shaped uuid derived from the handle, so every demo store agrees on it.
pub fn demo_uuid(handle: &str) -> String {
    let digest = Sha256::digest(handle.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

pub fn demo_users() -> Vec<User> {
    TEAM.iter()
        .map(|&(handle, name, role)| User {
            uuid: demo_uuid(handle),
            handle: handle.to_string(),
            name: name.to_string(),
            role,
            disabled: false,
        })
        .collect()
}

/// Users who may be assigned signals (read-only users cannot triage).
pub(crate) fn assignable() -> Vec<User> {
    demo_users()
        .into_iter()
        .filter(|u| u.role != Role::ReadOnly)
        .collect()
}
