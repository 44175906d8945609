//! The canonical payload of a webhook:
//!
//! ```json
//! {"type": "order.cancelled", "timestamp": "2026-11-29T10:00:00.000000Z",
//!  "data": {"order_id": "…", "sequence": 2, "event": {…}, "order": {…}}}
//! ```
//!
//! `type` is the event type, `timestamp` when the event happened (RFC 3339, UTC). `data.sequence`
//! is the event's number **per order** (the order's version after it), not a global counter;
//! `data.event` is the order event as the API shows it, `data.order` the order as it is when the
//! webhook is sent (so a late retry shows the newest state; compare `order.version` with
//! `sequence`). The receiver deduplicates by the `webhook-id` header, which is the same on every
//! retry and replay of one delivery.

use chrono::SecondsFormat;
use okno_model::{Order, OrderEvent};
use serde_json::{Value, json};

/// The canonical body.
pub fn canonical(event: &OrderEvent, order: &Order) -> Value {
    json!({
        "type": event.kind.as_str(),
        "timestamp": event.at.to_rfc3339_opts(SecondsFormat::Micros, true),
        "data": {
            "order_id": event.order_id,
            "sequence": event.sequence,
            "event": event,
            "order": order,
        }
    })
}
