//! [`Processes`]: the durable runtime. Every command to an instance is one *step*: load the
//! stored state and revision, run [`okno_engine::handle`], turn the effects into rows (jobs,
//! timers, subscriptions, inbox commands for other instances), and commit all of it with the
//! new state in one [`ProcessStep`]. Only after the commit are local job workers started and
//! waiters woken. A step that loses a race (another node moved the instance, or consumed the
//! timer or inbox row first) is recomputed from the fresh state, so nothing happens twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use okno_engine::engine::Command;
use okno_engine::{
    Effect, EngineOutput, Expressions, InstanceState, InstanceStatus, ProcessDefinition, Timestamp,
};
use okno_model::TenantId;
use okno_store::{
    InboxRecord, InstanceRecord, JobRecord, MessageWrite, ProcessStep, ProcessVersion, Store,
    StoreError, SubscriptionRecord, TimerRecord,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, broadcast};
use uuid::Uuid;

use crate::error::{ProcessError, ProcessResult};
use crate::feel::FeelExpressions;
use crate::jobs::{JobWorker, job_body};

/// How often a step is recomputed after losing a race before the caller gets `Busy`.
const STEP_ATTEMPTS_MAX: usize = 16;

/// Runtime settings.
#[derive(Clone, Debug)]
pub struct Settings {
    /// This node's name (jobs it locks for its own workers carry it).
    pub node: String,
    /// How long a job taken by an in-process worker stays locked; after a crash another node
    /// (or this one restarted) takes it when the lock runs out.
    pub worker_lock: Duration,
    /// How often the background loop looks for due timers, inbox rows and buffered messages
    /// when nothing woke it.
    pub poll_interval: Duration,
    /// How long the background loop leaves an inbox row that another crate wrote and runs
    /// itself right after its commit (an order's process start, a message about an order) to
    /// that writer; after this the loop takes it (the writer crashed or gave up). Without it
    /// a busy node would publish many messages twice (the second a harmless duplicate, but
    /// still work).
    pub inbox_grace: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            node: format!("node-{}", Uuid::now_v7()),
            worker_lock: Duration::from_secs(30),
            poll_interval: Duration::from_millis(100),
            inbox_grace: Duration::from_secs(2),
        }
    }
}

/// One process of a deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployed {
    /// The BPMN process id.
    pub process_id: String,
    /// Its name in the file.
    pub name: Option<String>,
    /// The version now current.
    pub version: i64,
    /// Whether this deployment created that version (false: the file was unchanged).
    pub created: bool,
}

/// The durable runtime (cheap to clone).
#[derive(Clone)]
pub struct Processes {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) expressions: Arc<dyn Expressions>,
    definitions: Mutex<HashMap<(TenantId, String, i64), Arc<ProcessDefinition>>>,
    pub(crate) workers: RwLock<HashMap<String, Arc<dyn JobWorker>>>,
    pub(crate) settings: Settings,
    /// Wakes the background loop (a subscription opened, an inbox row was written).
    pub(crate) wake: Notify,
    /// Wakes long-polling job activations.
    pub(crate) jobs_created: Notify,
    pub(crate) completed: broadcast::Sender<Uuid>,
}

impl std::fmt::Debug for Processes {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Processes")
            .field("node", &self.inner.settings.node)
            .finish_non_exhaustive()
    }
}

/// What a step consumes: each must still be there when it commits.
#[derive(Clone, Debug, Default)]
pub(crate) struct Consumed {
    pub(crate) answered_job: Option<i64>,
    pub(crate) fired_timer: Option<i64>,
    pub(crate) handled_inbox: Option<Uuid>,
    pub(crate) message: Option<MessageWrite>,
    /// A timer start event: (row, the due it fired at, the next due or `None`).
    pub(crate) fired_start_timer: Option<(Uuid, i64, Option<i64>)>,
}

/// The instance a step is for.
#[derive(Clone, Debug)]
pub(crate) enum Target {
    /// A stored instance; with a tenant, only that tenant's.
    Existing(Option<TenantId>, Uuid),
    /// A new instance (the record's state is ignored).
    New(Box<InstanceRecord>),
}

/// The outcome of a committed step (the state and output for callers that inspect them).
#[derive(Debug)]
#[allow(dead_code)]
pub(crate) struct Stepped {
    pub(crate) record: InstanceRecord,
    pub(crate) state: InstanceState,
    pub(crate) output: EngineOutput,
}

/// Work to do after a step has committed.
enum After {
    RunWorker(JobRecord),
}

/// Milliseconds since the epoch, now.
pub(crate) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// The deterministic id of the instance a call activity starts, so that a cancellation or a
/// repeated start can name it before it exists.
pub(crate) fn child_id(parent: Uuid, element_instance: u64) -> Uuid {
    let mut hash = Sha256::new();
    hash.update(parent.as_bytes());
    hash.update(element_instance.to_be_bytes());
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

pub(crate) fn status_text(status: InstanceStatus) -> &'static str {
    match status {
        InstanceStatus::NotStarted => "not_started",
        InstanceStatus::Active => "active",
        InstanceStatus::Completed => "completed",
        InstanceStatus::Terminated => "terminated",
    }
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> ProcessError {
    ProcessError::Corrupt(what.to_string())
}

/// A job key as clients see it: `INSTANCE.KEY`.
pub fn job_key(instance: Uuid, key: i64) -> String {
    format!("{instance}.{key}")
}

/// Reads `INSTANCE.KEY`.
pub fn parse_key(text: &str) -> ProcessResult<(Uuid, i64)> {
    let bad = || ProcessError::BadJobKey(text.to_owned());
    let (instance, key) = text.rsplit_once('.').ok_or_else(bad)?;
    let instance = Uuid::parse_str(instance).map_err(|_| bad())?;
    let key = key.parse::<i64>().map_err(|_| bad())?;
    Ok((instance, key))
}

/// An inbox command: what another instance's step asks of an instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum InboxCommand {
    /// Create the instance: a call activity's child (with its parent), or a process a
    /// signal starts (at that start event).
    Start {
        process_id: String,
        variables: Map<String, Value>,
        parent: Option<(Uuid, i64)>,
        #[serde(default)]
        start_event: Option<String>,
        /// The business key of the new instance (an order id).
        #[serde(default)]
        business_key: Option<String>,
    },
    /// A signal thrown by an instance: becomes one command per subscribed instance and one
    /// start per process with that signal start event.
    Broadcast {
        name: String,
        variables: Map<String, Value>,
        origin: Uuid,
    },
    /// Send the engine this command.
    Command(Command),
    /// Publish this message (written by another crate in its own transaction: an order's
    /// cancel commits with the message that stops its process). The message id makes a
    /// second handling of the row (after a crash between publish and delete) a no-op.
    Publish {
        name: String,
        correlation_key: String,
        variables: Map<String, Value>,
        ttl_ms: u64,
        message_id: String,
    },
}

impl Processes {
    /// A runtime over `store`, compiling expressions with FEEL.
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Processes {
        Processes::with_expressions(store, Arc::new(FeelExpressions::default()), settings)
    }

    /// A runtime with another expression language (tests of the engine use the built-in one).
    pub fn with_expressions(
        store: Arc<dyn Store>,
        expressions: Arc<dyn Expressions>,
        settings: Settings,
    ) -> Processes {
        let (completed, _) = broadcast::channel(4096);
        Processes {
            inner: Arc::new(Inner {
                store,
                expressions,
                definitions: Mutex::new(HashMap::new()),
                workers: RwLock::new(HashMap::new()),
                settings,
                wake: Notify::new(),
                jobs_created: Notify::new(),
                completed,
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// This node's settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Ids of instances as they complete (for waiting in tests and benchmarks).
    pub fn completions(&self) -> broadcast::Receiver<Uuid> {
        self.inner.completed.subscribe()
    }

    /// Deploys every process of a BPMN file for a tenant. A file identical to the one the
    /// latest version came from keeps that version.
    pub async fn deploy(&self, tenant_id: TenantId, bpmn: &str) -> ProcessResult<Vec<Deployed>> {
        let definitions = okno_engine::deploy(bpmn, self.inner.expressions.as_ref())?;
        let mut start_timers = Vec::with_capacity(definitions.len());
        for definition in &definitions {
            start_timers.push(crate::start_timers::schedule(tenant_id, definition)?);
        }
        let checksum = format!("{:x}", Sha256::digest(bpmn.as_bytes()));
        let mut deployed = Vec::with_capacity(definitions.len());
        for (definition, mut timers) in definitions.into_iter().zip(start_timers) {
            let (version, created) = self
                .inner
                .store
                .deploy_process(ProcessVersion {
                    tenant_id,
                    process_id: definition.id.clone(),
                    version: 0,
                    checksum: checksum.clone(),
                    bpmn: bpmn.to_owned(),
                    deployed_at: Utc::now(),
                })
                .await?;
            if created {
                self.cache(tenant_id, version.version, Arc::clone(&definition));
                for timer in &mut timers {
                    timer.version = version.version;
                }
                self.inner
                    .store
                    .replace_start_timers(tenant_id, &definition.id, timers)
                    .await?;
            }
            deployed.push(Deployed {
                process_id: definition.id.clone(),
                name: definition.name.clone(),
                version: version.version,
                created,
            });
        }
        Ok(deployed)
    }

    fn cache(&self, tenant_id: TenantId, version: i64, definition: Arc<ProcessDefinition>) {
        if let Ok(mut definitions) = self.inner.definitions.lock() {
            definitions.insert((tenant_id, definition.id.clone(), version), definition);
        }
    }

    /// The definition of a stored version (parsed once per node).
    pub(crate) async fn definition(
        &self,
        tenant_id: TenantId,
        process_id: &str,
        version: i64,
    ) -> ProcessResult<Arc<ProcessDefinition>> {
        let key = (tenant_id, process_id.to_owned(), version);
        if let Some(found) = self
            .inner
            .definitions
            .lock()
            .ok()
            .and_then(|definitions| definitions.get(&key).cloned())
        {
            return Ok(found);
        }
        let stored = self
            .inner
            .store
            .process_version(tenant_id, process_id, Some(version))
            .await?
            .ok_or_else(|| ProcessError::UnknownProcess(format!("{process_id} v{version}")))?;
        let definitions = okno_engine::deploy(&stored.bpmn, self.inner.expressions.as_ref())
            .map_err(|error| corrupt(format!("stored {process_id} v{version}: {error}")))?;
        let mut wanted = None;
        for definition in definitions {
            if definition.id == process_id {
                wanted = Some(Arc::clone(&definition));
            }
        }
        let definition = wanted.ok_or_else(|| corrupt(format!("{process_id} not in its file")))?;
        self.cache(tenant_id, version, Arc::clone(&definition));
        Ok(definition)
    }

    /// The latest version of a process.
    pub(crate) async fn latest(
        &self,
        tenant_id: TenantId,
        process_id: &str,
        version: Option<i64>,
    ) -> ProcessResult<i64> {
        self.inner
            .store
            .process_version_number(tenant_id, process_id, version)
            .await?
            .ok_or_else(|| {
                ProcessError::UnknownProcess(match version {
                    Some(version) => format!("{process_id} v{version}"),
                    None => process_id.to_owned(),
                })
            })
    }

    /// Starts an instance of the latest (or the given) version with variables; returns its id
    /// once the first step (everything up to the first wait) is durable.
    pub async fn start(
        &self,
        tenant_id: TenantId,
        process_id: &str,
        version: Option<i64>,
        variables: Map<String, Value>,
        business_key: Option<String>,
    ) -> ProcessResult<InstanceRecord> {
        let version = self.latest(tenant_id, process_id, version).await?;
        let record = new_record(tenant_id, process_id, version, None, business_key);
        let command = Command::StartInstance {
            variables,
            start_event: None,
        };
        let stepped = self
            .step(Target::New(Box::new(record)), command, Consumed::default())
            .await?;
        Ok(stepped.record)
    }

    /// Cancels an instance (and, through their inbox, the instances its call activities
    /// started).
    pub async fn cancel(&self, tenant_id: TenantId, id: Uuid) -> ProcessResult<InstanceRecord> {
        let target = Target::Existing(Some(tenant_id), id);
        let stepped = self
            .step(target, Command::CancelInstance, Consumed::default())
            .await?;
        Ok(stepped.record)
    }

    /// Retries the step an incident stopped (`INSTANCE.KEY`).
    pub async fn resolve_incident(
        &self,
        tenant_id: TenantId,
        incident: &str,
    ) -> ProcessResult<InstanceRecord> {
        let (id, key) = parse_key(incident)?;
        let command = Command::ResolveIncident {
            incident: u64::try_from(key).map_err(|_| ProcessError::BadJobKey(incident.into()))?,
        };
        let stepped = self
            .step(
                Target::Existing(Some(tenant_id), id),
                command,
                Consumed::default(),
            )
            .await?;
        Ok(stepped.record)
    }

    /// Runs one step, recomputing it from fresh state when it loses a race.
    pub(crate) async fn step(
        &self,
        target: Target,
        command: Command,
        consumed: Consumed,
    ) -> ProcessResult<Stepped> {
        let mut last = String::new();
        for _ in 0..STEP_ATTEMPTS_MAX {
            let (record, mut state, expected) = match &target {
                Target::New(record) => ((**record).clone(), InstanceState::default(), None),
                Target::Existing(tenant_id, id) => {
                    let record = self
                        .inner
                        .store
                        .process_instance(*tenant_id, *id)
                        .await?
                        .ok_or_else(|| ProcessError::UnknownInstance(id.to_string()))?;
                    let state: InstanceState =
                        serde_json::from_str(&record.state).map_err(corrupt)?;
                    let revision = record.revision;
                    (record, state, Some(revision))
                }
            };
            let definition = self
                .definition(record.tenant_id, &record.process_id, record.version)
                .await?;
            let now = Timestamp(now_ms());
            let output = okno_engine::handle(&mut state, &definition, command.clone(), now)?;
            let (step, after) = self.build_step(record, &state, &output, expected, &consumed)?;
            let record = step.instance.clone();
            match self.inner.store.write_process_step(step).await {
                Ok(()) => {
                    self.after_commit(&record, &state, &output, after);
                    return Ok(Stepped {
                        record,
                        state,
                        output,
                    });
                }
                Err(StoreError::Conflict(reason)) => last = reason,
                Err(error) => return Err(error.into()),
            }
            tokio::task::yield_now().await;
        }
        Err(ProcessError::Busy(last))
    }

    fn build_step(
        &self,
        mut record: InstanceRecord,
        state: &InstanceState,
        output: &EngineOutput,
        expected: Option<i64>,
        consumed: &Consumed,
    ) -> ProcessResult<(ProcessStep, Vec<After>)> {
        let now = now_ms();
        let updated_at = DateTime::from_timestamp_millis(now).unwrap_or_else(Utc::now);
        record.state = serde_json::to_string(state).map_err(corrupt)?;
        record.status = status_text(state.status).to_owned();
        record.revision = expected.map_or(1, |revision| revision + 1);
        record.updated_at = updated_at;
        let mut step = ProcessStep {
            instance: record.clone(),
            expected_revision: expected,
            events: serde_json::to_string(&output.events).map_err(corrupt)?,
            answered_job: consumed.answered_job,
            fired_timer: consumed.fired_timer,
            handled_inbox: consumed.handled_inbox,
            message: consumed.message.clone(),
            jobs: Vec::new(),
            cancelled_jobs: Vec::new(),
            timers: Vec::new(),
            cancelled_timers: Vec::new(),
            subscriptions: Vec::new(),
            closed_subscriptions: Vec::new(),
            inbox: Vec::new(),
            fired_start_timer: consumed.fired_start_timer,
        };
        let mut after = Vec::new();
        let id = record.id;
        let tenant_id = record.tenant_id;
        let key = |value: u64| i64::try_from(value).map_err(corrupt);
        for effect in &output.effects {
            match effect {
                Effect::CreateJob {
                    job,
                    element_instance,
                    element_id,
                    job_type,
                    retries,
                    headers,
                    variables,
                    not_before,
                } => {
                    let not_before_ms = not_before.map_or(now, |at| at.0);
                    let run_here = not_before_ms <= now
                        && self
                            .inner
                            .workers
                            .read()
                            .is_ok_and(|workers| workers.contains_key(job_type));
                    let lock_ms = i64::try_from(self.inner.settings.worker_lock.as_millis())
                        .unwrap_or(i64::MAX);
                    let body = job_body(&record, *element_instance, element_id, headers, variables);
                    let row = JobRecord {
                        instance_id: id,
                        key: key(*job)?,
                        tenant_id,
                        job_type: job_type.clone(),
                        retries: i64::from(*retries),
                        not_before_ms,
                        locked_until_ms: if run_here {
                            now.saturating_add(lock_ms)
                        } else {
                            0
                        },
                        worker: run_here.then(|| self.inner.settings.node.clone()),
                        body: body.to_string(),
                    };
                    if run_here {
                        after.push(After::RunWorker(row.clone()));
                    }
                    step.jobs.push(row);
                }
                Effect::CancelJob { job } => step.cancelled_jobs.push(key(*job)?),
                Effect::ScheduleTimer { timer, due } => step.timers.push(TimerRecord {
                    instance_id: id,
                    key: key(*timer)?,
                    tenant_id,
                    due_ms: due.0,
                }),
                Effect::CancelTimer { timer } => step.cancelled_timers.push(key(*timer)?),
                Effect::OpenSubscription {
                    subscription,
                    message_name,
                    correlation_key,
                    signal,
                } => step.subscriptions.push(SubscriptionRecord {
                    instance_id: id,
                    key: key(*subscription)?,
                    tenant_id,
                    name: message_name.clone(),
                    correlation_key: correlation_key.clone(),
                    signal: *signal,
                }),
                Effect::CloseSubscription { subscription } => {
                    step.closed_subscriptions.push(key(*subscription)?);
                }
                Effect::BroadcastSignal { name, variables } => step.inbox.push(inbox_row(
                    tenant_id,
                    id,
                    &InboxCommand::Broadcast {
                        name: name.clone(),
                        variables: variables.clone(),
                        origin: id,
                    },
                )?),
                Effect::StartChildInstance {
                    element_instance,
                    process_id,
                    variables,
                } => step.inbox.push(inbox_row(
                    tenant_id,
                    child_id(id, *element_instance),
                    &InboxCommand::Start {
                        process_id: process_id.clone(),
                        variables: variables.clone(),
                        parent: Some((id, key(*element_instance)?)),
                        start_event: None,
                        business_key: None,
                    },
                )?),
                Effect::CancelChildInstance { element_instance } => step.inbox.push(inbox_row(
                    tenant_id,
                    child_id(id, *element_instance),
                    &InboxCommand::Command(Command::CancelInstance),
                )?),
                Effect::InstanceCompleted { variables } => {
                    step.inbox.extend(to_parent(&record, |element_instance| {
                        Command::CompleteChildInstance {
                            element_instance,
                            variables: variables.clone(),
                        }
                    })?);
                }
                Effect::ErrorUncaught { code, variables } => {
                    step.inbox.extend(to_parent(&record, |element_instance| {
                        Command::PropagateError {
                            element_instance,
                            code: code.clone(),
                            variables: variables.clone(),
                        }
                    })?);
                }
                Effect::EscalationUncaught { code } => {
                    step.inbox.extend(to_parent(&record, |element_instance| {
                        Command::ThrowEscalation {
                            element_instance,
                            code: code.clone(),
                        }
                    })?);
                }
            }
        }
        Ok((step, after))
    }

    fn after_commit(
        &self,
        record: &InstanceRecord,
        state: &InstanceState,
        output: &EngineOutput,
        after: Vec<After>,
    ) {
        let mut wake = false;
        let mut jobs = false;
        for effect in &output.effects {
            match effect {
                Effect::CreateJob { .. } => jobs = true,
                Effect::OpenSubscription { .. }
                | Effect::BroadcastSignal { .. }
                | Effect::StartChildInstance { .. }
                | Effect::CancelChildInstance { .. } => wake = true,
                Effect::InstanceCompleted { .. }
                | Effect::ErrorUncaught { .. }
                | Effect::EscalationUncaught { .. } => wake |= record.parent.is_some(),
                _ => {}
            }
        }
        if matches!(
            state.status,
            InstanceStatus::Completed | InstanceStatus::Terminated
        ) {
            let _ = self.inner.completed.send(record.id);
        }
        if jobs {
            self.inner.jobs_created.notify_waiters();
        }
        if wake {
            self.inner.wake.notify_one();
        }
        for work in after {
            match work {
                After::RunWorker(job) => self.run_worker(job),
            }
        }
    }
}

/// A fresh instance record (state filled in by its first step).
pub(crate) fn new_record(
    tenant_id: TenantId,
    process_id: &str,
    version: i64,
    parent: Option<(Uuid, i64)>,
    business_key: Option<String>,
) -> InstanceRecord {
    let now = Utc::now();
    InstanceRecord {
        id: Uuid::now_v7(),
        tenant_id,
        process_id: process_id.to_owned(),
        version,
        status: String::new(),
        state: String::new(),
        revision: 0,
        parent,
        business_key,
        created_at: now,
        updated_at: now,
    }
}

/// The inbox row that tells the calling instance (if any) about this one.
fn to_parent(
    record: &InstanceRecord,
    command: impl FnOnce(u64) -> Command,
) -> ProcessResult<Option<InboxRecord>> {
    let Some((parent, element)) = record.parent else {
        return Ok(None);
    };
    let element_instance = u64::try_from(element).map_err(corrupt)?;
    inbox_row(
        record.tenant_id,
        parent,
        &InboxCommand::Command(command(element_instance)),
    )
    .map(Some)
}

pub(crate) fn inbox_row(
    tenant_id: TenantId,
    instance_id: Uuid,
    command: &InboxCommand,
) -> ProcessResult<InboxRecord> {
    Ok(InboxRecord {
        id: Uuid::now_v7(),
        tenant_id,
        instance_id,
        kind: match command {
            InboxCommand::Start { .. } => "start",
            InboxCommand::Command(_) => "command",
            InboxCommand::Broadcast { .. } => "broadcast",
            InboxCommand::Publish { .. } => WRITER_RUNS_PUBLISH,
        }
        .to_owned(),
        body: serde_json::to_string(command).map_err(corrupt)?,
        created_at: Utc::now(),
    })
}

/// The inbox row that starts an instance of the latest version of `process_id` with the id
/// `instance_id`. Written by another crate in its own transaction (an order and the start of
/// its process commit together); the background loop (or [`Processes::run_inbox`]) creates the
/// instance exactly once.
pub fn start_request(
    tenant_id: TenantId,
    instance_id: Uuid,
    process_id: &str,
    variables: Map<String, Value>,
    business_key: Option<String>,
) -> ProcessResult<InboxRecord> {
    let command = InboxCommand::Start {
        process_id: process_id.to_owned(),
        variables,
        parent: None,
        start_event: None,
        business_key,
    };
    let mut row = inbox_row(tenant_id, instance_id, &command)?;
    row.kind = WRITER_RUNS_START.to_owned();
    Ok(row)
}

/// The kind of an inbox row written by [`start_request`]: its writer runs it after its commit.
pub(crate) const WRITER_RUNS_START: &str = "start-request";
/// The kind of an inbox row written by [`crate::publish_request`] (its writer runs it too).
pub(crate) const WRITER_RUNS_PUBLISH: &str = "publish";

/// Variables of a JSON object body, or an error naming the field.
pub fn variables_of(value: Option<&Value>, field: &str) -> ProcessResult<Map<String, Value>> {
    match value {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(_) => Err(ProcessError::Invalid {
            field: field.to_owned(),
            reason: "must be a JSON object of variables".to_owned(),
        }),
    }
}

/// A JSON summary of a record (for logs and simple answers).
pub fn record_summary(record: &InstanceRecord) -> Value {
    json!({
        "id": record.id,
        "process_id": record.process_id,
        "version": record.version,
        "status": record.status,
        "revision": record.revision,
    })
}
