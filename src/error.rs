//! The one error type every face of sigscope maps to an exit code.
use thiserror::Error;

/// Exit codes are part of the CLI contract (scripts branch on them), so they live next to the type.
#[derive(Debug, Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    NotFound(String),
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    #[error("{0}")]
    InvalidTransition(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("store: {0}")]
    Store(String),
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Other(String),
    /// A read that would cost more than it may (a query past its time budget).
    #[error("{0}")]
    TooCostly(String),
}

impl Error {
    /// A stable name for the kind of error, for scripts (`{"error":{"code":...}}`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Usage(_) => "usage",
            Error::NotFound(_) => "not_found",
            Error::PermissionDenied(_) => "permission_denied",
            Error::InvalidTransition(_) => "invalid_transition",
            Error::Conflict(_) => "conflict",
            Error::Invalid(_) => "invalid",
            Error::Store(_) => "store",
            Error::Io(_) => "io",
            Error::Other(_) => "error",
            Error::TooCostly(_) => "too_costly",
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 2,
            Error::NotFound(_) => 3,
            Error::PermissionDenied(_) => 4,
            Error::InvalidTransition(_) | Error::Conflict(_) => 5,
            _ => 1,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Store(e.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Invalid(format!("JSON: {e}"))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
