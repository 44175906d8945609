//! [`WebhookStore`] on PostgreSQL, and the outbox insert the order-write paths call
//! ([`insert_deliveries`]). Several nodes claim with `FOR UPDATE SKIP LOCKED` and a lease: a
//! row another node is claiming is skipped, a claimed row is not due until its lease ends.

use crate::postgres::PostgresStore;
use crate::webhook::{
    AttemptRecord, AttemptWrite, ClaimedDelivery, DeliveryFilter, DeliveryOutcome, DeliveryRecord,
    DeliveryStatus, Requeue, WebhookEndpoint, WebhookStore,
};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use okno_model::{OrderEvent, OrderId, TenantId};
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder, Row};
use uuid::Uuid;

fn backend(error: sqlx::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}

/// The transactional outbox: one pending delivery per enabled endpoint of the tenant subscribed
/// to the event's type, inserted in the caller's transaction (savepoint).
pub(crate) async fn insert_deliveries<'e, E>(
    executor: E,
    tenant_id: TenantId,
    event: &OrderEvent,
) -> StoreResult<()>
where
    E: sqlx::Executor<'e, Database = Postgres>,
{
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, order_id, sequence,
             event_type, status, next_attempt_at, created_at, updated_at)
         SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), e.tenant_id, e.id, $2, $3,
             $4, 'pending', $5, $5, $5
         FROM webhook_endpoints e
         WHERE e.tenant_id = $1 AND e.enabled AND EXISTS (
             SELECT 1 FROM webhook_subscriptions s
             WHERE s.endpoint_id = e.id AND s.event_type IN ($4, '*'))",
    )
    .bind(tenant_id.as_uuid())
    .bind(event.order_id.as_uuid())
    .bind(event.sequence)
    .bind(event.kind.as_str())
    .bind(event.at)
    .execute(executor)
    .await
    .map_err(backend)?;
    Ok(())
}

const ENDPOINT_COLUMNS: &str = "id, tenant_id, url, description, event_types, format, secret, \
     previous_secret, previous_secret_expires_at, enabled, disabled_reason, disabled_at, \
     failing_since, created_at, updated_at";

fn endpoint_of(row: &PgRow) -> StoreResult<WebhookEndpoint> {
    let Json(event_types): Json<Vec<String>> = row.try_get("event_types").map_err(backend)?;
    Ok(WebhookEndpoint {
        id: row.try_get("id").map_err(backend)?,
        tenant_id: TenantId::from_uuid(row.try_get("tenant_id").map_err(backend)?),
        url: row.try_get("url").map_err(backend)?,
        description: row.try_get("description").map_err(backend)?,
        event_types,
        format: row.try_get("format").map_err(backend)?,
        secret: row.try_get("secret").map_err(backend)?,
        previous_secret: row.try_get("previous_secret").map_err(backend)?,
        previous_secret_expires_at: row.try_get("previous_secret_expires_at").map_err(backend)?,
        enabled: row.try_get("enabled").map_err(backend)?,
        disabled_reason: row.try_get("disabled_reason").map_err(backend)?,
        disabled_at: row.try_get("disabled_at").map_err(backend)?,
        failing_since: row.try_get("failing_since").map_err(backend)?,
        created_at: row.try_get("created_at").map_err(backend)?,
        updated_at: row.try_get("updated_at").map_err(backend)?,
    })
}

const DELIVERY_COLUMNS: &str = "id, tenant_id, endpoint_id, order_id, sequence, event_type, \
     status, attempts, round_attempts, next_attempt_at, last_status, last_error, created_at, \
     updated_at";

fn delivery_of(row: &PgRow) -> StoreResult<DeliveryRecord> {
    let status: String = row.try_get("status").map_err(backend)?;
    Ok(DeliveryRecord {
        id: row.try_get("id").map_err(backend)?,
        tenant_id: TenantId::from_uuid(row.try_get("tenant_id").map_err(backend)?),
        endpoint_id: row.try_get("endpoint_id").map_err(backend)?,
        order_id: OrderId::from_uuid(row.try_get("order_id").map_err(backend)?),
        sequence: row.try_get("sequence").map_err(backend)?,
        event_type: row.try_get("event_type").map_err(backend)?,
        status: DeliveryStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("delivery status {status:?}")))?,
        attempts: row.try_get("attempts").map_err(backend)?,
        round_attempts: row.try_get("round_attempts").map_err(backend)?,
        next_attempt_at: row.try_get("next_attempt_at").map_err(backend)?,
        last_status: row.try_get("last_status").map_err(backend)?,
        last_error: row.try_get("last_error").map_err(backend)?,
        created_at: row.try_get("created_at").map_err(backend)?,
        updated_at: row.try_get("updated_at").map_err(backend)?,
    })
}

async fn write_subscriptions(
    transaction: &mut sqlx::Transaction<'_, Postgres>,
    endpoint: &WebhookEndpoint,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM webhook_subscriptions WHERE endpoint_id = $1")
        .bind(endpoint.id)
        .execute(&mut **transaction)
        .await
        .map_err(backend)?;
    sqlx::query(
        "INSERT INTO webhook_subscriptions (endpoint_id, event_type)
         SELECT $1, t FROM UNNEST($2::text[]) AS t ON CONFLICT DO NOTHING",
    )
    .bind(endpoint.id)
    .bind(&endpoint.event_types)
    .execute(&mut **transaction)
    .await
    .map_err(backend)?;
    Ok(())
}

fn bind_endpoint<'q>(
    query: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
    endpoint: &'q WebhookEndpoint,
) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
    query
        .bind(endpoint.id)
        .bind(endpoint.tenant_id.as_uuid())
        .bind(&endpoint.url)
        .bind(&endpoint.description)
        .bind(Json(&endpoint.event_types))
        .bind(&endpoint.format)
        .bind(&endpoint.secret)
        .bind(&endpoint.previous_secret)
        .bind(endpoint.previous_secret_expires_at)
        .bind(endpoint.enabled)
        .bind(&endpoint.disabled_reason)
        .bind(endpoint.disabled_at)
        .bind(endpoint.failing_since)
        .bind(endpoint.created_at)
        .bind(endpoint.updated_at)
}

#[async_trait]
impl WebhookStore for PostgresStore {
    async fn create_webhook_endpoint(&self, endpoint: &WebhookEndpoint) -> StoreResult<()> {
        let mut transaction = self.pool().begin().await.map_err(backend)?;
        let sql = format!(
            "INSERT INTO webhook_endpoints ({ENDPOINT_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        );
        bind_endpoint(sqlx::query(&sql), endpoint)
            .execute(&mut *transaction)
            .await
            .map_err(backend)?;
        write_subscriptions(&mut transaction, endpoint).await?;
        transaction.commit().await.map_err(backend)
    }

    async fn webhook_endpoint(
        &self,
        tenant_id: TenantId,
        id: Uuid,
    ) -> StoreResult<Option<WebhookEndpoint>> {
        sqlx::query(&format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant_id.as_uuid())
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .map_err(backend)?
        .as_ref()
        .map(endpoint_of)
        .transpose()
    }

    async fn webhook_endpoints(&self, tenant_id: TenantId) -> StoreResult<Vec<WebhookEndpoint>> {
        sqlx::query(&format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 ORDER BY id"
        ))
        .bind(tenant_id.as_uuid())
        .fetch_all(self.pool())
        .await
        .map_err(backend)?
        .iter()
        .map(endpoint_of)
        .collect()
    }

    async fn update_webhook_endpoint(&self, endpoint: &WebhookEndpoint) -> StoreResult<()> {
        let mut transaction = self.pool().begin().await.map_err(backend)?;
        let sql = "UPDATE webhook_endpoints SET url = $3, description = $4, event_types = $5,
                 format = $6, secret = $7, previous_secret = $8,
                 previous_secret_expires_at = $9, enabled = $10, disabled_reason = $11,
                 disabled_at = $12, failing_since = $13, updated_at = $15
             WHERE id = $1 AND tenant_id = $2 AND $14::timestamptz IS NOT NULL";
        let changed = bind_endpoint(sqlx::query(sql), endpoint)
            .execute(&mut *transaction)
            .await
            .map_err(backend)?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("webhook {}", endpoint.id)));
        }
        write_subscriptions(&mut transaction, endpoint).await?;
        transaction.commit().await.map_err(backend)
    }

    async fn delete_webhook_endpoint(&self, tenant_id: TenantId, id: Uuid) -> StoreResult<()> {
        let changed = sqlx::query("DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id.as_uuid())
            .bind(id)
            .execute(self.pool())
            .await
            .map_err(backend)?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("webhook {id}")));
        }
        Ok(())
    }

    async fn disable_failing_webhook_endpoint(
        &self,
        id: Uuid,
        failing_since_at_most: DateTime<Utc>,
        reason: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let changed = sqlx::query(
            "UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = $1,
                 disabled_at = $2, updated_at = $2
             WHERE id = $3 AND enabled AND failing_since IS NOT NULL AND failing_since <= $4",
        )
        .bind(reason)
        .bind(at)
        .bind(id)
        .bind(failing_since_at_most)
        .execute(self.pool())
        .await
        .map_err(backend)?;
        Ok(changed.rows_affected() > 0)
    }

    async fn claim_webhook_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        let token = Uuid::now_v7();
        let rows = sqlx::query(&format!(
            "UPDATE webhook_deliveries SET lease_until = $2, claim_token = $3
             WHERE id IN (
                 SELECT c.id FROM webhook_deliveries c
                 JOIN webhook_endpoints e ON e.id = c.endpoint_id
                 WHERE c.status = 'pending' AND c.next_attempt_at <= $1
                   AND (c.lease_until IS NULL OR c.lease_until < $1) AND e.enabled
                   AND NOT EXISTS (
                       SELECT 1 FROM webhook_deliveries p
                       WHERE p.endpoint_id = c.endpoint_id AND p.order_id = c.order_id
                         AND p.sequence < c.sequence AND p.status = 'pending')
                 ORDER BY c.next_attempt_at, c.sequence LIMIT $4
                 FOR UPDATE OF c SKIP LOCKED)
             RETURNING {DELIVERY_COLUMNS}"
        ))
        .bind(now)
        .bind(lease_until)
        .bind(token)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|row| {
                Ok(ClaimedDelivery {
                    delivery: delivery_of(row)?,
                    claim: token,
                })
            })
            .collect()
    }

    async fn record_webhook_attempt(
        &self,
        write: AttemptWrite,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let (status, next_at) = match write.outcome {
            DeliveryOutcome::Delivered => (DeliveryStatus::Delivered, None),
            DeliveryOutcome::Retry(at) => (DeliveryStatus::Pending, Some(at)),
            DeliveryOutcome::Failed => (DeliveryStatus::Failed, None),
            DeliveryOutcome::Skipped => (DeliveryStatus::Skipped, None),
        };
        let attempt = write.attempt.as_ref();
        let now = attempt.map_or_else(Utc::now, |attempt| attempt.at);
        let mut transaction = self.pool().begin().await.map_err(backend)?;
        let endpoint_id: Option<Uuid> = sqlx::query_scalar(
            "UPDATE webhook_deliveries SET status = $1,
                 next_attempt_at = COALESCE($2, next_attempt_at),
                 attempts = attempts + $3, round_attempts = round_attempts + $3,
                 lease_until = NULL, claim_token = NULL,
                 last_status = COALESCE($4, last_status), last_error = $5, updated_at = $6
             WHERE id = $7 AND claim_token = $8
             RETURNING endpoint_id",
        )
        .bind(status.as_str())
        .bind(next_at)
        .bind(i64::from(attempt.is_some()))
        .bind(attempt.and_then(|attempt| attempt.http_status))
        .bind(attempt.and_then(|attempt| attempt.error.clone()))
        .bind(now)
        .bind(&write.delivery_id)
        .bind(write.claim)
        .fetch_optional(&mut *transaction)
        .await
        .map_err(backend)?;
        let Some(endpoint_id) = endpoint_id else {
            return Err(StoreError::Conflict(format!(
                "delivery {} is no longer claimed by this dispatcher",
                write.delivery_id
            )));
        };
        let Some(attempt) = attempt else {
            transaction.commit().await.map_err(backend)?;
            return Ok(None);
        };
        sqlx::query(
            "INSERT INTO webhook_attempts (delivery_id, attempt, at, duration_ms, http_status,
                 error, response_excerpt) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&write.delivery_id)
        .bind(attempt.attempt)
        .bind(attempt.at)
        .bind(attempt.duration_ms)
        .bind(attempt.http_status)
        .bind(&attempt.error)
        .bind(&attempt.response_excerpt)
        .execute(&mut *transaction)
        .await
        .map_err(backend)?;
        let failing_since: Option<DateTime<Utc>> = if status == DeliveryStatus::Delivered {
            sqlx::query("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1")
                .bind(endpoint_id)
                .execute(&mut *transaction)
                .await
                .map_err(backend)?;
            None
        } else {
            sqlx::query_scalar(
                "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $1)
                 WHERE id = $2 RETURNING failing_since",
            )
            .bind(attempt.at)
            .bind(endpoint_id)
            .fetch_optional(&mut *transaction)
            .await
            .map_err(backend)?
            .flatten()
        };
        transaction.commit().await.map_err(backend)?;
        Ok(failing_since)
    }

    async fn webhook_deliveries(
        &self,
        tenant_id: TenantId,
        endpoint_id: Uuid,
        filter: &DeliveryFilter,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        let mut query = QueryBuilder::<Postgres>::new(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE tenant_id = "
        ));
        query.push_bind(tenant_id.as_uuid());
        query.push(" AND endpoint_id = ").push_bind(endpoint_id);
        if let Some(status) = filter.status {
            query.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(order_id) = filter.order_id {
            query.push(" AND order_id = ").push_bind(order_id.as_uuid());
        }
        query
            .push(" ORDER BY created_at DESC, sequence DESC LIMIT ")
            .push_bind(i64::from(filter.limit));
        query
            .build()
            .fetch_all(self.pool())
            .await
            .map_err(backend)?
            .iter()
            .map(delivery_of)
            .collect()
    }

    async fn webhook_attempts(&self, delivery_ids: Vec<String>) -> StoreResult<Vec<AttemptRecord>> {
        let rows = sqlx::query(
            "SELECT delivery_id, attempt, at, duration_ms, http_status, error, response_excerpt
             FROM webhook_attempts WHERE delivery_id = ANY($1)
             ORDER BY array_position($1, delivery_id), attempt",
        )
        .bind(&delivery_ids)
        .fetch_all(self.pool())
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|row| {
                Ok(AttemptRecord {
                    delivery_id: row.try_get("delivery_id").map_err(backend)?,
                    attempt: row.try_get("attempt").map_err(backend)?,
                    at: row.try_get("at").map_err(backend)?,
                    duration_ms: row.try_get("duration_ms").map_err(backend)?,
                    http_status: row.try_get("http_status").map_err(backend)?,
                    error: row.try_get("error").map_err(backend)?,
                    response_excerpt: row.try_get("response_excerpt").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn requeue_webhook_deliveries(
        &self,
        tenant_id: TenantId,
        endpoint_id: Uuid,
        which: Requeue,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let mut query = QueryBuilder::<Postgres>::new(
            "UPDATE webhook_deliveries SET status = 'pending', round_attempts = 0,
                 lease_until = NULL, claim_token = NULL, next_attempt_at = ",
        );
        query.push_bind(now);
        query.push(", updated_at = ").push_bind(now);
        query
            .push(" WHERE tenant_id = ")
            .push_bind(tenant_id.as_uuid());
        query.push(" AND endpoint_id = ").push_bind(endpoint_id);
        match which {
            Requeue::One(id) => query.push(" AND id = ").push_bind(id),
            Requeue::Since(since) => query.push(" AND created_at >= ").push_bind(since),
        };
        let changed = query.build().execute(self.pool()).await.map_err(backend)?;
        Ok(changed.rows_affected())
    }
}
