//! The canonical okno data model: the one vocabulary every other crate speaks.
//!
//! Central types: [`Order`] (with its [`Party`], [`Address`], [`Parcel`] and [`Item`]),
//! [`Participant`], [`OrderEvent`], and the identifiers in [`ids`]. Money is integer kopecks,
//! mass integer grams and lengths integer millimetres; field names carry the unit.
//!
//! Key design choice: this crate is pure data plus validation. It does no I/O, knows nothing of
//! storage, HTTP or BPMN, and depends on no other okno crate. Input from outside (a shop's JSON,
//! a CSV row mapped by a connector) becomes an [`OrderDraft`] only through [`input::parse_order_draft`],
//! which reports *every* failing field with a JSON pointer and a reason instead of stopping at the
//! first one, so an analyst or a shop developer can fix a payload in one round trip.

pub mod enums;
pub mod event;
pub mod ids;
pub mod input;
pub mod order;
pub mod participant;
pub mod tracking;

pub use enums::{
    HoldKind, MailCategory, MailType, OrderStatus, Priority, RequestedService, VatRate,
};
pub use event::{Actor, EventKind, OrderEvent};
pub use ids::{ApiKeyId, OrderId, ParticipantId, TenantId};
pub use input::{
    FieldError, OrderDraft, ParticipantDraft, parse_order_draft, parse_participant_draft,
};
pub use order::{Address, AddressKind, Dimensions, Fulfilment, Hold, Item, Order, Parcel, Party};
pub use participant::{Participant, ParticipantRoles};
pub use tracking::{
    TrackingEvent, TrackingOperation, TrackingStatus, normalize_track_number,
    parse_tracking_operations,
};
