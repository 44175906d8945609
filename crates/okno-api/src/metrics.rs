//! Prometheus metrics, served as text at `/metrics`. One registry per application instance,
//! so tests can run many apps in one process.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::Arc;

/// Labels of one HTTP request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RequestLabels {
    pub(crate) method: String,
    pub(crate) route: String,
    pub(crate) status: u16,
}

/// Labels of a latency observation.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RouteLabels {
    pub(crate) method: String,
    pub(crate) route: String,
}

/// The application's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub(crate) requests: Family<RequestLabels, Counter>,
    pub(crate) latency: Family<RouteLabels, Histogram>,
    pub(crate) orders_created: Counter,
    pub(crate) orders_rejected: Counter,
    pub(crate) idempotent_replays: Counter,
    pub(crate) range_remaining: Family<RangeLabels, Gauge>,
    pub(crate) range_low: Family<RangeLabels, Gauge>,
    pub(crate) tracking_events: Counter,
}

/// Labels of a track number range's gauges.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RangeLabels {
    pub(crate) tenant: String,
    pub(crate) range: String,
}

fn latency_histogram() -> Histogram {
    Histogram::new([
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    ])
}

impl Metrics {
    /// A fresh registry with okno's metrics.
    pub fn new() -> Arc<Self> {
        let mut registry = Registry::with_prefix("okno");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(latency_histogram);
        let orders_created = Counter::default();
        let orders_rejected = Counter::default();
        let idempotent_replays = Counter::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            latency.clone(),
        );
        registry.register("orders_created", "Orders accepted", orders_created.clone());
        registry.register(
            "orders_rejected",
            "Order documents refused for invalid fields",
            orders_rejected.clone(),
        );
        registry.register(
            "idempotent_replays",
            "Requests answered from a stored idempotent response",
            idempotent_replays.clone(),
        );
        let range_remaining = Family::<RangeLabels, Gauge>::default();
        let range_low = Family::<RangeLabels, Gauge>::default();
        registry.register(
            "tracknumber_range_remaining",
            "Track numbers not yet issued, per range (updated on issue)",
            range_remaining.clone(),
        );
        registry.register(
            "tracknumber_range_low",
            "1 when a range is at or below its warning level: add a range before it runs out",
            range_low.clone(),
        );
        let tracking_events = Counter::default();
        registry.register(
            "tracking_events_stored",
            "Tracking operations stored (duplicates of stored ones not counted)",
            tracking_events.clone(),
        );
        Arc::new(Metrics {
            tracking_events,
            range_remaining,
            range_low,
            registry,
            requests,
            latency,
            orders_created,
            orders_rejected,
            idempotent_replays,
        })
    }

    /// Counts newly stored tracking operations.
    pub(crate) fn tracking_events_ingested(&self, stored: u64) {
        self.tracking_events.inc_by(stored);
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            tracing::error!("metrics encoding failed");
        }
        text
    }
}
