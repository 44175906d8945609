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
    /// A hold was placed on the order (address, payment, operator).
    #[serde(rename = "order.hold_placed")]
    HoldPlaced,
    /// A hold was released.
    #[serde(rename = "order.hold_released")]
    HoldReleased,
    /// The recipient's address was corrected.
    #[serde(rename = "order.address_corrected")]
    AddressCorrected,
    /// The executor and the price were chosen.
    #[serde(rename = "order.priced")]
    Priced,
    /// The label was issued; the order is ready to ship.
    #[serde(rename = "order.label_issued")]
    LabelIssued,
    /// The track numbers were registered with tracking.
    #[serde(rename = "order.tracking_registered")]
    TrackingRegistered,
    /// The client was told the shipment is ready (track numbers, label, price).
    #[serde(rename = "order.client_notified")]
    ClientNotified,
    /// The order is close to its deadline and was escalated.
    #[serde(rename = "order.escalated")]
    Escalated,
    /// A parcel was weighed and measured (the sorter).
    #[serde(rename = "order.measured")]
    Measured,
    /// The order was put in a batch (партия) or taken out of one.
    #[serde(rename = "order.batched")]
    Batched,
    /// The recipient's name, phone or address was replaced (a marketplace sent the buyer
    /// after acceptance).
    #[serde(rename = "order.recipient_changed")]
    RecipientChanged,
}

impl EventKind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [EventKind] = &[
        EventKind::Created,
        EventKind::Cancelled,
        EventKind::StatusChanged,
        EventKind::TrackNumberAssigned,
        EventKind::HoldPlaced,
        EventKind::HoldReleased,
        EventKind::AddressCorrected,
        EventKind::Priced,
        EventKind::LabelIssued,
        EventKind::TrackingRegistered,
        EventKind::ClientNotified,
        EventKind::Escalated,
        EventKind::Measured,
        EventKind::Batched,
        EventKind::RecipientChanged,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "order.created",
            EventKind::Cancelled => "order.cancelled",
            EventKind::StatusChanged => "order.status_changed",
            EventKind::TrackNumberAssigned => "order.tracknumber_assigned",
            EventKind::HoldPlaced => "order.hold_placed",
            EventKind::HoldReleased => "order.hold_released",
            EventKind::AddressCorrected => "order.address_corrected",
            EventKind::Priced => "order.priced",
            EventKind::LabelIssued => "order.label_issued",
            EventKind::TrackingRegistered => "order.tracking_registered",
            EventKind::ClientNotified => "order.client_notified",
            EventKind::Escalated => "order.escalated",
            EventKind::Measured => "order.measured",
            EventKind::Batched => "order.batched",
            EventKind::RecipientChanged => "order.recipient_changed",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|kind| kind.as_str() == text)
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
