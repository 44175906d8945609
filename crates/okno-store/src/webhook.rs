//! Storage for webhooks ([`WebhookStore`]): per-tenant endpoints with their subscriptions and
//! signing secrets, the outbox of deliveries, and the log of every HTTP attempt.
//!
//! Key design choice: the outbox is **transactional**. The order-write paths of both backends
//! (`create_order`, `create_orders` per savepoint, `update_order`) call one helper that inserts a
//! delivery per enabled endpoint of the tenant subscribed to the event's type, with an
//! `INSERT … SELECT` in the transaction that appends the event. An event is therefore never
//! committed without its deliveries, and a rolled-back event never produces one.
//!
//! Claiming is safe with several dispatchers: a claim sets a lease and a claim token on the
//! rows it takes (on PostgreSQL under `FOR UPDATE SKIP LOCKED`, on SQLite on the one writer
//! thread), and only the holder of the token can record the outcome. A delivery is claimable
//! only when no earlier event of the same order is still pending for the same endpoint, so one
//! endpoint receives an order's events in sequence order.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use okno_model::{OrderId, TenantId};
use uuid::Uuid;

use crate::StoreResult;

/// A receiver of webhooks, owned by a tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Owner.
    pub tenant_id: TenantId,
    /// Where deliveries are POSTed (for the canonical format).
    pub url: String,
    /// Free text.
    pub description: Option<String>,
    /// Subscribed event types (`order.created`, …), or `["*"]` for all.
    pub event_types: Vec<String>,
    /// `canonical` or `connector:<name>`.
    pub format: String,
    /// The signing secret (`whsec_…`).
    pub secret: String,
    /// The secret before the last rotation, still used to sign until it expires.
    pub previous_secret: Option<String>,
    /// When the previous secret stops being used.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// Whether deliveries are made (and created for new events).
    pub enabled: bool,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// When it was disabled.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Since when every attempt has failed (`None` after a success).
    pub failing_since: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// Every attempt of the schedule failed.
    Failed,
    /// Nothing to send (a connector that does not map the event).
    Skipped,
}

impl DeliveryStatus {
    /// Every status.
    pub const ALL: &'static [DeliveryStatus] = &[
        DeliveryStatus::Pending,
        DeliveryStatus::Delivered,
        DeliveryStatus::Failed,
        DeliveryStatus::Skipped,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Skipped => "skipped",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|status| status.as_str() == text)
    }
}

/// One delivery: one event to one endpoint. Its id is the `webhook-id` the receiver sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// `msg_` and 32 hex digits; the receiver's dedupe key.
    pub id: String,
    /// Owner.
    pub tenant_id: TenantId,
    /// The endpoint.
    pub endpoint_id: Uuid,
    /// The order.
    pub order_id: OrderId,
    /// The event's sequence (the order's version after it).
    pub sequence: i64,
    /// The event type (`order.created`, …).
    pub event_type: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made in all (the attempt log's numbers run 1..=attempts).
    pub attempts: i64,
    /// Attempts since it was (re)queued: the position in the retry schedule.
    pub round_attempts: i64,
    /// When it is due.
    pub next_attempt_at: DateTime<Utc>,
    /// HTTP status of the last attempt.
    pub last_status: Option<i32>,
    /// Error of the last attempt (connection refused, timeout, non-2xx).
    pub last_error: Option<String>,
    /// Created (with the event).
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// One HTTP attempt of a delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttemptRecord {
    /// The delivery.
    pub delivery_id: String,
    /// 1, 2, 3, … per delivery.
    pub attempt: i64,
    /// When it started.
    pub at: DateTime<Utc>,
    /// How long it took.
    pub duration_ms: i64,
    /// The answer's status, if one came.
    pub http_status: Option<i32>,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// The start of the answer's body (at most [`RESPONSE_EXCERPT_BYTES_MAX`]).
    pub response_excerpt: Option<String>,
}

/// Longest response body excerpt kept per attempt, in bytes.
pub const RESPONSE_EXCERPT_BYTES_MAX: usize = 1024;

/// A delivery taken by one dispatcher until `lease_until`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimedDelivery {
    /// The delivery as claimed.
    pub delivery: DeliveryRecord,
    /// The token that proves the claim when recording the outcome.
    pub claim: Uuid,
}

/// What happens to a delivery after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// 2xx: done.
    Delivered,
    /// Failed; try again at this time.
    Retry(DateTime<Utc>),
    /// Failed, and the schedule is used up.
    Failed,
    /// Nothing to send.
    Skipped,
}

/// The result of one attempt, recorded by the dispatcher that holds the claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttemptWrite {
    /// The claim token.
    pub claim: Uuid,
    /// The attempt (its number is `attempts + 1` of the claimed delivery); `None` when nothing
    /// was sent (skipped).
    pub attempt: Option<AttemptRecord>,
    /// The delivery.
    pub delivery_id: String,
    /// What happens next.
    pub outcome: DeliveryOutcome,
}

/// Filters of a delivery log listing, newest first.
#[derive(Clone, Debug, Default)]
pub struct DeliveryFilter {
    /// Only deliveries in this status.
    pub status: Option<DeliveryStatus>,
    /// Only deliveries of this order.
    pub order_id: Option<OrderId>,
    /// Page size.
    pub limit: u32,
}

/// Which deliveries to send again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requeue {
    /// One delivery.
    One(String),
    /// Every delivery created at or after this time.
    Since(DateTime<Utc>),
}

/// Webhook endpoints, the delivery outbox and the attempt log.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Stores a new endpoint and its subscriptions.
    async fn create_webhook_endpoint(&self, endpoint: &WebhookEndpoint) -> StoreResult<()>;
    /// One endpoint of a tenant.
    async fn webhook_endpoint(
        &self,
        tenant_id: TenantId,
        id: Uuid,
    ) -> StoreResult<Option<WebhookEndpoint>>;
    /// A tenant's endpoints, oldest first.
    async fn webhook_endpoints(&self, tenant_id: TenantId) -> StoreResult<Vec<WebhookEndpoint>>;
    /// Replaces an endpoint (and its subscriptions); `NotFound` if the tenant has none by its id.
    async fn update_webhook_endpoint(&self, endpoint: &WebhookEndpoint) -> StoreResult<()>;
    /// Deletes an endpoint with its deliveries and attempts; `NotFound` if there is none.
    async fn delete_webhook_endpoint(&self, tenant_id: TenantId, id: Uuid) -> StoreResult<()>;
    /// Disables an endpoint that has been failing since `failing_since_at_most` or earlier,
    /// recording why; `false` if it is not (a success came in between, or already disabled).
    async fn disable_failing_webhook_endpoint(
        &self,
        id: Uuid,
        failing_since_at_most: DateTime<Utc>,
        reason: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Takes up to `limit` due deliveries of enabled endpoints (the earliest pending event of
    /// each order and endpoint only) until `lease_until`; no other caller gets them until then.
    async fn claim_webhook_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>>;
    /// Records an attempt and the delivery's new state, and the endpoint's health (a success
    /// clears `failing_since`, a failure sets it if unset). Returns the endpoint's
    /// `failing_since` afterwards. `Conflict` if the claim was lost (the lease ran out and
    /// another dispatcher took the delivery).
    async fn record_webhook_attempt(
        &self,
        write: AttemptWrite,
    ) -> StoreResult<Option<DateTime<Utc>>>;
    /// A page of an endpoint's deliveries, newest first.
    async fn webhook_deliveries(
        &self,
        tenant_id: TenantId,
        endpoint_id: Uuid,
        filter: &DeliveryFilter,
    ) -> StoreResult<Vec<DeliveryRecord>>;
    /// The attempts of these deliveries, by delivery and attempt number.
    async fn webhook_attempts(&self, delivery_ids: Vec<String>) -> StoreResult<Vec<AttemptRecord>>;
    /// Makes deliveries of an endpoint pending again, due at `now`, with a fresh schedule (same
    /// ids, so the receiver sees the same `webhook-id`); returns how many.
    async fn requeue_webhook_deliveries(
        &self,
        tenant_id: TenantId,
        endpoint_id: Uuid,
        which: Requeue,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
}
