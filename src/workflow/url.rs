//! Where a workflow's HTTP request goes is the author's choice. A signal field at the start of a
//! URL (`{{signal.host}}/api`) sent the bearer secret to a host the attacker chose; here the
//! scheme and host must come from the template text or a `{{vars.*}}` base from the config.
use super::template::{Part, Template};
use crate::error::{Error, Result};

/// `scheme://authority` of an http(s) URL, when it has a non-empty authority.
pub(super) fn origin_of(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(&url[..url.len() - rest.len() + end])
}

/// Where a URL template's scheme and host come from must be the author's: a literal
/// `http(s)://host` with no placeholder before the path, or a leading `{{vars.NAME}}` followed
/// by the path (`/`, `?`, `#`) or nothing, so no value can extend the host.
pub fn check_origin(t: &Template) -> Result<()> {
    match t.parts.as_slice() {
        [Part::Lit(l), ..] if l.starts_with("http://") || l.starts_with("https://") => {
            match origin_of(l) {
                Some(o) if o.len() < l.len() || t.parts.len() == 1 => Ok(()),
                _ => Err(Error::Invalid(
                    "the URL's host must be written in the template: a placeholder cannot be part of the host".into(),
                )),
            }
        }
        [Part::Var(v), rest @ ..] if v.starts_with("vars.") => match rest.first() {
            None => Ok(()),
            Some(Part::Lit(l)) if l.starts_with(['/', '?', '#']) => Ok(()),
            _ => Err(Error::Invalid(format!(
                "{{{{{v}}}}} must be followed by the path (/, ? or #): nothing may extend its host"
            ))),
        },
        [Part::Var(v), ..] => Err(Error::Invalid(format!(
            "the URL cannot begin with {{{{{v}}}}}: its scheme and host come from the template or a {{{{vars.*}}}} base, never from {}",
            v.split('.').next().unwrap_or(v)
        ))),
        _ => Err(Error::Invalid(
            "the URL must start with http://, https:// or a {{vars.*}} base".into(),
        )),
    }
}
