//! Audit records: who did what to whom, when, from where, with which outcome and which fields changed.

use super::error::{DomainError, ErrCode};
use super::permission::Permission;
use super::session::Caller;
use super::store::Store;
use super::user::{CustomerId, User, UserId};
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
    /// The `info` of the call's one message: its INFO text on success, its error's on failure. GetJob answers it
    /// later, so it never holds a secret.
    pub info: String,
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

/// What GetJob answers about an earlier state-changing call: as it was answered, minus secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub job: JobId,
    pub actor: Option<UserId>,
    pub operation: String,
    pub outcome: Outcome,
    /// `None` for records written before results were kept.
    pub info: Option<String>,
    /// The affected user as the call answered it; `None` when the answer had no user (DeleteUser, logout) or held a
    /// secret (SessionLogin's token is never recorded).
    pub user: Option<User>,
}

impl JobRecord {
    /// The err_cd a stored outcome names, or `None` for a success.
    pub fn err_cd(&self) -> Option<&'static str> {
        match self.outcome {
            Outcome::Success => None,
            Outcome::Failure(code) => Some(code),
        }
    }
}

impl Outcome {
    /// Reads back a stored outcome (`success` or an err_cd); unknown codes are kept as INTERNAL_ERROR.
    pub fn parse(s: &str) -> Outcome {
        if s == "success" {
            return Outcome::Success;
        }
        Outcome::Failure(ErrCode::ALL.iter().find(|c| c.as_str() == s).unwrap_or(&ErrCode::InternalError).as_str())
    }
}

/// GetJob: a job of the caller's customer that left an audit record (reads leave none: NOT_FOUND, as do other
/// customers' jobs). The user data is a user view, so it goes only to the job's own actor or a holder of UserGet.
pub fn job(store: &dyn Store, caller: &Caller, id: JobId) -> Result<JobRecord, DomainError> {
    let mut record =
        store.job(caller.customer, id)?.ok_or_else(|| DomainError::new(ErrCode::NotFound, "job_id", "no such job"))?;
    if record.actor != Some(caller.user_id) && !caller.grants.allows(Permission::UserGet) {
        record.user = None;
    }
    Ok(record)
}
