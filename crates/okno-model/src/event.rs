//! Order events: the append-only audit log of every change of an order, and later the outbox
//! that webhooks are delivered from.

use crate::ids::OrderId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What happened to an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum EventKind {
    /// The order was accepted and stored.
    #[serde(rename = "order.created")]
    Created,
    /// The order was cancelled.
    #[serde(rename = "order.cancelled")]
    Cancelled,
    /// The order's status changed for another reason.
    #[serde(rename = "order.status_changed")]
    StatusChanged,
    /// Track numbers were issued for the order's parcels.
    #[serde(rename = "order.tracknumber_assigned")]
    TrackNumberAssigned,
}

impl EventKind {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "order.created",
            EventKind::Cancelled => "order.cancelled",
            EventKind::StatusChanged => "order.status_changed",
            EventKind::TrackNumberAssigned => "order.tracknumber_assigned",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "order.created" => Some(EventKind::Created),
            "order.cancelled" => Some(EventKind::Cancelled),
            "order.status_changed" => Some(EventKind::StatusChanged),
            "order.tracknumber_assigned" => Some(EventKind::TrackNumberAssigned),
            _ => None,
        }
    }
}

/// Who caused an event: `api-key:<id>`, `cli`, `system`, `process:<instance>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = String)]
pub struct Actor(pub String);

impl Actor {
    /// The command-line tool acting for an operator.
    pub fn cli() -> Self {
        Actor("cli".to_owned())
    }
    /// okno itself.
    pub fn system() -> Self {
        Actor("system".to_owned())
    }
}

/// One row of an order's event log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderEvent {
    /// The order.
    pub order_id: OrderId,
    /// 1, 2, 3, … per order, without gaps; the order's version after the change.
    pub sequence: i64,
    /// What happened.
    pub kind: EventKind,
    /// Who did it.
    pub actor: Actor,
    /// When (UTC).
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
    /// Details: the created order, the reason of a cancellation, …
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}
