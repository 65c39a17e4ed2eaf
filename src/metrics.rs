//! `Metrics`: what `/metrics` exposes (Prometheus/OpenMetrics text), with every per-operation series registered at
//! start so that observing a request is a few atomic adds and one short lock, without hashing or allocation.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric as _};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::messages::Operation;

/// How a request ended, for the `outcome` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// A caller error (a Client/Sender fault or a `status=failure` answer with a caller err_cd).
    CallerError,
    /// INTERNAL_ERROR, OPERATION_FAILED, SERVICE_UNAVAILABLE, a panic.
    ServerError,
}

impl Outcome {
    const ALL: [Outcome; 3] = [Outcome::Success, Outcome::CallerError, Outcome::ServerError];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::CallerError => "caller_error",
            Outcome::ServerError => "server_error",
        }
    }
}

/// The `operation` label of a request that never reached an operation (unreadable envelope, unknown element).
pub const NO_OPERATION: &str = "none";

type Labels = [(&'static str, &'static str); 2];
type OpLabel = [(&'static str, &'static str); 1];

/// Latency buckets in seconds: a cached read takes tens of microseconds, a login with Argon2 tens of milliseconds.
const LATENCY_BUCKETS: [f64; 14] =
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

/// Group-commit batch sizes: powers of two up to the writer's cap (128).
pub fn batch_size_histogram() -> Histogram {
    Histogram::new([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0])
}

/// Per operation (index `Operation as usize`, then one slot for `NO_OPERATION`): counters by outcome and latency.
struct PerOperation {
    requests: [Counter<u64, AtomicU64>; 3],
    latency: Histogram,
}

pub struct Metrics {
    registry: Registry,
    per_op: Vec<PerOperation>,
    pub in_flight: Gauge,
    pub login_failures: Counter,
    pub lockouts: Counter,
    /// Set at scrape time from the store (a count over live sessions).
    pub sessions_alive: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// A gauge read when scraped (the writer's queue depth), so the hot path never writes it.
struct Sampled {
    name: &'static str,
    help: &'static str,
    read: Box<dyn Fn() -> i64 + Send + Sync>,
}

impl std::fmt::Debug for Sampled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl Collector for Sampled {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let gauge = ConstGauge::new((self.read)());
        let metric = encoder.encode_descriptor(self.name, self.help, None, gauge.metric_type())?;
        gauge.encode(metric)
    }
}

/// What the store lends the metrics: the group-commit batch-size histogram it observes, and its queue depth.
pub struct WriterGauges {
    pub batch_sizes: Histogram,
    pub queue_depth: Box<dyn Fn() -> i64 + Send + Sync>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new(None)
    }
}

impl Metrics {
    pub fn new(writer: Option<WriterGauges>) -> Metrics {
        let mut registry = Registry::with_prefix("usergate");
        let requests = Family::<Labels, Counter>::default();
        let latency =
            Family::<OpLabel, Histogram>::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS.iter().copied()));
        let names = Operation::ALL.iter().map(|op| op.name()).chain([NO_OPERATION]);
        let per_op = names
            .map(|name| PerOperation {
                requests: Outcome::ALL
                    .map(|o| requests.get_or_create_owned(&[("operation", name), ("outcome", o.as_str())])),
                latency: latency.get_or_create_owned(&[("operation", name)]),
            })
            .collect();
        registry.register("soap_requests", "SOAP requests answered, by operation and outcome", requests.clone());
        registry.register(
            "soap_request_duration_seconds",
            "Time from the request head to the answer, by operation",
            latency.clone(),
        );
        let in_flight = Gauge::default();
        registry.register("http_requests_in_flight", "HTTP requests being handled now", in_flight.clone());
        let login_failures = Counter::default();
        registry.register(
            "login_failures",
            "SessionLogin attempts refused (credentials, lockout, per-source rate)",
            login_failures.clone(),
        );
        let lockouts = Counter::default();
        registry.register("lockouts", "Accounts hard-locked after too many failed logins", lockouts.clone());
        let sessions_alive = Gauge::default();
        registry.register(
            "sessions_alive",
            "Sessions neither idle nor past their absolute lifetime",
            sessions_alive.clone(),
        );
        if let Some(w) = writer {
            registry.register(
                "writer_batch_size",
                "Writes committed together by one group-commit transaction",
                w.batch_sizes,
            );
            registry.register_collector(Box::new(Sampled {
                name: "writer_queue_depth",
                help: "Writes waiting for the writer connection",
                read: w.queue_depth,
            }));
        }
        Metrics { registry, per_op, in_flight, login_failures, lockouts, sessions_alive }
    }

    /// One answered SOAP request. `op`: `None` when it never reached an operation.
    pub fn observe(&self, op: Option<Operation>, outcome: Outcome, elapsed: Duration) {
        let slot = op.map_or(Operation::ALL.len(), |op| op as usize);
        if let Some(m) = self.per_op.get(slot) {
            m.requests[outcome as usize].inc();
            m.latency.observe(elapsed.as_secs_f64());
        }
    }

    /// The OpenMetrics text of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(16 * 1024);
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_its_series_before_any_request() {
        let m = Metrics::default();
        let text = m.encode();
        for op in Operation::ALL {
            let line = format!("usergate_soap_requests_total{{operation=\"{}\",outcome=\"success\"}} 0", op.name());
            assert!(text.contains(&line), "{line} missing");
        }
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn observe_counts_by_operation_and_outcome() {
        let m = Metrics::default();
        m.observe(Some(Operation::GetUser), Outcome::Success, Duration::from_micros(50));
        m.observe(Some(Operation::GetUser), Outcome::CallerError, Duration::from_millis(2));
        m.observe(None, Outcome::CallerError, Duration::from_millis(2));
        let text = m.encode();
        assert!(text.contains("usergate_soap_requests_total{operation=\"GetUser\",outcome=\"success\"} 1"), "{text}");
        assert!(text.contains("usergate_soap_requests_total{operation=\"GetUser\",outcome=\"caller_error\"} 1"));
        assert!(text.contains("usergate_soap_requests_total{operation=\"none\",outcome=\"caller_error\"} 1"));
        assert!(text.contains("usergate_soap_request_duration_seconds_count{operation=\"GetUser\"} 2"));
    }
}
