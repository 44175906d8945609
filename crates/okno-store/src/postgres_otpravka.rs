//! [`OtpravkaStore`] on PostgreSQL, where several okno nodes may write at once: a numeric id
//! is taken with `ON CONFLICT DO NOTHING` and read back, and a batch name is the tenant's
//! highest plus one under a per-tenant advisory lock, so neither is handed out twice.

use crate::otpravka::{BATCH_ORDERS_MAX, BatchRecord, BatchStatus, OtpravkaAccount, OtpravkaStore};
use crate::postgres::PostgresStore;
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use okno_model::{MailCategory, MailType, Order, OrderId, TenantId};
use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::types::Json;

fn backend(error: sqlx::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("otpravka: {what}"))
}

const BATCH_COLUMNS: &str =
    "tenant_id, name, mail_type, mail_category, status, status_at, sending_date, created_at";

fn batch_of(row: &PgRow) -> StoreResult<BatchRecord> {
    let mail_type: String = row.try_get(2).map_err(backend)?;
    let category: String = row.try_get(3).map_err(backend)?;
    let status: String = row.try_get(4).map_err(backend)?;
    Ok(BatchRecord {
        tenant_id: TenantId::from_uuid(row.try_get(0).map_err(backend)?),
        name: row.try_get(1).map_err(backend)?,
        mail_type: MailType::parse(&mail_type).ok_or_else(|| corrupt(&mail_type))?,
        mail_category: MailCategory::parse(&category).ok_or_else(|| corrupt(&category))?,
        status: BatchStatus::parse(&status).ok_or_else(|| corrupt(&status))?,
        status_at: row.try_get(5).map_err(backend)?,
        sending_date: row.try_get(6).map_err(backend)?,
        created_at: row.try_get(7).map_err(backend)?,
    })
}

fn order_of(row: &PgRow) -> StoreResult<Order> {
    let Json(order): Json<Order> = row
        .try_get(0)
        .map_err(|error| StoreError::Corrupt(format!("order body: {error}")))?;
    Ok(order)
}

#[async_trait]
impl OtpravkaStore for PostgresStore {
    async fn put_otpravka_account(&self, account: &OtpravkaAccount) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO otpravka_accounts (tenant_id, login, password_hash, created_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_id, login) DO UPDATE
             SET password_hash = EXCLUDED.password_hash, created_at = EXCLUDED.created_at",
        )
        .bind(account.tenant_id.as_uuid())
        .bind(&account.login)
        .bind(&account.password_hash)
        .bind(account.created_at)
        .execute(self.pool())
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn otpravka_account(
        &self,
        tenant_id: TenantId,
        login: &str,
    ) -> StoreResult<Option<OtpravkaAccount>> {
        let row = sqlx::query(
            "SELECT password_hash, created_at FROM otpravka_accounts
             WHERE tenant_id = $1 AND login = $2",
        )
        .bind(tenant_id.as_uuid())
        .bind(login)
        .fetch_optional(self.pool())
        .await
        .map_err(backend)?;
        row.map(|row| {
            Ok(OtpravkaAccount {
                tenant_id,
                login: login.to_owned(),
                password_hash: row.try_get(0).map_err(backend)?,
                created_at: row.try_get(1).map_err(backend)?,
            })
        })
        .transpose()
    }

    async fn otpravka_id(&self, tenant_id: TenantId, order_id: OrderId) -> StoreResult<i64> {
        let known: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM otpravka_orders WHERE order_id = $1 AND tenant_id = $2",
        )
        .bind(order_id.as_uuid())
        .bind(tenant_id.as_uuid())
        .fetch_optional(self.pool())
        .await
        .map_err(backend)?;
        if let Some(id) = known {
            return Ok(id);
        }
        sqlx::query(
            "INSERT INTO otpravka_orders (tenant_id, order_id)
             SELECT tenant_id, id FROM orders WHERE tenant_id = $1 AND id = $2
             ON CONFLICT (order_id) DO NOTHING",
        )
        .bind(tenant_id.as_uuid())
        .bind(order_id.as_uuid())
        .execute(self.pool())
        .await
        .map_err(backend)?;
        sqlx::query_scalar("SELECT id FROM otpravka_orders WHERE order_id = $1 AND tenant_id = $2")
            .bind(order_id.as_uuid())
            .bind(tenant_id.as_uuid())
            .fetch_optional(self.pool())
            .await
            .map_err(backend)?
            .ok_or_else(|| StoreError::NotFound(format!("order {order_id}")))
    }

    async fn order_id_by_otpravka_id(
        &self,
        tenant_id: TenantId,
        otpravka_id: i64,
    ) -> StoreResult<Option<OrderId>> {
        let order: Option<uuid::Uuid> = sqlx::query_scalar(
            "SELECT order_id FROM otpravka_orders WHERE id = $1 AND tenant_id = $2",
        )
        .bind(otpravka_id)
        .bind(tenant_id.as_uuid())
        .fetch_optional(self.pool())
        .await
        .map_err(backend)?;
        Ok(order.map(OrderId::from_uuid))
    }

    async fn create_batch(&self, batch: &BatchRecord) -> StoreResult<BatchRecord> {
        let mut transaction = self.pool().begin().await.map_err(backend)?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('otpravka_batches:' || $1))")
            .bind(batch.tenant_id.to_string())
            .execute(&mut *transaction)
            .await
            .map_err(backend)?;
        let name: i64 = sqlx::query_scalar(
            "INSERT INTO otpravka_batches (tenant_id, name, mail_type, mail_category, status,
                 status_at, sending_date, created_at)
             SELECT $1, COALESCE(MAX(name), 0) + 1, $2, $3, $4, $5, $6, $7
             FROM otpravka_batches WHERE tenant_id = $1
             RETURNING name",
        )
        .bind(batch.tenant_id.as_uuid())
        .bind(batch.mail_type.as_str())
        .bind(batch.mail_category.as_str())
        .bind(batch.status.as_str())
        .bind(batch.status_at)
        .bind(batch.sending_date)
        .bind(batch.created_at)
        .fetch_one(&mut *transaction)
        .await
        .map_err(backend)?;
        transaction.commit().await.map_err(backend)?;
        Ok(BatchRecord {
            name,
            ..batch.clone()
        })
    }

    async fn batch(&self, tenant_id: TenantId, name: i64) -> StoreResult<Option<BatchRecord>> {
        sqlx::query(&format!(
            "SELECT {BATCH_COLUMNS} FROM otpravka_batches WHERE tenant_id = $1 AND name = $2"
        ))
        .bind(tenant_id.as_uuid())
        .bind(name)
        .fetch_optional(self.pool())
        .await
        .map_err(backend)?
        .as_ref()
        .map(batch_of)
        .transpose()
    }

    async fn set_batch_status(
        &self,
        tenant_id: TenantId,
        name: i64,
        status: BatchStatus,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let changed = sqlx::query(
            "UPDATE otpravka_batches SET status = $1, status_at = $2
             WHERE tenant_id = $3 AND name = $4",
        )
        .bind(status.as_str())
        .bind(at)
        .bind(tenant_id.as_uuid())
        .bind(name)
        .execute(self.pool())
        .await
        .map_err(backend)?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound(format!("batch {name}")));
        }
        Ok(())
    }

    async fn batch_orders(&self, tenant_id: TenantId, name: &str) -> StoreResult<Vec<Order>> {
        // The expression must be written as in the index `orders_by_batch` to use it.
        sqlx::query(&format!(
            "SELECT body FROM orders WHERE tenant_id = $1 \
             AND (body -> 'fulfilment' ->> 'batch') = $2 ORDER BY id LIMIT {BATCH_ORDERS_MAX}"
        ))
        .bind(tenant_id.as_uuid())
        .bind(name)
        .fetch_all(self.pool())
        .await
        .map_err(backend)?
        .iter()
        .map(order_of)
        .collect()
    }

    async fn order_by_track_number(
        &self,
        tenant_id: TenantId,
        track_number: &str,
    ) -> StoreResult<Option<Order>> {
        let probe = serde_json::json!([{ "track_number": track_number }]);
        sqlx::query(
            "SELECT body FROM orders WHERE (body -> 'parcels') @> $1 AND tenant_id = $2 \
             ORDER BY id LIMIT 1",
        )
        .bind(Json(probe))
        .bind(tenant_id.as_uuid())
        .fetch_optional(self.pool())
        .await
        .map_err(backend)?
        .as_ref()
        .map(order_of)
        .transpose()
    }
}
