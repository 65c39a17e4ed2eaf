//! The HTTP server: accept loop with a connection cap, optional TLS, hyper with header/body timeouts and size
//! limits, graceful shutdown, and the routes (SOAP, WSDL, health, readiness, metrics).

pub mod endpoint;
pub mod proxy;
mod routes;
pub mod summary;
pub mod tls;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::app::App;

/// What the HTTP layer enforces.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    pub body_limit: usize,
    pub max_connections: usize,
    pub max_headers: usize,
    pub max_header_bytes: usize,
    /// Also bounds the TLS handshake.
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    /// A SOAP request from the end of its head to its answer.
    pub request_timeout: Duration,
    /// Peers whose X-Forwarded-For / X-Forwarded-Proto are believed.
    pub trusted_proxies: Vec<proxy::Cidr>,
    /// How long shutdown waits for in-flight requests before closing their connections.
    pub shutdown_grace: Duration,
}

/// Everything the routes need, shared by all connections.
pub struct Server {
    pub app: Arc<App>,
    pub limits: HttpLimits,
    /// Whether connections speak TLS (the acceptor is `serve`'s argument).
    pub tls: bool,
    /// The native WSDL with soap:address pointing at us.
    pub wsdl: String,
    /// The DynECT 3.x WSDL (`/wsdl/dynect.wsdl`), likewise.
    pub dynect_wsdl: String,
    /// Set when shutdown begins: `/readyz` says 503 and every answer carries `Connection: close`.
    pub draining: AtomicBool,
}

/// After the signal, connections that are between requests get this long to send one more (answered with
/// `Connection: close`) before they are closed: closing an idle keep-alive connection races with a request the
/// client may be sending, which would then be lost with a reset.
const IDLE_LINGER: Duration = Duration::from_secs(2);

/// The native WSDL as written, served with its soap:address (1.1 and 1.2 ports) rewritten.
pub const NATIVE_WSDL: &str = include_str!("../../wsdl/usergate.wsdl");
const WSDL_ADDRESS: &str = "http://127.0.0.1:8080/SOAP/";

pub fn wsdl_for(endpoint_url: &str) -> String {
    NATIVE_WSDL.replace(WSDL_ADDRESS, endpoint_url)
}

/// Our DynECT 3.x WSDL as written, served with its soap:address rewritten.
pub const DYNECT_WSDL: &str = include_str!("../../wsdl/dynect.wsdl");

pub fn dynect_wsdl_for(endpoint_url: &str) -> String {
    DYNECT_WSDL.replacen(WSDL_ADDRESS, endpoint_url, 1)
}

/// Serves until `shutdown` resolves, then drains: stops accepting; answers from then on say `Connection: close`;
/// connections between requests get `IDLE_LINGER` to send one more; then idle ones are closed and busy ones finish
/// their request, until `shutdown_grace` after the signal, when whatever is left is closed. With `tls`, every
/// connection first completes a TLS handshake within the header timeout, holding its connection slot meanwhile.
pub async fn serve(
    server: Arc<Server>,
    listener: TcpListener,
    tls: Option<Arc<tls::Tls>>,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let max = server.limits.max_connections;
    let slots = Arc::new(Semaphore::new(max));
    // Flipped once the grace period is over: every connection still open is dropped (closed) at once.
    let (hard_stop, hard_stopped) = tokio::sync::watch::channel(false);
    let mut http = http1::Builder::new();
    // Without a timer hyper's header_read_timeout does nothing (the slowloris defence).
    http.timer(TokioTimer::new())
        .header_read_timeout(server.limits.header_timeout)
        .max_headers(server.limits.max_headers)
        .max_buf_size(server.limits.max_header_bytes)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&slots).acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and similar: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let srv = Arc::clone(&server);
        let svc = service_fn(move |req| routes::route(Arc::clone(&srv), peer, req));
        let mut hard = hard_stopped.clone();
        let Some(tls) = &tls else {
            let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), svc));
            tokio::spawn(async move {
                tokio::select! {
                    _ = conn => {}
                    _ = hard.wait_for(|stop| *stop) => {}
                }
                drop(permit);
            });
            continue;
        };
        let (tls, http, watcher) = (Arc::clone(tls), http.clone(), graceful.watcher());
        let handshake_timeout = server.limits.header_timeout;
        tokio::spawn(async move {
            let served = async {
                match tokio::time::timeout(handshake_timeout, tls.acceptor().accept(stream)).await {
                    Ok(Ok(stream)) => {
                        let _ = watcher.watch(http.serve_connection(TokioIo::new(stream), svc)).await;
                    }
                    Ok(Err(e)) => tracing::debug!(error = %e, peer = %peer, "TLS handshake failed"),
                    Err(_) => tracing::debug!(peer = %peer, "TLS handshake timed out"),
                }
            };
            tokio::select! {
                _ = served => {}
                _ = hard.wait_for(|stop| *stop) => {}
            }
            drop(permit);
        });
    }
    drop(listener);
    server.draining.store(true, Ordering::SeqCst);
    let deadline = tokio::time::Instant::now() + server.limits.shutdown_grace;
    let all_closed = || slots.available_permits() == max;
    // The linger: busy connections close after their next answer (it says `Connection: close`).
    let linger_end = tokio::time::Instant::now() + IDLE_LINGER.min(server.limits.shutdown_grace);
    while !all_closed() && tokio::time::Instant::now() < linger_end {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep_until(deadline) => {
            tracing::warn!("shutdown: grace period over, closing the remaining connections");
        }
    }
    let _ = hard_stop.send(true);
    // Dropping a connection's future closes its socket; wait until every connection task has done so.
    while !all_closed() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
