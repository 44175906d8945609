//! SQLite statements for tracking events and tickets (called on the writer thread or a reader).

use crate::codec::{from_json, parse_time, time_text, to_json};
use crate::{StoreError, StoreResult, TrackingTicket};
use okno_model::{TenantId, TrackingEvent};
use rusqlite::{Connection, OptionalExtension, params};
use std::str::FromStr;

fn backend(error: rusqlite::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}

pub(crate) fn insert(
    connection: &Connection,
    tenant_id: TenantId,
    events: &[TrackingEvent],
) -> StoreResult<u64> {
    let mut statement = connection
        .prepare_cached(
            "INSERT OR IGNORE INTO tracking_events (track_number, operated_at, operation_type, \
             operation_attr, office_index, status, is_final, tenant_id, body, received_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .map_err(backend)?;
    let tenant = tenant_id.to_string();
    let mut inserted = 0u64;
    for event in events {
        let operation = &event.operation;
        inserted += statement
            .execute(params![
                operation.track_number,
                time_text(operation.operated_at.to_utc()),
                operation.operation_type,
                operation.operation_attr.map_or(-1, i32::from),
                operation.office_index.as_deref().unwrap_or(""),
                event.status.as_str(),
                event.is_final,
                tenant,
                to_json(event),
                time_text(event.received_at),
            ])
            .map_err(backend)? as u64;
    }
    Ok(inserted)
}

pub(crate) fn history(
    connection: &Connection,
    track_numbers: &[String],
) -> StoreResult<Vec<TrackingEvent>> {
    let mut statement = connection
        .prepare_cached(
            "SELECT body FROM tracking_events \
             WHERE track_number IN (SELECT value FROM json_each(?1)) \
             ORDER BY track_number, operated_at, seq",
        )
        .map_err(backend)?;
    let rows = statement
        .query_map(params![to_json(&track_numbers)], |row| {
            row.get::<_, String>(0)
        })
        .map_err(backend)?;
    rows.map(|body| from_json("tracking event", &body.map_err(backend)?))
        .collect()
}

pub(crate) fn create_ticket(
    connection: &Connection,
    ticket: &TrackingTicket,
) -> rusqlite::Result<usize> {
    connection.execute(
        "INSERT INTO tracking_tickets (id, tenant_id, barcodes, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            ticket.id,
            ticket.tenant_id.to_string(),
            to_json(&ticket.barcodes),
            time_text(ticket.created_at)
        ],
    )
}

pub(crate) fn ticket(connection: &Connection, id: &str) -> StoreResult<Option<TrackingTicket>> {
    let row = connection
        .query_row(
            "SELECT tenant_id, barcodes, created_at FROM tracking_tickets WHERE id = ?1",
            params![id],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            },
        )
        .optional()
        .map_err(backend)?;
    let Some((tenant, barcodes, created_at)) = row else {
        return Ok(None);
    };
    Ok(Some(TrackingTicket {
        id: id.to_owned(),
        tenant_id: TenantId::from_str(&tenant)
            .map_err(|e| StoreError::Corrupt(format!("tracking_tickets: {e}")))?,
        barcodes: from_json("ticket barcodes", &barcodes)?,
        created_at: parse_time(&created_at)?,
    }))
}
