//! SQLite statements for track number ranges (called on the writer thread or a reader).

use crate::codec::{parse_time, time_text};
use crate::{RangeKind, SerialBlock, StoreError, StoreResult, TrackNumberRange};
use okno_model::{MailType, TenantId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::str::FromStr;
use uuid::Uuid;

const COLUMNS: &str = "id, tenant_id, mail_type, kind, prefix, country, first_serial, last_serial, \
                       next_serial, warn_remaining, created_at";

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("tracknumber_ranges: {what}"))
}

fn range_of(row: &Row<'_>) -> rusqlite::Result<StoreResult<TrackNumberRange>> {
    let (id, tenant, mail_type, kind): (String, String, String, String) =
        (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
    let created_at: String = row.get(10)?;
    let (prefix, country) = (row.get(4)?, row.get(5)?);
    let (first_serial, last_serial, next_serial, warn_remaining) =
        (row.get(6)?, row.get(7)?, row.get(8)?, row.get(9)?);
    Ok((|| {
        Ok(TrackNumberRange {
            id: Uuid::from_str(&id).map_err(corrupt)?,
            tenant_id: TenantId::from_str(&tenant).map_err(corrupt)?,
            mail_type: MailType::parse(&mail_type).ok_or_else(|| corrupt(&mail_type))?,
            kind: RangeKind::parse(&kind).ok_or_else(|| corrupt(&kind))?,
            prefix,
            country,
            first_serial,
            last_serial,
            next_serial,
            warn_remaining,
            created_at: parse_time(&created_at)?,
        })
    })())
}

pub(crate) fn create(connection: &Connection, range: &TrackNumberRange) -> rusqlite::Result<usize> {
    connection.execute(
        &format!("INSERT INTO tracknumber_ranges ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
        params![
            range.id.to_string(),
            range.tenant_id.to_string(),
            range.mail_type.as_str(),
            range.kind.as_str(),
            range.prefix,
            range.country,
            range.first_serial,
            range.last_serial,
            range.next_serial,
            range.warn_remaining,
            time_text(range.created_at)
        ],
    )
}

/// A stored range that would issue some of the same numbers (same kind, prefix and country,
/// intersecting serials), of any tenant: such a range is refused, since numbers are global.
pub(crate) fn overlapping(
    connection: &Connection,
    range: &TrackNumberRange,
) -> StoreResult<Option<String>> {
    connection
        .query_row(
            "SELECT id, first_serial, last_serial FROM tracknumber_ranges \
             WHERE kind = ?1 AND prefix = ?2 AND COALESCE(country, '') = COALESCE(?3, '') \
               AND first_serial <= ?5 AND last_serial >= ?4 LIMIT 1",
            params![
                range.kind.as_str(),
                range.prefix,
                range.country,
                range.first_serial,
                range.last_serial
            ],
            |row| {
                Ok(crate::ranges::overlap_text(
                    range,
                    &row.get::<_, String>(0)?,
                    row.get(1)?,
                    row.get(2)?,
                ))
            },
        )
        .optional()
        .map_err(backend)
}

pub(crate) fn list(
    connection: &Connection,
    tenant_id: TenantId,
) -> StoreResult<Vec<TrackNumberRange>> {
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM tracknumber_ranges WHERE tenant_id = ?1 ORDER BY created_at, id"
        ))
        .map_err(backend)?;
    let rows = statement
        .query_map(params![tenant_id.to_string()], range_of)
        .map_err(backend)?;
    rows.map(|row| row.map_err(backend)?).collect()
}

pub(crate) fn reserve(
    connection: &Connection,
    tenant_id: TenantId,
    mail_type: MailType,
    count: i64,
) -> StoreResult<Option<SerialBlock>> {
    let count = count.max(1);
    let mut statement = connection
        .prepare_cached(&format!(
            "UPDATE tracknumber_ranges SET next_serial = next_serial + ?3
             WHERE id = (SELECT id FROM tracknumber_ranges
                         WHERE tenant_id = ?1 AND mail_type = ?2 AND next_serial <= last_serial
                         ORDER BY created_at, id LIMIT 1)
             RETURNING {COLUMNS}"
        ))
        .map_err(backend)?;
    let range = statement
        .query_row(
            params![tenant_id.to_string(), mail_type.as_str(), count],
            range_of,
        )
        .optional()
        .map_err(backend)?
        .transpose()?;
    Ok(range.map(|range| {
        let first = range.next_serial - count;
        let last = (range.next_serial - 1).min(range.last_serial);
        SerialBlock { range, first, last }
    }))
}

fn backend(error: rusqlite::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}
