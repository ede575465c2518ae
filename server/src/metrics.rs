//! Prometheus metrics (DESIGN.md §9): calls by method and code, call
//! latency, write-batch sizes, open watchers and the database pool, in the
//! text exposition format at `/metrics` ([`router`]).
//!
//! One registry per process: the gRPC layer, the write queue and the watch
//! streams record into it wherever they run.

use std::sync::{Arc, LazyLock};

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::store::Store;

type Labels = Vec<(&'static str, String)>;

pub struct Metrics {
    registry: Registry,
    pub calls: Family<Labels, Counter>,
    pub latency: Family<Labels, Histogram, fn() -> Histogram>,
    pub batch_size: Histogram,
    pub batches_begun_during_commit: Counter,
    pub watchers: Gauge,
    pub connections: Gauge,
    pool: Family<Labels, Gauge>,
}

fn latency_histogram() -> Histogram {
    // 0.1 ms … ~13 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 18))
}

pub static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("samprio");
    let calls = Family::<Labels, Counter>::default();
    registry.register(
        "grpc_requests",
        "gRPC calls finished, by method and status code",
        calls.clone(),
    );
    let latency = Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
    registry.register(
        "grpc_request_duration_seconds",
        "gRPC call latency until the last response byte, by method",
        latency.clone(),
    );
    let batch_size = Histogram::new(exponential_buckets(1.0, 2.0, 9));
    registry.register(
        "write_batch_size",
        "Mutations committed together in one write transaction",
        batch_size.clone(),
    );
    let batches_begun_during_commit = Counter::default();
    registry.register(
        "write_batches_begun_during_commit",
        "Write transactions begun while the batch before them committed (PostgreSQL)",
        batches_begun_during_commit.clone(),
    );
    let watchers = Gauge::default();
    registry.register("watchers", "Open Watch streams", watchers.clone());
    let connections = Gauge::default();
    registry.register("connections", "Open client connections", connections.clone());
    let pool = Family::<Labels, Gauge>::default();
    registry.register(
        "db_pool_connections",
        "Database pool connections by state (idle, in_use, max)",
        pool.clone(),
    );
    Metrics {
        registry,
        calls,
        latency,
        batch_size,
        batches_begun_during_commit,
        watchers,
        connections,
        pool,
    }
});

impl Metrics {
    /// Records a finished call.
    pub fn call(&self, method: &str, code: tonic::Code, seconds: f64) {
        self.calls
            .get_or_create(&vec![
                ("method", method.to_string()),
                ("code", code_name(code).to_string()),
            ])
            .inc();
        self.latency
            .get_or_create(&vec![("method", method.to_string())])
            .observe(seconds);
    }

    /// The current metrics in Prometheus' text format.
    pub fn render(&self, store: &dyn Store) -> String {
        let p = store.pool_state();
        for (state, n) in [
            ("idle", p.idle),
            ("in_use", p.size.saturating_sub(p.idle)),
            ("max", p.max),
        ] {
            self.pool
                .get_or_create(&vec![
                    ("engine", store.engine().to_string()),
                    ("state", state.to_string()),
                ])
                .set(n as i64);
        }
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

/// A Watch stream counted while it lives.
pub struct WatcherGuard(());

impl WatcherGuard {
    pub fn new() -> WatcherGuard {
        METRICS.watchers.inc();
        WatcherGuard(())
    }
}

impl Default for WatcherGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for WatcherGuard {
    fn drop(&mut self) {
        METRICS.watchers.dec();
    }
}

/// The canonical name of a status code, as gRPC's own metrics spell it.
pub fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "OK",
        Cancelled => "CANCELLED",
        Unknown => "UNKNOWN",
        InvalidArgument => "INVALID_ARGUMENT",
        DeadlineExceeded => "DEADLINE_EXCEEDED",
        NotFound => "NOT_FOUND",
        AlreadyExists => "ALREADY_EXISTS",
        PermissionDenied => "PERMISSION_DENIED",
        ResourceExhausted => "RESOURCE_EXHAUSTED",
        FailedPrecondition => "FAILED_PRECONDITION",
        Aborted => "ABORTED",
        OutOfRange => "OUT_OF_RANGE",
        Unimplemented => "UNIMPLEMENTED",
        Internal => "INTERNAL",
        Unavailable => "UNAVAILABLE",
        DataLoss => "DATA_LOSS",
        Unauthenticated => "UNAUTHENTICATED",
    }
}

/// `GET /metrics`, to be served on the metrics (or console) listener.
pub fn router(store: Arc<dyn Store>) -> axum::Router {
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let store = store.clone();
            async move {
                (
                    [(http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
                    METRICS.render(&*store),
                )
            }
        }),
    )
}
