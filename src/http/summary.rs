//! `RequestSummary`: what one SOAP request came to (operation, outcome, err_cd, job id, latency, HTTP status).
//! `routes` builds it once per POST to the SOAP endpoint, after the answer is ready; the request log line
//! (`log`, target `usergate::request`) and `/metrics` (`metrics_outcome`) read that same value.

use std::time::Duration;

use crate::domain::audit::RequestMeta;
use crate::messages::Operation;
use crate::metrics::Outcome;

/// How a request ended, from the caller's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestOutcome {
    /// `status=success`.
    Success,
    /// `status=failure` in a normal response (the caller sent `fault_incompat=1`) with a caller's err_cd.
    Failure,
    /// Likewise with a server-side err_cd (INTERNAL_ERROR, OPERATION_FAILED, SERVICE_UNAVAILABLE).
    ServerFailure,
    /// A SOAP fault that is the caller's (Client/Sender, VersionMismatch, MustUnderstand).
    ClientFault,
    /// A SOAP fault that is ours (Server/Receiver: INTERNAL_ERROR, SERVICE_UNAVAILABLE, ...).
    ServerFault,
    /// Refused by HTTP before any SOAP was read (413, 415, 408, 400), with no SOAP body.
    Refused,
}

impl RequestOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestOutcome::Success => "success",
            RequestOutcome::Failure => "failure",
            RequestOutcome::ServerFailure => "server_failure",
            RequestOutcome::ClientFault => "client_fault",
            RequestOutcome::ServerFault => "server_fault",
            RequestOutcome::Refused => "refused",
        }
    }
}

/// What the SOAP layer decided about a request (everything of the summary but time and HTTP status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// `None` when the request was refused before its operation was known.
    pub operation: Option<Operation>,
    pub outcome: RequestOutcome,
    pub err_cd: Option<&'static str>,
    pub job_id: Option<i64>,
}

impl Verdict {
    pub const REFUSED: Verdict =
        Verdict { operation: None, outcome: RequestOutcome::Refused, err_cd: None, job_id: None };
}

/// One request's summary. Copy and allocation-free: building it costs nothing when nobody listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestSummary {
    pub operation: Option<Operation>,
    pub outcome: RequestOutcome,
    pub err_cd: Option<&'static str>,
    pub job_id: Option<i64>,
    /// From the end of the request head to the answer being ready.
    pub latency: Duration,
    pub status: u16,
}

impl RequestSummary {
    pub fn new(verdict: Verdict, latency: Duration, status: u16) -> RequestSummary {
        let Verdict { operation, outcome, err_cd, job_id } = verdict;
        RequestSummary { operation, outcome, err_cd, job_id, latency, status }
    }

    /// The `/metrics` outcome label; `None` for an HTTP refusal, which `/metrics` does not count.
    pub fn metrics_outcome(&self) -> Option<Outcome> {
        match self.outcome {
            RequestOutcome::Success => Some(Outcome::Success),
            RequestOutcome::Failure | RequestOutcome::ClientFault => Some(Outcome::CallerError),
            RequestOutcome::ServerFailure | RequestOutcome::ServerFault => Some(Outcome::ServerError),
            RequestOutcome::Refused => None,
        }
    }

    /// The request log line: one `tracing` event at INFO on target `usergate::request` (off in the default
    /// `log_filter`; its fields are formatted only when a subscriber wants it).
    pub fn log(&self, meta: &RequestMeta, scheme: &'static str) {
        tracing::info!(
            target: "usergate::request",
            operation = self.operation.map(Operation::name),
            outcome = self.outcome.as_str(),
            err_cd = self.err_cd,
            job_id = self.job_id,
            latency_us = u64::try_from(self.latency.as_micros()).unwrap_or(u64::MAX),
            status = self.status,
            correlation_id = %meta.correlation_id,
            client = %meta.client_addr,
            scheme,
            "request"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_count_what_reached_soap_by_whose_fault() {
        let summary = |outcome| RequestSummary::new(Verdict { outcome, ..Verdict::REFUSED }, Duration::ZERO, 200);
        let cases = [
            (RequestOutcome::Success, Some(Outcome::Success)),
            (RequestOutcome::Failure, Some(Outcome::CallerError)),
            (RequestOutcome::ClientFault, Some(Outcome::CallerError)),
            (RequestOutcome::ServerFailure, Some(Outcome::ServerError)),
            (RequestOutcome::ServerFault, Some(Outcome::ServerError)),
            (RequestOutcome::Refused, None),
        ];
        for (outcome, metric) in cases {
            assert_eq!(summary(outcome).metrics_outcome(), metric, "{outcome:?}");
        }
    }
}
