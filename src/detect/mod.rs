//! Detection: event readers (ModSecurity / OWASP CRS JSON audit log, AWS WAF logs, the vendor's
//! application-security events) and the vendor's detection-rule model turning attack events into
//! signals. Signals go to the engine (`Engine::ingest`); this module writes nothing itself.
pub mod aws_waf;
pub mod catalogue;
pub mod condition;
pub mod eval;
pub mod event;
pub mod events;
pub mod families;
mod jsonutil;
pub mod logtime;
pub mod matcher;
pub mod modsecurity;
pub mod open_signal;
pub mod pipeline;
pub mod rule;
pub mod sample;
mod sample_json;
pub mod window;

pub use catalogue::Catalogue;
pub use eval::{Detector, Flush, GroupState, NoState, StateSource};
pub use event::{AttackEvent, WafMatch};
pub use open_signal::Emitted;
pub use rule::DetectionRule;

use crate::error::{Error, Result};

/// The formats `ingest --format` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    ModSecurity,
    AwsWaf,
    Events,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format> {
        match s {
            "modsecurity" | "modsec" | "coraza" => Ok(Format::ModSecurity),
            "aws-waf" | "awswaf" | "aws_waf" => Ok(Format::AwsWaf),
            "events" => Ok(Format::Events),
            other => Err(Error::Usage(format!(
                "unknown format {other:?} (modsecurity, aws-waf, events)"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::ModSecurity => "modsecurity",
            Format::AwsWaf => "aws-waf",
            Format::Events => "events",
        }
    }

    /// Read one line of this format.
    pub fn read(self, line: &str) -> std::result::Result<AttackEvent, String> {
        match self {
            Format::ModSecurity => modsecurity::parse(line),
            Format::AwsWaf => aws_waf::parse(line),
            Format::Events => events::parse(line),
        }
    }
}
