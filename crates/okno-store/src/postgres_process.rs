//! [`ProcessStore`] on PostgreSQL, where several okno nodes share the work: a step is one
//! transaction that compares the instance's revision and deletes what it consumes (a fired
//! timer, a handled inbox row, a taken message), so of two nodes doing the same step one
//! commits and the other gets `Conflict`; jobs are activated with `FOR UPDATE SKIP LOCKED`.

use crate::postgres::PostgresStore;
use crate::process::{
    InboxRecord, InstanceRecord, JobRecord, MessageRecord, MessageWrite, ProcessStep, ProcessStore,
    ProcessVersion, StartTimerRecord, SubscriptionRecord, TimerRecord,
};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use okno_model::TenantId;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};
use uuid::Uuid;

fn backend(error: sqlx::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}

fn unique_or_backend(error: sqlx::Error, what: &str) -> StoreError {
    match &error {
        sqlx::Error::Database(database) if database.is_unique_violation() => {
            StoreError::AlreadyExists(what.to_owned())
        }
        _ => backend(error),
    }
}

const VERSION_COLUMNS: &str = "tenant_id, process_id, version, checksum, bpmn, deployed_at";

fn version_of(row: &PgRow) -> StoreResult<ProcessVersion> {
    Ok(ProcessVersion {
        tenant_id: TenantId::from_uuid(row.try_get(0).map_err(backend)?),
        process_id: row.try_get(1).map_err(backend)?,
        version: row.try_get(2).map_err(backend)?,
        checksum: row.try_get(3).map_err(backend)?,
        bpmn: row.try_get(4).map_err(backend)?,
        deployed_at: row.try_get(5).map_err(backend)?,
    })
}

const INSTANCE_COLUMNS: &str = "id, tenant_id, process_id, version, status, state, revision, \
     parent_id, parent_element, business_key, created_at, updated_at";

fn instance_of(row: &PgRow) -> StoreResult<InstanceRecord> {
    let parent: Option<Uuid> = row.try_get(7).map_err(backend)?;
    let element: Option<i64> = row.try_get(8).map_err(backend)?;
    Ok(InstanceRecord {
        id: row.try_get(0).map_err(backend)?,
        tenant_id: TenantId::from_uuid(row.try_get(1).map_err(backend)?),
        process_id: row.try_get(2).map_err(backend)?,
        version: row.try_get(3).map_err(backend)?,
        status: row.try_get(4).map_err(backend)?,
        state: row.try_get(5).map_err(backend)?,
        revision: row.try_get(6).map_err(backend)?,
        parent: parent.zip(element),
        business_key: row.try_get(9).map_err(backend)?,
        created_at: row.try_get(10).map_err(backend)?,
        updated_at: row.try_get(11).map_err(backend)?,
    })
}

const JOB_COLUMNS: &str = "instance_id, job_key, tenant_id, job_type, retries, not_before_ms, locked_until_ms, worker, body";

fn job_of(row: &PgRow) -> StoreResult<JobRecord> {
    Ok(JobRecord {
        instance_id: row.try_get(0).map_err(backend)?,
        key: row.try_get(1).map_err(backend)?,
        tenant_id: TenantId::from_uuid(row.try_get(2).map_err(backend)?),
        job_type: row.try_get(3).map_err(backend)?,
        retries: row.try_get(4).map_err(backend)?,
        not_before_ms: row.try_get(5).map_err(backend)?,
        locked_until_ms: row.try_get(6).map_err(backend)?,
        worker: row.try_get(7).map_err(backend)?,
        body: row.try_get(8).map_err(backend)?,
    })
}

const MESSAGE_COLUMNS: &str = "id, tenant_id, name, correlation_key, message_id, variables, \
     published_at, expires_ms, correlated_to";

fn message_of(row: &PgRow) -> StoreResult<MessageRecord> {
    Ok(MessageRecord {
        id: row.try_get(0).map_err(backend)?,
        tenant_id: TenantId::from_uuid(row.try_get(1).map_err(backend)?),
        name: row.try_get(2).map_err(backend)?,
        correlation_key: row.try_get(3).map_err(backend)?,
        message_id: row.try_get(4).map_err(backend)?,
        variables: row.try_get(5).map_err(backend)?,
        published_at: row.try_get(6).map_err(backend)?,
        expires_ms: row.try_get(7).map_err(backend)?,
        correlated_to: row.try_get(8).map_err(backend)?,
    })
}

fn subscription_of(row: &PgRow, offset: usize) -> StoreResult<SubscriptionRecord> {
    Ok(SubscriptionRecord {
        instance_id: row.try_get(offset).map_err(backend)?,
        key: row.try_get(offset + 1).map_err(backend)?,
        tenant_id: TenantId::from_uuid(row.try_get(offset + 2).map_err(backend)?),
        name: row.try_get(offset + 3).map_err(backend)?,
        correlation_key: row.try_get(offset + 4).map_err(backend)?,
        signal: row.try_get(offset + 5).map_err(backend)?,
    })
}

async fn insert_message(
    transaction: &mut Transaction<'_, Postgres>,
    message: &MessageRecord,
) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO process_messages ({MESSAGE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(message.id)
    .bind(message.tenant_id.as_uuid())
    .bind(&message.name)
    .bind(&message.correlation_key)
    .bind(&message.message_id)
    .bind(&message.variables)
    .bind(message.published_at)
    .bind(message.expires_ms)
    .bind(message.correlated_to)
    .execute(&mut **transaction)
    .await
    .map_err(|error| unique_or_backend(error, "message id"))?;
    Ok(())
}

pub(crate) async fn insert_inbox(
    transaction: &mut Transaction<'_, Postgres>,
    rows: &[InboxRecord],
) -> StoreResult<()> {
    for row in rows {
        sqlx::query(
            "INSERT INTO process_inbox (id, tenant_id, instance_id, kind, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(row.id)
        .bind(row.tenant_id.as_uuid())
        .bind(row.instance_id)
        .bind(&row.kind)
        .bind(&row.body)
        .bind(row.created_at)
        .execute(&mut **transaction)
        .await
        .map_err(backend)?;
    }
    Ok(())
}

async fn write_instance(
    transaction: &mut Transaction<'_, Postgres>,
    step: &ProcessStep,
) -> StoreResult<()> {
    let instance = &step.instance;
    match step.expected_revision {
        None => {
            sqlx::query(&format!(
                "INSERT INTO process_instances ({INSTANCE_COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            ))
            .bind(instance.id)
            .bind(instance.tenant_id.as_uuid())
            .bind(&instance.process_id)
            .bind(instance.version)
            .bind(&instance.status)
            .bind(&instance.state)
            .bind(instance.revision)
            .bind(instance.parent.map(|(parent, _)| parent))
            .bind(instance.parent.map(|(_, element)| element))
            .bind(&instance.business_key)
            .bind(instance.created_at)
            .bind(instance.updated_at)
            .execute(&mut **transaction)
            .await
            .map_err(|error| unique_or_backend(error, "process instance"))?;
        }
        Some(expected) => {
            // The new revision and its history row in one statement: the history row is
            // inserted only if the instance was still at `expected`.
            let changed = sqlx::query(
                "WITH changed AS ( \
                     UPDATE process_instances SET status = $1, state = $2, revision = $3, \
                     version = $4, updated_at = $5 WHERE id = $6 AND revision = $7 \
                     RETURNING id \
                 ) \
                 INSERT INTO process_history (instance_id, revision, at, events) \
                 SELECT id, $3, $5, $8 FROM changed",
            )
            .bind(&instance.status)
            .bind(&instance.state)
            .bind(instance.revision)
            .bind(instance.version)
            .bind(instance.updated_at)
            .bind(instance.id)
            .bind(expected)
            .bind(&step.events)
            .execute(&mut **transaction)
            .await
            .map_err(backend)?
            .rows_affected();
            if changed != 1 {
                return Err(StoreError::Conflict(format!(
                    "process instance {} is no longer at revision {expected}",
                    instance.id
                )));
            }
            return Ok(());
        }
    }
    sqlx::query(
        "INSERT INTO process_history (instance_id, revision, at, events) VALUES ($1, $2, $3, $4)",
    )
    .bind(instance.id)
    .bind(instance.revision)
    .bind(instance.updated_at)
    .bind(&step.events)
    .execute(&mut **transaction)
    .await
    .map_err(backend)?;
    Ok(())
}

async fn consume(
    transaction: &mut Transaction<'_, Postgres>,
    step: &ProcessStep,
) -> StoreResult<()> {
    let id = step.instance.id;
    if let Some(timer) = step.fired_timer {
        let deleted =
            sqlx::query("DELETE FROM process_timers WHERE instance_id = $1 AND timer_key = $2")
                .bind(id)
                .bind(timer)
                .execute(&mut **transaction)
                .await
                .map_err(backend)?
                .rows_affected();
        if deleted != 1 {
            return Err(StoreError::Conflict(format!(
                "timer {timer} of {id} already fired"
            )));
        }
    }
    if let Some((start_timer, fired_due, next_due)) = step.fired_start_timer {
        let changed = match next_due {
            Some(next_due) => sqlx::query(
                "UPDATE process_start_timers SET due_ms = $1, \
                 repetitions_left = repetitions_left - 1 WHERE id = $2 AND due_ms = $3",
            )
            .bind(next_due)
            .bind(start_timer)
            .bind(fired_due),
            None => sqlx::query("DELETE FROM process_start_timers WHERE id = $1 AND due_ms = $2")
                .bind(start_timer)
                .bind(fired_due),
        }
        .execute(&mut **transaction)
        .await
        .map_err(backend)?
        .rows_affected();
        if changed != 1 {
            return Err(StoreError::Conflict(format!(
                "start timer {start_timer} already fired"
            )));
        }
    }
    if let Some(inbox) = step.handled_inbox {
        let deleted = sqlx::query("DELETE FROM process_inbox WHERE id = $1")
            .bind(inbox)
            .execute(&mut **transaction)
            .await
            .map_err(backend)?
            .rows_affected();
        if deleted != 1 {
            return Err(StoreError::Conflict(format!(
                "inbox row {inbox} already handled"
            )));
        }
    }
    match &step.message {
        None => {}
        Some(MessageWrite::Insert(message)) => insert_message(transaction, message).await?,
        Some(MessageWrite::Take {
            id: message,
            instance_id,
        }) => {
            let taken = sqlx::query(
                "UPDATE process_messages SET correlated_to = $1 \
                 WHERE id = $2 AND correlated_to IS NULL",
            )
            .bind(instance_id)
            .bind(message)
            .execute(&mut **transaction)
            .await
            .map_err(backend)?
            .rows_affected();
            if taken != 1 {
                return Err(StoreError::Conflict(format!(
                    "message {message} already taken"
                )));
            }
        }
    }
    Ok(())
}

async fn write_rows(
    transaction: &mut Transaction<'_, Postgres>,
    step: &ProcessStep,
) -> StoreResult<()> {
    let id = step.instance.id;
    let deleted_jobs: Vec<i64> = step
        .answered_job
        .into_iter()
        .chain(step.cancelled_jobs.iter().copied())
        .collect();
    if !deleted_jobs.is_empty() {
        sqlx::query("DELETE FROM process_jobs WHERE instance_id = $1 AND job_key = ANY($2)")
            .bind(id)
            .bind(&deleted_jobs)
            .execute(&mut **transaction)
            .await
            .map_err(backend)?;
    }
    for job in &step.jobs {
        sqlx::query(&format!(
            "INSERT INTO process_jobs ({JOB_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (instance_id, job_key) DO UPDATE SET retries = EXCLUDED.retries, \
             not_before_ms = EXCLUDED.not_before_ms, locked_until_ms = EXCLUDED.locked_until_ms, \
             worker = EXCLUDED.worker, body = EXCLUDED.body"
        ))
        .bind(job.instance_id)
        .bind(job.key)
        .bind(job.tenant_id.as_uuid())
        .bind(&job.job_type)
        .bind(job.retries)
        .bind(job.not_before_ms)
        .bind(job.locked_until_ms)
        .bind(&job.worker)
        .bind(&job.body)
        .execute(&mut **transaction)
        .await
        .map_err(backend)?;
    }
    if !step.cancelled_timers.is_empty() {
        sqlx::query("DELETE FROM process_timers WHERE instance_id = $1 AND timer_key = ANY($2)")
            .bind(id)
            .bind(&step.cancelled_timers)
            .execute(&mut **transaction)
            .await
            .map_err(backend)?;
    }
    for timer in &step.timers {
        sqlx::query(
            "INSERT INTO process_timers (instance_id, timer_key, tenant_id, due_ms) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (instance_id, timer_key) \
             DO UPDATE SET due_ms = EXCLUDED.due_ms",
        )
        .bind(timer.instance_id)
        .bind(timer.key)
        .bind(timer.tenant_id.as_uuid())
        .bind(timer.due_ms)
        .execute(&mut **transaction)
        .await
        .map_err(backend)?;
    }
    if !step.closed_subscriptions.is_empty() {
        sqlx::query(
            "DELETE FROM process_subscriptions WHERE instance_id = $1 AND subscription_key = ANY($2)",
        )
        .bind(id)
        .bind(&step.closed_subscriptions)
        .execute(&mut **transaction)
        .await
        .map_err(backend)?;
    }
    for subscription in &step.subscriptions {
        sqlx::query(
            "INSERT INTO process_subscriptions (instance_id, subscription_key, tenant_id, name, \
             correlation_key, signal) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (instance_id, subscription_key) DO NOTHING",
        )
        .bind(subscription.instance_id)
        .bind(subscription.key)
        .bind(subscription.tenant_id.as_uuid())
        .bind(&subscription.name)
        .bind(&subscription.correlation_key)
        .bind(subscription.signal)
        .execute(&mut **transaction)
        .await
        .map_err(backend)?;
    }
    insert_inbox(transaction, &step.inbox).await
}

const START_TIMER_COLUMNS: &str =
    "id, tenant_id, process_id, version, start_event, due_ms, repetitions_left, interval_ms";

fn start_timer_of(row: &PgRow) -> StoreResult<StartTimerRecord> {
    Ok(StartTimerRecord {
        id: row.try_get(0).map_err(backend)?,
        tenant_id: TenantId::from_uuid(row.try_get(1).map_err(backend)?),
        process_id: row.try_get(2).map_err(backend)?,
        version: row.try_get(3).map_err(backend)?,
        start_event: row.try_get(4).map_err(backend)?,
        due_ms: row.try_get(5).map_err(backend)?,
        repetitions_left: row.try_get(6).map_err(backend)?,
        interval_ms: row.try_get(7).map_err(backend)?,
    })
}

#[async_trait]
impl ProcessStore for PostgresStore {
    async fn replace_start_timers(
        &self,
        tenant_id: TenantId,
        process_id: &str,
        timers: Vec<StartTimerRecord>,
    ) -> StoreResult<()> {
        let mut transaction = self.pool().begin().await.map_err(backend)?;
        sqlx::query("DELETE FROM process_start_timers WHERE tenant_id = $1 AND process_id = $2")
            .bind(tenant_id.as_uuid())
            .bind(process_id)
            .execute(&mut *transaction)
            .await
            .map_err(backend)?;
        for timer in &timers {
            sqlx::query(&format!(
                "INSERT INTO process_start_timers ({START_TIMER_COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ))
            .bind(timer.id)
            .bind(timer.tenant_id.as_uuid())
            .bind(&timer.process_id)
            .bind(timer.version)
            .bind(&timer.start_event)
            .bind(timer.due_ms)
            .bind(timer.repetitions_left)
            .bind(timer.interval_ms)
            .execute(&mut *transaction)
            .await
            .map_err(backend)?;
        }
        transaction.commit().await.map_err(backend)
    }

    async fn due_start_timers(
        &self,
        now_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<StartTimerRecord>> {
        sqlx::query(&format!(
            "SELECT {START_TIMER_COLUMNS} FROM process_start_timers WHERE due_ms <= $1 \
             ORDER BY due_ms, id LIMIT $2"
        ))
        .bind(now_ms)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(backend)?
        .iter()
        .map(start_timer_of)
        .collect()
    }

    async fn deploy_process(&self, version: ProcessVersion) -> StoreResult<(ProcessVersion, bool)> {
        let mut transaction = self.pool().begin().await.map_err(backend)?;
        // One deployer per (tenant, process) at a time, so two nodes cannot both make version n.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))")
            .bind(format!("{}/{}", version.tenant_id, version.process_id))
            .execute(&mut *transaction)
            .await
            .map_err(backend)?;
        let latest = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM process_versions WHERE tenant_id = $1 AND process_id = $2 \
             ORDER BY version DESC LIMIT 1"
        ))
        .bind(version.tenant_id.as_uuid())
        .bind(&version.process_id)
        .fetch_optional(&mut *transaction)
        .await
        .map_err(backend)?
        .as_ref()
        .map(version_of)
        .transpose()?;
        if let Some(latest) = latest
            .as_ref()
            .filter(|latest| latest.checksum == version.checksum)
        {
            return Ok((latest.clone(), false));
        }
        let stored = ProcessVersion {
            version: latest.map_or(1, |latest| latest.version + 1),
            ..version
        };
        sqlx::query(&format!(
            "INSERT INTO process_versions ({VERSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
        ))
        .bind(stored.tenant_id.as_uuid())
        .bind(&stored.process_id)
        .bind(stored.version)
        .bind(&stored.checksum)
        .bind(&stored.bpmn)
        .bind(stored.deployed_at)
        .execute(&mut *transaction)
        .await
        .map_err(backend)?;
        transaction.commit().await.map_err(backend)?;
        Ok((stored, true))
    }

    async fn process_version(
        &self,
        tenant_id: TenantId,
        process_id: &str,
        version: Option<i64>,
    ) -> StoreResult<Option<ProcessVersion>> {
        sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM process_versions WHERE tenant_id = $1 AND process_id = $2 \
             AND ($3::BIGINT IS NULL OR version = $3) ORDER BY version DESC LIMIT 1"
        ))
        .bind(tenant_id.as_uuid())
        .bind(process_id)
        .bind(version)
        .fetch_optional(self.pool())
        .await
        .map_err(backend)?
        .as_ref()
        .map(version_of)
        .transpose()
    }

    async fn process_version_number(
        &self,
        tenant_id: TenantId,
        process_id: &str,
        version: Option<i64>,
    ) -> StoreResult<Option<i64>> {
        sqlx::query_scalar(
            "SELECT MAX(version) FROM process_versions WHERE tenant_id = $1 AND process_id = $2 \
             AND ($3::BIGINT IS NULL OR version = $3)",
        )
        .bind(tenant_id.as_uuid())
        .bind(process_id)
        .bind(version)
        .fetch_one(self.pool())
        .await
        .map_err(backend)
    }

    async fn process_versions(&self, tenant_id: TenantId) -> StoreResult<Vec<ProcessVersion>> {
        sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM process_versions WHERE tenant_id = $1 \
             ORDER BY process_id, version"
        ))
        .bind(tenant_id.as_uuid())
        .fetch_all(self.pool())
        .await
        .map_err(backend)?
        .iter()
        .map(version_of)
        .collect()
    }

    async fn write_process_step(&self, step: ProcessStep) -> StoreResult<()> {
        let mut transaction = self.pool().begin().await.map_err(backend)?;
        write_instance(&mut transaction, &step).await?;
        consume(&mut transaction, &step).await?;
        write_rows(&mut transaction, &step).await?;
        transaction.commit().await.map_err(backend)
    }

    async fn process_instance(
        &self,
        tenant_id: Option<TenantId>,
        id: Uuid,
    ) -> StoreResult<Option<InstanceRecord>> {
        sqlx::query(&format!(
            "SELECT {INSTANCE_COLUMNS} FROM process_instances \
             WHERE id = $1 AND ($2::UUID IS NULL OR tenant_id = $2)"
        ))
        .bind(id)
        .bind(tenant_id.map(|tenant| tenant.as_uuid()))
        .fetch_optional(self.pool())
        .await
        .map_err(backend)?
        .as_ref()
        .map(instance_of)
        .transpose()
    }

    async fn process_instances(
        &self,
        tenant_id: TenantId,
        status: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<InstanceRecord>> {
        sqlx::query(&format!(
            "SELECT {INSTANCE_COLUMNS} FROM process_instances \
             WHERE tenant_id = $1 AND ($2::TEXT IS NULL OR status = $2) ORDER BY id DESC LIMIT $3"
        ))
        .bind(tenant_id.as_uuid())
        .bind(status)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(backend)?
        .iter()
        .map(instance_of)
        .collect()
    }

    async fn process_history(&self, id: Uuid) -> StoreResult<Vec<(i64, DateTime<Utc>, String)>> {
        sqlx::query(
            "SELECT revision, at, events FROM process_history WHERE instance_id = $1 ORDER BY revision",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await
        .map_err(backend)?
        .iter()
        .map(|row| {
            Ok((
                row.try_get(0).map_err(backend)?,
                row.try_get(1).map_err(backend)?,
                row.try_get(2).map_err(backend)?,
            ))
        })
        .collect()
    }

    async fn activate_jobs(
        &self,
        tenant_id: Option<TenantId>,
        job_types: &[String],
        max: u32,
        worker: &str,
        now_ms: i64,
        lock_ms: i64,
    ) -> StoreResult<Vec<JobRecord>> {
        sqlx::query(&format!(
            "UPDATE process_jobs SET locked_until_ms = $1, worker = $2 \
             WHERE (instance_id, job_key) IN ( \
               SELECT instance_id, job_key FROM process_jobs \
               WHERE job_type = ANY($3) AND ($4::UUID IS NULL OR tenant_id = $4) \
                 AND not_before_ms <= $5 AND locked_until_ms <= $5 AND retries > 0 \
               ORDER BY not_before_ms, instance_id, job_key LIMIT $6 \
               FOR UPDATE SKIP LOCKED) \
             RETURNING {JOB_COLUMNS}"
        ))
        .bind(now_ms.saturating_add(lock_ms))
        .bind(worker)
        .bind(job_types)
        .bind(tenant_id.map(|tenant| tenant.as_uuid()))
        .bind(now_ms)
        .bind(i64::from(max))
        .fetch_all(self.pool())
        .await
        .map_err(backend)?
        .iter()
        .map(job_of)
        .collect()
    }

    async fn process_job(
        &self,
        tenant_id: TenantId,
        instance_id: Uuid,
        key: i64,
    ) -> StoreResult<Option<JobRecord>> {
        sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM process_jobs \
             WHERE tenant_id = $1 AND instance_id = $2 AND job_key = $3"
        ))
        .bind(tenant_id.as_uuid())
        .bind(instance_id)
        .bind(key)
        .fetch_optional(self.pool())
        .await
        .map_err(backend)?
        .as_ref()
        .map(job_of)
        .transpose()
    }

    async fn due_timers(&self, now_ms: i64, limit: u32) -> StoreResult<Vec<TimerRecord>> {
        sqlx::query(
            "SELECT instance_id, timer_key, tenant_id, due_ms FROM process_timers \
             WHERE due_ms <= $1 ORDER BY due_ms, instance_id, timer_key LIMIT $2",
        )
        .bind(now_ms)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(backend)?
        .iter()
        .map(|row| {
            Ok(TimerRecord {
                instance_id: row.try_get(0).map_err(backend)?,
                key: row.try_get(1).map_err(backend)?,
                tenant_id: TenantId::from_uuid(row.try_get(2).map_err(backend)?),
                due_ms: row.try_get(3).map_err(backend)?,
            })
        })
        .collect()
    }

    async fn next_timer_ms(&self) -> StoreResult<Option<i64>> {
        sqlx::query_scalar("SELECT MIN(due_ms) FROM process_timers")
            .fetch_one(self.pool())
            .await
            .map_err(backend)
    }

    async fn process_inbox(&self, limit: u32) -> StoreResult<Vec<InboxRecord>> {
        sqlx::query(
            "SELECT id, tenant_id, instance_id, kind, body, created_at FROM process_inbox \
             ORDER BY id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(backend)?
        .iter()
        .map(|row| {
            Ok(InboxRecord {
                id: row.try_get(0).map_err(backend)?,
                tenant_id: TenantId::from_uuid(row.try_get(1).map_err(backend)?),
                instance_id: row.try_get(2).map_err(backend)?,
                kind: row.try_get(3).map_err(backend)?,
                body: row.try_get(4).map_err(backend)?,
                created_at: row.try_get(5).map_err(backend)?,
            })
        })
        .collect()
    }

    async fn expand_process_inbox(&self, handled: Uuid, rows: Vec<InboxRecord>) -> StoreResult<()> {
        let mut transaction = self.pool().begin().await.map_err(backend)?;
        let deleted = sqlx::query("DELETE FROM process_inbox WHERE id = $1")
            .bind(handled)
            .execute(&mut *transaction)
            .await
            .map_err(backend)?
            .rows_affected();
        if deleted != 1 {
            return Err(StoreError::Conflict(format!(
                "inbox row {handled} already handled"
            )));
        }
        insert_inbox(&mut transaction, &rows).await?;
        transaction.commit().await.map_err(backend)
    }

    async fn insert_process_inbox(&self, rows: Vec<InboxRecord>) -> StoreResult<()> {
        let mut transaction = self.pool().begin().await.map_err(backend)?;
        insert_inbox(&mut transaction, &rows).await?;
        transaction.commit().await.map_err(backend)
    }

    async fn process_subscriptions(
        &self,
        tenant_id: TenantId,
        name: &str,
        correlation_key: Option<&str>,
        signal: bool,
    ) -> StoreResult<Vec<SubscriptionRecord>> {
        sqlx::query(
            "SELECT instance_id, subscription_key, tenant_id, name, correlation_key, signal \
             FROM process_subscriptions WHERE tenant_id = $1 AND name = $2 AND signal = $3 \
               AND ($4::TEXT IS NULL OR correlation_key IS NULL OR correlation_key = $4) \
             ORDER BY instance_id, subscription_key",
        )
        .bind(tenant_id.as_uuid())
        .bind(name)
        .bind(signal)
        .bind(correlation_key)
        .fetch_all(self.pool())
        .await
        .map_err(backend)?
        .iter()
        .map(|row| subscription_of(row, 0))
        .collect()
    }

    async fn insert_process_message(&self, message: MessageRecord) -> StoreResult<()> {
        let mut transaction = self.pool().begin().await.map_err(backend)?;
        insert_message(&mut transaction, &message).await?;
        transaction.commit().await.map_err(backend)
    }

    async fn process_message_by_id(
        &self,
        tenant_id: TenantId,
        message_id: &str,
    ) -> StoreResult<Option<MessageRecord>> {
        sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM process_messages WHERE tenant_id = $1 AND message_id = $2"
        ))
        .bind(tenant_id.as_uuid())
        .bind(message_id)
        .fetch_optional(self.pool())
        .await
        .map_err(backend)?
        .as_ref()
        .map(message_of)
        .transpose()
    }

    async fn matchable_messages(
        &self,
        now_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<(MessageRecord, SubscriptionRecord)>> {
        sqlx::query(
            "SELECT m.id, m.tenant_id, m.name, m.correlation_key, m.message_id, m.variables, \
                    m.published_at, m.expires_ms, m.correlated_to, \
                    s.instance_id, s.subscription_key, s.tenant_id, s.name, s.correlation_key, s.signal \
             FROM process_messages m JOIN process_subscriptions s \
               ON s.tenant_id = m.tenant_id AND s.name = m.name AND NOT s.signal \
              AND (s.correlation_key IS NULL OR s.correlation_key = m.correlation_key) \
             WHERE m.correlated_to IS NULL AND m.expires_ms > $1 \
             ORDER BY m.id, s.instance_id, s.subscription_key LIMIT $2",
        )
        .bind(now_ms)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(backend)?
        .iter()
        .map(|row| Ok((message_of(row)?, subscription_of(row, 9)?)))
        .collect()
    }

    async fn discard_process_work(
        &self,
        timer: Option<(Uuid, i64)>,
        inbox: Option<Uuid>,
    ) -> StoreResult<()> {
        if let Some((instance, key)) = timer {
            sqlx::query("DELETE FROM process_timers WHERE instance_id = $1 AND timer_key = $2")
                .bind(instance)
                .bind(key)
                .execute(self.pool())
                .await
                .map_err(backend)?;
        }
        if let Some(inbox) = inbox {
            sqlx::query("DELETE FROM process_inbox WHERE id = $1")
                .bind(inbox)
                .execute(self.pool())
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    async fn purge_process_messages(&self, now_ms: i64) -> StoreResult<u64> {
        sqlx::query(
            "DELETE FROM process_messages WHERE expires_ms <= $1 \
             AND (message_id IS NULL OR expires_ms <= $1 - 86400000)",
        )
        .bind(now_ms)
        .execute(self.pool())
        .await
        .map(|done| done.rows_affected())
        .map_err(backend)
    }
}
