//! Storage for the Otpravka-compatible API ([`OtpravkaStore`]): accounts, the numeric order ids
//! Otpravka clients expect, batches (партии), and the order lookups by batch and by track number.
//!
//! An order's batch is not a column of its own: it is `fulfilment.batch` in the order body,
//! written with the order's `order.batched` event, and found through an expression index, so
//! the batch an order is in can never disagree with its event log. Track numbers are found the
//! same way (SQLite: a table kept by triggers in the order's transaction; PostgreSQL: a GIN
//! index over the parcels). The numeric id of an order is handed out on first use and never
//! changes; ids are global (like Otpravka's), lookups are by tenant.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use okno_model::{MailCategory, MailType, Order, OrderId, TenantId};

use crate::StoreResult;

/// Most orders one batch lookup returns.
pub const BATCH_ORDERS_MAX: u32 = 10_000;

/// An Otpravka account of a tenant: what `X-User-Authorization: Basic` carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtpravkaAccount {
    /// Owner.
    pub tenant_id: TenantId,
    /// Login (unique per tenant).
    pub login: String,
    /// The password as a PHC string (Argon2id); the password itself is never stored.
    pub password_hash: String,
    /// When it was created or its password last set.
    pub created_at: DateTime<Utc>,
}

/// The life of a batch, in Otpravka's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchStatus {
    /// Open: orders may join or leave.
    Created,
    /// Closed for changes.
    Frozen,
    /// Accepted by the post office.
    Accepted,
    /// The electronic F103 was sent (checked in).
    Sent,
    /// Archived.
    Archived,
}

impl BatchStatus {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Created => "CREATED",
            BatchStatus::Frozen => "FROZEN",
            BatchStatus::Accepted => "ACCEPTED",
            BatchStatus::Sent => "SENT",
            BatchStatus::Archived => "ARCHIVED",
        }
    }

    /// From the stored name.
    pub fn parse(text: &str) -> Option<BatchStatus> {
        Some(match text {
            "CREATED" => BatchStatus::Created,
            "FROZEN" => BatchStatus::Frozen,
            "ACCEPTED" => BatchStatus::Accepted,
            "SENT" => BatchStatus::Sent,
            "ARCHIVED" => BatchStatus::Archived,
            _ => return None,
        })
    }
}

/// A batch as stored. Its orders are those whose `fulfilment.batch` is its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchRecord {
    /// Owner.
    pub tenant_id: TenantId,
    /// Sequential per tenant from 1 ("15", "16" on the wire).
    pub name: i64,
    /// Mail type of every order in it.
    pub mail_type: MailType,
    /// Mail category of every order in it.
    pub mail_category: MailCategory,
    /// Status.
    pub status: BatchStatus,
    /// When the status was set.
    pub status_at: DateTime<Utc>,
    /// The day the shipper hands it in (`list-number-date`).
    pub sending_date: NaiveDate,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// Storage of the Otpravka-compatible API.
#[async_trait]
pub trait OtpravkaStore: Send + Sync {
    /// Creates an account or replaces its password hash.
    async fn put_otpravka_account(&self, account: &OtpravkaAccount) -> StoreResult<()>;
    /// One account of a tenant.
    async fn otpravka_account(
        &self,
        tenant_id: TenantId,
        login: &str,
    ) -> StoreResult<Option<OtpravkaAccount>>;
    /// The numeric id of an order, handed out on first call and the same ever after (on any
    /// node, under concurrency). `NotFound` if the tenant has no such order.
    async fn otpravka_id(&self, tenant_id: TenantId, order_id: OrderId) -> StoreResult<i64>;
    /// The order a numeric id names, if it is the tenant's.
    async fn order_id_by_otpravka_id(
        &self,
        tenant_id: TenantId,
        otpravka_id: i64,
    ) -> StoreResult<Option<OrderId>>;
    /// Creates a batch under the tenant's next name (the name in `batch` is ignored) and
    /// returns it as stored.
    async fn create_batch(&self, batch: &BatchRecord) -> StoreResult<BatchRecord>;
    /// One batch.
    async fn batch(&self, tenant_id: TenantId, name: i64) -> StoreResult<Option<BatchRecord>>;
    /// Sets a batch's status; `NotFound` if there is none.
    async fn set_batch_status(
        &self,
        tenant_id: TenantId,
        name: i64,
        status: BatchStatus,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The orders whose `fulfilment.batch` is `name`, oldest first, at most
    /// [`BATCH_ORDERS_MAX`].
    async fn batch_orders(&self, tenant_id: TenantId, name: &str) -> StoreResult<Vec<Order>>;
    /// The tenant's order with a parcel carrying this track number.
    async fn order_by_track_number(
        &self,
        tenant_id: TenantId,
        track_number: &str,
    ) -> StoreResult<Option<Order>>;
}
