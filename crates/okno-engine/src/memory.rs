//! An in-memory runtime around the core, for tests, the conformance harness and benchmarks:
//! [`Runner`] deploys definitions, starts instances, performs effects at once (jobs go to
//! registered handlers by job type, timers wait for [`Runner::advance`] on a virtual clock,
//! messages are routed to open subscriptions or message start events, call activities start
//! child instances) and records a trace of the elements entered and left.
//!
//! It is deliberately not durable and not concurrent: the durable runtime is a separate piece
//! that persists each step before performing its effects.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::engine::{
    Command, Effect, EngineOutput, Event, Incident, InstanceState, InstanceStatus,
};
use crate::error::{DeployError, EngineError};
use crate::expr::{BuiltinExpressions, Expressions};
use crate::model::{ElementKind, ProcessDefinition, TimerKind, Trigger};
use crate::timer::{self, Timestamp};

/// Deepest chain of call activities the runner follows.
pub const CALL_DEPTH_MAX: usize = 32;
/// Most job handler calls one `drain` makes (a process that loops through jobs for ever).
pub const JOB_CALLS_MAX: usize = 1_000_000;

/// A job given to a handler.
#[derive(Debug, Clone)]
pub struct ActivatedJob {
    /// The instance.
    pub instance: u64,
    /// The job key within the instance.
    pub job: u64,
    /// The element id.
    pub element_id: String,
    /// The job type.
    pub job_type: String,
    /// Task headers.
    pub headers: BTreeMap<String, String>,
    /// Visible variables.
    pub variables: Map<String, Value>,
    /// Retries left.
    pub retries: u32,
    /// Not to be run before this time.
    pub not_before: Option<Timestamp>,
}

/// What a handler did with a job.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    /// Completed with these variables.
    Complete(Map<String, Value>),
    /// Failed; `retries` left.
    Fail {
        /// Retries left.
        retries: u32,
        /// Why.
        message: String,
    },
    /// Threw a BPMN error.
    Error {
        /// The error code.
        code: String,
    },
    /// Left open (a user task nobody works on yet).
    Leave,
}

/// What a handler may do besides answering: publish a message (a send task).
#[derive(Debug, Default)]
pub struct HandlerContext {
    /// Messages to publish after the job is answered: (name, correlation key, variables).
    pub publish: Vec<(String, String, Map<String, Value>)>,
}

type Handler = Box<dyn FnMut(&ActivatedJob, &mut HandlerContext) -> JobOutcome>;

/// One line of the trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEntry {
    /// The instance.
    pub instance: u64,
    /// The process id.
    pub process_id: String,
    /// The element id.
    pub element_id: String,
    /// What happened.
    pub kind: TraceKind,
}

/// Entered, left or terminated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceKind {
    /// The element was activated.
    Entered,
    /// The element completed.
    Left,
    /// The element was terminated.
    Terminated,
}

/// Why a runner call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RunnerError {
    /// No process with this id was deployed.
    #[error("no process `{0}` is deployed")]
    UnknownProcess(String),
    /// No such instance.
    #[error("no instance {0}")]
    UnknownInstance(u64),
    /// The core rejected a command.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Deployment failed.
    #[error(transparent)]
    Deploy(#[from] DeployError),
}

/// One running or finished instance.
#[derive(Debug)]
pub struct InstanceEntry {
    /// Its definition.
    pub definition: Arc<ProcessDefinition>,
    /// Its state.
    pub state: InstanceState,
    /// The parent instance and call activity element instance, for called processes.
    pub parent: Option<(u64, u64)>,
    depth: usize,
}

/// A timer start event waiting in the runner's timer queue.
#[derive(Debug)]
struct StartTimer {
    process_id: String,
    start_event: String,
    repetitions_left: Option<u32>,
    interval_ms: i64,
}

#[derive(Debug)]
enum Pending {
    Command(u64, Command),
    Signal(u64, String, Map<String, Value>),
    StartChild {
        parent: u64,
        element_instance: u64,
        process_id: String,
        variables: Map<String, Value>,
        depth: usize,
    },
}

/// The in-memory runner. See the module documentation.
pub struct Runner {
    expressions: Arc<dyn Expressions>,
    definitions: HashMap<String, Arc<ProcessDefinition>>,
    instances: BTreeMap<u64, InstanceEntry>,
    next_instance: u64,
    now: Timestamp,
    jobs: VecDeque<ActivatedJob>,
    /// Jobs a handler left open: not offered again until something answers them.
    parked: Vec<ActivatedJob>,
    timers: BTreeMap<(Timestamp, u64, u64), ()>,
    subscriptions: BTreeMap<(u64, u64), (String, Option<String>)>,
    signal_subscriptions: BTreeMap<(u64, u64), String>,
    start_timers: BTreeMap<u64, StartTimer>,
    next_start_timer: u64,
    handlers: HashMap<String, Handler>,
    pending: VecDeque<Pending>,
    trace: Vec<TraceEntry>,
    /// Record element trace entries (off for benchmarks).
    pub record_trace: bool,
    /// Keep finished instances (off for benchmarks).
    pub keep_finished: bool,
    /// Problems the runner met performing effects (unknown called process, depth limit).
    pub effect_errors: Vec<String>,
}

impl fmt::Debug for Runner {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Runner")
            .field("definitions", &self.definitions.keys().collect::<Vec<_>>())
            .field("instances", &self.instances.len())
            .field("now", &self.now)
            .field("jobs", &self.jobs.len())
            .finish_non_exhaustive()
    }
}

impl Default for Runner {
    fn default() -> Self {
        Runner::new(Arc::new(BuiltinExpressions))
    }
}

impl Runner {
    /// A runner compiling expressions with `expressions`, clock at 0.
    pub fn new(expressions: Arc<dyn Expressions>) -> Self {
        Runner {
            expressions,
            definitions: HashMap::new(),
            instances: BTreeMap::new(),
            next_instance: 0,
            now: Timestamp(0),
            jobs: VecDeque::new(),
            parked: Vec::new(),
            timers: BTreeMap::new(),
            subscriptions: BTreeMap::new(),
            signal_subscriptions: BTreeMap::new(),
            start_timers: BTreeMap::new(),
            next_start_timer: 0,
            handlers: HashMap::new(),
            pending: VecDeque::new(),
            trace: Vec::new(),
            record_trace: true,
            keep_finished: true,
            effect_errors: Vec::new(),
        }
    }

    /// Deploys every process of a BPMN file; returns their ids.
    pub fn deploy(&mut self, xml: &str) -> Result<Vec<String>, DeployError> {
        let processes = crate::deploy(xml, self.expressions.as_ref())?;
        Ok(processes
            .into_iter()
            .map(|process| self.add_definition(process))
            .collect())
    }

    /// Adds one definition (replacing one with the same id); returns its id.
    pub fn add_definition(&mut self, definition: Arc<ProcessDefinition>) -> String {
        let id = definition.id.clone();
        self.schedule_start_timers(&definition);
        self.definitions.insert(id.clone(), definition);
        id
    }

    /// Schedules the timer start events of a process (replacing those of an older version).
    /// They live in the timer queue under instance 0, which no instance has.
    fn schedule_start_timers(&mut self, definition: &ProcessDefinition) {
        let stale: Vec<u64> = self
            .start_timers
            .iter()
            .filter(|(_, start)| start.process_id == definition.id)
            .map(|(key, _)| *key)
            .collect();
        for key in stale {
            self.start_timers.remove(&key);
            self.timers
                .retain(|(_, instance, timer), ()| (*instance, *timer) != (0, key));
        }
        for start in &definition.element(0).triggered_starts {
            let element = definition.element(*start);
            let ElementKind::StartEvent {
                trigger: Trigger::Timer(spec),
                ..
            } = &element.kind
            else {
                continue;
            };
            let text = match spec.source.evaluate(&Map::new()) {
                Ok(Value::String(text)) => text,
                _ => {
                    self.effect_errors.push(format!(
                        "timer start event `{}` has no usable value",
                        element.id
                    ));
                    continue;
                }
            };
            let schedule = match spec.kind {
                TimerKind::Duration => timer::parse_duration_ms(&text)
                    .map(|duration_ms| (self.now.plus_ms(duration_ms), Some(0), 0)),
                TimerKind::Date => timer::parse_date(&text).map(|due| (due, Some(0), 0)),
                TimerKind::Cycle => timer::parse_cycle(&text).map(|cycle| {
                    let left = cycle.repetitions.map(|count| count.saturating_sub(1));
                    (self.now.plus_ms(cycle.interval_ms), left, cycle.interval_ms)
                }),
            };
            let Ok((due, repetitions_left, interval_ms)) = schedule else {
                self.effect_errors.push(format!(
                    "timer start event `{}`: bad value `{text}`",
                    element.id
                ));
                continue;
            };
            self.next_start_timer += 1;
            let key = self.next_start_timer;
            self.start_timers.insert(
                key,
                StartTimer {
                    process_id: definition.id.clone(),
                    start_event: element.id.clone(),
                    repetitions_left,
                    interval_ms,
                },
            );
            self.timers.insert((due, 0, key), ());
        }
    }

    fn fire_start_timer(&mut self, key: u64, due: Timestamp) {
        let Some(start) = self.start_timers.get_mut(&key) else {
            return;
        };
        let (process_id, start_event) = (start.process_id.clone(), start.start_event.clone());
        if start.repetitions_left == Some(0) {
            self.start_timers.remove(&key);
        } else {
            start.repetitions_left = start.repetitions_left.map(|left| left - 1);
            self.timers
                .insert((due.plus_ms(start.interval_ms), 0, key), ());
        }
        let started = self.start_at(&process_id, Map::new(), Some(start_event), None, 0);
        if let Err(error) = started {
            self.effect_errors.push(error.to_string());
        }
    }

    /// Registers the handler for a job type.
    pub fn handler(
        &mut self,
        job_type: &str,
        handler: impl FnMut(&ActivatedJob, &mut HandlerContext) -> JobOutcome + 'static,
    ) {
        self.handlers.insert(job_type.to_owned(), Box::new(handler));
    }

    /// The virtual clock.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Starts an instance at its none start event and runs until everything waits.
    pub fn start(
        &mut self,
        process_id: &str,
        variables: Map<String, Value>,
    ) -> Result<u64, RunnerError> {
        self.start_at(process_id, variables, None, None, 0)
    }

    fn start_at(
        &mut self,
        process_id: &str,
        variables: Map<String, Value>,
        start_event: Option<String>,
        parent: Option<(u64, u64)>,
        depth: usize,
    ) -> Result<u64, RunnerError> {
        let definition = self
            .definitions
            .get(process_id)
            .cloned()
            .ok_or_else(|| RunnerError::UnknownProcess(process_id.to_owned()))?;
        self.next_instance += 1;
        let id = self.next_instance;
        self.instances.insert(
            id,
            InstanceEntry {
                definition,
                state: InstanceState::default(),
                parent,
                depth,
            },
        );
        let command = Command::StartInstance {
            variables,
            start_event,
        };
        if let Err(error) = self.command(id, command) {
            self.instances.remove(&id);
            return Err(error);
        }
        self.drain();
        Ok(id)
    }

    /// Sends one command to an instance and performs its effects (without draining jobs).
    pub fn command(&mut self, instance: u64, command: Command) -> Result<(), RunnerError> {
        let entry = self
            .instances
            .get_mut(&instance)
            .ok_or(RunnerError::UnknownInstance(instance))?;
        let answered_job = match &command {
            Command::CompleteJob { job, .. }
            | Command::FailJob { job, .. }
            | Command::ThrowError { job, .. } => Some(*job),
            _ => None,
        };
        let output = crate::engine::handle(&mut entry.state, &entry.definition, command, self.now)?;
        if let Some(job) = answered_job {
            self.jobs
                .retain(|open| (open.instance, open.job) != (instance, job));
            self.parked
                .retain(|open| (open.instance, open.job) != (instance, job));
        }
        self.perform(instance, output);
        Ok(())
    }

    /// Sends a command, then runs handlers and follow-ups until everything waits.
    pub fn send(&mut self, instance: u64, command: Command) -> Result<(), RunnerError> {
        self.command(instance, command)?;
        self.drain();
        Ok(())
    }

    /// Publishes a message: the first matching subscription in instance order gets it, else a
    /// message start event starts a new instance. Returns whether anyone took it.
    pub fn publish(
        &mut self,
        name: &str,
        correlation_key: &str,
        variables: Map<String, Value>,
    ) -> bool {
        let target = self
            .subscriptions
            .iter()
            .find(|(_, (message, key))| {
                message == name && key.as_deref().is_none_or(|key| key == correlation_key)
            })
            .map(|((instance, _), _)| *instance);
        if let Some(instance) = target {
            let command = Command::CorrelateMessage {
                name: name.to_owned(),
                correlation_key: correlation_key.to_owned(),
                variables,
            };
            let taken = self.command(instance, command).is_ok();
            self.drain();
            return taken;
        }
        let start = self.message_start(name);
        match start {
            Some((process, start_event)) => self
                .start_at(&process, variables, Some(start_event), None, 0)
                .is_ok(),
            None => false,
        }
    }

    /// Delivers a broadcast signal: to every other instance subscribed to it, in instance order,
    /// then to every process with a signal start event of that name.
    fn deliver_signal(&mut self, origin: u64, name: &str, variables: &Map<String, Value>) {
        let mut instances: Vec<u64> = self
            .signal_subscriptions
            .iter()
            .filter(|((instance, _), signal)| *signal == name && *instance != origin)
            .map(|((instance, _), _)| *instance)
            .collect();
        instances.dedup();
        for instance in instances {
            let command = Command::BroadcastSignal {
                name: name.to_owned(),
                variables: variables.clone(),
            };
            if let Err(error) = self.command(instance, command) {
                self.effect_errors
                    .push(format!("signal `{name}` to instance {instance}: {error}"));
            }
        }
        for (process, start_event) in self.starts(name, true) {
            let started = self.start_at(&process, variables.clone(), Some(start_event), None, 0);
            if let Err(error) = started {
                self.effect_errors.push(error.to_string());
            }
        }
    }

    fn message_start(&self, name: &str) -> Option<(String, String)> {
        self.starts(name, false).into_iter().next()
    }

    /// Process-level start events for a message (`signal` false) or signal of this name.
    fn starts(&self, name: &str, signal: bool) -> Vec<(String, String)> {
        let mut found: Vec<(String, String)> = Vec::new();
        for definition in self.definitions.values() {
            for start in &definition.element(0).triggered_starts {
                let element = definition.element(*start);
                let matches = match &element.kind {
                    ElementKind::StartEvent {
                        trigger: Trigger::Message(spec),
                        ..
                    } => !signal && spec.name == name,
                    ElementKind::StartEvent {
                        trigger: Trigger::Signal(signal_name),
                        ..
                    } => signal && signal_name == name,
                    _ => false,
                };
                if matches {
                    found.push((definition.id.clone(), element.id.clone()));
                }
            }
        }
        found.sort();
        found
    }

    /// Moves the virtual clock forward, firing due timers in order.
    pub fn advance(&mut self, duration_ms: i64) {
        let target = self.now.plus_ms(duration_ms);
        while let Some((due, instance, timer)) = self.timers.keys().next().copied() {
            if due > target {
                break;
            }
            self.timers.remove(&(due, instance, timer));
            self.now = self.now.max(due);
            if instance == 0 {
                self.fire_start_timer(timer, due);
            } else {
                let _ = self.command(instance, Command::TriggerTimer { timer });
            }
            self.drain();
        }
        self.now = target;
        self.drain();
    }

    /// Runs follow-ups and job handlers until nothing more can happen now.
    pub fn drain(&mut self) {
        let mut calls = 0;
        loop {
            if let Some(pending) = self.pending.pop_front() {
                self.run_pending(pending);
                continue;
            }
            let now = self.now;
            let position = self.jobs.iter().position(|job| {
                self.handlers.contains_key(&job.job_type)
                    && job.not_before.is_none_or(|at| at <= now)
            });
            let Some(job) = position.and_then(|position| self.jobs.remove(position)) else {
                return;
            };
            calls += 1;
            if calls > JOB_CALLS_MAX {
                self.effect_errors.push(format!(
                    "more than {JOB_CALLS_MAX} job handler calls in one drain"
                ));
                return;
            }
            self.run_handler(job);
        }
    }

    fn run_handler(&mut self, job: ActivatedJob) {
        let mut context = HandlerContext::default();
        let Some(handler) = self.handlers.get_mut(&job.job_type) else {
            return;
        };
        let outcome = handler(&job, &mut context);
        let command = match outcome {
            JobOutcome::Complete(variables) => Command::CompleteJob {
                job: job.job,
                variables,
            },
            JobOutcome::Fail { retries, message } => Command::FailJob {
                job: job.job,
                retries,
                message,
                backoff_ms: 0,
            },
            JobOutcome::Error { code } => Command::ThrowError {
                job: job.job,
                code,
                variables: Map::new(),
            },
            JobOutcome::Leave => {
                self.parked.push(job);
                return;
            }
        };
        if let Err(error) = self.command(job.instance, command) {
            self.effect_errors.push(format!("job {}: {error}", job.job));
        }
        for (name, key, variables) in context.publish {
            self.publish(&name, &key, variables);
        }
    }

    fn run_pending(&mut self, pending: Pending) {
        match pending {
            Pending::Command(instance, command) => {
                if let Err(error) = self.command(instance, command) {
                    self.effect_errors
                        .push(format!("instance {instance}: {error}"));
                }
            }
            Pending::Signal(origin, name, variables) => {
                self.deliver_signal(origin, &name, &variables);
            }
            Pending::StartChild {
                parent,
                element_instance,
                process_id,
                variables,
                depth,
            } => {
                if depth > CALL_DEPTH_MAX {
                    self.effect_errors.push(format!(
                        "call depth above {CALL_DEPTH_MAX} at `{process_id}`"
                    ));
                    return;
                }
                let parent_link = Some((parent, element_instance));
                if let Err(error) = self.start_at(&process_id, variables, None, parent_link, depth)
                {
                    self.effect_errors.push(error.to_string());
                }
            }
        }
    }

    fn perform(&mut self, instance: u64, output: EngineOutput) {
        if self.record_trace {
            self.record(instance, &output.events);
        }
        for effect in output.effects {
            self.perform_effect(instance, effect);
        }
        self.subscriptions_of_finished(instance);
        let finished = self.instances.get(&instance).is_some_and(|entry| {
            matches!(
                entry.state.status,
                InstanceStatus::Completed | InstanceStatus::Terminated
            )
        });
        if finished && !self.keep_finished {
            self.instances.remove(&instance);
        }
    }

    fn perform_effect(&mut self, instance: u64, effect: Effect) {
        match effect {
            Effect::CreateJob {
                job,
                element_id,
                job_type,
                retries,
                headers,
                variables,
                not_before,
                ..
            } => self.jobs.push_back(ActivatedJob {
                instance,
                job,
                element_id,
                job_type,
                headers,
                variables,
                retries,
                not_before,
            }),
            Effect::CancelJob { job } => {
                self.jobs
                    .retain(|open| (open.instance, open.job) != (instance, job));
                self.parked
                    .retain(|open| (open.instance, open.job) != (instance, job));
            }
            Effect::ScheduleTimer { timer, due } => {
                self.timers.insert((due, instance, timer), ());
            }
            Effect::CancelTimer { timer } => self
                .timers
                .retain(|(_, owner, key), ()| (*owner, *key) != (instance, timer)),
            Effect::OpenSubscription {
                subscription,
                message_name,
                correlation_key,
                signal,
            } => {
                if signal {
                    self.signal_subscriptions
                        .insert((instance, subscription), message_name);
                } else {
                    self.subscriptions
                        .insert((instance, subscription), (message_name, correlation_key));
                }
            }
            Effect::CloseSubscription { subscription } => {
                self.subscriptions.remove(&(instance, subscription));
                self.signal_subscriptions.remove(&(instance, subscription));
            }
            Effect::BroadcastSignal { name, variables } => {
                self.pending
                    .push_back(Pending::Signal(instance, name, variables));
            }
            Effect::StartChildInstance {
                element_instance,
                process_id,
                variables,
            } => {
                let depth = self.instances.get(&instance).map_or(0, |entry| entry.depth) + 1;
                self.pending.push_back(Pending::StartChild {
                    parent: instance,
                    element_instance,
                    process_id,
                    variables,
                    depth,
                });
            }
            Effect::CancelChildInstance { element_instance } => {
                let child = self
                    .instances
                    .iter()
                    .find(|(_, entry)| entry.parent == Some((instance, element_instance)))
                    .map(|(id, _)| *id);
                if let Some(child) = child {
                    self.pending
                        .push_back(Pending::Command(child, Command::CancelInstance));
                }
            }
            Effect::ErrorUncaught { code, variables } => {
                let parent = self.instances.get(&instance).and_then(|entry| entry.parent);
                if let Some((parent, element_instance)) = parent {
                    let command = Command::PropagateError {
                        element_instance,
                        code,
                        variables,
                    };
                    self.pending.push_back(Pending::Command(parent, command));
                }
            }
            Effect::EscalationUncaught { code } => {
                let parent = self.instances.get(&instance).and_then(|entry| entry.parent);
                if let Some((parent, element_instance)) = parent {
                    let command = Command::ThrowEscalation {
                        element_instance,
                        code,
                    };
                    self.pending.push_back(Pending::Command(parent, command));
                }
            }
            Effect::InstanceCompleted { variables } => {
                let parent = self.instances.get(&instance).and_then(|entry| entry.parent);
                if let Some((parent, element_instance)) = parent {
                    let command = Command::CompleteChildInstance {
                        element_instance,
                        variables,
                    };
                    self.pending.push_back(Pending::Command(parent, command));
                }
            }
        }
    }

    fn subscriptions_of_finished(&mut self, instance: u64) {
        let ended = self
            .instances
            .get(&instance)
            .is_none_or(|entry| entry.state.status != InstanceStatus::Active);
        if ended {
            self.subscriptions
                .retain(|(owner, _), _| *owner != instance);
            self.signal_subscriptions
                .retain(|(owner, _), _| *owner != instance);
            self.timers.retain(|(_, owner, _), ()| *owner != instance);
            self.jobs.retain(|job| job.instance != instance);
            self.parked.retain(|job| job.instance != instance);
        }
    }

    fn record(&mut self, instance: u64, events: &[Event]) {
        let Some(entry) = self.instances.get(&instance) else {
            return;
        };
        for event in events {
            let (element, kind) = match event {
                Event::ElementActivated { element, .. } => (*element, TraceKind::Entered),
                Event::ElementCompleted { element, .. } => (*element, TraceKind::Left),
                Event::ElementTerminated { element, .. } => (*element, TraceKind::Terminated),
                _ => continue,
            };
            self.trace.push(TraceEntry {
                instance,
                process_id: entry.definition.id.clone(),
                element_id: entry.definition.element(element).id.clone(),
                kind,
            });
        }
    }

    /// The trace so far.
    pub fn trace(&self) -> &[TraceEntry] {
        &self.trace
    }

    /// The element ids entered by an instance, in order.
    pub fn entered(&self, instance: u64) -> Vec<&str> {
        self.trace
            .iter()
            .filter(|entry| entry.instance == instance && entry.kind == TraceKind::Entered)
            .map(|entry| entry.element_id.as_str())
            .collect()
    }

    /// An instance, running or finished (if kept).
    pub fn instance(&self, instance: u64) -> Option<&InstanceEntry> {
        self.instances.get(&instance)
    }

    /// All instances, in start order.
    pub fn instances(&self) -> impl Iterator<Item = (u64, &InstanceEntry)> {
        self.instances.iter().map(|(id, entry)| (*id, entry))
    }

    /// Open jobs: those no handler took, then those a handler left open.
    pub fn open_jobs(&self) -> impl Iterator<Item = &ActivatedJob> {
        self.jobs.iter().chain(self.parked.iter())
    }

    /// Open incidents of every instance.
    pub fn incidents(&self) -> Vec<(u64, u64, &Incident)> {
        self.instances
            .iter()
            .flat_map(|(id, entry)| {
                entry
                    .state
                    .incidents
                    .iter()
                    .map(move |(key, incident)| (*id, *key, incident))
            })
            .collect()
    }

    /// Number of scheduled timers (timer start events included).
    pub fn timers_scheduled(&self) -> usize {
        self.timers.len()
    }
}
