//! [`OtpravkaStore`] on SQLite. Writes run on the writer thread, which serialises them, so the
//! next batch name and the first numeric id of an order cannot be handed out twice.

use crate::codec::{from_json, parse_time, time_text};
use crate::otpravka::{BATCH_ORDERS_MAX, BatchRecord, BatchStatus, OtpravkaAccount, OtpravkaStore};
use crate::sqlite::SqliteStore;
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use okno_model::{MailCategory, MailType, Order, OrderId, TenantId};
use rusqlite::{Connection, OptionalExtension, Row, params};

fn backend(error: rusqlite::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("otpravka: {what}"))
}

const BATCH_COLUMNS: &str =
    "tenant_id, name, mail_type, mail_category, status, status_at, sending_date, created_at";

type BatchRow = (String, i64, String, String, String, String, String, String);

fn batch_row(row: &Row<'_>) -> rusqlite::Result<BatchRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
    ))
}

fn batch_of(row: BatchRow) -> StoreResult<BatchRecord> {
    let (tenant, name, mail_type, category, status, status_at, sending_date, created_at) = row;
    Ok(BatchRecord {
        tenant_id: tenant.parse().map_err(|_| corrupt(&tenant))?,
        name,
        mail_type: MailType::parse(&mail_type).ok_or_else(|| corrupt(&mail_type))?,
        mail_category: MailCategory::parse(&category).ok_or_else(|| corrupt(&category))?,
        status: BatchStatus::parse(&status).ok_or_else(|| corrupt(&status))?,
        status_at: parse_time(&status_at)?,
        sending_date: NaiveDate::parse_from_str(&sending_date, "%Y-%m-%d")
            .map_err(|_| corrupt(&sending_date))?,
        created_at: parse_time(&created_at)?,
    })
}

fn otpravka_id(connection: &Connection, tenant: &str, order: &str) -> StoreResult<i64> {
    let known: Option<String> = connection
        .query_row(
            "SELECT id FROM orders WHERE tenant_id = ?1 AND id = ?2",
            params![tenant, order],
            |row| row.get(0),
        )
        .optional()
        .map_err(backend)?;
    if known.is_none() {
        return Err(StoreError::NotFound(format!("order {order}")));
    }
    connection
        .execute(
            "INSERT OR IGNORE INTO otpravka_orders (tenant_id, order_id) VALUES (?1, ?2)",
            params![tenant, order],
        )
        .map_err(backend)?;
    connection
        .query_row(
            "SELECT id FROM otpravka_orders WHERE order_id = ?1",
            params![order],
            |row| row.get(0),
        )
        .map_err(backend)
}

fn create_batch(connection: &Connection, batch: &BatchRecord) -> StoreResult<BatchRecord> {
    let tenant = batch.tenant_id.to_string();
    let name: i64 = connection
        .query_row(
            "SELECT COALESCE(MAX(name), 0) + 1 FROM otpravka_batches WHERE tenant_id = ?1",
            params![tenant],
            |row| row.get(0),
        )
        .map_err(backend)?;
    connection
        .execute(
            &format!(
                "INSERT INTO otpravka_batches ({BATCH_COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            ),
            params![
                tenant,
                name,
                batch.mail_type.as_str(),
                batch.mail_category.as_str(),
                batch.status.as_str(),
                time_text(batch.status_at),
                batch.sending_date.format("%Y-%m-%d").to_string(),
                time_text(batch.created_at),
            ],
        )
        .map_err(backend)?;
    Ok(BatchRecord {
        name,
        ..batch.clone()
    })
}

fn orders_of(
    connection: &Connection,
    sql: &str,
    values: &[&dyn rusqlite::ToSql],
) -> StoreResult<Vec<Order>> {
    let mut statement = connection.prepare_cached(sql).map_err(backend)?;
    let bodies = statement
        .query_map(values, |row| row.get::<_, String>(0))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    bodies
        .iter()
        .map(|body| from_json("order body", body))
        .collect()
}

#[async_trait]
impl OtpravkaStore for SqliteStore {
    async fn put_otpravka_account(&self, account: &OtpravkaAccount) -> StoreResult<()> {
        let account = account.clone();
        self.write(move |connection| {
            connection
                .execute(
                    "INSERT INTO otpravka_accounts (tenant_id, login, password_hash, created_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (tenant_id, login) DO UPDATE
                     SET password_hash = excluded.password_hash, created_at = excluded.created_at",
                    params![
                        account.tenant_id.to_string(),
                        account.login,
                        account.password_hash,
                        time_text(account.created_at)
                    ],
                )
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn otpravka_account(
        &self,
        tenant_id: TenantId,
        login: &str,
    ) -> StoreResult<Option<OtpravkaAccount>> {
        let login = login.to_owned();
        self.read(move |connection| {
            let row: Option<(String, String)> = connection
                .query_row(
                    "SELECT password_hash, created_at FROM otpravka_accounts
                     WHERE tenant_id = ?1 AND login = ?2",
                    params![tenant_id.to_string(), login],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
                .map_err(backend)?;
            row.map(|(password_hash, created_at)| {
                Ok(OtpravkaAccount {
                    tenant_id,
                    login,
                    password_hash,
                    created_at: parse_time(&created_at)?,
                })
            })
            .transpose()
        })
        .await
    }

    async fn otpravka_id(&self, tenant_id: TenantId, order_id: OrderId) -> StoreResult<i64> {
        let (tenant, order) = (tenant_id.to_string(), order_id.to_string());
        let known: Option<i64> = {
            let order = order.clone();
            self.read(move |connection| {
                connection
                    .query_row(
                        "SELECT id FROM otpravka_orders WHERE order_id = ?1 AND tenant_id = ?2",
                        params![order, tenant_id.to_string()],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(backend)
            })
            .await?
        };
        match known {
            Some(id) => Ok(id),
            None => {
                self.write(move |connection| otpravka_id(connection, &tenant, &order))
                    .await
            }
        }
    }

    async fn order_id_by_otpravka_id(
        &self,
        tenant_id: TenantId,
        otpravka_id: i64,
    ) -> StoreResult<Option<OrderId>> {
        self.read(move |connection| {
            let order: Option<String> = connection
                .query_row(
                    "SELECT order_id FROM otpravka_orders WHERE id = ?1 AND tenant_id = ?2",
                    params![otpravka_id, tenant_id.to_string()],
                    |row| row.get(0),
                )
                .optional()
                .map_err(backend)?;
            order
                .map(|text| text.parse().map_err(|_| corrupt(&text)))
                .transpose()
        })
        .await
    }

    async fn create_batch(&self, batch: &BatchRecord) -> StoreResult<BatchRecord> {
        let batch = batch.clone();
        self.write(move |connection| create_batch(connection, &batch))
            .await
    }

    async fn batch(&self, tenant_id: TenantId, name: i64) -> StoreResult<Option<BatchRecord>> {
        self.read(move |connection| {
            connection
                .query_row(
                    &format!(
                        "SELECT {BATCH_COLUMNS} FROM otpravka_batches \
                         WHERE tenant_id = ?1 AND name = ?2"
                    ),
                    params![tenant_id.to_string(), name],
                    batch_row,
                )
                .optional()
                .map_err(backend)?
                .map(batch_of)
                .transpose()
        })
        .await
    }

    async fn set_batch_status(
        &self,
        tenant_id: TenantId,
        name: i64,
        status: BatchStatus,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write(move |connection| {
            let changed = connection
                .execute(
                    "UPDATE otpravka_batches SET status = ?1, status_at = ?2
                     WHERE tenant_id = ?3 AND name = ?4",
                    params![status.as_str(), time_text(at), tenant_id.to_string(), name],
                )
                .map_err(backend)?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("batch {name}")));
            }
            Ok(())
        })
        .await
    }

    async fn batch_orders(&self, tenant_id: TenantId, name: &str) -> StoreResult<Vec<Order>> {
        let name = name.to_owned();
        self.read(move |connection| {
            // The expression must be written as in the index `orders_by_batch` to use it;
            // `INDEXED BY` makes SQLite use it (or fail) rather than scan the tenant's orders.
            orders_of(
                connection,
                &format!(
                    "SELECT body FROM orders INDEXED BY orders_by_batch WHERE tenant_id = ?1 \
                     AND json_extract(body, '$.fulfilment.batch') = ?2 \
                     AND json_extract(body, '$.fulfilment.batch') IS NOT NULL \
                     ORDER BY id LIMIT {BATCH_ORDERS_MAX}"
                ),
                &[&tenant_id.to_string(), &name],
            )
        })
        .await
    }

    async fn order_by_track_number(
        &self,
        tenant_id: TenantId,
        track_number: &str,
    ) -> StoreResult<Option<Order>> {
        let track_number = track_number.to_owned();
        self.read(move |connection| {
            let mut orders = orders_of(
                connection,
                "SELECT orders.body FROM order_track_numbers AS numbers \
                 JOIN orders ON orders.id = numbers.order_id \
                 WHERE numbers.track_number = ?1 AND numbers.tenant_id = ?2 \
                 ORDER BY orders.id LIMIT 1",
                &[&track_number, &tenant_id.to_string()],
            )?;
            Ok(orders.pop())
        })
        .await
    }
}
