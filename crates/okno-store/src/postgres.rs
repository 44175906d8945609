//! The PostgreSQL store, for several stateless okno nodes sharing one database.
//!
//! Each write is one transaction on a pooled connection; PostgreSQL's own group commit merges
//! the fsyncs of concurrent commits. Uniqueness (client order numbers, idempotency keys) is
//! enforced by constraints, so two nodes racing on the same key cannot both win. Migrations take
//! an advisory lock so that nodes starting together migrate once.

use crate::codec::{role_columns, role_of};
use crate::migrate::POSTGRES;
use crate::postgres_webhook::insert_deliveries;
use crate::{
    ApiKeyRecord, IdempotencyRecord, OrderFilter, OrderWrite, Store, StoreError, StoreResult,
    Tenant, event_of,
};
use crate::{SerialBlock, TrackNumberRange, TrackingTicket};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use okno_model::{
    Actor, ApiKeyId, EventKind, MailType, Order, OrderEvent, OrderId, Participant, TenantId,
    TrackingEvent,
};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder, Row, Transaction};
use std::str::FromStr;
use uuid::Uuid;

/// Connections kept per node.
pub const CONNECTIONS_MAX: u32 = 32;
/// Key of the advisory lock held while migrating.
const MIGRATION_LOCK: i64 = 0x6f6b_6e6f;

/// The PostgreSQL implementation of [`Store`].
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

fn backend(error: sqlx::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}

fn violated_constraint(error: &sqlx::Error) -> Option<String> {
    match error {
        sqlx::Error::Database(database) if database.is_unique_violation() => {
            Some(database.constraint().unwrap_or_default().to_owned())
        }
        _ => None,
    }
}

impl PostgresStore {
    /// Connects and migrates. A `search_path` can be set in the URL
    /// (`?options=-c%20search_path%3Dname`), which is how tests get a schema each.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url).map_err(backend)?;
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS_MAX)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(backend)?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> StoreResult<()> {
        let mut transaction = self.pool.begin().await.map_err(backend)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *transaction)
            .await
            .map_err(backend)?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS okno_migrations (
                version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)",
        )
        .execute(&mut *transaction)
        .await
        .map_err(backend)?;
        let applied: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM okno_migrations")
                .fetch_one(&mut *transaction)
                .await
                .map_err(backend)?;
        for migration in POSTGRES
            .iter()
            .filter(|migration| migration.version > applied)
        {
            sqlx::raw_sql(migration.sql)
                .execute(&mut *transaction)
                .await
                .map_err(backend)?;
            sqlx::query(
                "INSERT INTO okno_migrations (version, name, applied_at) VALUES ($1, $2, now())",
            )
            .bind(migration.version)
            .bind(migration.name)
            .execute(&mut *transaction)
            .await
            .map_err(backend)?;
            tracing::info!(
                version = migration.version,
                name = migration.name,
                "migrated"
            );
        }
        transaction.commit().await.map_err(backend)
    }

    /// The connection pool (for tests that inspect tables directly).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

async fn insert_idempotency(
    transaction: &mut Transaction<'_, Postgres>,
    record: &IdempotencyRecord,
) -> StoreResult<()> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (tenant_id, key, request_hash, status, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(record.tenant_id.as_uuid())
    .bind(&record.key)
    .bind(&record.request_hash)
    .bind(i32::from(record.status))
    .bind(&record.body)
    .bind(record.created_at)
    .execute(&mut **transaction)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(error) if violated_constraint(&error).is_some() => {
            Err(StoreError::IdempotencyKeyTaken(record.key.clone()))
        }
        Err(error) => Err(backend(error)),
    }
}

/// Inserts a new order, its first event and the idempotent response in **one statement**
/// (data-modifying CTEs): one round trip, atomic on its own, so a lone create needs no
/// explicit transaction. Which constraint failed tells what went wrong.
async fn insert_order<'e, E>(executor: E, write: &OrderWrite) -> StoreResult<()>
where
    E: sqlx::Executor<'e, Database = Postgres>,
{
    let order = &write.order;
    assert_eq!(order.version, 1, "a new order starts at version 1");
    let event = event_of(write);
    let idempotency = write.idempotency.as_ref();
    let query = sqlx::query(
        "WITH idempotency AS (
             INSERT INTO idempotency_keys (tenant_id, key, request_hash, status, body, created_at)
             SELECT $2, $11::text, $12::text, $13::int4, $14::text, $18::timestamptz
             WHERE $11::text IS NOT NULL
         ), inbox AS (
             INSERT INTO process_inbox (id, tenant_id, instance_id, kind, body, created_at)
             SELECT row_id, $2, instance_id, kind, body, created_at
             FROM unnest($19::uuid[], $20::uuid[], $21::text[], $22::text[], $23::timestamptz[])
                 AS rows (row_id, instance_id, kind, body, created_at)
         ), created AS (
             INSERT INTO orders (id, tenant_id, client_order_number, status, priority,
                 deadline_utc, version, created_at, updated_at, body)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             RETURNING id
         )
         INSERT INTO order_events (order_id, tenant_id, sequence, kind, actor, at, payload)
         SELECT id, $2, $7, $15, $16, $9, $17 FROM created",
    )
    .bind(order.id.as_uuid())
    .bind(order.tenant_id.as_uuid())
    .bind(&order.client_order_number)
    .bind(order.status.as_str())
    .bind(order.priority.rank())
    .bind(order.deadline.map(|deadline| deadline.with_timezone(&Utc)))
    .bind(order.version)
    .bind(order.created_at)
    .bind(order.updated_at)
    .bind(Json(order))
    .bind(idempotency.map(|record| record.key.as_str()))
    .bind(idempotency.map(|record| record.request_hash.as_str()))
    .bind(idempotency.map(|record| i32::from(record.status)))
    .bind(idempotency.map(|record| record.body.as_str()))
    .bind(event.kind.as_str())
    .bind(&event.actor.0)
    .bind(Json(&event.payload))
    .bind(idempotency.map(|record| record.created_at));
    let inserted = bind_inbox(query, &write.process_inbox)
        .execute(executor)
        .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(error) => match violated_constraint(&error).as_deref() {
            Some("orders_client_order_number_key") => Err(StoreError::DuplicateClientOrderNumber {
                number: order.client_order_number.clone(),
                existing: OrderId::from_uuid(Uuid::nil()),
            }),
            Some("idempotency_keys_pkey") => Err(StoreError::IdempotencyKeyTaken(
                idempotency
                    .map(|record| record.key.clone())
                    .unwrap_or_default(),
            )),
            _ => Err(backend(error)),
        },
    }
}

/// Writes a change of an order in **one statement** (data-modifying CTEs, atomic on its own):
/// the order row if it is still at the version before, its event, the idempotent response, one
/// webhook delivery per subscribed endpoint and the rows for the order's process. Every insert
/// reads from the update, so a stale write inserts nothing; one round trip where a transaction
/// took six.
async fn update_order<'e, E>(executor: E, write: &OrderWrite) -> StoreResult<()>
where
    E: sqlx::Executor<'e, Database = Postgres>,
{
    let order = &write.order;
    assert!(order.version > 1, "an update raises the version above 1");
    let event = event_of(write);
    let idempotency = write.idempotency.as_ref();
    let inbox = &write.process_inbox;
    let query = sqlx::query(
        "WITH updated AS (
             UPDATE orders SET status = $1, priority = $2, deadline_utc = $3, version = $4,
                 updated_at = $5, body = $6
             WHERE id = $7 AND tenant_id = $8 AND version = $4 - 1
             RETURNING id
         ), idempotency AS (
             INSERT INTO idempotency_keys (tenant_id, key, request_hash, status, body, created_at)
             SELECT $8, $9::text, $10::text, $11::int4, $12::text, $13::timestamptz
             FROM updated WHERE $9::text IS NOT NULL
         ), event AS (
             INSERT INTO order_events (order_id, tenant_id, sequence, kind, actor, at, payload)
             SELECT id, $8, $4, $14, $15, $5, $16 FROM updated
         ), deliveries AS (
             INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, order_id, sequence,
                 event_type, status, next_attempt_at, created_at, updated_at)
             SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), e.tenant_id, e.id,
                 updated.id, $4, $14, 'pending', $5, $5, $5
             FROM updated, webhook_endpoints e
             WHERE e.tenant_id = $8 AND e.enabled AND EXISTS (
                 SELECT 1 FROM webhook_subscriptions s
                 WHERE s.endpoint_id = e.id AND s.event_type IN ($14, '*'))
         ), inbox AS (
             INSERT INTO process_inbox (id, tenant_id, instance_id, kind, body, created_at)
             SELECT row_id, $8, instance_id, kind, body, created_at
             FROM updated,
                 unnest($17::uuid[], $18::uuid[], $19::text[], $20::text[], $21::timestamptz[])
                 AS rows (row_id, instance_id, kind, body, created_at)
         )
         SELECT count(*) AS changed FROM updated",
    )
    .bind(order.status.as_str())
    .bind(order.priority.rank())
    .bind(order.deadline.map(|deadline| deadline.with_timezone(&Utc)))
    .bind(order.version)
    .bind(order.updated_at)
    .bind(Json(order))
    .bind(order.id.as_uuid())
    .bind(order.tenant_id.as_uuid())
    .bind(idempotency.map(|record| record.key.as_str()))
    .bind(idempotency.map(|record| record.request_hash.as_str()))
    .bind(idempotency.map(|record| i32::from(record.status)))
    .bind(idempotency.map(|record| record.body.as_str()))
    .bind(idempotency.map(|record| record.created_at))
    .bind(event.kind.as_str())
    .bind(&event.actor.0)
    .bind(Json(&event.payload));
    let updated = bind_inbox(query, inbox).fetch_one(executor).await;
    let changed: i64 = match updated {
        Ok(row) => row.try_get("changed").map_err(backend)?,
        Err(error) => {
            return Err(match violated_constraint(&error).as_deref() {
                Some("idempotency_keys_pkey") => StoreError::IdempotencyKeyTaken(
                    idempotency
                        .map(|record| record.key.clone())
                        .unwrap_or_default(),
                ),
                _ => backend(error),
            });
        }
    };
    if changed == 0 {
        return Err(StoreError::VersionConflict {
            order_id: order.id,
            expected: order.version - 1,
        });
    }
    Ok(())
}

/// Binds the process inbox rows of an order write as five arrays (id, instance, kind, body,
/// created), the last parameters of the statements that `unnest` them.
fn bind_inbox<'q>(
    query: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
    rows: &'q [crate::InboxRecord],
) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
    query
        .bind(rows.iter().map(|row| row.id).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.instance_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.kind.as_str()).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.body.as_str()).collect::<Vec<_>>())
        .bind(rows.iter().map(|row| row.created_at).collect::<Vec<_>>())
}

fn order_of(row: &PgRow) -> StoreResult<Order> {
    let Json(order): Json<Order> = row
        .try_get("body")
        .map_err(|error| StoreError::Corrupt(format!("order body: {error}")))?;
    Ok(order)
}

fn tenant_of(row: &PgRow) -> StoreResult<Tenant> {
    Ok(Tenant {
        id: TenantId::from_uuid(row.try_get("id").map_err(backend)?),
        name: row.try_get("name").map_err(backend)?,
        created_at: row.try_get("created_at").map_err(backend)?,
    })
}

fn key_of(row: &PgRow) -> StoreResult<ApiKeyRecord> {
    let tenant_id: Option<Uuid> = row.try_get("tenant_id").map_err(backend)?;
    let role: String = row.try_get("role").map_err(backend)?;
    Ok(ApiKeyRecord {
        id: ApiKeyId::from_uuid(row.try_get("id").map_err(backend)?),
        role: role_of(&role, tenant_id.map(TenantId::from_uuid))?,
        key_hash: row.try_get("key_hash").map_err(backend)?,
        prefix: row.try_get("prefix").map_err(backend)?,
        label: row.try_get("label").map_err(backend)?,
        created_at: row.try_get("created_at").map_err(backend)?,
        revoked_at: row.try_get("revoked_at").map_err(backend)?,
    })
}

fn event_of_row(row: &PgRow) -> StoreResult<OrderEvent> {
    let kind: String = row.try_get("kind").map_err(backend)?;
    let Json(payload): Json<serde_json::Value> = row.try_get("payload").map_err(backend)?;
    Ok(OrderEvent {
        order_id: OrderId::from_uuid(row.try_get("order_id").map_err(backend)?),
        sequence: row.try_get("sequence").map_err(backend)?,
        kind: EventKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("event kind {kind:?}")))?,
        actor: Actor(row.try_get("actor").map_err(backend)?),
        at: row.try_get("at").map_err(backend)?,
        payload,
    })
}

const KEY_COLUMNS: &str = "id, tenant_id, role, key_hash, prefix, label, created_at, revoked_at";

impl PostgresStore {
    async fn existing_order_id(&self, tenant_id: TenantId, number: &str) -> StoreResult<OrderId> {
        let id: Uuid = sqlx::query_scalar(
            "SELECT id FROM orders WHERE tenant_id = $1 AND client_order_number = $2",
        )
        .bind(tenant_id.as_uuid())
        .bind(number)
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?;
        Ok(OrderId::from_uuid(id))
    }

    /// Fills in the id of the order that already holds a client order number.
    async fn resolve_duplicate(&self, tenant_id: TenantId, error: StoreError) -> StoreError {
        match error {
            StoreError::DuplicateClientOrderNumber { number, .. } => {
                match self.existing_order_id(tenant_id, &number).await {
                    Ok(existing) => StoreError::DuplicateClientOrderNumber { number, existing },
                    Err(lookup) => lookup,
                }
            }
            other => other,
        }
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn create_tenant(&self, tenant: &Tenant) -> StoreResult<()> {
        let inserted =
            sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
                .bind(tenant.id.as_uuid())
                .bind(&tenant.name)
                .bind(tenant.created_at)
                .execute(&self.pool)
                .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(error) if violated_constraint(&error).is_some() => Err(StoreError::AlreadyExists(
                format!("tenant {:?}", tenant.name),
            )),
            Err(error) => Err(backend(error)),
        }
    }

    async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>> {
        sqlx::query("SELECT id, name, created_at FROM tenants WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .as_ref()
            .map(tenant_of)
            .transpose()
    }

    async fn tenant_by_name(&self, name: &str) -> StoreResult<Option<Tenant>> {
        sqlx::query("SELECT id, name, created_at FROM tenants WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .as_ref()
            .map(tenant_of)
            .transpose()
    }

    async fn tenants(&self) -> StoreResult<Vec<Tenant>> {
        sqlx::query("SELECT id, name, created_at FROM tenants ORDER BY name")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?
            .iter()
            .map(tenant_of)
            .collect()
    }

    async fn create_api_key(&self, key: &ApiKeyRecord) -> StoreResult<()> {
        let (role, tenant_id) = role_columns(key.role);
        sqlx::query(&format!(
            "INSERT INTO api_keys ({KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(key.id.as_uuid())
        .bind(tenant_id.map(|id| id.as_uuid()))
        .bind(role)
        .bind(&key.key_hash)
        .bind(&key.prefix)
        .bind(&key.label)
        .bind(key.created_at)
        .bind(key.revoked_at)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn api_key_by_hash(&self, key_hash: &[u8]) -> StoreResult<Option<ApiKeyRecord>> {
        sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = $1"
        ))
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?
        .as_ref()
        .map(key_of)
        .transpose()
    }

    async fn api_keys(&self, tenant_id: Option<TenantId>) -> StoreResult<Vec<ApiKeyRecord>> {
        sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE tenant_id IS NOT DISTINCT FROM $1 ORDER BY id"
        ))
        .bind(tenant_id.map(|id| id.as_uuid()))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?
        .iter()
        .map(key_of)
        .collect()
    }

    async fn revoke_api_key(&self, id: ApiKeyId, at: DateTime<Utc>) -> StoreResult<()> {
        let changed =
            sqlx::query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
                .bind(at)
                .bind(id.as_uuid())
                .execute(&self.pool)
                .await
                .map_err(backend)?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("api key {id}")));
        }
        Ok(())
    }

    async fn create_order(&self, write: OrderWrite) -> StoreResult<()> {
        let mut transaction = self.pool.begin().await.map_err(backend)?;
        match insert_order(&mut *transaction, &write).await {
            Ok(()) => {}
            Err(error) => return Err(self.resolve_duplicate(write.order.tenant_id, error).await),
        }
        insert_deliveries(&mut *transaction, write.order.tenant_id, &event_of(&write)).await?;
        transaction.commit().await.map_err(backend)
    }

    async fn create_orders(&self, writes: Vec<OrderWrite>) -> StoreResult<Vec<StoreResult<()>>> {
        let mut transaction = self.pool.begin().await.map_err(backend)?;
        let mut results = Vec::with_capacity(writes.len());
        for write in &writes {
            sqlx::query("SAVEPOINT one")
                .execute(&mut *transaction)
                .await
                .map_err(backend)?;
            let mut result = insert_order(&mut *transaction, write).await;
            if result.is_ok() {
                result =
                    insert_deliveries(&mut *transaction, write.order.tenant_id, &event_of(write))
                        .await;
            }
            let end = if result.is_ok() {
                "RELEASE SAVEPOINT one"
            } else {
                "ROLLBACK TO SAVEPOINT one"
            };
            sqlx::query(end)
                .execute(&mut *transaction)
                .await
                .map_err(backend)?;
            results.push(result);
        }
        transaction.commit().await.map_err(backend)?;
        let mut resolved = Vec::with_capacity(results.len());
        for (result, write) in results.into_iter().zip(&writes) {
            resolved.push(match result {
                Ok(()) => Ok(()),
                Err(error) => Err(self.resolve_duplicate(write.order.tenant_id, error).await),
            });
        }
        Ok(resolved)
    }

    async fn update_order(&self, write: OrderWrite) -> StoreResult<()> {
        update_order(&self.pool, &write).await
    }

    async fn order(&self, tenant_id: TenantId, id: OrderId) -> StoreResult<Option<Order>> {
        sqlx::query("SELECT body FROM orders WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id.as_uuid())
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .as_ref()
            .map(order_of)
            .transpose()
    }

    async fn order_by_client_number(
        &self,
        tenant_id: TenantId,
        number: &str,
    ) -> StoreResult<Option<Order>> {
        sqlx::query("SELECT body FROM orders WHERE tenant_id = $1 AND client_order_number = $2")
            .bind(tenant_id.as_uuid())
            .bind(number)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .as_ref()
            .map(order_of)
            .transpose()
    }

    async fn orders(&self, tenant_id: TenantId, filter: &OrderFilter) -> StoreResult<Vec<Order>> {
        let mut query: QueryBuilder<'_, Postgres> =
            QueryBuilder::new("SELECT body FROM orders WHERE tenant_id = ");
        query.push_bind(tenant_id.as_uuid());
        if let Some(status) = filter.status {
            query.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(number) = &filter.client_order_number {
            query
                .push(" AND client_order_number = ")
                .push_bind(number.clone());
        }
        if let Some(from) = filter.created_from {
            query.push(" AND created_at >= ").push_bind(from);
        }
        if let Some(to) = filter.created_to {
            query.push(" AND created_at < ").push_bind(to);
        }
        if let Some(before) = filter.before {
            query.push(" AND id < ").push_bind(before.as_uuid());
        }
        query
            .push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(filter.limit));
        query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?
            .iter()
            .map(order_of)
            .collect()
    }

    async fn order_events(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        after_sequence: i64,
        limit: u32,
    ) -> StoreResult<Vec<OrderEvent>> {
        sqlx::query(
            "SELECT order_id, sequence, kind, actor, at, payload FROM order_events
             WHERE tenant_id = $1 AND order_id = $2 AND sequence > $3
             ORDER BY sequence LIMIT $4",
        )
        .bind(tenant_id.as_uuid())
        .bind(id.as_uuid())
        .bind(after_sequence)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?
        .iter()
        .map(event_of_row)
        .collect()
    }

    async fn count_orders(&self, tenant_id: TenantId) -> StoreResult<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE tenant_id = $1")
            .bind(tenant_id.as_uuid())
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn idempotency(
        &self,
        tenant_id: TenantId,
        key: &str,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        let row = sqlx::query(
            "SELECT request_hash, status, body, created_at FROM idempotency_keys
             WHERE tenant_id = $1 AND key = $2",
        )
        .bind(tenant_id.as_uuid())
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let status: i32 = row.try_get("status").map_err(backend)?;
        Ok(Some(IdempotencyRecord {
            tenant_id,
            key: key.to_owned(),
            request_hash: row.try_get("request_hash").map_err(backend)?,
            status: u16::try_from(status)
                .map_err(|_| StoreError::Corrupt(format!("status {status}")))?,
            body: row.try_get("body").map_err(backend)?,
            created_at: row.try_get("created_at").map_err(backend)?,
        }))
    }

    async fn purge_idempotency(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let deleted = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(deleted.rows_affected())
    }

    async fn create_participant(
        &self,
        participant: &Participant,
        idempotency: Option<&IdempotencyRecord>,
    ) -> StoreResult<()> {
        let mut transaction = self.pool.begin().await.map_err(backend)?;
        if let Some(record) = idempotency {
            insert_idempotency(&mut transaction, record).await?;
        }
        let inserted = sqlx::query(
            "INSERT INTO participants (id, tenant_id, name, created_at, body)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(participant.id.as_uuid())
        .bind(participant.tenant_id.as_uuid())
        .bind(&participant.name)
        .bind(participant.created_at)
        .bind(Json(participant))
        .execute(&mut *transaction)
        .await;
        match inserted {
            Ok(_) => transaction.commit().await.map_err(backend),
            Err(error) if violated_constraint(&error).is_some() => Err(StoreError::AlreadyExists(
                format!("participant {:?}", participant.name),
            )),
            Err(error) => Err(backend(error)),
        }
    }

    async fn participants(&self, tenant_id: TenantId) -> StoreResult<Vec<Participant>> {
        let rows = sqlx::query("SELECT body FROM participants WHERE tenant_id = $1 ORDER BY name")
            .bind(tenant_id.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|row| {
                let Json(participant): Json<Participant> = row
                    .try_get("body")
                    .map_err(|error| StoreError::Corrupt(format!("participant body: {error}")))?;
                Ok(participant)
            })
            .collect()
    }

    async fn create_tracknumber_range(&self, range: &TrackNumberRange) -> StoreResult<()> {
        crate::postgres_ranges::create(&self.pool, range).await
    }

    async fn tracknumber_ranges(&self, tenant_id: TenantId) -> StoreResult<Vec<TrackNumberRange>> {
        crate::postgres_ranges::list(&self.pool, tenant_id).await
    }

    async fn reserve_serials(
        &self,
        tenant_id: TenantId,
        mail_type: MailType,
        count: i64,
    ) -> StoreResult<Option<SerialBlock>> {
        crate::postgres_ranges::reserve(&self.pool, tenant_id, mail_type, count).await
    }

    async fn insert_tracking_events(
        &self,
        tenant_id: TenantId,
        events: Vec<TrackingEvent>,
    ) -> StoreResult<u64> {
        crate::postgres_tracking::insert(&self.pool, tenant_id, &events).await
    }

    async fn tracking_events(&self, track_numbers: Vec<String>) -> StoreResult<Vec<TrackingEvent>> {
        crate::postgres_tracking::history(&self.pool, &track_numbers).await
    }

    async fn create_tracking_ticket(&self, ticket: &TrackingTicket) -> StoreResult<()> {
        crate::postgres_tracking::create_ticket(&self.pool, ticket).await
    }

    async fn tracking_ticket(&self, id: &str) -> StoreResult<Option<TrackingTicket>> {
        crate::postgres_tracking::ticket(&self.pool, id).await
    }
}
