//! PostgreSQL statements for track number ranges.

use crate::{RangeKind, SerialBlock, StoreError, StoreResult, TrackNumberRange};
use okno_model::{MailType, TenantId};
use sqlx::Row;
use sqlx::postgres::{PgPool, PgRow};

const COLUMNS: &str = "id, tenant_id, mail_type, kind, prefix, country, first_serial, last_serial, \
                       next_serial, warn_remaining, created_at";

/// How often a reservation retries when a concurrent one used up the range it picked.
const RESERVE_ATTEMPTS: usize = 8;

fn backend(error: sqlx::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}

fn range_of(row: &PgRow) -> StoreResult<TrackNumberRange> {
    let corrupt = |what: String| StoreError::Corrupt(format!("tracknumber_ranges: {what}"));
    let get_err = |e: sqlx::Error| corrupt(e.to_string());
    let mail_type: String = row.try_get("mail_type").map_err(get_err)?;
    let kind: String = row.try_get("kind").map_err(get_err)?;
    Ok(TrackNumberRange {
        id: row.try_get("id").map_err(get_err)?,
        tenant_id: TenantId::from_uuid(row.try_get("tenant_id").map_err(get_err)?),
        mail_type: MailType::parse(&mail_type).ok_or_else(|| corrupt(mail_type.clone()))?,
        kind: RangeKind::parse(&kind).ok_or_else(|| corrupt(kind.clone()))?,
        prefix: row.try_get("prefix").map_err(get_err)?,
        country: row.try_get("country").map_err(get_err)?,
        first_serial: row.try_get("first_serial").map_err(get_err)?,
        last_serial: row.try_get("last_serial").map_err(get_err)?,
        next_serial: row.try_get("next_serial").map_err(get_err)?,
        warn_remaining: row.try_get("warn_remaining").map_err(get_err)?,
        created_at: row.try_get("created_at").map_err(get_err)?,
    })
}

pub(crate) async fn create(pool: &PgPool, range: &TrackNumberRange) -> StoreResult<()> {
    let mut transaction = pool.begin().await.map_err(backend)?;
    // Ranges of one prefix are added one at a time, so the overlap check below cannot race.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('tracknumber_ranges:' || $1))")
        .bind(&range.prefix)
        .execute(&mut *transaction)
        .await
        .map_err(backend)?;
    let overlap = sqlx::query(
        "SELECT id, first_serial, last_serial FROM tracknumber_ranges \
         WHERE kind = $1 AND prefix = $2 AND COALESCE(country, '') = COALESCE($3, '') \
           AND first_serial <= $5 AND last_serial >= $4 LIMIT 1",
    )
    .bind(range.kind.as_str())
    .bind(&range.prefix)
    .bind(&range.country)
    .bind(range.first_serial)
    .bind(range.last_serial)
    .fetch_optional(&mut *transaction)
    .await
    .map_err(backend)?;
    if let Some(row) = overlap {
        let id: uuid::Uuid = row.try_get("id").map_err(backend)?;
        let (first, last): (i64, i64) = (
            row.try_get("first_serial").map_err(backend)?,
            row.try_get("last_serial").map_err(backend)?,
        );
        return Err(StoreError::AlreadyExists(crate::ranges::overlap_text(
            range,
            &id.to_string(),
            first,
            last,
        )));
    }
    let inserted = sqlx::query(&format!(
        "INSERT INTO tracknumber_ranges ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(range.id)
    .bind(range.tenant_id.as_uuid())
    .bind(range.mail_type.as_str())
    .bind(range.kind.as_str())
    .bind(&range.prefix)
    .bind(&range.country)
    .bind(range.first_serial)
    .bind(range.last_serial)
    .bind(range.next_serial)
    .bind(range.warn_remaining)
    .bind(range.created_at)
    .execute(&mut *transaction)
    .await;
    match inserted {
        Ok(_) => transaction.commit().await.map_err(backend),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            Err(StoreError::AlreadyExists(format!("range {}", range.id)))
        }
        Err(error) => Err(backend(error)),
    }
}

pub(crate) async fn list(pool: &PgPool, tenant_id: TenantId) -> StoreResult<Vec<TrackNumberRange>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM tracknumber_ranges WHERE tenant_id = $1 ORDER BY created_at, id"
    ))
    .bind(tenant_id.as_uuid())
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    rows.iter().map(range_of).collect()
}

pub(crate) async fn reserve(
    pool: &PgPool,
    tenant_id: TenantId,
    mail_type: MailType,
    count: i64,
) -> StoreResult<Option<SerialBlock>> {
    let count = count.max(1);
    // The outer `next_serial <= last_serial` is re-checked on the locked, newest row version, so a
    // range a concurrent reservation just used up is skipped; then the subquery picks the next one.
    let sql = format!(
        "UPDATE tracknumber_ranges SET next_serial = next_serial + $3
         WHERE id = (SELECT id FROM tracknumber_ranges
                     WHERE tenant_id = $1 AND mail_type = $2 AND next_serial <= last_serial
                     ORDER BY created_at, id LIMIT 1)
           AND next_serial <= last_serial
         RETURNING {COLUMNS}"
    );
    for _ in 0..RESERVE_ATTEMPTS {
        let row = sqlx::query(&sql)
            .bind(tenant_id.as_uuid())
            .bind(mail_type.as_str())
            .bind(count)
            .fetch_optional(pool)
            .await
            .map_err(backend)?;
        if let Some(row) = row {
            let range = range_of(&row)?;
            let first = range.next_serial - count;
            let last = (range.next_serial - 1).min(range.last_serial);
            return Ok(Some(SerialBlock { range, first, last }));
        }
        let left: Option<i64> = sqlx::query_scalar(
            "SELECT 1::BIGINT FROM tracknumber_ranges
             WHERE tenant_id = $1 AND mail_type = $2 AND next_serial <= last_serial LIMIT 1",
        )
        .bind(tenant_id.as_uuid())
        .bind(mail_type.as_str())
        .fetch_optional(pool)
        .await
        .map_err(backend)?;
        if left.is_none() {
            return Ok(None);
        }
    }
    Err(StoreError::Backend(
        "track number reservation kept losing races; try again".to_owned(),
    ))
}
