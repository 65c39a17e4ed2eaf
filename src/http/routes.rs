//! Routes: POST SOAP on `/SOAP/`, `/SOAP` and `/`; the WSDLs at `?wsdl`, `/wsdl/usergate.wsdl` and
//! `/wsdl/dynect.wsdl`; `/healthz` (alive), `/readyz` (the database answers, not shutting down), `/metrics`.
//! Body size and time limits are applied here, before any XML is read.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ALLOW, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;

use super::Server;
use super::endpoint::{Answer, Charset, Transport, fault_answer, handle};
use super::proxy;
use super::summary::{RequestSummary, Verdict};
use crate::domain::audit::{JobId, RequestMeta};
use crate::soap::{Fault, FaultCode, Version};

type Reply = Response<Full<Bytes>>;

fn plain(status: StatusCode, text: &'static str) -> Reply {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

fn is_soap_path(path: &str) -> bool {
    matches!(path, "/" | "/SOAP" | "/SOAP/")
}

/// The correlation id: `X-Request-Id`, else `X-Correlation-Id`, else a fresh one. Only short visible ASCII is
/// accepted, because it is echoed and logged.
fn correlation_id(headers: &HeaderMap) -> String {
    let given = ["x-request-id", "x-correlation-id"].iter().find_map(|h| {
        let v = headers.get(*h)?.to_str().ok()?;
        (!v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic())).then(|| v.to_owned())
    });
    given.unwrap_or_else(|| crate::auth::token::generate_uid().unwrap_or_else(|_| "unknown".into()))
}

/// What the Content-Type says: charset, the SOAP version of its media type (`None`: no Content-Type) and the 1.2
/// `action` parameter. `None` means 415.
fn content_type(headers: &HeaderMap) -> Option<(Charset, Option<Version>, Option<String>)> {
    let Some(raw) = headers.get(CONTENT_TYPE) else {
        // Some hand-written clients send none; the envelope still tells the version.
        return Some((Charset::Utf8, None, None));
    };
    let raw = raw.to_str().ok()?;
    let mut parts = raw.split(';');
    let media = Version::from_media_type(&parts.next()?.trim().to_ascii_lowercase())?;
    let mut charset = Charset::Utf8;
    let mut action = None;
    for p in parts {
        let Some((k, v)) = p.split_once('=') else {
            continue;
        };
        let v = v.trim().trim_matches('"');
        match k.trim().to_ascii_lowercase().as_str() {
            "charset" => {
                charset = match v.to_ascii_lowercase().as_str() {
                    "utf-8" | "utf8" => Charset::Utf8,
                    "utf-16" | "utf-16be" | "utf-16le" => Charset::Utf16,
                    _ => return None,
                }
            }
            "action" => action = Some(v.to_owned()),
            _ => {}
        }
    }
    Some((charset, Some(media), action))
}

fn answer(a: Answer, request_id: &str) -> Reply {
    let mut r = Response::new(Full::new(Bytes::from(a.body)));
    *r.status_mut() = StatusCode::from_u16(a.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(a.content_type));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        r.headers_mut().insert("x-request-id", v);
    }
    r
}

/// Counts a request in flight for as long as it lives (also when hyper drops it half-way).
struct InFlight<'a>(&'a prometheus_client::metrics::gauge::Gauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

pub async fn route(server: Arc<Server>, peer: SocketAddr, req: Request<Incoming>) -> Result<Reply, Infallible> {
    let metrics = &server.app.metrics;
    metrics.in_flight.inc();
    let _in_flight = InFlight(&metrics.in_flight);
    let path = req.uri().path();
    let query = req.uri().query().unwrap_or("");
    let wants_wsdl = query.eq_ignore_ascii_case("wsdl");
    let mut reply = match (req.method(), path) {
        (&Method::GET, p) if is_soap_path(p) && wants_wsdl => wsdl(&server.wsdl),
        (&Method::GET, "/wsdl/usergate.wsdl") => wsdl(&server.wsdl),
        (&Method::GET, "/wsdl/dynect.wsdl") => wsdl(&server.dynect_wsdl),
        (&Method::GET, "/healthz") => plain(StatusCode::OK, "ok\n"),
        (&Method::GET, "/readyz") => ready(&server).await,
        (&Method::GET, "/metrics") => metrics_text(&server).await,
        (&Method::POST, p) if is_soap_path(p) => soap_request(&server, peer, req).await,
        (_, p) if is_soap_path(p) => {
            let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "POST a SOAP envelope, or GET ?wsdl\n");
            r.headers_mut().insert(ALLOW, HeaderValue::from_static("POST, GET"));
            r
        }
        _ => plain(StatusCode::NOT_FOUND, "not found\n"),
    };
    if server.draining.load(Ordering::Relaxed) {
        // Shutting down: the client learns it before sending another request on this connection (hyper closes it
        // after this answer).
        reply.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    }
    Ok(reply)
}

/// 200 when the database answers a read and the server is not shutting down; else 503 (a load balancer then
/// sends traffic elsewhere).
async fn ready(server: &Server) -> Reply {
    if server.draining.load(Ordering::Relaxed) {
        return plain(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n");
    }
    let app = Arc::clone(&server.app);
    let read = tokio::task::spawn_blocking(move || app.store.customer_count());
    match tokio::time::timeout(READY_TIMEOUT, read).await {
        Ok(Ok(Ok(_))) => plain(StatusCode::OK, "ready\n"),
        _ => plain(StatusCode::SERVICE_UNAVAILABLE, "database not answering\n"),
    }
}

/// A readiness read slower than this counts as not answering.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// `/metrics`: the scrape-time gauges (live sessions: one count query) are read on the blocking pool.
async fn metrics_text(server: &Server) -> Reply {
    let app = Arc::clone(&server.app);
    let text = tokio::task::spawn_blocking(move || {
        let cutoffs = app.policy.session.cutoffs(app.clock.now());
        if let Ok(n) = app.store.live_sessions(cutoffs) {
            app.metrics.sessions_alive.set(i64::try_from(n).unwrap_or(i64::MAX));
        }
        app.metrics.encode()
    })
    .await;
    match text {
        Ok(text) => {
            let mut r = Response::new(Full::new(Bytes::from(text)));
            r.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            );
            r
        }
        Err(_) => plain(StatusCode::INTERNAL_SERVER_ERROR, "metrics unavailable\n"),
    }
}

fn wsdl(text: &str) -> Reply {
    let mut r = Response::new(Full::new(Bytes::copy_from_slice(text.as_bytes())));
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"));
    r
}

/// One SOAP request under the whole-request timeout, summarized once and logged.
async fn soap_request(server: &Server, peer: SocketAddr, req: Request<Incoming>) -> Reply {
    let started = std::time::Instant::now();
    let origin = proxy::origin(peer.ip(), req.headers(), &server.limits.trusted_proxies);
    let meta = RequestMeta {
        client_ip: Some(origin.client),
        client_addr: origin.client.to_string(),
        correlation_id: correlation_id(req.headers()),
    };
    let scheme = if server.tls { "https" } else { origin.forwarded_proto.unwrap_or("http") };
    let media_type = content_type(req.headers());
    // Answered in the version the Content-Type announces when the request runs out of time.
    let media = media_type.as_ref().and_then(|(_, media, _)| *media).unwrap_or(Version::V11);
    let work = soap(server, &meta, media_type, req);
    let (reply, verdict) = match tokio::time::timeout(server.limits.request_timeout, work).await {
        Ok(done) => done,
        Err(_) => {
            // The operation may still finish (a write commits or not); its audit record says which.
            let info = "server: the request did not finish in time; a change it asked for may still be made";
            let fault = Fault { err_cd: "SERVICE_UNAVAILABLE", ..Fault::new(FaultCode::Server, info) };
            let a = fault_answer(fault.in_version(media), JobId(0), None);
            let verdict = Verdict { job_id: None, ..a.verdict };
            (answer(a, &meta.correlation_id), verdict)
        }
    };
    let summary = RequestSummary::new(verdict, started.elapsed(), reply.status().as_u16());
    if let Some(outcome) = summary.metrics_outcome() {
        server.app.metrics.observe(summary.operation, outcome, summary.latency);
    }
    summary.log(&meta, scheme);
    reply
}

/// `media_type`: what the Content-Type said (`content_type`).
async fn soap(
    server: &Server,
    meta: &RequestMeta,
    media_type: Option<(Charset, Option<Version>, Option<String>)>,
    req: Request<Incoming>,
) -> (Reply, Verdict) {
    let refused = |status, text| (plain(status, text), Verdict::REFUSED);
    let limit = server.limits.body_limit;
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return refused(StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n");
    }
    let Some((charset, media, action_param)) = media_type else {
        return refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected text/xml or application/soap+xml in UTF-8 or UTF-16\n",
        );
    };
    let soap_action = req.headers().get("soapaction").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = Limited::new(req.into_body(), limit);
    let bytes = match tokio::time::timeout(server.limits.body_timeout, body.collect()).await {
        Ok(Ok(c)) => c.to_bytes(),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            return refused(StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n");
        }
        Ok(Err(_)) => return refused(StatusCode::BAD_REQUEST, "could not read the request body\n"),
        Err(_) => {
            return refused(StatusCode::REQUEST_TIMEOUT, "request body not received in time\n");
        }
    };
    let transport =
        Transport { charset, media, soap_action: soap_action.as_deref(), action_param: action_param.as_deref() };
    let a = handle(&server.app, &bytes, &transport, meta).await;
    let verdict = a.verdict;
    (answer(a, &meta.correlation_id), verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(value: &str) -> Option<(Charset, Option<Version>, Option<String>)> {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_str(value).expect("header value"));
        content_type(&h)
    }

    #[test]
    fn content_type_gives_version_charset_and_action() {
        assert_eq!(content_type(&HeaderMap::new()), Some((Charset::Utf8, None, None)));
        assert_eq!(parsed("text/xml"), Some((Charset::Utf8, Some(Version::V11), None)));
        assert_eq!(
            parsed("Application/SOAP+XML; charset=UTF-16; action=\"urn:usergate:1#GetUser\""),
            Some((Charset::Utf16, Some(Version::V12), Some("urn:usergate:1#GetUser".into())))
        );
        assert_eq!(
            parsed("application/soap+xml;action=x;charset=utf-8"),
            Some((Charset::Utf8, Some(Version::V12), Some("x".into())))
        );
        assert_eq!(parsed("application/xml"), None, "415");
        assert_eq!(parsed("text/xml; charset=latin1"), None, "415");
    }
}
