//! Audit records: who did what to whom, when, from where, with which outcome and which fields changed.

use super::error::DomainError;
use super::user::{CustomerId, UserId};
use super::values::Timestamp;

/// A job id: one strictly increasing sequence; a state-changing call's job id is its audit record's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct JobId(pub i64);

/// Where a request came from; carried into every audit record.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    /// The peer's address, for per-source limits; `None` when the request did not come over a socket.
    pub client_ip: Option<std::net::IpAddr>,
    pub client_addr: String,
    pub correlation_id: String,
}

/// One audit record. `changed` lists field names only, never values, so secrets never reach the log.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub job: JobId,
    pub at: Timestamp,
    pub customer: Option<CustomerId>,
    pub actor: Option<UserId>,
    pub actor_name: String,
    pub operation: &'static str,
    pub target: String,
    pub outcome: Outcome,
    pub changed: Vec<&'static str>,
    pub client_addr: String,
    pub correlation_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// The err_cd of the failure.
    Failure(&'static str),
}

impl Outcome {
    pub fn of(err: &DomainError) -> Outcome {
        Outcome::Failure(err.code.as_str())
    }
}
