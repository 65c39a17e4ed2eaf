//! The SOAP endpoint: bytes in, one response document out. Envelope -> message -> operation -> message -> envelope.

use std::sync::Arc;

use super::summary::{RequestOutcome, Verdict};
use crate::app::{App, Policy};
use crate::domain::audit::{JobId, RequestMeta};
use crate::domain::{DomainError, ErrCode};
use crate::messages::common::{Frame, Msg, write_response};
use crate::messages::profile::{self, Profile};
use crate::messages::reader::DecodeError;
use crate::messages::{self, Operation, write_data};
use crate::ops::{self, Ctx};
use crate::soap::{Fault, FaultCode, Version, envelope};

/// A finished answer: HTTP status, content type and body, and what it says (for the request's summary).
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub verdict: Verdict,
}

/// The charset a request body is in (design.md section 6: UTF-8 or UTF-16, from Content-Type or BOM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    Utf16,
}

/// Bytes to text: BOM first, then the declared charset; the XML declaration's encoding is ignored (WS-I R1019).
pub fn decode_text(body: &[u8], charset: Charset) -> Result<String, Fault> {
    let not_text = || Fault::client("INVALID_DATA", "xml: the body is not valid UTF-8 or UTF-16 text");
    if let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8(rest.to_vec()).map_err(|_| not_text());
    }
    let utf16 = |bytes: &[u8], big: bool| -> Result<String, Fault> {
        if !bytes.len().is_multiple_of(2) {
            return Err(not_text());
        }
        let units = bytes.chunks_exact(2).map(|c| {
            let pair = [c[0], c[1]];
            if big { u16::from_be_bytes(pair) } else { u16::from_le_bytes(pair) }
        });
        char::decode_utf16(units).collect::<Result<String, _>>().map_err(|_| not_text())
    };
    if let Some(rest) = body.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, false);
    }
    if let Some(rest) = body.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, true);
    }
    match charset {
        Charset::Utf8 => String::from_utf8(body.to_vec()).map_err(|_| not_text()),
        // UTF-16 without a BOM is big-endian (RFC 2781).
        Charset::Utf16 => utf16(body, true),
    }
}

/// A fault as the answer; `op` when the operation was known.
pub fn fault_answer(mut fault: Fault, job: JobId, op: Option<Operation>) -> Answer {
    fault.job_id = Some(job.0);
    let mut body = String::with_capacity(768);
    fault.write(&mut body);
    let outcome =
        if fault.code == FaultCode::Server { RequestOutcome::ServerFault } else { RequestOutcome::ClientFault };
    let verdict = Verdict { operation: op, outcome, err_cd: Some(fault.err_cd), job_id: Some(job.0) };
    Answer { status: fault.http_status(), content_type: fault.version.content_type(), body, verdict }
}

/// A domain or field failure, as a fault or (with fault_incompat=1) a `status=failure` response, in the profile's
/// namespace.
fn failure_answer(
    (profile, op): (Profile, Operation),
    version: Version,
    fault_incompat: bool,
    err: &DomainError,
    job: JobId,
) -> Answer {
    let outcome = if err.code.is_caller_error() { RequestOutcome::Failure } else { RequestOutcome::ServerFailure };
    if fault_incompat {
        let mut body = String::with_capacity(768);
        let msgs = [Msg::error(err)];
        let (ns, response_element) = (profile.namespace(), profile.response_element(op));
        let frame = Frame { version, response_element: &response_element, ns: &ns, job_id: job.0, success: false };
        write_response(&mut body, frame, &msgs, |out| messages::write_failure_data(out, profile, op));
        let verdict = Verdict { operation: Some(op), outcome, err_cd: Some(err.code.as_str()), job_id: Some(job.0) };
        return Answer { status: 200, content_type: version.content_type(), body, verdict };
    }
    let code = if err.code.is_caller_error() { FaultCode::Client } else { FaultCode::Server };
    let fault = Fault {
        code,
        version,
        err_cd: err.code.as_str(),
        info: err.info.clone(),
        source: "BLL",
        job_id: None,
        detail_ns: profile.namespace(),
        not_understood: Box::default(),
    };
    fault_answer(fault, job, Some(op))
}

async fn job_id(app: &Arc<App>) -> JobId {
    let app = Arc::clone(app);
    match tokio::task::spawn_blocking(move || app.store.next_job_id()).await {
        Ok(Ok(job)) => job,
        _ => JobId(0),
    }
}

/// A request read as far as it could be: a typed request, or why not.
pub struct Parsed {
    pub version: Version,
    pub profile: Profile,
    pub op: Operation,
    pub decoded: messages::Decoded,
}

/// Why a request cannot run: an envelope-level fault, or a field error of a known operation (answered per
/// `fault_incompat`).
#[derive(Debug)]
pub enum Rejected {
    Envelope(Fault),
    Field { profile: Profile, op: Operation, version: Version, fault_incompat: bool, error: DomainError },
}

/// What the HTTP layer says about a SOAP request: the body's charset, the SOAP version its media type announces
/// (`None` without a Content-Type), and the actions it names (SOAPAction header, 1.2 `action` parameter).
#[derive(Debug, Clone, Copy)]
pub struct Transport<'a> {
    pub charset: Charset,
    pub media: Option<Version>,
    pub soap_action: Option<&'a str>,
    pub action_param: Option<&'a str>,
}

impl Default for Transport<'_> {
    fn default() -> Self {
        Transport { charset: Charset::Utf8, media: None, soap_action: None, action_param: None }
    }
}

/// `read_request_with` for a request that only has a SOAPAction to say (no Content-Type facts).
pub fn read_request(text: &str, soap_action: Option<&str>, policy: &Policy) -> Result<Parsed, Rejected> {
    read_request_with(text, &Transport { soap_action, ..Transport::default() }, policy)
}

/// Text to typed request, without I/O: the envelope (and its version against the media type's), the operation,
/// the action checks, the message, and the rest of the envelope. Pure, so that tests and fuzzers can drive it
/// without a socket.
pub fn read_request_with(text: &str, transport: &Transport<'_>, policy: &Policy) -> Result<Parsed, Rejected> {
    // A Content-Type of the other version than the envelope is answered in the Content-Type's version.
    let mut env = envelope::open_as(text, policy.xml, transport.media).map_err(Rejected::Envelope)?;
    let version = env.version;
    let (profile, op) = profile::resolve(&env.operation).map_err(|f| Rejected::Envelope(f.in_version(version)))?;
    // From here on every fault's ErrorResponse is in the namespace the request used.
    let envelope_fault = |f: Fault| Rejected::Envelope(f.in_version(version).in_namespace(profile.namespace()));
    // Dispatch is on the body (CXF CVE-2012-3451); a SOAPAction or 1.2 action naming another of our operations is
    // refused.
    let actions = [("SOAPAction", transport.soap_action), ("action", transport.action_param)];
    for (label, action) in actions {
        if let Some(named) = action.and_then(Operation::from_action).filter(|named| *named != op) {
            let info = format!("{label}: names {} but the body holds {}", named.name(), profile.op_name(op));
            return Err(envelope_fault(Fault::client("INVALID_REQUEST", info)));
        }
    }
    // Unreadable XML inside the operation is the answer at once: the reader cannot go on from there.
    let decoded = match messages::decode(profile, op, &env.operation, &mut env.reader, &policy.input) {
        Ok(d) => Ok(d),
        Err(DecodeError::Envelope(fault)) => return Err(envelope_fault(fault)),
        Err(DecodeError::Field { fault_incompat, error }) => {
            Err(Rejected::Field { profile, op, version, fault_incompat, error })
        }
    };
    // The rest of the envelope must be well-formed even when the message's fields were not.
    envelope::finish(&mut env.reader, version).map_err(envelope_fault)?;
    Ok(Parsed { version, profile, op, decoded: decoded? })
}

/// Handles one SOAP request body, with what the HTTP layer said about it.
pub async fn handle(app: &Arc<App>, body: &[u8], transport: &Transport<'_>, meta: &RequestMeta) -> Answer {
    let text = match decode_text(body, transport.charset) {
        Ok(text) => text,
        Err(fault) => {
            let fault = fault.in_version(transport.media.unwrap_or(Version::V11));
            return fault_answer(fault, job_id(app).await, None);
        }
    };
    let Parsed { version, profile, op, decoded } = match read_request_with(&text, transport, &app.policy) {
        Ok(parsed) => parsed,
        Err(Rejected::Envelope(fault)) => return fault_answer(fault, job_id(app).await, None),
        Err(Rejected::Field { profile, op, version, fault_incompat, error }) => {
            return failure_answer((profile, op), version, fault_incompat, &error, job_id(app).await);
        }
    };
    let fault_incompat = decoded.fault_incompat;
    let now = app.clock.now();
    // Cheap reads run here, on the async worker: SQLite point reads (through the session cache) cost less than the
    // hand-off to the blocking pool. Anything that may write or hash goes there.
    if let Some(hash) = ops::reads_only(app, &decoded.request, now)
        && let Some(job) = app.store.next_job_id_if_reserved()
    {
        let ctx = Ctx { app, meta, job, now, token_hash: Some(hash) };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ops::dispatch(&ctx, decoded.request)));
        return match outcome {
            Ok(result) => answer_for((profile, op), version, fault_incompat, job, result),
            Err(_) => panicked((profile, op), version, job),
        };
    }
    // Closed only if the App is gone, which cannot happen while a request holds it.
    let _slot = if decoded.request.needs_password_work() { app.password_gate.acquire().await.ok() } else { None };
    let worker = Arc::clone(app);
    // The blocking pool needs its own copy; the in-place read above did not.
    let meta = meta.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let job = worker.store.next_job_id()?;
        let ctx = Ctx { app: &worker, meta: &meta, job, now, token_hash: None };
        Ok::<_, DomainError>((job, ops::dispatch(&ctx, decoded.request)))
    })
    .await;
    match outcome {
        Ok(Ok((job, result))) => answer_for((profile, op), version, fault_incompat, job, result),
        Ok(Err(err)) => failure_answer((profile, op), version, fault_incompat, &err, JobId(0)),
        Err(join) => {
            tracing::error!(error = %join, "blocking task failed");
            panicked((profile, op), version, job_id(app).await)
        }
    }
}

/// A panic in a handler is a Server fault; the process and the other requests carry on.
fn panicked((profile, op): (Profile, Operation), version: Version, job: JobId) -> Answer {
    tracing::error!(operation = op.name(), "operation panicked");
    let err = DomainError { code: ErrCode::InternalError, info: "server: internal error".into() };
    failure_answer((profile, op), version, false, &err, job)
}

/// The answer to an operation that ran under `job`.
/// `(profile, op)`: the answer is written in the profile's names, shapes and namespace.
fn answer_for(
    (profile, op): (Profile, Operation),
    version: Version,
    fault_incompat: bool,
    job: JobId,
    result: Result<ops::Reply, DomainError>,
) -> Answer {
    match result {
        Ok(reply) => {
            let mut body = String::with_capacity(2048);
            // GetJob answers in the frame of the call it reports on.
            let (job, success, msg) = match reply.replay {
                Some(r) => (r.job, r.success, r.msg),
                None => (job, true, Msg::info(reply.info)),
            };
            let (ns, response_element) = (profile.namespace(), profile.response_element(op));
            let frame = Frame { version, response_element: &response_element, ns: &ns, job_id: job.0, success };
            let msgs: Vec<Msg> = std::iter::once(msg).chain(reply.warning.map(Msg::warn)).collect();
            write_response(&mut body, frame, &msgs, |out| write_data(out, &reply.data, profile));
            // A GetJob replay reports the outcome of the call it answers for; this call itself succeeded.
            let verdict =
                Verdict { operation: Some(op), outcome: RequestOutcome::Success, err_cd: None, job_id: Some(job.0) };
            Answer { status: 200, content_type: version.content_type(), body, verdict }
        }
        Err(err) => failure_answer((profile, op), version, fault_incompat, &err, job),
    }
}
