//! Reading the process tables' rows on SQLite: the column lists and the conversions from
//! rows to [`crate::process`] records.

use crate::codec::parse_time;
use crate::process::{
    InstanceRecord, JobRecord, MessageRecord, ProcessVersion, StartTimerRecord, SubscriptionRecord,
};
use crate::{StoreError, StoreResult};
use okno_model::TenantId;
use rusqlite::Row;
use std::str::FromStr;
use uuid::Uuid;

pub(crate) fn uuid_of(text: &str) -> StoreResult<Uuid> {
    Uuid::from_str(text).map_err(|error| StoreError::Corrupt(format!("uuid {text:?}: {error}")))
}

pub(crate) fn tenant_of(text: &str) -> StoreResult<TenantId> {
    TenantId::from_str(text).map_err(|_| StoreError::Corrupt(format!("tenant id {text:?}")))
}

pub(crate) const VERSION_COLUMNS: &str =
    "tenant_id, process_id, version, checksum, bpmn, deployed_at";

pub(crate) type VersionRow = (String, String, i64, String, String, String);

pub(crate) fn version_row(row: &Row<'_>) -> rusqlite::Result<VersionRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

pub(crate) fn version_of(row: VersionRow) -> StoreResult<ProcessVersion> {
    Ok(ProcessVersion {
        tenant_id: tenant_of(&row.0)?,
        process_id: row.1,
        version: row.2,
        checksum: row.3,
        bpmn: row.4,
        deployed_at: parse_time(&row.5)?,
    })
}

pub(crate) const INSTANCE_COLUMNS: &str = "id, tenant_id, process_id, version, status, state, revision, \
     parent_id, parent_element, business_key, created_at, updated_at";

pub(crate) type InstanceRow = (
    String,
    String,
    String,
    i64,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
    Option<String>,
    String,
    String,
);

pub(crate) fn instance_row(row: &Row<'_>) -> rusqlite::Result<InstanceRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        row.get(9)?,
        row.get(10)?,
        row.get(11)?,
    ))
}

pub(crate) fn instance_of(row: InstanceRow) -> StoreResult<InstanceRecord> {
    let parent = match (row.7, row.8) {
        (Some(parent), Some(element)) => Some((uuid_of(&parent)?, element)),
        _ => None,
    };
    Ok(InstanceRecord {
        id: uuid_of(&row.0)?,
        tenant_id: tenant_of(&row.1)?,
        process_id: row.2,
        version: row.3,
        status: row.4,
        state: row.5,
        revision: row.6,
        parent,
        business_key: row.9,
        created_at: parse_time(&row.10)?,
        updated_at: parse_time(&row.11)?,
    })
}

pub(crate) const JOB_COLUMNS: &str = "instance_id, job_key, tenant_id, job_type, retries, not_before_ms, locked_until_ms, worker, body";

pub(crate) type JobRow = (
    String,
    i64,
    String,
    String,
    i64,
    i64,
    i64,
    Option<String>,
    String,
);

pub(crate) fn job_row(row: &Row<'_>) -> rusqlite::Result<JobRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
    ))
}

pub(crate) fn job_of(row: JobRow) -> StoreResult<JobRecord> {
    Ok(JobRecord {
        instance_id: uuid_of(&row.0)?,
        key: row.1,
        tenant_id: tenant_of(&row.2)?,
        job_type: row.3,
        retries: row.4,
        not_before_ms: row.5,
        locked_until_ms: row.6,
        worker: row.7,
        body: row.8,
    })
}

pub(crate) const MESSAGE_COLUMNS: &str = "id, tenant_id, name, correlation_key, message_id, variables, \
     published_at, expires_ms, correlated_to";

pub(crate) type MessageRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    i64,
    Option<String>,
);

pub(crate) fn message_row(row: &Row<'_>) -> rusqlite::Result<MessageRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
    ))
}

pub(crate) fn message_of(row: MessageRow) -> StoreResult<MessageRecord> {
    Ok(MessageRecord {
        id: uuid_of(&row.0)?,
        tenant_id: tenant_of(&row.1)?,
        name: row.2,
        correlation_key: row.3,
        message_id: row.4,
        variables: row.5,
        published_at: parse_time(&row.6)?,
        expires_ms: row.7,
        correlated_to: row.8.as_deref().map(uuid_of).transpose()?,
    })
}

pub(crate) type SubscriptionRow = (String, i64, String, String, Option<String>, bool);

pub(crate) fn subscription_row(row: &Row<'_>, offset: usize) -> rusqlite::Result<SubscriptionRow> {
    Ok((
        row.get(offset)?,
        row.get(offset + 1)?,
        row.get(offset + 2)?,
        row.get(offset + 3)?,
        row.get(offset + 4)?,
        row.get(offset + 5)?,
    ))
}

pub(crate) fn subscription_of(row: SubscriptionRow) -> StoreResult<SubscriptionRecord> {
    Ok(SubscriptionRecord {
        instance_id: uuid_of(&row.0)?,
        key: row.1,
        tenant_id: tenant_of(&row.2)?,
        name: row.3,
        correlation_key: row.4,
        signal: row.5,
    })
}

pub(crate) const START_TIMER_COLUMNS: &str =
    "id, tenant_id, process_id, version, start_event, due_ms, repetitions_left, interval_ms";

pub(crate) type StartTimerRow = (String, String, String, i64, String, i64, Option<i64>, i64);

pub(crate) fn start_timer_row(row: &Row<'_>) -> rusqlite::Result<StartTimerRow> {
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

pub(crate) fn start_timer_of(row: StartTimerRow) -> StoreResult<StartTimerRecord> {
    Ok(StartTimerRecord {
        id: uuid_of(&row.0)?,
        tenant_id: tenant_of(&row.1)?,
        process_id: row.2,
        version: row.3,
        start_event: row.4,
        due_ms: row.5,
        repetitions_left: row.6,
        interval_ms: row.7,
    })
}
