//! [`ProcessStore`] on SQLite. A step runs on the writer thread inside its own savepoint, so a
//! conflict rolls back only that step and the rest of the group commit stands.

use crate::codec::{parse_time, time_text};
use crate::process::{
    InboxRecord, InstanceRecord, JobRecord, MessageRecord, MessageWrite, ProcessStep, ProcessStore,
    ProcessVersion, StartTimerRecord, SubscriptionRecord, TimerRecord,
};
use crate::sqlite::SqliteStore;
use crate::sqlite_process_rows::*;
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use okno_model::TenantId;
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, params};
use uuid::Uuid;

fn backend(error: rusqlite::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}

fn unique_or_backend(error: rusqlite::Error, what: &str) -> StoreError {
    match &error {
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.code == ErrorCode::ConstraintViolation =>
        {
            StoreError::AlreadyExists(what.to_owned())
        }
        _ => backend(error),
    }
}

fn conflict(what: String) -> StoreError {
    StoreError::Conflict(what)
}

fn deploy(connection: &Connection, version: ProcessVersion) -> StoreResult<(ProcessVersion, bool)> {
    let latest = connection
        .query_row(
            &format!(
                "SELECT {VERSION_COLUMNS} FROM process_versions \
                 WHERE tenant_id = ?1 AND process_id = ?2 ORDER BY version DESC LIMIT 1"
            ),
            params![version.tenant_id.to_string(), version.process_id],
            version_row,
        )
        .optional()
        .map_err(backend)?
        .map(version_of)
        .transpose()?;
    if let Some(latest) = &latest
        && latest.checksum == version.checksum
    {
        return Ok((latest.clone(), false));
    }
    let stored = ProcessVersion {
        version: latest.map_or(1, |latest| latest.version + 1),
        ..version
    };
    connection
        .execute(
            &format!(
                "INSERT INTO process_versions ({VERSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
            ),
            params![
                stored.tenant_id.to_string(),
                stored.process_id,
                stored.version,
                stored.checksum,
                stored.bpmn,
                time_text(stored.deployed_at)
            ],
        )
        .map_err(backend)?;
    Ok((stored, true))
}

fn insert_message(connection: &Connection, message: &MessageRecord) -> StoreResult<()> {
    connection
        .prepare_cached(&format!(
            "INSERT INTO process_messages ({MESSAGE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        ))
        .map_err(backend)?
        .execute(params![
            message.id.to_string(),
            message.tenant_id.to_string(),
            message.name,
            message.correlation_key,
            message.message_id,
            message.variables,
            time_text(message.published_at),
            message.expires_ms,
            message.correlated_to.map(|id| id.to_string()),
        ])
        .map_err(|error| unique_or_backend(error, "message id"))?;
    Ok(())
}

fn write_step(connection: &Connection, step: &ProcessStep) -> StoreResult<()> {
    let instance = &step.instance;
    let id = instance.id.to_string();
    let tenant = instance.tenant_id.to_string();
    let updated_at = time_text(instance.updated_at);
    match step.expected_revision {
        None => {
            let (parent, parent_element) =
                instance.parent.map_or((None, None), |(parent, element)| {
                    (Some(parent.to_string()), Some(element))
                });
            connection
                .prepare_cached(&format!(
                    "INSERT INTO process_instances ({INSTANCE_COLUMNS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                ))
                .map_err(backend)?
                .execute(params![
                    id,
                    tenant,
                    instance.process_id,
                    instance.version,
                    instance.status,
                    instance.state,
                    instance.revision,
                    parent,
                    parent_element,
                    instance.business_key,
                    time_text(instance.created_at),
                    updated_at,
                ])
                .map_err(|error| unique_or_backend(error, "process instance"))?;
        }
        Some(expected) => {
            let changed = connection
                .prepare_cached(
                    "UPDATE process_instances SET status = ?1, state = ?2, revision = ?3, \
                     version = ?4, updated_at = ?5 WHERE id = ?6 AND revision = ?7",
                )
                .map_err(backend)?
                .execute(params![
                    instance.status,
                    instance.state,
                    instance.revision,
                    instance.version,
                    updated_at,
                    id,
                    expected
                ])
                .map_err(backend)?;
            if changed != 1 {
                return Err(conflict(format!(
                    "process instance {id} is no longer at revision {expected}"
                )));
            }
        }
    }
    connection
        .prepare_cached(
            "INSERT INTO process_history (instance_id, revision, at, events) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(backend)?
        .execute(params![id, instance.revision, updated_at, step.events])
        .map_err(backend)?;
    if let Some(timer) = step.fired_timer {
        let deleted = connection
            .prepare_cached("DELETE FROM process_timers WHERE instance_id = ?1 AND timer_key = ?2")
            .map_err(backend)?
            .execute(params![id, timer])
            .map_err(backend)?;
        if deleted != 1 {
            return Err(conflict(format!("timer {timer} of {id} already fired")));
        }
    }
    if let Some((start_timer, fired_due, next_due)) = step.fired_start_timer {
        let changed = match next_due {
            Some(next_due) => connection
                .prepare_cached(
                    "UPDATE process_start_timers SET due_ms = ?1, \
                     repetitions_left = repetitions_left - 1 WHERE id = ?2 AND due_ms = ?3",
                )
                .map_err(backend)?
                .execute(params![next_due, start_timer.to_string(), fired_due]),
            None => connection
                .prepare_cached("DELETE FROM process_start_timers WHERE id = ?1 AND due_ms = ?2")
                .map_err(backend)?
                .execute(params![start_timer.to_string(), fired_due]),
        }
        .map_err(backend)?;
        if changed != 1 {
            return Err(conflict(format!("start timer {start_timer} already fired")));
        }
    }
    if let Some(inbox) = step.handled_inbox {
        let deleted = connection
            .prepare_cached("DELETE FROM process_inbox WHERE id = ?1")
            .map_err(backend)?
            .execute(params![inbox.to_string()])
            .map_err(backend)?;
        if deleted != 1 {
            return Err(conflict(format!("inbox row {inbox} already handled")));
        }
    }
    match &step.message {
        None => {}
        Some(MessageWrite::Insert(message)) => insert_message(connection, message)?,
        Some(MessageWrite::Take {
            id: message,
            instance_id,
        }) => {
            let taken = connection
                .prepare_cached(
                    "UPDATE process_messages SET correlated_to = ?1 \
                     WHERE id = ?2 AND correlated_to IS NULL",
                )
                .map_err(backend)?
                .execute(params![instance_id.to_string(), message.to_string()])
                .map_err(backend)?;
            if taken != 1 {
                return Err(conflict(format!("message {message} already taken")));
            }
        }
    }
    let answered = step
        .answered_job
        .into_iter()
        .chain(step.cancelled_jobs.iter().copied());
    for job in answered {
        connection
            .prepare_cached("DELETE FROM process_jobs WHERE instance_id = ?1 AND job_key = ?2")
            .map_err(backend)?
            .execute(params![id, job])
            .map_err(backend)?;
    }
    for job in &step.jobs {
        connection
            .prepare_cached(&format!(
                "INSERT OR REPLACE INTO process_jobs ({JOB_COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ))
            .map_err(backend)?
            .execute(params![
                job.instance_id.to_string(),
                job.key,
                job.tenant_id.to_string(),
                job.job_type,
                job.retries,
                job.not_before_ms,
                job.locked_until_ms,
                job.worker,
                job.body,
            ])
            .map_err(backend)?;
    }
    for timer in &step.cancelled_timers {
        connection
            .prepare_cached("DELETE FROM process_timers WHERE instance_id = ?1 AND timer_key = ?2")
            .map_err(backend)?
            .execute(params![id, timer])
            .map_err(backend)?;
    }
    for timer in &step.timers {
        connection
            .prepare_cached(
                "INSERT OR REPLACE INTO process_timers (instance_id, timer_key, tenant_id, due_ms) \
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(backend)?
            .execute(params![
                timer.instance_id.to_string(),
                timer.key,
                timer.tenant_id.to_string(),
                timer.due_ms
            ])
            .map_err(backend)?;
    }
    for subscription in &step.closed_subscriptions {
        connection
            .prepare_cached(
                "DELETE FROM process_subscriptions WHERE instance_id = ?1 AND subscription_key = ?2",
            )
            .map_err(backend)?
            .execute(params![id, subscription])
            .map_err(backend)?;
    }
    for subscription in &step.subscriptions {
        connection
            .prepare_cached(
                "INSERT OR REPLACE INTO process_subscriptions (instance_id, subscription_key, \
                 tenant_id, name, correlation_key, signal) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(backend)?
            .execute(params![
                subscription.instance_id.to_string(),
                subscription.key,
                subscription.tenant_id.to_string(),
                subscription.name,
                subscription.correlation_key,
                subscription.signal
            ])
            .map_err(backend)?;
    }
    insert_inbox(connection, &step.inbox)
}

pub(crate) fn insert_inbox(connection: &Connection, rows: &[InboxRecord]) -> StoreResult<()> {
    for row in rows {
        connection
            .prepare_cached(
                "INSERT INTO process_inbox (id, tenant_id, instance_id, kind, body, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(backend)?
            .execute(params![
                row.id.to_string(),
                row.tenant_id.to_string(),
                row.instance_id.to_string(),
                row.kind,
                row.body,
                time_text(row.created_at)
            ])
            .map_err(backend)?;
    }
    Ok(())
}

fn activate(
    connection: &Connection,
    tenant_id: Option<TenantId>,
    job_types: &[String],
    max: u32,
    worker: &str,
    now_ms: i64,
    lock_ms: i64,
) -> StoreResult<Vec<JobRecord>> {
    let types =
        serde_json::to_string(job_types).map_err(|error| StoreError::Corrupt(error.to_string()))?;
    let mut found = connection
        .prepare_cached(&format!(
            "SELECT {JOB_COLUMNS} FROM process_jobs \
             WHERE job_type IN (SELECT value FROM json_each(?1)) \
               AND (?2 IS NULL OR tenant_id = ?2) AND not_before_ms <= ?3 AND locked_until_ms <= ?3 \
               AND retries > 0 \
             ORDER BY not_before_ms, instance_id, job_key LIMIT ?4"
        ))
        .map_err(backend)?
        .query_map(
            params![types, tenant_id.map(|id| id.to_string()), now_ms, max],
            job_row,
        )
        .map_err(backend)?
        .map(|row| job_of(row.map_err(backend)?))
        .collect::<StoreResult<Vec<_>>>()?;
    let until = now_ms.saturating_add(lock_ms);
    for job in &mut found {
        connection
            .prepare_cached(
                "UPDATE process_jobs SET locked_until_ms = ?1, worker = ?2 \
                 WHERE instance_id = ?3 AND job_key = ?4",
            )
            .map_err(backend)?
            .execute(params![until, worker, job.instance_id.to_string(), job.key])
            .map_err(backend)?;
        job.locked_until_ms = until;
        job.worker = Some(worker.to_owned());
    }
    Ok(found)
}

fn query<T, R>(
    connection: &Connection,
    sql: &str,
    parameters: impl rusqlite::Params,
    read: impl FnMut(&Row<'_>) -> rusqlite::Result<R>,
    convert: impl Fn(R) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    connection
        .prepare_cached(sql)
        .map_err(backend)?
        .query_map(parameters, read)
        .map_err(backend)?
        .map(|row| convert(row.map_err(backend)?))
        .collect()
}

fn replace_start_timers(
    connection: &Connection,
    tenant_id: TenantId,
    process_id: &str,
    timers: &[StartTimerRecord],
) -> StoreResult<()> {
    connection
        .execute(
            "DELETE FROM process_start_timers WHERE tenant_id = ?1 AND process_id = ?2",
            params![tenant_id.to_string(), process_id],
        )
        .map_err(backend)?;
    for timer in timers {
        connection
            .execute(
                &format!(
                    "INSERT INTO process_start_timers ({START_TIMER_COLUMNS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                ),
                params![
                    timer.id.to_string(),
                    timer.tenant_id.to_string(),
                    timer.process_id,
                    timer.version,
                    timer.start_event,
                    timer.due_ms,
                    timer.repetitions_left,
                    timer.interval_ms
                ],
            )
            .map_err(backend)?;
    }
    Ok(())
}

#[async_trait]
impl ProcessStore for SqliteStore {
    async fn replace_start_timers(
        &self,
        tenant_id: TenantId,
        process_id: &str,
        timers: Vec<StartTimerRecord>,
    ) -> StoreResult<()> {
        let process_id = process_id.to_owned();
        self.write(move |connection| {
            replace_start_timers(connection, tenant_id, &process_id, &timers)
        })
        .await
    }

    async fn due_start_timers(
        &self,
        now_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<StartTimerRecord>> {
        self.read(move |connection| {
            query(
                connection,
                &format!(
                    "SELECT {START_TIMER_COLUMNS} FROM process_start_timers WHERE due_ms <= ?1 \
                     ORDER BY due_ms, id LIMIT ?2"
                ),
                params![now_ms, limit],
                start_timer_row,
                start_timer_of,
            )
        })
        .await
    }

    async fn deploy_process(&self, version: ProcessVersion) -> StoreResult<(ProcessVersion, bool)> {
        self.write(move |connection| deploy(connection, version))
            .await
    }

    async fn process_version(
        &self,
        tenant_id: TenantId,
        process_id: &str,
        version: Option<i64>,
    ) -> StoreResult<Option<ProcessVersion>> {
        let process_id = process_id.to_owned();
        self.read(move |connection| {
            let found = query(
                connection,
                &format!(
                    "SELECT {VERSION_COLUMNS} FROM process_versions \
                     WHERE tenant_id = ?1 AND process_id = ?2 AND (?3 IS NULL OR version = ?3) \
                     ORDER BY version DESC LIMIT 1"
                ),
                params![tenant_id.to_string(), process_id, version],
                version_row,
                version_of,
            )?;
            Ok(found.into_iter().next())
        })
        .await
    }

    async fn process_version_number(
        &self,
        tenant_id: TenantId,
        process_id: &str,
        version: Option<i64>,
    ) -> StoreResult<Option<i64>> {
        let process_id = process_id.to_owned();
        self.read(move |connection| {
            connection
                .prepare_cached(
                    "SELECT MAX(version) FROM process_versions \
                     WHERE tenant_id = ?1 AND process_id = ?2 AND (?3 IS NULL OR version = ?3)",
                )
                .map_err(backend)?
                .query_row(params![tenant_id.to_string(), process_id, version], |row| {
                    row.get(0)
                })
                .map_err(backend)
        })
        .await
    }

    async fn process_versions(&self, tenant_id: TenantId) -> StoreResult<Vec<ProcessVersion>> {
        self.read(move |connection| {
            query(
                connection,
                &format!(
                    "SELECT {VERSION_COLUMNS} FROM process_versions WHERE tenant_id = ?1 \
                     ORDER BY process_id, version"
                ),
                params![tenant_id.to_string()],
                version_row,
                version_of,
            )
        })
        .await
    }

    async fn write_process_step(&self, step: ProcessStep) -> StoreResult<()> {
        self.write(move |connection| write_step(connection, &step))
            .await
    }

    async fn process_instance(
        &self,
        tenant_id: Option<TenantId>,
        id: Uuid,
    ) -> StoreResult<Option<InstanceRecord>> {
        self.read(move |connection| {
            let found = query(
                connection,
                &format!(
                    "SELECT {INSTANCE_COLUMNS} FROM process_instances \
                     WHERE id = ?1 AND (?2 IS NULL OR tenant_id = ?2)"
                ),
                params![id.to_string(), tenant_id.map(|id| id.to_string())],
                instance_row,
                instance_of,
            )?;
            Ok(found.into_iter().next())
        })
        .await
    }

    async fn process_instances(
        &self,
        tenant_id: TenantId,
        status: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<InstanceRecord>> {
        let status = status.map(str::to_owned);
        self.read(move |connection| {
            query(
                connection,
                &format!(
                    "SELECT {INSTANCE_COLUMNS} FROM process_instances \
                     WHERE tenant_id = ?1 AND (?2 IS NULL OR status = ?2) \
                     ORDER BY id DESC LIMIT ?3"
                ),
                params![tenant_id.to_string(), status, limit],
                instance_row,
                instance_of,
            )
        })
        .await
    }

    async fn process_history(&self, id: Uuid) -> StoreResult<Vec<(i64, DateTime<Utc>, String)>> {
        self.read(move |connection| {
            query(
                connection,
                "SELECT revision, at, events FROM process_history WHERE instance_id = ?1 \
                 ORDER BY revision",
                params![id.to_string()],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                    ))
                },
                |(revision, at, events)| Ok((revision, parse_time(&at)?, events)),
            )
        })
        .await
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
        let job_types = job_types.to_vec();
        let worker = worker.to_owned();
        self.write(move |connection| {
            activate(
                connection, tenant_id, &job_types, max, &worker, now_ms, lock_ms,
            )
        })
        .await
    }

    async fn process_job(
        &self,
        tenant_id: TenantId,
        instance_id: Uuid,
        key: i64,
    ) -> StoreResult<Option<JobRecord>> {
        self.read(move |connection| {
            let found = query(
                connection,
                &format!(
                    "SELECT {JOB_COLUMNS} FROM process_jobs \
                     WHERE tenant_id = ?1 AND instance_id = ?2 AND job_key = ?3"
                ),
                params![tenant_id.to_string(), instance_id.to_string(), key],
                job_row,
                job_of,
            )?;
            Ok(found.into_iter().next())
        })
        .await
    }

    async fn due_timers(&self, now_ms: i64, limit: u32) -> StoreResult<Vec<TimerRecord>> {
        self.read(move |connection| {
            query(
                connection,
                "SELECT instance_id, timer_key, tenant_id, due_ms FROM process_timers \
                 WHERE due_ms <= ?1 ORDER BY due_ms, instance_id, timer_key LIMIT ?2",
                params![now_ms, limit],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, i64>(3)?,
                    ))
                },
                |(instance, key, tenant, due_ms)| {
                    Ok(TimerRecord {
                        instance_id: uuid_of(&instance)?,
                        key,
                        tenant_id: tenant_of(&tenant)?,
                        due_ms,
                    })
                },
            )
        })
        .await
    }

    async fn next_timer_ms(&self) -> StoreResult<Option<i64>> {
        self.read(|connection| {
            connection
                .query_row("SELECT MIN(due_ms) FROM process_timers", [], |row| {
                    row.get(0)
                })
                .map_err(backend)
        })
        .await
    }

    async fn process_inbox(&self, limit: u32) -> StoreResult<Vec<InboxRecord>> {
        self.read(move |connection| {
            query(
                connection,
                "SELECT id, tenant_id, instance_id, kind, body, created_at FROM process_inbox \
                 ORDER BY id LIMIT ?1",
                params![limit],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, String>(5)?,
                    ))
                },
                |(id, tenant, instance, kind, body, created_at)| {
                    Ok(InboxRecord {
                        id: uuid_of(&id)?,
                        tenant_id: tenant_of(&tenant)?,
                        instance_id: uuid_of(&instance)?,
                        kind,
                        body,
                        created_at: parse_time(&created_at)?,
                    })
                },
            )
        })
        .await
    }

    async fn expand_process_inbox(&self, handled: Uuid, rows: Vec<InboxRecord>) -> StoreResult<()> {
        self.write(move |connection| {
            let deleted = connection
                .execute(
                    "DELETE FROM process_inbox WHERE id = ?1",
                    params![handled.to_string()],
                )
                .map_err(backend)?;
            if deleted != 1 {
                return Err(conflict(format!("inbox row {handled} already handled")));
            }
            insert_inbox(connection, &rows)
        })
        .await
    }

    async fn insert_process_inbox(&self, rows: Vec<InboxRecord>) -> StoreResult<()> {
        self.write(move |connection| insert_inbox(connection, &rows))
            .await
    }

    async fn process_subscriptions(
        &self,
        tenant_id: TenantId,
        name: &str,
        correlation_key: Option<&str>,
        signal: bool,
    ) -> StoreResult<Vec<SubscriptionRecord>> {
        let name = name.to_owned();
        let correlation_key = correlation_key.map(str::to_owned);
        self.read(move |connection| {
            query(
                connection,
                "SELECT instance_id, subscription_key, tenant_id, name, correlation_key, signal \
                 FROM process_subscriptions WHERE tenant_id = ?1 AND name = ?2 AND signal = ?3 \
                   AND (?4 IS NULL OR correlation_key IS NULL OR correlation_key = ?4) \
                 ORDER BY instance_id, subscription_key",
                params![tenant_id.to_string(), name, signal, correlation_key],
                |row| subscription_row(row, 0),
                subscription_of,
            )
        })
        .await
    }

    async fn insert_process_message(&self, message: MessageRecord) -> StoreResult<()> {
        self.write(move |connection| insert_message(connection, &message))
            .await
    }

    async fn process_message_by_id(
        &self,
        tenant_id: TenantId,
        message_id: &str,
    ) -> StoreResult<Option<MessageRecord>> {
        let message_id = message_id.to_owned();
        self.read(move |connection| {
            let found = query(
                connection,
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM process_messages \
                     WHERE tenant_id = ?1 AND message_id = ?2"
                ),
                params![tenant_id.to_string(), message_id],
                message_row,
                message_of,
            )?;
            Ok(found.into_iter().next())
        })
        .await
    }

    async fn matchable_messages(
        &self,
        now_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<(MessageRecord, SubscriptionRecord)>> {
        self.read(move |connection| {
            query(
                connection,
                "SELECT m.id, m.tenant_id, m.name, m.correlation_key, m.message_id, m.variables, \
                        m.published_at, m.expires_ms, m.correlated_to, \
                        s.instance_id, s.subscription_key, s.tenant_id, s.name, s.correlation_key, s.signal \
                 FROM process_messages m JOIN process_subscriptions s \
                   ON s.tenant_id = m.tenant_id AND s.name = m.name AND s.signal = 0 \
                  AND (s.correlation_key IS NULL OR s.correlation_key = m.correlation_key) \
                 WHERE m.correlated_to IS NULL AND m.expires_ms > ?1 \
                 ORDER BY m.id, s.instance_id, s.subscription_key LIMIT ?2",
                params![now_ms, limit],
                |row| Ok((message_row(row)?, subscription_row(row, 9)?)),
                |(message, subscription)| Ok((message_of(message)?, subscription_of(subscription)?)),
            )
        })
        .await
    }

    async fn discard_process_work(
        &self,
        timer: Option<(Uuid, i64)>,
        inbox: Option<Uuid>,
    ) -> StoreResult<()> {
        self.write(move |connection| {
            if let Some((instance, key)) = timer {
                connection
                    .execute(
                        "DELETE FROM process_timers WHERE instance_id = ?1 AND timer_key = ?2",
                        params![instance.to_string(), key],
                    )
                    .map_err(backend)?;
            }
            if let Some(inbox) = inbox {
                connection
                    .execute(
                        "DELETE FROM process_inbox WHERE id = ?1",
                        params![inbox.to_string()],
                    )
                    .map_err(backend)?;
            }
            Ok(())
        })
        .await
    }

    async fn purge_process_messages(&self, now_ms: i64) -> StoreResult<u64> {
        self.write(move |connection| {
            connection
                .execute(
                    "DELETE FROM process_messages WHERE expires_ms <= ?1 \
                     AND (message_id IS NULL OR expires_ms <= ?1 - 86400000)",
                    params![now_ms],
                )
                .map(|deleted| deleted as u64)
                .map_err(backend)
        })
        .await
    }
}
