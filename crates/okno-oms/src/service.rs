//! [`Oms`]: the operations every inbound channel calls.
//!
//! Idempotency: a request with a key is answered from the stored first response when the key was
//! seen with the same request (same operation, target and JSON body, compared after parsing, so
//! whitespace and key order do not matter); a different request under a used key is refused. The
//! stored response is written in the same transaction as the change it describes, so a crash can
//! never leave a change without its stored response or a response without its change.

use crate::error::OmsError;
use crate::flow::Tell;
use crate::keys::{Principal, SecretKey, hash_secret};
use crate::lifecycle::{OrderCommand, Transition, transition};
use chrono::{DateTime, Duration, DurationRound, Utc};
use okno_model::{
    Actor, ApiKeyId, EventKind, Order, OrderEvent, OrderId, Participant, ParticipantId, TenantId,
    parse_order_draft, parse_participant_draft,
};
use okno_store::{
    ApiKeyRecord, IdempotencyRecord, KeyRole, NewEvent, OrderFilter, OrderWrite, Store, StoreError,
    Tenant,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Idempotency keys are kept at least this long (the purge removes older ones).
pub const IDEMPOTENCY_RETENTION_HOURS: i64 = 48;
/// Longest idempotency key, in bytes.
pub const IDEMPOTENCY_KEY_BYTES_MAX: usize = 255;
/// How long a verified API key is trusted without asking the store again, in milliseconds.
/// Revocation through this process takes effect at once; through another node, within this time.
pub const KEY_CACHE_TTL_MS: u64 = 5_000;
/// How often a contended update is retried.
pub(crate) const UPDATE_ATTEMPTS_MAX: usize = 5;

/// A client's idempotency key and a fingerprint of the request it came with.
#[derive(Clone, Debug)]
pub struct IdempotencyRequest {
    key: String,
    request_hash: String,
}

impl IdempotencyRequest {
    /// Fingerprints `operation` (e.g. `POST /v1/orders`) and its JSON body under `key`.
    /// Keys longer than [`IDEMPOTENCY_KEY_BYTES_MAX`] or with control characters are refused.
    pub fn new(key: &str, operation: &str, body: &Value) -> Result<Self, OmsError> {
        if key.is_empty()
            || key.len() > IDEMPOTENCY_KEY_BYTES_MAX
            || key.chars().any(char::is_control)
        {
            return Err(OmsError::Invalid(vec![okno_model::FieldError {
                pointer: String::new(),
                code: "idempotency_key".to_owned(),
                detail: format!(
                    "Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_BYTES_MAX} printable bytes"
                ),
            }]));
        }
        let mut hasher = Sha256::new();
        hasher.update(operation.as_bytes());
        hasher.update([0]);
        // serde_json's default map is ordered, so this text is canonical.
        hasher.update(body.to_string().as_bytes());
        Ok(Self {
            key: key.to_owned(),
            request_hash: hex::encode(hasher.finalize()),
        })
    }
}

/// The answer to a write: the HTTP-like status and the JSON body, and whether it was replayed.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// 201 for a created order, 200 otherwise.
    pub status: u16,
    /// The JSON body (the order).
    pub body: String,
    /// True when this is the stored answer to an earlier request with the same key.
    pub replayed: bool,
}

/// Verified keys by the hash of their secret, with when they were checked.
type KeyCache = HashMap<Vec<u8>, (Principal, Instant)>;

/// The order management service.
#[derive(Debug, Clone)]
pub struct Oms {
    pub(crate) store: Arc<dyn Store>,
    key_cache: Arc<Mutex<KeyCache>>,
    pub(crate) issuer: Arc<crate::tracknumbers::Issuer>,
    /// The BPMN runtime the orders' processes run on (`None`: orders run no process, as in
    /// the tools that only import or read).
    pub(crate) processes: Option<okno_process::Processes>,
    /// (tenant, process id) pairs known to be deployed.
    pub(crate) deployed: Arc<Mutex<std::collections::HashSet<(TenantId, String)>>>,
    /// Recently verified Otpravka logins (an Argon2 check costs tens of milliseconds).
    pub(crate) otpravka_logins: Arc<crate::accounts::LoginCache>,
}

/// Now, truncated to the microseconds both databases keep, so that what is returned equals what
/// is read back later.
pub(crate) fn now() -> DateTime<Utc> {
    let now = Utc::now();
    now.duration_trunc(Duration::microseconds(1)).unwrap_or(now)
}

impl Oms {
    /// A service over a store.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            key_cache: Arc::new(Mutex::new(HashMap::new())),
            issuer: Arc::new(crate::tracknumbers::Issuer::new(
                crate::tracknumbers::DEFAULT_BLOCK_SIZE,
            )),
            processes: None,
            deployed: Arc::default(),
            otpravka_logins: Arc::default(),
        }
    }

    /// The same service, reserving track number serials from the store `block` at a time (a
    /// crash loses at most the unused rest of a block; it never repeats a number).
    pub fn with_tracknumber_block(mut self, block: i64) -> Self {
        self.issuer = Arc::new(crate::tracknumbers::Issuer::new(block));
        self
    }

    /// The store underneath (health checks, metrics).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    // ---- tenants and keys -------------------------------------------------------------

    /// Creates a tenant with its first key; the secret is returned once.
    pub async fn create_tenant(
        &self,
        name: &str,
    ) -> Result<(Tenant, ApiKeyRecord, SecretKey), OmsError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(OmsError::Invalid(vec![okno_model::FieldError {
                pointer: "/name".to_owned(),
                code: "format".to_owned(),
                detail: "a tenant name has 1 to 200 printable characters".to_owned(),
            }]));
        }
        let tenant = Tenant {
            id: TenantId::new(),
            name: name.to_owned(),
            created_at: now(),
        };
        self.store.create_tenant(&tenant).await?;
        let (key, secret) = self
            .create_api_key(KeyRole::Tenant(tenant.id), Some("first key"))
            .await?;
        Ok((tenant, key, secret))
    }

    /// Finds a tenant by name or id text.
    pub async fn find_tenant(&self, name_or_id: &str) -> Result<Tenant, OmsError> {
        if let Ok(id) = name_or_id.parse::<TenantId>()
            && let Some(tenant) = self.store.tenant(id).await?
        {
            return Ok(tenant);
        }
        self.store
            .tenant_by_name(name_or_id)
            .await?
            .ok_or_else(|| OmsError::NotFound(format!("tenant {name_or_id:?}")))
    }

    /// Issues a key for a role; the secret is returned once.
    pub async fn create_api_key(
        &self,
        role: KeyRole,
        label: Option<&str>,
    ) -> Result<(ApiKeyRecord, SecretKey), OmsError> {
        if let KeyRole::Tenant(tenant_id) = role
            && self.store.tenant(tenant_id).await?.is_none()
        {
            return Err(OmsError::NotFound(format!("tenant {tenant_id}")));
        }
        let secret = SecretKey::generate(role);
        let record = ApiKeyRecord {
            id: ApiKeyId::new(),
            role,
            key_hash: secret.hash(),
            prefix: secret.prefix(),
            label: label.map(str::to_owned),
            created_at: now(),
            revoked_at: None,
        };
        self.store.create_api_key(&record).await?;
        Ok((record, secret))
    }

    /// Revokes a key; it stops working at once on this node.
    pub async fn revoke_api_key(&self, id: ApiKeyId) -> Result<(), OmsError> {
        self.store.revoke_api_key(id, now()).await?;
        if let Ok(mut cache) = self.key_cache.lock() {
            cache.retain(|_, (principal, _)| principal.key_id != id);
        }
        Ok(())
    }

    /// Who a presented secret speaks for.
    pub async fn authenticate(&self, secret: &str) -> Result<Principal, OmsError> {
        let key_hash = hash_secret(secret);
        if let Some(principal) = self.cached_principal(&key_hash) {
            return Ok(principal);
        }
        let record = self.store.api_key_by_hash(&key_hash).await?;
        let Some(record) = record.filter(|record| record.revoked_at.is_none()) else {
            return Err(OmsError::Unauthenticated);
        };
        let principal = Principal {
            key_id: record.id,
            role: record.role,
        };
        if let Ok(mut cache) = self.key_cache.lock() {
            cache.insert(key_hash, (principal, Instant::now()));
        }
        Ok(principal)
    }

    fn cached_principal(&self, key_hash: &[u8]) -> Option<Principal> {
        let cache = self.key_cache.lock().ok()?;
        let (principal, checked_at) = cache.get(key_hash)?;
        let fresh = checked_at.elapsed() < std::time::Duration::from_millis(KEY_CACHE_TTL_MS);
        fresh.then_some(*principal)
    }

    // ---- orders -----------------------------------------------------------------------

    async fn replay(
        &self,
        tenant_id: TenantId,
        idempotency: &IdempotencyRequest,
    ) -> Result<Option<Reply>, OmsError> {
        let Some(record) = self.store.idempotency(tenant_id, &idempotency.key).await? else {
            return Ok(None);
        };
        if record.request_hash != idempotency.request_hash {
            return Err(OmsError::IdempotencyMismatch {
                key: idempotency.key.clone(),
            });
        }
        Ok(Some(Reply {
            status: record.status,
            body: record.body,
            replayed: true,
        }))
    }

    /// The stored answer when the request carries a key that was seen before.
    async fn stored_reply(
        &self,
        tenant_id: TenantId,
        idempotency: Option<&IdempotencyRequest>,
    ) -> Result<Option<Reply>, OmsError> {
        match idempotency {
            Some(request) => self.replay(tenant_id, request).await,
            None => Ok(None),
        }
    }

    fn idempotency_record(
        tenant_id: TenantId,
        idempotency: Option<&IdempotencyRequest>,
        reply: &Reply,
        at: DateTime<Utc>,
    ) -> Option<IdempotencyRecord> {
        idempotency.map(|request| IdempotencyRecord {
            tenant_id,
            key: request.key.clone(),
            request_hash: request.request_hash.clone(),
            status: reply.status,
            body: reply.body.clone(),
            created_at: at,
        })
    }

    /// Accepts a canonical order document for a tenant; it runs the tenant's default process.
    pub async fn create_order(
        &self,
        tenant_id: TenantId,
        actor: Actor,
        document: &Value,
        idempotency: Option<IdempotencyRequest>,
    ) -> Result<Reply, OmsError> {
        self.create_order_in(tenant_id, actor, document, idempotency, None)
            .await
    }

    /// Accepts a canonical order document for a tenant, to run the process `process_id` (the
    /// default shipment process for `None`). The order and the start of its process commit
    /// together; the process starts right after.
    pub async fn create_order_in(
        &self,
        tenant_id: TenantId,
        actor: Actor,
        document: &Value,
        idempotency: Option<IdempotencyRequest>,
        process_id: Option<&str>,
    ) -> Result<Reply, OmsError> {
        if let Some(reply) = self.stored_reply(tenant_id, idempotency.as_ref()).await? {
            return Ok(reply);
        }
        let draft = parse_order_draft(document).map_err(OmsError::Invalid)?;
        let at = now();
        let order = draft.into_order(OrderId::new(), tenant_id, at);
        let reply = fresh_reply(201, &order)?;
        let process_inbox = self.process_start(&order, process_id).await?;
        let started = process_inbox.clone();
        let write = OrderWrite {
            process_inbox,
            event: NewEvent {
                kind: EventKind::Created,
                actor,
                payload: json!({ "order": order }),
            },
            idempotency: Self::idempotency_record(tenant_id, idempotency.as_ref(), &reply, at),
            order,
        };
        match self.store.create_order(write).await {
            Ok(()) => {
                self.run_process_inbox(started);
                Ok(reply)
            }
            Err(StoreError::IdempotencyKeyTaken(_)) => {
                self.replay_after_race(tenant_id, idempotency.as_ref())
                    .await
            }
            // A concurrent retry with the same key may trip over the order number before the
            // key (the database decides which constraint it checks first): if the key is
            // stored now, this was that retry, and it gets the stored answer.
            Err(error @ StoreError::DuplicateClientOrderNumber { .. }) => {
                if let Some(request) = &idempotency
                    && let Some(reply) = self.replay(tenant_id, request).await?
                {
                    return Ok(reply);
                }
                Err(error.into())
            }
            Err(error) => Err(error.into()),
        }
    }

    /// A concurrent request with the same key won the race: answer as it did.
    async fn replay_after_race(
        &self,
        tenant_id: TenantId,
        idempotency: Option<&IdempotencyRequest>,
    ) -> Result<Reply, OmsError> {
        let request = idempotency.ok_or_else(|| {
            OmsError::Store(StoreError::Corrupt("key race without a key".to_owned()))
        })?;
        self.replay(tenant_id, request).await?.ok_or_else(|| {
            OmsError::Store(StoreError::Backend(
                "idempotency record vanished during a race".to_owned(),
            ))
        })
    }

    /// Creates many orders from documents (the CLI import): one result per document.
    pub async fn import_orders(
        &self,
        tenant_id: TenantId,
        actor: Actor,
        documents: &[Value],
    ) -> Result<Vec<Result<OrderId, OmsError>>, OmsError> {
        let at = now();
        let mut results: Vec<Option<Result<OrderId, OmsError>>> = Vec::new();
        let mut writes = Vec::new();
        let mut slots = Vec::new();
        for document in documents {
            match parse_order_draft(document) {
                Ok(draft) => {
                    let order = draft.into_order(OrderId::new(), tenant_id, at);
                    slots.push(results.len());
                    results.push(None);
                    writes.push(OrderWrite {
                        process_inbox: self.process_start(&order, None).await?,
                        event: NewEvent {
                            kind: EventKind::Created,
                            actor: actor.clone(),
                            payload: json!({ "order": order }),
                        },
                        idempotency: None,
                        order,
                    });
                }
                Err(errors) => results.push(Some(Err(OmsError::Invalid(errors)))),
            }
        }
        let ids: Vec<OrderId> = writes.iter().map(|write| write.order.id).collect();
        let starts: Vec<_> = writes
            .iter()
            .map(|write| write.process_inbox.clone())
            .collect();
        let stored = self.store.create_orders(writes).await?;
        for (start, outcome) in starts.into_iter().zip(&stored) {
            if outcome.is_ok() {
                self.run_process_inbox(start);
            }
        }
        for ((slot, id), outcome) in slots.into_iter().zip(ids).zip(stored) {
            results[slot] = Some(outcome.map(|()| id).map_err(OmsError::from));
        }
        Ok(results.into_iter().flatten().collect())
    }

    /// One order.
    pub async fn order(&self, tenant_id: TenantId, id: OrderId) -> Result<Order, OmsError> {
        self.store
            .order(tenant_id, id)
            .await?
            .ok_or(OmsError::OrderNotFound)
    }

    /// A page of orders.
    pub async fn orders(
        &self,
        tenant_id: TenantId,
        filter: &OrderFilter,
    ) -> Result<Vec<Order>, OmsError> {
        Ok(self.store.orders(tenant_id, filter).await?)
    }

    /// An order's events; `OrderNotFound` when the order does not exist for this tenant.
    pub async fn order_events(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        after_sequence: i64,
        limit: u32,
    ) -> Result<Vec<OrderEvent>, OmsError> {
        let events = self
            .store
            .order_events(tenant_id, id, after_sequence, limit)
            .await?;
        if events.is_empty() {
            // Distinguish "no more events" from "no such order".
            self.order(tenant_id, id).await?;
        }
        Ok(events)
    }

    /// Cancels an order. `expected_version` comes from the client's `If-Match`.
    pub async fn cancel_order(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: Actor,
        reason: Option<String>,
        expected_version: Option<i64>,
        idempotency: Option<IdempotencyRequest>,
    ) -> Result<Reply, OmsError> {
        if let Some(reply) = self.stored_reply(tenant_id, idempotency.as_ref()).await? {
            return Ok(reply);
        }
        let change = Change {
            command: OrderCommand::Cancel,
            kind: EventKind::Cancelled,
            actor,
            details: json!({ "reason": reason }),
        };
        for _ in 0..UPDATE_ATTEMPTS_MAX {
            let order = self.order(tenant_id, id).await?;
            if let Some(expected) = expected_version
                && expected != order.version
            {
                return Err(OmsError::VersionMismatch {
                    expected,
                    current: order.version,
                });
            }
            // The process stops wherever it waits: the message commits with the cancel (a
            // repeat is ignored by its id).
            let tell = Tell::new(crate::flow::messages::CANCEL, format!("cancel:{id}"));
            match self
                .apply_telling(order, &change, idempotency.as_ref(), vec![tell])
                .await
            {
                Err(OmsError::Store(StoreError::VersionConflict { .. }))
                    if expected_version.is_none() =>
                {
                    continue;
                }
                Err(OmsError::Store(StoreError::IdempotencyKeyTaken(_))) => {
                    return self
                        .replay_after_race(tenant_id, idempotency.as_ref())
                        .await;
                }
                other => return other,
            }
        }
        Err(OmsError::Contended(id))
    }

    /// Cancels an order for its process (which is already stopping): no message back.
    pub(crate) async fn cancel_order_quietly(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: &Actor,
    ) -> Result<(), OmsError> {
        let change = Change {
            command: OrderCommand::Cancel,
            kind: EventKind::Cancelled,
            actor: actor.clone(),
            details: json!({ "reason": "cancelled by message" }),
        };
        for _ in 0..UPDATE_ATTEMPTS_MAX {
            let order = self.order(tenant_id, id).await?;
            match self.apply(order, &change, None).await {
                Err(OmsError::Store(StoreError::VersionConflict { .. })) => continue,
                other => return other.map(|_| ()),
            }
        }
        Err(OmsError::Contended(id))
    }

    pub(crate) async fn apply(
        &self,
        order: Order,
        change: &Change,
        idempotency: Option<&IdempotencyRequest>,
    ) -> Result<Reply, OmsError> {
        self.apply_telling(order, change, idempotency, Vec::new())
            .await
    }

    /// [`Oms::apply`], committing `tells` for the order's process with the change (nothing is
    /// told when the change is a no-op).
    pub(crate) async fn apply_telling(
        &self,
        order: Order,
        change: &Change,
        idempotency: Option<&IdempotencyRequest>,
        tells: Vec<Tell>,
    ) -> Result<Reply, OmsError> {
        let to = match transition(order.status, change.command)? {
            Transition::Moved(to) => to,
            Transition::Recorded => order.status,
            Transition::Unchanged => {
                return fresh_reply(200, &order);
            }
        };
        let at = now();
        let from = order.status;
        let mut changed = order;
        changed.status = to;
        changed.version += 1;
        changed.updated_at = at;
        let reply = fresh_reply(200, &changed)?;
        let mut payload = json!({ "from": from, "to": to });
        if let (Value::Object(target), Value::Object(extra)) = (&mut payload, &change.details) {
            target.extend(extra.clone());
        }
        let write = OrderWrite {
            event: NewEvent {
                kind: change.kind,
                actor: change.actor.clone(),
                payload,
            },
            idempotency: Self::idempotency_record(changed.tenant_id, idempotency, &reply, at),
            process_inbox: self.tell_rows(&changed, tells)?,
            order: changed,
        };
        let rows = write.process_inbox.clone();
        self.store.update_order(write).await?;
        self.run_process_inbox(rows);
        Ok(reply)
    }

    /// Registers a participant from a client's document; the reply body is the participant.
    pub async fn register_participant(
        &self,
        tenant_id: TenantId,
        document: &Value,
        idempotency: Option<IdempotencyRequest>,
    ) -> Result<Reply, OmsError> {
        if let Some(reply) = self.stored_reply(tenant_id, idempotency.as_ref()).await? {
            return Ok(reply);
        }
        let draft = parse_participant_draft(document).map_err(OmsError::Invalid)?;
        let at = now();
        let participant = Participant {
            id: ParticipantId::new(),
            tenant_id,
            name: draft.name,
            roles: draft.roles,
            capabilities: draft.capabilities,
            contact: draft.contact,
            created_at: at,
        };
        let reply = fresh_reply(201, &participant)?;
        let record = Self::idempotency_record(tenant_id, idempotency.as_ref(), &reply, at);
        match self
            .store
            .create_participant(&participant, record.as_ref())
            .await
        {
            Ok(()) => Ok(reply),
            Err(StoreError::IdempotencyKeyTaken(_)) => {
                self.replay_after_race(tenant_id, idempotency.as_ref())
                    .await
            }
            Err(error) => Err(error.into()),
        }
    }

    /// A tenant's participants by name.
    pub async fn participants(&self, tenant_id: TenantId) -> Result<Vec<Participant>, OmsError> {
        Ok(self.store.participants(tenant_id).await?)
    }

    /// Deletes idempotency records older than the retention; returns how many.
    pub async fn purge_idempotency(&self) -> Result<u64, OmsError> {
        let before = now() - Duration::hours(IDEMPOTENCY_RETENTION_HOURS);
        Ok(self.store.purge_idempotency(before).await?)
    }
}

/// One change of an order requested through the lifecycle.
pub(crate) struct Change {
    pub(crate) command: OrderCommand,
    pub(crate) kind: EventKind,
    pub(crate) actor: Actor,
    pub(crate) details: Value,
}

/// A first (not replayed) answer with a JSON body.
pub(crate) fn fresh_reply(status: u16, value: &impl serde::Serialize) -> Result<Reply, OmsError> {
    let body = serde_json::to_string(value)
        .map_err(|error| OmsError::Store(StoreError::Corrupt(format!("reply to JSON: {error}"))))?;
    Ok(Reply {
        status,
        body,
        replayed: false,
    })
}
