//! Durable storage for okno: one repository trait, [`Store`], and two implementations,
//! [`sqlite::SqliteStore`] (the embedded default: one file, WAL) and
//! [`postgres::PostgresStore`] (for many stateless okno nodes sharing one database).
//!
//! Key design choice: every change of an order is one call that writes the new state, one row of
//! the order's event log and, when the client sent an `Idempotency-Key`, the stored response, all
//! in one transaction. There is no way to change an order without its event, so the event log is
//! a complete audit trail, and the webhook deliveries of the event (the outbox, see
//! [`WebhookStore`]) are inserted in the same transaction. Orders carry a version for
//! optimistic concurrency: an update names the version it read and fails if another writer won.
//!
//! The store knows tables and transactions, not business rules: whether a cancellation is allowed
//! is decided in `okno-oms`; the store only guarantees that what it is given is written whole or
//! not at all.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use okno_model::{
    Actor, ApiKeyId, EventKind, MailType, Order, OrderEvent, OrderId, OrderStatus, Participant,
    TenantId, TrackingEvent,
};
use std::sync::Arc;

mod codec;
mod migrate;
mod otpravka;
mod postgres_otpravka;
mod postgres_process;
mod postgres_ranges;
mod postgres_tracking;
mod postgres_webhook;
mod process;
mod ranges;
mod sqlite_otpravka;
mod sqlite_process;
mod sqlite_process_rows;
mod sqlite_ranges;
mod sqlite_tracking;
mod sqlite_webhook;
mod tracking;
mod webhook;

pub use otpravka::{BATCH_ORDERS_MAX, BatchRecord, BatchStatus, OtpravkaAccount, OtpravkaStore};
pub use process::{
    InboxRecord, InstanceRecord, JobRecord, MessageRecord, MessageWrite, ProcessStep, ProcessStore,
    ProcessVersion, StartTimerRecord, SubscriptionRecord, TimerRecord,
};
pub use ranges::{RangeKind, SerialBlock, TrackNumberRange};
pub use tracking::{HISTORY_NUMBERS_MAX, TrackingTicket};
pub use webhook::{
    AttemptRecord, AttemptWrite, ClaimedDelivery, DeliveryFilter, DeliveryOutcome, DeliveryRecord,
    DeliveryStatus, RESPONSE_EXCERPT_BYTES_MAX, Requeue, WebhookEndpoint, WebhookStore,
};
pub mod postgres;
pub mod sqlite;
pub mod testing;

/// A client organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    /// Id.
    pub id: TenantId,
    /// Unique name.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// What an API key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRole {
    /// Acts within one tenant.
    Tenant(TenantId),
    /// Administers okno: tenants and keys.
    Operator,
}

/// A stored API key. The secret itself is never stored, only its SHA-256 hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// Id.
    pub id: ApiKeyId,
    /// Role and, for tenant keys, the tenant.
    pub role: KeyRole,
    /// SHA-256 of the secret.
    pub key_hash: Vec<u8>,
    /// The first characters of the secret, to tell keys apart in listings.
    pub prefix: String,
    /// Free-text label.
    pub label: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was revoked; a revoked key authenticates nothing.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The stored first response to a request carrying an `Idempotency-Key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// Tenant that sent the request.
    pub tenant_id: TenantId,
    /// The client's key.
    pub key: String,
    /// Hash of method, path and body of the first request.
    pub request_hash: String,
    /// HTTP status of the first response.
    pub status: u16,
    /// Body of the first response.
    pub body: String,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// An event to append with a change: the sequence is the order's new version.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    /// What happened.
    pub kind: EventKind,
    /// Who did it.
    pub actor: Actor,
    /// Details.
    pub payload: serde_json::Value,
}

/// One change of an order, written atomically.
#[derive(Clone, Debug)]
pub struct OrderWrite {
    /// The order as it is after the change (its `version` is the new version).
    pub order: Order,
    /// The event describing the change.
    pub event: NewEvent,
    /// The response to keep for the client's idempotency key, if it sent one.
    pub idempotency: Option<IdempotencyRecord>,
    /// A process inbox row committed with the change: the start of the order's process when
    /// creating, a message for it (a cancel, a shipment request) when updating. The change and
    /// what it tells the process land together or not at all.
    pub process_inbox: Vec<InboxRecord>,
}

/// Filters and cursor for listing orders, newest first.
#[derive(Clone, Debug, Default)]
pub struct OrderFilter {
    /// Only orders in this status.
    pub status: Option<OrderStatus>,
    /// Only the order with this client order number.
    pub client_order_number: Option<String>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before.
    pub created_to: Option<DateTime<Utc>>,
    /// Cursor: only orders older than this one.
    pub before: Option<OrderId>,
    /// Page size.
    pub limit: u32,
}

/// Storage failures. Clone, because one failed group commit answers many waiting writers.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The order changed since it was read.
    #[error("order {order_id} was changed concurrently: expected version {expected}")]
    VersionConflict {
        /// The order.
        order_id: OrderId,
        /// The version the writer read.
        expected: i64,
    },
    /// The tenant already has an order with this client order number.
    #[error("client order number {number:?} is already used by order {existing}")]
    DuplicateClientOrderNumber {
        /// The number.
        number: String,
        /// The order that has it.
        existing: OrderId,
    },
    /// Another request already stored a response under this idempotency key.
    #[error("idempotency key {0:?} is already used")]
    IdempotencyKeyTaken(String),
    /// A unique name (tenant, participant) is taken.
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// The thing to change does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// Another writer changed the row first (a process instance's revision, a timer, job,
    /// inbox row or buffered message already consumed); re-read and decide again.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A stored row could not be read back.
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The database failed or is unreachable.
    #[error("database error: {0}")]
    Backend(String),
}

/// Shorthand.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything okno persists. All order methods are scoped by tenant: an order of another tenant
/// is indistinguishable from one that does not exist.
#[async_trait]
pub trait Store:
    ProcessStore + OtpravkaStore + WebhookStore + Send + Sync + std::fmt::Debug + 'static
{
    /// Which backend this is: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Checks that the database answers.
    async fn ping(&self) -> StoreResult<()>;

    /// Creates a tenant.
    async fn create_tenant(&self, tenant: &Tenant) -> StoreResult<()>;
    /// Finds a tenant by id.
    async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>>;
    /// Finds a tenant by name.
    async fn tenant_by_name(&self, name: &str) -> StoreResult<Option<Tenant>>;
    /// Lists tenants by name.
    async fn tenants(&self) -> StoreResult<Vec<Tenant>>;
    /// Stores a new API key.
    async fn create_api_key(&self, key: &ApiKeyRecord) -> StoreResult<()>;
    /// Finds a key by the hash of its secret (revoked keys are returned too).
    async fn api_key_by_hash(&self, key_hash: &[u8]) -> StoreResult<Option<ApiKeyRecord>>;
    /// Lists the keys of a tenant, or the operator keys for `None`.
    async fn api_keys(&self, tenant_id: Option<TenantId>) -> StoreResult<Vec<ApiKeyRecord>>;
    /// Revokes a key; `NotFound` if there is none, idempotent if already revoked.
    async fn revoke_api_key(&self, id: ApiKeyId, at: DateTime<Utc>) -> StoreResult<()>;

    /// Inserts a new order (version 1) with its first event.
    async fn create_order(&self, write: OrderWrite) -> StoreResult<()>;
    /// Inserts many new orders, each in its own savepoint: one bad order does not stop the rest.
    async fn create_orders(&self, writes: Vec<OrderWrite>) -> StoreResult<Vec<StoreResult<()>>>;
    /// Replaces an order whose stored version is `write.order.version - 1`, appending the event.
    async fn update_order(&self, write: OrderWrite) -> StoreResult<()>;
    /// One order of a tenant.
    async fn order(&self, tenant_id: TenantId, id: OrderId) -> StoreResult<Option<Order>>;
    /// One order of a tenant by the client's number.
    async fn order_by_client_number(
        &self,
        tenant_id: TenantId,
        number: &str,
    ) -> StoreResult<Option<Order>>;
    /// A page of a tenant's orders, newest first.
    async fn orders(&self, tenant_id: TenantId, filter: &OrderFilter) -> StoreResult<Vec<Order>>;
    /// An order's events in sequence order, after `after_sequence`.
    async fn order_events(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        after_sequence: i64,
        limit: u32,
    ) -> StoreResult<Vec<OrderEvent>>;
    /// Counts a tenant's orders (for the demo, metrics and tests).
    async fn count_orders(&self, tenant_id: TenantId) -> StoreResult<u64>;

    /// The stored response for an idempotency key.
    async fn idempotency(
        &self,
        tenant_id: TenantId,
        key: &str,
    ) -> StoreResult<Option<IdempotencyRecord>>;
    /// Deletes idempotency records created before `before`; returns how many.
    async fn purge_idempotency(&self, before: DateTime<Utc>) -> StoreResult<u64>;

    /// Registers a participant, with the response to keep for the client's idempotency key
    /// in the same transaction.
    async fn create_participant(
        &self,
        participant: &Participant,
        idempotency: Option<&IdempotencyRecord>,
    ) -> StoreResult<()>;
    /// A tenant's participants by name.
    async fn participants(&self, tenant_id: TenantId) -> StoreResult<Vec<Participant>>;

    /// Adds a track number range (its `next_serial` is where issuing starts).
    async fn create_tracknumber_range(&self, range: &TrackNumberRange) -> StoreResult<()>;
    /// A tenant's ranges, oldest first, with how far each has been used.
    async fn tracknumber_ranges(&self, tenant_id: TenantId) -> StoreResult<Vec<TrackNumberRange>>;
    /// Durably takes up to `count` consecutive serials from the tenant's oldest range for the
    /// mail type that has any left; `None` when every such range is used up. Once this returns,
    /// no other caller (on any node) can get these serials, even after a crash.
    async fn reserve_serials(
        &self,
        tenant_id: TenantId,
        mail_type: MailType,
        count: i64,
    ) -> StoreResult<Option<SerialBlock>>;

    /// Stores reported tracking events in one transaction, skipping any whose key (number, UTC
    /// time, type, attribute, place) is already stored; returns how many were new.
    async fn insert_tracking_events(
        &self,
        tenant_id: TenantId,
        events: Vec<TrackingEvent>,
    ) -> StoreResult<u64>;
    /// The events of these numbers (at most [`HISTORY_NUMBERS_MAX`]), grouped by number and in
    /// time order within each.
    async fn tracking_events(&self, track_numbers: Vec<String>) -> StoreResult<Vec<TrackingEvent>>;
    /// Records a batch tracking ticket.
    async fn create_tracking_ticket(&self, ticket: &TrackingTicket) -> StoreResult<()>;
    /// A batch tracking ticket by id.
    async fn tracking_ticket(&self, id: &str) -> StoreResult<Option<TrackingTicket>>;
}

/// Opens the store a URL names, creating and migrating the database as needed:
/// `postgres://…` or `postgresql://…` for PostgreSQL; `sqlite://PATH` or a bare path for a
/// SQLite file. There is no in-memory mode: okno promises durability.
pub async fn open(url: &str) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = postgres::PostgresStore::connect(url).await?;
        return Ok(Arc::new(store));
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    let store = sqlite::SqliteStore::open(std::path::Path::new(path)).await?;
    Ok(Arc::new(store))
}

/// The event row a write produces, as it will read back.
pub(crate) fn event_of(write: &OrderWrite) -> OrderEvent {
    OrderEvent {
        order_id: write.order.id,
        sequence: write.order.version,
        kind: write.event.kind,
        actor: write.event.actor.clone(),
        at: write.order.updated_at,
        payload: write.event.payload.clone(),
    }
}
