//! The order: who sends what to whom, in which parcels, with which services.
//!
//! An [`Order`] is what okno stores; an [`crate::OrderDraft`] is what a client supplies. The
//! difference is what okno assigns: the id, the tenant, the status, the version and the
//! timestamps. Times are UTC, except a client's deadline, which keeps the offset it was sent with.

use crate::enums::{
    HoldKind, MailCategory, MailType, OrderStatus, Priority, RequestedService, VatRate,
};
use crate::ids::{OrderId, ParticipantId, TenantId};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// An order as okno keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Order {
    /// okno's id (UUIDv7).
    pub id: OrderId,
    /// The tenant that owns the order.
    pub tenant_id: TenantId,
    /// The client's own order number; unique per tenant.
    #[schema(min_length = 1, max_length = 100)]
    pub client_order_number: String,
    /// Lifecycle state.
    pub status: OrderStatus,
    /// Priority when work competes.
    pub priority: Priority,
    /// When the order must be complete, with the offset the client sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub deadline: Option<DateTime<FixedOffset>>,
    /// The participant that placed the order, if it is not the tenant itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<ParticipantId>,
    /// Who sends; when absent, the tenant's default sender applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<Party>,
    /// Who receives.
    pub recipient: Party,
    /// The parcels (at least one).
    pub parcels: Vec<Parcel>,
    /// Services requested for the whole order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<RequestedService>,
    /// Free-text comment from the client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// What stops the order from moving on (several at once: address, payment, operator);
    /// the process waits at its gate until none is left.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holds: Vec<Hold>,
    /// What preparation found out: executor, price, label, tracking registration.
    #[serde(default, skip_serializing_if = "Fulfilment::is_empty")]
    pub fulfilment: Fulfilment,
    /// Optimistic-concurrency version; starts at 1 and grows by one with every change.
    pub version: i64,
    /// When okno accepted the order (UTC).
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    /// When the order last changed (UTC).
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

/// One reason an order may not move on, with who owns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Hold {
    /// Which kind; an order has at most one hold of each kind.
    pub kind: HoldKind,
    /// Who must act to release it: `process`, `shop`, `operator`, an API key, …
    pub owner: String,
    /// Why, for a person to read.
    pub reason: String,
    /// When it was placed (UTC).
    #[schema(value_type = String, format = DateTime)]
    pub placed_at: DateTime<Utc>,
}

/// What preparation found out about an order. Empty until its process gets that far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Fulfilment {
    /// Who carries the parcels (`russian-post` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor: Option<String>,
    /// The price quoted for the whole order, VAT included, in kopecks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_kopecks: Option<i64>,
    /// The VAT within the price, in kopecks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_vat_kopecks: Option<i64>,
    /// Longest delivery time quoted, in days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_days_max: Option<i64>,
    /// The Otpravka-style batch (партия) the order was shipped in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// When the label was issued (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub label_issued_at: Option<DateTime<Utc>>,
    /// When the track numbers were registered with tracking (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub tracking_registered_at: Option<DateTime<Utc>>,
    /// When the client was told the shipment is ready (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub client_notified_at: Option<DateTime<Utc>>,
    /// When the order was escalated as close to its deadline (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub escalated_at: Option<DateTime<Utc>>,
}

impl Fulfilment {
    /// Whether nothing is known yet.
    pub fn is_empty(&self) -> bool {
        *self == Fulfilment::default()
    }
}

/// A person or an organisation, with contacts and an address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Party {
    /// Фамилия.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    /// Имя.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Отчество.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Organisation name, when the party is a legal entity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// Phone as the client sent it (digits, `+`, spaces, brackets and dashes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^[0-9+()\\- .]{5,32}$")]
    pub phone: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 254, pattern = "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$")]
    pub email: Option<String>,
    /// Postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

/// The kind of a postal address (Otpravka `address-type`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AddressKind {
    /// Street, house, flat.
    #[default]
    Default,
    /// Абонентский ящик.
    PoBox,
    /// До востребования (held at the post office).
    Demand,
    /// Military unit.
    Unit,
}

/// A structured postal address. `raw` keeps the text exactly as the client sent it, so that
/// normalisation can always be redone and audited.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Address {
    /// The address text as received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// Kind of address.
    #[serde(default)]
    pub kind: AddressKind,
    /// ISO 3166-1 alpha-2 country code (default `RU`).
    #[serde(default = "russia")]
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: String,
    /// Postcode (six digits in Russia).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// Region (субъект РФ).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Area (район).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// City, town or settlement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Part of a place (микрорайон).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Street with its type, e.g. `ул. Тверская`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// House number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub house: Option<String>,
    /// Корпус.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corpus: Option<String>,
    /// Строение.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building: Option<String>,
    /// Литера.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub letter: Option<String>,
    /// Flat or room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// Office.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
}

fn russia() -> String {
    "RU".to_owned()
}

/// Outer dimensions of a parcel in millimetres.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dimensions {
    /// Longest side.
    #[schema(minimum = 1, maximum = 20000)]
    pub length_mm: i64,
    /// Middle side.
    #[schema(minimum = 1, maximum = 20000)]
    pub width_mm: i64,
    /// Shortest side.
    #[schema(minimum = 1, maximum = 20000)]
    pub height_mm: i64,
}

/// One physical parcel of an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Parcel {
    /// The client's reference for this parcel, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Gross mass in grams (as declared; the sorter may weigh it later).
    #[schema(minimum = 1, maximum = 1000000)]
    pub mass_grams: i64,
    /// Outer dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<Dimensions>,
    /// Declared value (объявленная ценность) in kopecks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1000000000000_i64)]
    pub declared_value_kopecks: Option<i64>,
    /// Cash on delivery (наложенный платёж) in kopecks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1000000000000_i64)]
    pub cash_on_delivery_kopecks: Option<i64>,
    /// Otpravka mail type.
    pub mail_type: MailType,
    /// Otpravka mail category.
    pub mail_category: MailCategory,
    /// Handle with care.
    #[serde(default)]
    pub fragile: bool,
    /// Contents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Item>,
    /// The track number okno issued for this parcel (UPU S10 or Russian 14-digit). Assigned by
    /// okno, never accepted from a client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(read_only)]
    pub track_number: Option<String>,
}

/// One line of a parcel's contents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Item {
    /// Stock-keeping unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Name as printed on documents.
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub name: String,
    /// Number of units.
    #[schema(minimum = 1, maximum = 1000000)]
    pub quantity: i64,
    /// Price of one unit in kopecks.
    #[schema(minimum = 0, maximum = 1000000000000_i64)]
    pub price_kopecks: i64,
    /// VAT rate.
    pub vat_rate: VatRate,
    /// Mass of one unit in grams.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1000000)]
    pub weight_grams: Option<i64>,
}

impl Order {
    /// Total declared value of all parcels, in kopecks.
    pub fn declared_value_kopecks(&self) -> i64 {
        self.parcels
            .iter()
            .filter_map(|parcel| parcel.declared_value_kopecks)
            .sum()
    }

    /// Total mass of all parcels, in grams.
    pub fn mass_grams(&self) -> i64 {
        self.parcels.iter().map(|parcel| parcel.mass_grams).sum()
    }
}
