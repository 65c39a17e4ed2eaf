//! GetAuditEventsRequest (filters and keyset paging) and its answer: one `data` AuditEvent per record, newest
//! first, then `total` and `next_cursor`.

use super::Request;
use super::get_users::time;
use super::reader::{FAULT_INCOMPAT, Field, Fields, Kind, TOKEN, opt};
use crate::domain::DomainError;
use crate::domain::audit::Outcome;
use crate::domain::search::{AuditEvent, AuditFilter, OutcomeFilter, PageRequest};
use crate::domain::values::{Text, UserName};
use crate::soap::write::{close, elem, open};

pub const FIELDS: &[Field] = &[
    TOKEN,
    FAULT_INCOMPAT,
    opt("actor"),
    opt("target"),
    opt("operation"),
    opt("outcome"),
    opt("correlation_id"),
    opt("since"),
    opt("until"),
    Field { name: "page_size", min: 0, max: Some(1), kind: Kind::Int },
    opt("cursor"),
];

fn given<'a>(f: &'a Fields, name: &str) -> Option<&'a str> {
    f.text(name).filter(|t| !t.trim().is_empty())
}

pub fn decode(f: &Fields) -> Result<Request, DomainError> {
    let token = f.required("token")?.to_owned();
    let name = |n: &str| given(f, n).map(|v| UserName::parse(n, v.trim()).map(|u| u.key())).transpose();
    let filter = AuditFilter {
        actor: name("actor")?,
        target: name("target")?,
        operation: given(f, "operation")
            .map(|o| Text::parse("operation", o.trim()).map(|t| t.as_str().to_owned()))
            .transpose()?,
        outcome: given(f, "outcome")
            .map(|o| match o.trim() {
                "success" => Ok(OutcomeFilter::Success),
                "failure" => Ok(OutcomeFilter::Failure),
                _ => Err(DomainError::invalid("outcome", "success or failure expected")),
            })
            .transpose()?,
        correlation_id: given(f, "correlation_id")
            .map(|c| Text::parse("correlation_id", c.trim()).map(|t| t.as_str().to_owned()))
            .transpose()?,
        since: time(f, "since")?,
        until: time(f, "until")?,
    };
    let page = PageRequest::parse(given(f, "page_size"), given(f, "cursor"))?;
    Ok(Request::GetAuditEvents { token, filter: Box::new(filter), page })
}

/// One AuditEvent, in the WSDL's order.
pub fn write_event(out: &mut String, e: &AuditEvent) {
    open(out, "data");
    elem(out, "job_id", &e.job.0.to_string());
    elem(out, "at", &e.at.to_rfc3339());
    elem(out, "actor", &e.actor);
    elem(out, "operation", &e.operation);
    elem(out, "target", &e.target);
    match e.outcome {
        Outcome::Success => elem(out, "outcome", "success"),
        Outcome::Failure(code) => {
            elem(out, "outcome", "failure");
            elem(out, "err_cd", code);
        }
    }
    if let Some(info) = &e.info {
        elem(out, "info", info);
    }
    for c in &e.changed {
        elem(out, "changed", c);
    }
    elem(out, "client_addr", &e.client_addr);
    elem(out, "correlation_id", &e.correlation_id);
    close(out, "data");
}
