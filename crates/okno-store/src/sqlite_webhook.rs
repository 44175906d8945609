//! [`WebhookStore`] on SQLite, and the outbox insert the order-write paths call
//! ([`insert_deliveries`]). Claims run on the writer thread, so two dispatchers on one file
//! never take the same row: the second sees the first one's lease.

use crate::codec::{from_json, parse_time, time_text, to_json};
use crate::sqlite::SqliteStore;
use crate::webhook::{
    AttemptRecord, AttemptWrite, ClaimedDelivery, DeliveryFilter, DeliveryOutcome, DeliveryRecord,
    DeliveryStatus, Requeue, WebhookEndpoint, WebhookStore,
};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use okno_model::{OrderEvent, TenantId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

fn backend(error: rusqlite::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}

fn parse_id<T: std::str::FromStr>(text: &str) -> StoreResult<T> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("id {text:?}")))
}

fn optional_time(text: Option<String>) -> StoreResult<Option<DateTime<Utc>>> {
    text.as_deref().map(parse_time).transpose()
}

/// The transactional outbox: one pending delivery per enabled endpoint of the tenant subscribed
/// to the event's type, inserted in the caller's transaction (savepoint).
pub(crate) fn insert_deliveries(
    connection: &Connection,
    tenant_id: TenantId,
    event: &OrderEvent,
) -> StoreResult<()> {
    connection
        .prepare_cached(
            "INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, order_id, sequence,
                 event_type, status, next_attempt_at, created_at, updated_at)
             SELECT 'msg_' || lower(hex(randomblob(16))), e.tenant_id, e.id, ?2, ?3, ?4,
                 'pending', ?5, ?5, ?5
             FROM webhook_endpoints e
             WHERE e.tenant_id = ?1 AND e.enabled = 1 AND EXISTS (
                 SELECT 1 FROM webhook_subscriptions s
                 WHERE s.endpoint_id = e.id AND s.event_type IN (?4, '*'))",
        )
        .map_err(backend)?
        .execute(params![
            tenant_id.to_string(),
            event.order_id.to_string(),
            event.sequence,
            event.kind.as_str(),
            time_text(event.at),
        ])
        .map_err(backend)?;
    Ok(())
}

const ENDPOINT_COLUMNS: &str = "id, tenant_id, url, description, event_types, format, secret, \
     previous_secret, previous_secret_expires_at, enabled, disabled_reason, disabled_at, \
     failing_since, created_at, updated_at";

fn endpoint_row(row: &Row<'_>) -> rusqlite::Result<StoreResult<WebhookEndpoint>> {
    let text = |index: usize| row.get::<_, String>(index);
    let optional = |index: usize| row.get::<_, Option<String>>(index);
    let (id, tenant_id, event_types) = (text(0)?, text(1)?, text(4)?);
    let (created_at, updated_at) = (text(13)?, text(14)?);
    let (previous_expires, disabled_at, failing_since) =
        (optional(8)?, optional(11)?, optional(12)?);
    let endpoint = WebhookEndpoint {
        id: Uuid::nil(),
        tenant_id: TenantId::from_uuid(Uuid::nil()),
        url: text(2)?,
        description: optional(3)?,
        event_types: Vec::new(),
        format: text(5)?,
        secret: text(6)?,
        previous_secret: optional(7)?,
        previous_secret_expires_at: None,
        enabled: row.get(9)?,
        disabled_reason: optional(10)?,
        disabled_at: None,
        failing_since: None,
        created_at: DateTime::<Utc>::MIN_UTC,
        updated_at: DateTime::<Utc>::MIN_UTC,
    };
    Ok(complete_endpoint(
        endpoint,
        [id, tenant_id, event_types, created_at, updated_at],
        [previous_expires, disabled_at, failing_since],
    ))
}

/// Fills in the parsed columns of an endpoint read by [`endpoint_row`].
fn complete_endpoint(
    mut endpoint: WebhookEndpoint,
    [id, tenant_id, event_types, created_at, updated_at]: [String; 5],
    [previous_expires, disabled_at, failing_since]: [Option<String>; 3],
) -> StoreResult<WebhookEndpoint> {
    endpoint.id = parse_id(&id)?;
    endpoint.tenant_id = parse_id(&tenant_id)?;
    endpoint.event_types = from_json("webhook event types", &event_types)?;
    endpoint.created_at = parse_time(&created_at)?;
    endpoint.updated_at = parse_time(&updated_at)?;
    endpoint.previous_secret_expires_at = optional_time(previous_expires)?;
    endpoint.disabled_at = optional_time(disabled_at)?;
    endpoint.failing_since = optional_time(failing_since)?;
    Ok(endpoint)
}

const DELIVERY_COLUMNS: &str = "id, tenant_id, endpoint_id, order_id, sequence, event_type, \
     status, attempts, round_attempts, next_attempt_at, last_status, last_error, created_at, \
     updated_at";

type DeliveryRow = ([String; 6], i64, i64, i64, Option<i32>, Option<String>);

fn delivery_row(row: &Row<'_>) -> rusqlite::Result<StoreResult<DeliveryRecord>> {
    let text = |index: usize| row.get::<_, String>(index);
    let raw: DeliveryRow = (
        [text(0)?, text(1)?, text(2)?, text(3)?, text(5)?, text(6)?],
        row.get(4)?,
        row.get(7)?,
        row.get(8)?,
        row.get(10)?,
        row.get(11)?,
    );
    let times = [text(9)?, text(12)?, text(13)?];
    Ok(delivery_of(raw, times))
}

fn delivery_of(
    (texts, sequence, attempts, round_attempts, last_status, last_error): DeliveryRow,
    [next_attempt_at, created_at, updated_at]: [String; 3],
) -> StoreResult<DeliveryRecord> {
    let [id, tenant_id, endpoint_id, order_id, event_type, status] = texts;
    Ok(DeliveryRecord {
        id,
        tenant_id: parse_id(&tenant_id)?,
        endpoint_id: parse_id(&endpoint_id)?,
        order_id: parse_id(&order_id)?,
        sequence,
        event_type,
        status: DeliveryStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("delivery status {status:?}")))?,
        attempts,
        round_attempts,
        next_attempt_at: parse_time(&next_attempt_at)?,
        last_status,
        last_error,
        created_at: parse_time(&created_at)?,
        updated_at: parse_time(&updated_at)?,
    })
}

fn write_subscriptions(connection: &Connection, endpoint: &WebhookEndpoint) -> StoreResult<()> {
    connection
        .execute(
            "DELETE FROM webhook_subscriptions WHERE endpoint_id = ?1",
            params![endpoint.id.to_string()],
        )
        .map_err(backend)?;
    for event_type in &endpoint.event_types {
        connection
            .execute(
                "INSERT OR IGNORE INTO webhook_subscriptions (endpoint_id, event_type)
                 VALUES (?1, ?2)",
                params![endpoint.id.to_string(), event_type],
            )
            .map_err(backend)?;
    }
    Ok(())
}

fn endpoint_values(endpoint: &WebhookEndpoint) -> [rusqlite::types::Value; 15] {
    use rusqlite::types::Value;
    let text = |value: &str| Value::Text(value.to_owned());
    let optional = |value: Option<String>| value.map_or(Value::Null, Value::Text);
    [
        text(&endpoint.id.to_string()),
        text(&endpoint.tenant_id.to_string()),
        text(&endpoint.url),
        optional(endpoint.description.clone()),
        text(&to_json(&endpoint.event_types)),
        text(&endpoint.format),
        text(&endpoint.secret),
        optional(endpoint.previous_secret.clone()),
        optional(endpoint.previous_secret_expires_at.map(time_text)),
        Value::Integer(i64::from(endpoint.enabled)),
        optional(endpoint.disabled_reason.clone()),
        optional(endpoint.disabled_at.map(time_text)),
        optional(endpoint.failing_since.map(time_text)),
        text(&time_text(endpoint.created_at)),
        text(&time_text(endpoint.updated_at)),
    ]
}

fn record_attempt(
    connection: &Connection,
    write: &AttemptWrite,
) -> StoreResult<Option<DateTime<Utc>>> {
    let (status, next_at) = match write.outcome {
        DeliveryOutcome::Delivered => (DeliveryStatus::Delivered, None),
        DeliveryOutcome::Retry(at) => (DeliveryStatus::Pending, Some(at)),
        DeliveryOutcome::Failed => (DeliveryStatus::Failed, None),
        DeliveryOutcome::Skipped => (DeliveryStatus::Skipped, None),
    };
    let attempt = write.attempt.as_ref();
    let now = attempt.map_or_else(Utc::now, |attempt| attempt.at);
    let sent = i64::from(attempt.is_some());
    let endpoint_id: Option<String> = connection
        .query_row(
            "UPDATE webhook_deliveries SET status = ?1,
                 next_attempt_at = COALESCE(?2, next_attempt_at),
                 attempts = attempts + ?3, round_attempts = round_attempts + ?3,
                 lease_until = NULL, claim_token = NULL,
                 last_status = COALESCE(?4, last_status), last_error = ?5, updated_at = ?6
             WHERE id = ?7 AND claim_token = ?8
             RETURNING endpoint_id",
            params![
                status.as_str(),
                next_at.map(time_text),
                sent,
                attempt.and_then(|attempt| attempt.http_status),
                attempt.and_then(|attempt| attempt.error.clone()),
                time_text(now),
                write.delivery_id,
                write.claim.to_string(),
            ],
            |row| row.get(0),
        )
        .optional()
        .map_err(backend)?;
    let Some(endpoint_id) = endpoint_id else {
        return Err(StoreError::Conflict(format!(
            "delivery {} is no longer claimed by this dispatcher",
            write.delivery_id
        )));
    };
    let Some(attempt) = attempt else {
        return Ok(None);
    };
    connection
        .execute(
            "INSERT INTO webhook_attempts (delivery_id, attempt, at, duration_ms, http_status,
                 error, response_excerpt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                write.delivery_id,
                attempt.attempt,
                time_text(attempt.at),
                attempt.duration_ms,
                attempt.http_status,
                attempt.error,
                attempt.response_excerpt,
            ],
        )
        .map_err(backend)?;
    let failing_since: Option<String> = if status == DeliveryStatus::Delivered {
        connection
            .execute(
                "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ?1",
                params![endpoint_id],
            )
            .map_err(backend)?;
        None
    } else {
        connection
            .query_row(
                "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, ?1)
                 WHERE id = ?2 RETURNING failing_since",
                params![time_text(attempt.at), endpoint_id],
                |row| row.get(0),
            )
            .optional()
            .map_err(backend)?
            .flatten()
    };
    optional_time(failing_since)
}

fn claim(
    connection: &Connection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<ClaimedDelivery>> {
    let token = Uuid::now_v7();
    let sql = format!(
        "UPDATE webhook_deliveries SET lease_until = ?2, claim_token = ?3
         WHERE id IN (
             SELECT c.id FROM webhook_deliveries c
             JOIN webhook_endpoints e ON e.id = c.endpoint_id
             WHERE c.status = 'pending' AND c.next_attempt_at <= ?1
               AND (c.lease_until IS NULL OR c.lease_until < ?1) AND e.enabled = 1
               AND NOT EXISTS (
                   SELECT 1 FROM webhook_deliveries p
                   WHERE p.endpoint_id = c.endpoint_id AND p.order_id = c.order_id
                     AND p.sequence < c.sequence AND p.status = 'pending')
             ORDER BY c.next_attempt_at, c.sequence LIMIT ?4)
         RETURNING {DELIVERY_COLUMNS}"
    );
    let mut statement = connection.prepare_cached(&sql).map_err(backend)?;
    let rows = statement
        .query_map(
            params![
                time_text(now),
                time_text(lease_until),
                token.to_string(),
                limit
            ],
            delivery_row,
        )
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    rows.into_iter()
        .map(|row| {
            row.map(|delivery| ClaimedDelivery {
                delivery,
                claim: token,
            })
        })
        .collect()
}

#[async_trait]
impl WebhookStore for SqliteStore {
    async fn create_webhook_endpoint(&self, endpoint: &WebhookEndpoint) -> StoreResult<()> {
        let endpoint = endpoint.clone();
        self.write(move |connection| {
            connection
                .execute(
                    &format!(
                        "INSERT INTO webhook_endpoints ({ENDPOINT_COLUMNS})
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
                    ),
                    rusqlite::params_from_iter(endpoint_values(&endpoint)),
                )
                .map_err(backend)?;
            write_subscriptions(connection, &endpoint)
        })
        .await
    }

    async fn webhook_endpoint(
        &self,
        tenant_id: TenantId,
        id: Uuid,
    ) -> StoreResult<Option<WebhookEndpoint>> {
        self.read(move |connection| {
            connection
                .query_row(
                    &format!(
                        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints
                         WHERE tenant_id = ?1 AND id = ?2"
                    ),
                    params![tenant_id.to_string(), id.to_string()],
                    endpoint_row,
                )
                .optional()
                .map_err(backend)?
                .transpose()
        })
        .await
    }

    async fn webhook_endpoints(&self, tenant_id: TenantId) -> StoreResult<Vec<WebhookEndpoint>> {
        self.read(move |connection| {
            let mut statement = connection
                .prepare_cached(&format!(
                    "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints
                     WHERE tenant_id = ?1 ORDER BY id"
                ))
                .map_err(backend)?;
            let rows = statement
                .query_map(params![tenant_id.to_string()], endpoint_row)
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            rows.into_iter().collect()
        })
        .await
    }

    async fn update_webhook_endpoint(&self, endpoint: &WebhookEndpoint) -> StoreResult<()> {
        let endpoint = endpoint.clone();
        self.write(move |connection| {
            let values = endpoint_values(&endpoint);
            let changed = connection
                .execute(
                    "UPDATE webhook_endpoints SET url = ?3, description = ?4, event_types = ?5,
                         format = ?6, secret = ?7, previous_secret = ?8,
                         previous_secret_expires_at = ?9, enabled = ?10, disabled_reason = ?11,
                         disabled_at = ?12, failing_since = ?13, updated_at = ?15
                     WHERE id = ?1 AND tenant_id = ?2",
                    rusqlite::params_from_iter(values),
                )
                .map_err(backend)?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("webhook {}", endpoint.id)));
            }
            write_subscriptions(connection, &endpoint)
        })
        .await
    }

    async fn delete_webhook_endpoint(&self, tenant_id: TenantId, id: Uuid) -> StoreResult<()> {
        self.write(move |connection| {
            let changed = connection
                .execute(
                    "DELETE FROM webhook_endpoints WHERE tenant_id = ?1 AND id = ?2",
                    params![tenant_id.to_string(), id.to_string()],
                )
                .map_err(backend)?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("webhook {id}")));
            }
            Ok(())
        })
        .await
    }

    async fn disable_failing_webhook_endpoint(
        &self,
        id: Uuid,
        failing_since_at_most: DateTime<Utc>,
        reason: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let reason = reason.to_owned();
        self.write(move |connection| {
            let changed = connection
                .execute(
                    "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?1,
                         disabled_at = ?2, updated_at = ?2
                     WHERE id = ?3 AND enabled = 1 AND failing_since IS NOT NULL
                       AND failing_since <= ?4",
                    params![
                        reason,
                        time_text(at),
                        id.to_string(),
                        time_text(failing_since_at_most)
                    ],
                )
                .map_err(backend)?;
            Ok(changed > 0)
        })
        .await
    }

    async fn claim_webhook_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        self.write(move |connection| claim(connection, now, lease_until, limit))
            .await
    }

    async fn record_webhook_attempt(
        &self,
        write: AttemptWrite,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        self.write(move |connection| record_attempt(connection, &write))
            .await
    }

    async fn webhook_deliveries(
        &self,
        tenant_id: TenantId,
        endpoint_id: Uuid,
        filter: &DeliveryFilter,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        let filter = filter.clone();
        self.read(move |connection| {
            let mut sql = format!(
                "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries
                 WHERE tenant_id = ? AND endpoint_id = ?"
            );
            let mut values = vec![tenant_id.to_string(), endpoint_id.to_string()];
            if let Some(status) = filter.status {
                sql.push_str(" AND status = ?");
                values.push(status.as_str().to_owned());
            }
            if let Some(order_id) = filter.order_id {
                sql.push_str(" AND order_id = ?");
                values.push(order_id.to_string());
            }
            sql.push_str(&format!(
                " ORDER BY created_at DESC, sequence DESC LIMIT {}",
                filter.limit
            ));
            let mut statement = connection.prepare_cached(&sql).map_err(backend)?;
            let rows = statement
                .query_map(rusqlite::params_from_iter(values.iter()), delivery_row)
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            rows.into_iter().collect()
        })
        .await
    }

    async fn webhook_attempts(&self, delivery_ids: Vec<String>) -> StoreResult<Vec<AttemptRecord>> {
        self.read(move |connection| {
            let mut statement = connection
                .prepare_cached(
                    "SELECT delivery_id, attempt, at, duration_ms, http_status, error,
                         response_excerpt
                     FROM webhook_attempts WHERE delivery_id = ?1 ORDER BY attempt",
                )
                .map_err(backend)?;
            let mut attempts = Vec::new();
            for id in &delivery_ids {
                let rows = statement
                    .query_map(params![id], |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, i64>(1)?,
                            row.get::<_, String>(2)?,
                            row.get::<_, i64>(3)?,
                            row.get::<_, Option<i32>>(4)?,
                            row.get::<_, Option<String>>(5)?,
                            row.get::<_, Option<String>>(6)?,
                        ))
                    })
                    .map_err(backend)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(backend)?;
                for (delivery_id, attempt, at, duration_ms, http_status, error, excerpt) in rows {
                    attempts.push(AttemptRecord {
                        delivery_id,
                        attempt,
                        at: parse_time(&at)?,
                        duration_ms,
                        http_status,
                        error,
                        response_excerpt: excerpt,
                    });
                }
            }
            Ok(attempts)
        })
        .await
    }

    async fn requeue_webhook_deliveries(
        &self,
        tenant_id: TenantId,
        endpoint_id: Uuid,
        which: Requeue,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        self.write(move |connection| {
            let (condition, value) = match which {
                Requeue::One(id) => ("id = ?4", id),
                Requeue::Since(since) => ("created_at >= ?4", time_text(since)),
            };
            let changed = connection
                .execute(
                    &format!(
                        "UPDATE webhook_deliveries SET status = 'pending', round_attempts = 0,
                             next_attempt_at = ?3, lease_until = NULL, claim_token = NULL,
                             updated_at = ?3
                         WHERE tenant_id = ?1 AND endpoint_id = ?2 AND {condition}"
                    ),
                    params![
                        tenant_id.to_string(),
                        endpoint_id.to_string(),
                        time_text(now),
                        value
                    ],
                )
                .map_err(backend)?;
            Ok(changed as u64)
        })
        .await
    }
}
