//! Storage for BPMN process instances ([`ProcessStore`]): deployed versions, instance state,
//! and the rows work is found by (jobs, timers, subscriptions, buffered messages, the inbox of
//! commands between instances).
//!
//! The store does not know the engine: instance state, job bodies and inbox commands are JSON
//! text that `okno-process` writes and reads. What the store guarantees is the unit of work: a
//! [`ProcessStep`] (the new state, its history row and every row it adds or consumes) is
//! committed whole or not at all, and it fails with [`crate::StoreError::Conflict`] if the
//! instance's revision moved or something it consumes (a timer, an inbox row, a buffered
//! message) is already gone. That is what makes a step happen once, on one node or many.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use okno_model::TenantId;
use uuid::Uuid;

use crate::StoreResult;

/// One deployed version of a process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessVersion {
    /// Owner.
    pub tenant_id: TenantId,
    /// The BPMN process id.
    pub process_id: String,
    /// 1, 2, 3, … per (tenant, process id).
    pub version: i64,
    /// SHA-256 (hex) of what was deployed; an unchanged deployment keeps the version.
    pub checksum: String,
    /// The whole BPMN file the process came from.
    pub bpmn: String,
    /// When it was deployed.
    pub deployed_at: DateTime<Utc>,
}

/// One process instance as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceRecord {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Owner.
    pub tenant_id: TenantId,
    /// The BPMN process id.
    pub process_id: String,
    /// The version it runs.
    pub version: i64,
    /// `active`, `completed`, `terminated` (as the engine says).
    pub status: String,
    /// The engine's state, JSON.
    pub state: String,
    /// Incremented by every step.
    pub revision: i64,
    /// The calling instance and its call activity's element instance key.
    pub parent: Option<(Uuid, i64)>,
    /// A business reference (an order id), for finding instances.
    pub business_key: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last step.
    pub updated_at: DateTime<Utc>,
}

/// A job that can be offered to a worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRecord {
    /// The instance.
    pub instance_id: Uuid,
    /// The job key within the instance.
    pub key: i64,
    /// Owner.
    pub tenant_id: TenantId,
    /// Job type.
    pub job_type: String,
    /// Retries left.
    pub retries: i64,
    /// Not offered before (epoch ms).
    pub not_before_ms: i64,
    /// Locked by an activation until (epoch ms); 0 when free.
    pub locked_until_ms: i64,
    /// The worker that holds the lock.
    pub worker: Option<String>,
    /// Element id, headers, variables: JSON.
    pub body: String,
}

/// A timer that will fire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimerRecord {
    /// The instance.
    pub instance_id: Uuid,
    /// The timer key within the instance.
    pub key: i64,
    /// Owner.
    pub tenant_id: TenantId,
    /// Due (epoch ms).
    pub due_ms: i64,
}

/// An open message or signal subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionRecord {
    /// The instance.
    pub instance_id: Uuid,
    /// The subscription key within the instance.
    pub key: i64,
    /// Owner.
    pub tenant_id: TenantId,
    /// Message or signal name.
    pub name: String,
    /// Correlation key; `None` takes any.
    pub correlation_key: Option<String>,
    /// A signal subscription.
    pub signal: bool,
}

/// A published message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageRecord {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Owner.
    pub tenant_id: TenantId,
    /// Name.
    pub name: String,
    /// Correlation key.
    pub correlation_key: String,
    /// The publisher's id; a second message with the same id is refused.
    pub message_id: Option<String>,
    /// Variables, JSON.
    pub variables: String,
    /// Published.
    pub published_at: DateTime<Utc>,
    /// Buffered until (epoch ms); a message with no time to live expires when published.
    pub expires_ms: i64,
    /// The instance that took it.
    pub correlated_to: Option<Uuid>,
}

/// A timer start event of a deployed version: when due, an instance starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartTimerRecord {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Owner.
    pub tenant_id: TenantId,
    /// The process.
    pub process_id: String,
    /// The version whose start event it is.
    pub version: i64,
    /// The start event id.
    pub start_event: String,
    /// Due (epoch ms).
    pub due_ms: i64,
    /// Starts left after this one (`None`: for ever).
    pub repetitions_left: Option<i64>,
    /// Between repetitions.
    pub interval_ms: i64,
}

/// A command for an instance, written by another step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboxRecord {
    /// Id (UUIDv7: the order commands are taken in).
    pub id: Uuid,
    /// Owner.
    pub tenant_id: TenantId,
    /// The instance it is for (for a start: the instance to create).
    pub instance_id: Uuid,
    /// What kind of command (okno-process's vocabulary).
    pub kind: String,
    /// The command, JSON.
    pub body: String,
    /// Written.
    pub created_at: DateTime<Utc>,
}

/// What a step does with a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageWrite {
    /// Records a message the step correlated as it was published (message ids stay unique:
    /// a taken id fails the step with `AlreadyExists`).
    Insert(MessageRecord),
    /// Takes a buffered message: fails with `Conflict` unless it is still untaken.
    Take {
        /// The message.
        id: Uuid,
        /// The instance taking it.
        instance_id: Uuid,
    },
}

/// One step of one instance, committed whole or not at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessStep {
    /// The instance after the step (its `revision` is the new one).
    pub instance: InstanceRecord,
    /// The revision the step was computed from; `None` creates the instance.
    pub expected_revision: Option<i64>,
    /// The engine's events of the step, JSON (the history row `(instance, revision)`).
    pub events: String,
    /// A job the step answered: its row is deleted.
    pub answered_job: Option<i64>,
    /// A timer the step fired: its row must still exist.
    pub fired_timer: Option<i64>,
    /// An inbox row the step handled: it must still exist.
    pub handled_inbox: Option<Uuid>,
    /// A message the step took or recorded.
    pub message: Option<MessageWrite>,
    /// Jobs to offer (inserted or replaced).
    pub jobs: Vec<JobRecord>,
    /// Jobs withdrawn.
    pub cancelled_jobs: Vec<i64>,
    /// Timers scheduled.
    pub timers: Vec<TimerRecord>,
    /// Timers cancelled.
    pub cancelled_timers: Vec<i64>,
    /// Subscriptions opened.
    pub subscriptions: Vec<SubscriptionRecord>,
    /// Subscriptions closed.
    pub closed_subscriptions: Vec<i64>,
    /// Commands for other instances.
    pub inbox: Vec<InboxRecord>,
    /// A timer start event this step fired: `(id, due it fired at, next due or None to
    /// delete)`; fails with `Conflict` unless the row is still due at that time.
    pub fired_start_timer: Option<(Uuid, i64, Option<i64>)>,
}

/// What the engine runtime needs from storage. Every method is scoped as it says; the
/// runtime's background work (timers, inbox) is across tenants.
#[async_trait]
pub trait ProcessStore: Send + Sync {
    /// Stores a deployment unless the latest version of the process has the same checksum;
    /// returns the version now current and whether it is new.
    async fn deploy_process(&self, version: ProcessVersion) -> StoreResult<(ProcessVersion, bool)>;
    /// Replaces the timer start events of a process (those of its older versions go).
    async fn replace_start_timers(
        &self,
        tenant_id: TenantId,
        process_id: &str,
        timers: Vec<StartTimerRecord>,
    ) -> StoreResult<()>;
    /// Timer start events due at `now_ms`, earliest first.
    async fn due_start_timers(&self, now_ms: i64, limit: u32)
    -> StoreResult<Vec<StartTimerRecord>>;
    /// One version (the latest for `None`).
    async fn process_version(
        &self,
        tenant_id: TenantId,
        process_id: &str,
        version: Option<i64>,
    ) -> StoreResult<Option<ProcessVersion>>;
    /// The number of one version (the latest for `None`), without reading its file: what
    /// starting an instance needs.
    async fn process_version_number(
        &self,
        tenant_id: TenantId,
        process_id: &str,
        version: Option<i64>,
    ) -> StoreResult<Option<i64>>;
    /// Every version of every process of a tenant, by process id then version (BPMN text
    /// included).
    async fn process_versions(&self, tenant_id: TenantId) -> StoreResult<Vec<ProcessVersion>>;

    /// Commits one step (see [`ProcessStep`]).
    async fn write_process_step(&self, step: ProcessStep) -> StoreResult<()>;
    /// An instance; with a tenant, only that tenant's.
    async fn process_instance(
        &self,
        tenant_id: Option<TenantId>,
        id: Uuid,
    ) -> StoreResult<Option<InstanceRecord>>;
    /// A tenant's instances, newest first, optionally of one status, at most `limit`.
    async fn process_instances(
        &self,
        tenant_id: TenantId,
        status: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<InstanceRecord>>;
    /// An instance's history rows `(revision, at, events JSON)` in order.
    async fn process_history(&self, id: Uuid) -> StoreResult<Vec<(i64, DateTime<Utc>, String)>>;

    /// Locks up to `max` free jobs of a type (not before `now_ms`, not locked) for `worker`
    /// until `now_ms + lock_ms` and returns them; two callers never get the same job while
    /// the lock holds.
    async fn activate_jobs(
        &self,
        tenant_id: Option<TenantId>,
        job_types: &[String],
        max: u32,
        worker: &str,
        now_ms: i64,
        lock_ms: i64,
    ) -> StoreResult<Vec<JobRecord>>;
    /// A job row (tenant-scoped).
    async fn process_job(
        &self,
        tenant_id: TenantId,
        instance_id: Uuid,
        key: i64,
    ) -> StoreResult<Option<JobRecord>>;
    /// Timers due at `now_ms`, earliest first.
    async fn due_timers(&self, now_ms: i64, limit: u32) -> StoreResult<Vec<TimerRecord>>;
    /// The earliest timer, if any (to sleep until it).
    async fn next_timer_ms(&self) -> StoreResult<Option<i64>>;
    /// Inbox rows, oldest first.
    async fn process_inbox(&self, limit: u32) -> StoreResult<Vec<InboxRecord>>;
    /// Writes inbox rows on their own (a signal broadcast from outside any instance).
    async fn insert_process_inbox(&self, rows: Vec<InboxRecord>) -> StoreResult<()>;
    /// Replaces one inbox row by others in one transaction (a broadcast becomes one row per
    /// receiver); `Conflict` if the row is already gone.
    async fn expand_process_inbox(&self, handled: Uuid, rows: Vec<InboxRecord>) -> StoreResult<()>;
    /// Open subscriptions of a tenant to a message (`signal` false) or signal of this name
    /// whose key matches (`None` key: every one), oldest instance first.
    async fn process_subscriptions(
        &self,
        tenant_id: TenantId,
        name: &str,
        correlation_key: Option<&str>,
        signal: bool,
    ) -> StoreResult<Vec<SubscriptionRecord>>;
    /// Stores a message to buffer (fails with `AlreadyExists` on a taken message id).
    async fn insert_process_message(&self, message: MessageRecord) -> StoreResult<()>;
    /// A message by the publisher's id.
    async fn process_message_by_id(
        &self,
        tenant_id: TenantId,
        message_id: &str,
    ) -> StoreResult<Option<MessageRecord>>;
    /// Untaken messages not expired at `now_ms` that an open subscription matches.
    async fn matchable_messages(
        &self,
        now_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<(MessageRecord, SubscriptionRecord)>>;
    /// Drops a timer or inbox row whose instance refused it (the instance ended, or the
    /// element it was for is gone), so it is not offered again.
    async fn discard_process_work(
        &self,
        timer: Option<(Uuid, i64)>,
        inbox: Option<Uuid>,
    ) -> StoreResult<()>;
    /// Deletes expired untaken messages without a message id; returns how many.
    async fn purge_process_messages(&self, now_ms: i64) -> StoreResult<u64>;
}
