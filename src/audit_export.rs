//! The audit trail leaving the database: `usergate admin audit export` (JSON lines or RFC 4180 CSV, streamed row by
//! row) and `usergate admin audit purge` (only what a recorded all-customer export covers), plus the server's
//! retention timer that purges the same way.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use crate::admin::AdminError;
use crate::domain::audit::{AuditEntry, Outcome};
use crate::domain::search::{AuditEvent, ExportScope, ExportSummary, PurgeOutcome};
use crate::domain::values::{CustomerName, Timestamp};
use crate::domain::{DomainError, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// RFC 4180: a header line, CRLF line ends, fields quoted when they hold a comma, quote, CR or LF.
    Csv,
}

const CSV_HEADER: [&str; 12] = [
    "job_id",
    "at",
    "customer",
    "actor",
    "operation",
    "target",
    "outcome",
    "err_cd",
    "info",
    "changed",
    "client_addr",
    "correlation_id",
];

fn outcome(o: &Outcome) -> (&'static str, &'static str) {
    match o {
        Outcome::Success => ("success", ""),
        Outcome::Failure(code) => ("failure", code),
    }
}

/// One CSV field per RFC 4180 section 2: quoted (quotes doubled) when it holds a comma, quote, CR or LF.
fn csv_field(out: &mut Vec<u8>, s: &str) {
    if s.contains([',', '"', '\r', '\n']) {
        out.push(b'"');
        out.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

fn csv_line(out: &mut Vec<u8>, fields: &[&str]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        csv_field(out, f);
    }
    out.extend_from_slice(b"\r\n");
}

/// One record in `format` (with its line end).
pub fn encode(format: Format, e: &AuditEvent, out: &mut Vec<u8>) {
    let (result, err_cd) = outcome(&e.outcome);
    match format {
        Format::Jsonl => {
            let v = serde_json::json!({
                "job_id": e.job.0,
                "at": e.at.to_rfc3339(),
                "customer": e.customer,
                "actor": e.actor,
                "operation": e.operation,
                "target": e.target,
                "outcome": result,
                "err_cd": (!err_cd.is_empty()).then_some(err_cd),
                "info": e.info,
                "changed": e.changed,
                "client_addr": e.client_addr,
                "correlation_id": e.correlation_id,
            });
            out.extend_from_slice(v.to_string().as_bytes());
            out.push(b'\n');
        }
        Format::Csv => {
            let (job, at, changed) = (e.job.0.to_string(), e.at.to_rfc3339(), e.changed.join(" "));
            let customer = e.customer.as_deref().unwrap_or("");
            let info = e.info.as_deref().unwrap_or("");
            csv_line(
                out,
                &[
                    &job,
                    &at,
                    customer,
                    &e.actor,
                    &e.operation,
                    &e.target,
                    result,
                    err_cd,
                    info,
                    &changed,
                    &e.client_addr,
                    &e.correlation_id,
                ],
            );
        }
    }
}

/// Writes the records of `customer` (or all) from `since` (or the beginning) to `out`, row by row from one
/// snapshot, then records the export once `out` has taken every byte. Returns what was written.
pub fn export(
    store: &dyn Store,
    format: Format,
    customer: Option<&str>,
    since: Option<Timestamp>,
    out: &mut dyn Write,
) -> Result<ExportSummary, AdminError> {
    let customer = match customer {
        None => None,
        Some(name) => {
            let name = CustomerName::parse("customer", name)?;
            let id = store.find_customer(&name)?;
            Some(id.ok_or_else(|| AdminError::Other(format!("no customer {}", name.as_str())))?)
        }
    };
    let scope = ExportScope { customer, since };
    let mut line = Vec::with_capacity(512);
    let mut io_error: Option<std::io::Error> = None;
    if format == Format::Csv {
        csv_line(&mut line, &CSV_HEADER);
        out.write_all(&line).map_err(|e| AdminError::Other(format!("writing the export: {e}")))?;
    }
    let streamed = store.export_audit(scope, &mut |event| {
        line.clear();
        encode(format, event, &mut line);
        out.write_all(&line).map_err(|e| {
            io_error = Some(e);
            DomainError::internal()
        })
    });
    if let Some(e) = io_error {
        return Err(AdminError::Other(format!("writing the export: {e}")));
    }
    let summary = streamed?;
    out.flush().map_err(|e| AdminError::Other(format!("writing the export: {e}")))?;
    // Only a complete export counts for a purge.
    store.record_export(scope, Timestamp::now(), summary)?;
    Ok(summary)
}

fn purge_entry(store: &dyn Store, before: Timestamp) -> Result<AuditEntry, AdminError> {
    let mut entry = crate::admin::audit(store, "AdminAuditPurge", "audit")?;
    entry.changed.clear();
    entry.info = format!("purge: audit records before {}", before.to_rfc3339());
    Ok(entry)
}

/// Removes the audit records from before `before`, refusing unless an all-customer export covers them.
pub fn purge(store: &dyn Store, before: Timestamp) -> Result<u64, AdminError> {
    match store.purge_audit(before, &purge_entry(store, before)?)? {
        PurgeOutcome::Purged(n) => Ok(n),
        PurgeOutcome::NotExported { newest } => Err(AdminError::Other(format!(
            "audit records before {} (up to job {}) are not covered by an export: run `usergate admin audit export` \
             (all customers, no --since later than them) first",
            before.to_rfc3339(),
            newest.0
        ))),
    }
}

/// The cutoff of a retention of `days` at `now`.
pub fn retention_cutoff(now: Timestamp, days: u32) -> Timestamp {
    Timestamp(now.0.saturating_sub(i64::from(days) * 86_400))
}

/// With `audit_retention_days` set, the server purges hourly what has aged out and is covered by an export; what
/// is not exported yet stays (and is purged on a later round, after an export).
pub fn spawn_retention(store: Arc<dyn Store>, days: u32) -> Option<tokio::task::JoinHandle<()>> {
    if days == 0 {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let store = Arc::clone(&store);
            let before = retention_cutoff(Timestamp::now(), days);
            let done = tokio::task::spawn_blocking(move || purge(store.as_ref(), before)).await;
            match done {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!(purged = n, "audit retention: purged records older than {days} days"),
                Ok(Err(e)) => tracing::warn!("audit retention: {e}"),
                Err(e) => tracing::error!("audit retention: {e}"),
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::JobId;

    fn event(info: &str) -> AuditEvent {
        AuditEvent {
            job: JobId(7),
            at: Timestamp(0),
            customer: Some("acme".into()),
            actor: "owner".into(),
            operation: "UpdateUser".into(),
            target: "ann".into(),
            outcome: Outcome::Failure("INVALID_DATA"),
            info: Some(info.into()),
            changed: vec!["city".into(), "email".into()],
            client_addr: "127.0.0.1".into(),
            correlation_id: "c-1".into(),
        }
    }

    #[test]
    fn csv_quotes_per_rfc_4180() {
        let mut out = Vec::new();
        encode(Format::Csv, &event("email: \"x,y\"\r\nnot valid"), &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "7,1970-01-01T00:00:00Z,acme,owner,UpdateUser,ann,failure,INVALID_DATA,\
             \"email: \"\"x,y\"\"\r\nnot valid\",city email,127.0.0.1,c-1\r\n"
        );
    }

    #[test]
    fn jsonl_is_one_object_per_line() {
        let mut out = Vec::new();
        encode(Format::Jsonl, &event("a\nb"), &mut out);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.matches('\n').count(), 1);
        let v: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(v["info"], "a\nb");
        assert_eq!(v["err_cd"], "INVALID_DATA");
        assert_eq!(v["changed"][1], "email");
    }
}
