//! Jobs: in-process workers other crates register ([`JobWorker`]), and external workers that
//! activate jobs with long polling and a lock, then complete, fail (with retries and back-off)
//! or throw a BPMN error. A job is answered once: the answer is a step on its instance, and a
//! second answer finds no open job.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use okno_engine::engine::Command;
use okno_model::TenantId;
use okno_store::{InstanceRecord, JobRecord};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::error::{ProcessError, ProcessResult};
use crate::runtime::{Consumed, Processes, Target, corrupt, job_key, now_ms, parse_key};

/// Most jobs one activation returns.
pub const ACTIVATE_JOBS_MAX: u32 = 1_000;
/// Longest long poll.
pub const ACTIVATE_WAIT_MAX: Duration = Duration::from_secs(60);

/// A job handed to a worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivatedJob {
    /// `INSTANCE.KEY`: what the worker answers with.
    pub key: String,
    /// Job type.
    #[serde(rename = "type")]
    pub job_type: String,
    /// The process instance.
    pub process_instance: Uuid,
    /// The BPMN process id.
    pub process_id: String,
    /// The version it runs.
    pub version: i64,
    /// The element (task) id.
    pub element_id: String,
    /// Retries left.
    pub retries: i64,
    /// The lock runs out at (epoch ms); after that another worker may get the job.
    pub deadline_ms: i64,
    /// `zeebe:taskHeaders`.
    pub headers: BTreeMap<String, String>,
    /// The variables visible from the task.
    pub variables: Map<String, Value>,
    /// The business key of the instance (an order id), if it has one.
    pub business_key: Option<String>,
    /// The tenant the instance belongs to.
    #[serde(skip)]
    pub tenant_id: Option<TenantId>,
}

/// What a worker answers.
#[derive(Clone, Debug, PartialEq)]
pub enum JobOutcome {
    /// Done, with result variables.
    Complete(Map<String, Value>),
    /// Failed; retried after the back-off while retries last, then an incident.
    Fail {
        /// Why (shown in the incident).
        message: String,
        /// Wait before the next try.
        backoff: Duration,
    },
    /// A BPMN error for a boundary event or event subprocess to catch.
    Error {
        /// The error code.
        code: String,
        /// Variables thrown with it.
        variables: Map<String, Value>,
    },
}

/// An in-process worker for one job type.
#[async_trait]
pub trait JobWorker: Send + Sync + 'static {
    /// Does the job. Called at least once per job (again after a crash before the answer was
    /// stored), so it should be idempotent.
    async fn handle(&self, job: &ActivatedJob) -> JobOutcome;
}

#[derive(Serialize, Deserialize)]
struct JobBody {
    process_id: String,
    version: i64,
    element_instance: u64,
    element_id: String,
    headers: BTreeMap<String, String>,
    variables: Map<String, Value>,
    business_key: Option<String>,
}

pub(crate) fn job_body(
    record: &InstanceRecord,
    element_instance: u64,
    element_id: &str,
    headers: &BTreeMap<String, String>,
    variables: &Map<String, Value>,
) -> Value {
    json!({
        "process_id": record.process_id,
        "version": record.version,
        "element_instance": element_instance,
        "element_id": element_id,
        "headers": headers,
        "variables": variables,
        "business_key": record.business_key,
    })
}

fn activated(row: &JobRecord) -> ProcessResult<ActivatedJob> {
    let body: JobBody = serde_json::from_str(&row.body).map_err(corrupt)?;
    Ok(ActivatedJob {
        key: job_key(row.instance_id, row.key),
        job_type: row.job_type.clone(),
        process_instance: row.instance_id,
        process_id: body.process_id,
        version: body.version,
        element_id: body.element_id,
        retries: row.retries,
        deadline_ms: row.locked_until_ms,
        headers: body.headers,
        variables: body.variables,
        business_key: body.business_key,
        tenant_id: Some(row.tenant_id),
    })
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl Processes {
    /// Registers the in-process worker of a job type on this node.
    pub fn register_worker(&self, job_type: &str, worker: Arc<dyn JobWorker>) {
        if let Ok(mut workers) = self.inner.workers.write() {
            workers.insert(job_type.to_owned(), worker);
        }
        self.inner.wake.notify_one();
    }

    pub(crate) fn local_job_types(&self) -> Vec<String> {
        self.inner
            .workers
            .read()
            .map(|workers| workers.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Runs a locked job on its local worker in the background and stores the answer.
    pub(crate) fn run_worker(&self, row: JobRecord) {
        let worker = self
            .inner
            .workers
            .read()
            .ok()
            .and_then(|workers| workers.get(&row.job_type).cloned());
        let Some(worker) = worker else {
            return;
        };
        let this = self.clone();
        tokio::spawn(async move {
            let job = match activated(&row) {
                Ok(job) => job,
                Err(error) => {
                    tracing::error!(%error, job = row.key, "unreadable job");
                    return;
                }
            };
            let outcome = worker.handle(&job).await;
            let answer = this
                .answer(None, row.instance_id, row.key, row.retries, outcome)
                .await;
            match answer {
                Ok(()) | Err(ProcessError::UnknownJob(_)) => {}
                Err(error) => tracing::warn!(%error, job = %job.key, "job answer not stored"),
            }
        });
    }

    /// Activates up to `max` jobs of a type for an external worker, waiting up to `wait` for
    /// one to appear; each stays locked for `lock`.
    pub async fn activate_jobs(
        &self,
        tenant_id: TenantId,
        job_type: &str,
        max: u32,
        worker: &str,
        lock: Duration,
        wait: Duration,
    ) -> ProcessResult<Vec<ActivatedJob>> {
        let deadline = tokio::time::Instant::now() + wait.min(ACTIVATE_WAIT_MAX);
        let types = [job_type.to_owned()];
        loop {
            let notified = self.inner.jobs_created.notified();
            let rows = self
                .inner
                .store
                .activate_jobs(
                    Some(tenant_id),
                    &types,
                    max.clamp(1, ACTIVATE_JOBS_MAX),
                    worker,
                    now_ms(),
                    millis(lock),
                )
                .await?;
            if !rows.is_empty() {
                return rows.iter().map(activated).collect();
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(Vec::new());
            }
            // Jobs made on this node wake the poll at once; other nodes' are seen within the
            // poll interval.
            let nap = (deadline - now).min(self.inner.settings.poll_interval * 5);
            let _ = tokio::time::timeout(nap, notified).await;
        }
    }

    /// Completes a job with result variables.
    pub async fn complete_job(
        &self,
        tenant_id: TenantId,
        key: &str,
        variables: Map<String, Value>,
    ) -> ProcessResult<()> {
        let (instance, job) = parse_key(key)?;
        self.answer(
            Some(tenant_id),
            instance,
            job,
            0,
            JobOutcome::Complete(variables),
        )
        .await
    }

    /// Fails a job: `retries` left (0 raises an incident), offered again after `backoff`.
    pub async fn fail_job(
        &self,
        tenant_id: TenantId,
        key: &str,
        retries: u32,
        message: String,
        backoff: Duration,
    ) -> ProcessResult<()> {
        let (instance, job) = parse_key(key)?;
        let command = Command::FailJob {
            job: unsigned(job, key)?,
            retries,
            message,
            backoff_ms: millis(backoff),
        };
        self.answer_command(Some(tenant_id), instance, job, command)
            .await
    }

    /// Throws a BPMN error from a job.
    pub async fn throw_error(
        &self,
        tenant_id: TenantId,
        key: &str,
        code: String,
        variables: Map<String, Value>,
    ) -> ProcessResult<()> {
        let (instance, job) = parse_key(key)?;
        self.answer(
            Some(tenant_id),
            instance,
            job,
            0,
            JobOutcome::Error { code, variables },
        )
        .await
    }

    async fn answer(
        &self,
        tenant_id: Option<TenantId>,
        instance: Uuid,
        job: i64,
        retries: i64,
        outcome: JobOutcome,
    ) -> ProcessResult<()> {
        let key = job_key(instance, job);
        let job_number = unsigned(job, &key)?;
        let command = match outcome {
            JobOutcome::Complete(variables) => Command::CompleteJob {
                job: job_number,
                variables,
            },
            JobOutcome::Fail { message, backoff } => Command::FailJob {
                job: job_number,
                retries: u32::try_from(retries.saturating_sub(1).max(0)).unwrap_or(0),
                message,
                backoff_ms: millis(backoff),
            },
            JobOutcome::Error { code, variables } => Command::ThrowError {
                job: job_number,
                code,
                variables,
            },
        };
        self.answer_command(tenant_id, instance, job, command).await
    }

    async fn answer_command(
        &self,
        tenant_id: Option<TenantId>,
        instance: Uuid,
        job: i64,
        command: Command,
    ) -> ProcessResult<()> {
        let consumed = Consumed {
            answered_job: Some(job),
            ..Consumed::default()
        };
        match self
            .step(Target::Existing(tenant_id, instance), command, consumed)
            .await
        {
            Ok(_) => Ok(()),
            Err(ProcessError::Rejected(okno_engine::EngineError::UnknownKey { .. }))
            | Err(ProcessError::Rejected(okno_engine::EngineError::InstanceEnded)) => {
                Err(ProcessError::UnknownJob(job_key(instance, job)))
            }
            Err(ProcessError::UnknownInstance(_)) => {
                Err(ProcessError::UnknownJob(job_key(instance, job)))
            }
            Err(error) => Err(error),
        }
    }

    /// Takes jobs of local types whose lock ran out (a crash, or a back-off that ended) and
    /// runs them here; returns how many.
    pub(crate) async fn reclaim_local_jobs(&self) -> ProcessResult<usize> {
        let types = self.local_job_types();
        if types.is_empty() {
            return Ok(0);
        }
        let rows = self
            .inner
            .store
            .activate_jobs(
                None,
                &types,
                200,
                &self.inner.settings.node,
                now_ms(),
                millis(self.inner.settings.worker_lock),
            )
            .await?;
        let count = rows.len();
        for row in rows {
            self.run_worker(row);
        }
        Ok(count)
    }
}

fn unsigned(job: i64, key: &str) -> ProcessResult<u64> {
    u64::try_from(job).map_err(|_| ProcessError::BadJobKey(key.to_owned()))
}
