//! PostgreSQL statements for tracking events and tickets. A batch of events is one statement
//! (`UNNEST` of column arrays), so a 10,000-event batch is one round trip.

use crate::{StoreError, StoreResult, TrackingTicket};
use okno_model::{TenantId, TrackingEvent};
use sqlx::Row;
use sqlx::postgres::PgPool;

fn backend(error: sqlx::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("tracking: {what}"))
}

pub(crate) async fn insert(
    pool: &PgPool,
    tenant_id: TenantId,
    events: &[TrackingEvent],
) -> StoreResult<u64> {
    let mut numbers = Vec::with_capacity(events.len());
    let mut times = Vec::with_capacity(events.len());
    let mut types = Vec::with_capacity(events.len());
    let mut attrs = Vec::with_capacity(events.len());
    let mut offices = Vec::with_capacity(events.len());
    let mut statuses = Vec::with_capacity(events.len());
    let mut finals = Vec::with_capacity(events.len());
    let mut bodies = Vec::with_capacity(events.len());
    let mut received = Vec::with_capacity(events.len());
    for event in events {
        let operation = &event.operation;
        numbers.push(operation.track_number.clone());
        times.push(operation.operated_at.to_utc());
        types.push(i32::from(operation.operation_type));
        attrs.push(operation.operation_attr.map_or(-1, i32::from));
        offices.push(operation.office_index.clone().unwrap_or_default());
        statuses.push(event.status.as_str().to_owned());
        finals.push(event.is_final);
        bodies.push(serde_json::to_string(event).map_err(corrupt)?);
        received.push(event.received_at);
    }
    let result = sqlx::query(
        "INSERT INTO tracking_events (track_number, operated_at, operation_type, operation_attr, \
         office_index, status, is_final, tenant_id, body, received_at) \
         SELECT n, t, ty, a, o, s, f, $8, b::jsonb, r \
         FROM UNNEST($1::text[], $2::timestamptz[], $3::int[], $4::int[], $5::text[], \
                     $6::text[], $7::bool[], $9::text[], $10::timestamptz[]) \
              AS u(n, t, ty, a, o, s, f, b, r) \
         ON CONFLICT DO NOTHING",
    )
    .bind(numbers)
    .bind(times)
    .bind(types)
    .bind(attrs)
    .bind(offices)
    .bind(statuses)
    .bind(finals)
    .bind(tenant_id.as_uuid())
    .bind(bodies)
    .bind(received)
    .execute(pool)
    .await
    .map_err(backend)?;
    Ok(result.rows_affected())
}

pub(crate) async fn history(
    pool: &PgPool,
    track_numbers: &[String],
) -> StoreResult<Vec<TrackingEvent>> {
    let rows = sqlx::query(
        "SELECT body FROM tracking_events WHERE track_number = ANY($1) \
         ORDER BY track_number, operated_at, seq",
    )
    .bind(track_numbers)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    rows.iter()
        .map(|row| {
            let body: serde_json::Value = row.try_get("body").map_err(corrupt)?;
            serde_json::from_value(body).map_err(corrupt)
        })
        .collect()
}

pub(crate) async fn create_ticket(pool: &PgPool, ticket: &TrackingTicket) -> StoreResult<()> {
    let inserted = sqlx::query(
        "INSERT INTO tracking_tickets (id, tenant_id, barcodes, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&ticket.id)
    .bind(ticket.tenant_id.as_uuid())
    .bind(serde_json::to_value(&ticket.barcodes).map_err(corrupt)?)
    .bind(ticket.created_at)
    .execute(pool)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            Err(StoreError::AlreadyExists(format!("ticket {}", ticket.id)))
        }
        Err(error) => Err(backend(error)),
    }
}

pub(crate) async fn ticket(pool: &PgPool, id: &str) -> StoreResult<Option<TrackingTicket>> {
    let row =
        sqlx::query("SELECT tenant_id, barcodes, created_at FROM tracking_tickets WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?;
    let Some(row) = row else { return Ok(None) };
    let barcodes: serde_json::Value = row.try_get("barcodes").map_err(corrupt)?;
    Ok(Some(TrackingTicket {
        id: id.to_owned(),
        tenant_id: TenantId::from_uuid(row.try_get("tenant_id").map_err(corrupt)?),
        barcodes: serde_json::from_value(barcodes).map_err(corrupt)?,
        created_at: row.try_get("created_at").map_err(corrupt)?,
    }))
}
