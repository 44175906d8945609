//! The deterministic execution core: [`handle`] takes an [`InstanceState`], its
//! [`ProcessDefinition`], one [`Command`] and the current time, changes the state, and returns
//! the [`Event`]s that happened and the [`Effect`]s the runtime must perform.
//!
//! Contract:
//!
//! - No I/O, no clock, no randomness: keys come from a counter in the state, time from `now`,
//!   and every collection that is iterated is ordered (`BTreeMap`), so equal inputs give equal
//!   outputs.
//! - A rejected command ([`EngineError`]) leaves the state untouched. Problems that belong to the
//!   instance (an expression that fails, a gateway with no true condition, an uncaught error,
//!   a job out of retries) are not errors but incidents: the token stays where it is and
//!   [`Command::ResolveIncident`] retries the step.
//! - The runtime persists the new state together with the events, then performs the effects.
//!   Effects carry every key the runtime needs to answer with a command later (`CompleteJob`,
//!   `TriggerTimer`, `CorrelateMessage`, `CompleteChildInstance`).
//!
//! Variables follow Zeebe: each element instance is a scope; input mappings create local
//! variables; completion variables (job results, message payloads, script results, a called
//! process's variables) are applied through the element's output mappings if it has any, and
//! otherwise set, name by name, in the nearest enclosing scope where the name exists, else in
//! the process instance.

mod completion;
mod machine;
mod trigger;
mod variables;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::EngineError;
use crate::model::{ElementIndex, FlowIndex, ProcessDefinition};
use crate::timer::Timestamp;

pub use machine::MULTI_INSTANCE_ITEMS_MAX;
pub use variables::ScopeVariables;

/// Where a process instance is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum InstanceStatus {
    /// Created, `StartInstance` not yet handled.
    #[default]
    NotStarted,
    /// Running or waiting.
    Active,
    /// Every token reached its end.
    Completed,
    /// Cancelled.
    Terminated,
}

/// The whole state of one process instance: everything the runtime persists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InstanceState {
    /// Life-cycle status.
    pub status: InstanceStatus,
    /// The next key to hand out (element instances, jobs, timers, subscriptions, incidents).
    pub next_key: u64,
    /// The key of the process element instance (the root scope).
    pub root: Option<u64>,
    /// Active element instances by key.
    pub elements: BTreeMap<u64, ElementInstance>,
    /// Open jobs by key.
    pub jobs: BTreeMap<u64, Job>,
    /// Scheduled timers by key.
    pub timers: BTreeMap<u64, Timer>,
    /// Open message subscriptions by key.
    pub subscriptions: BTreeMap<u64, Subscription>,
    /// Open incidents by key.
    pub incidents: BTreeMap<u64, Incident>,
    /// Scopes with tokens waiting at an inclusive join, checked when the command's work ends.
    pub pending_inclusive: BTreeSet<u64>,
    /// The process variables when the instance completed.
    pub result: Option<BTreeMap<String, Value>>,
}

/// One activation of an element (a token in it, or a scope).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElementInstance {
    /// The key.
    pub key: u64,
    /// Which element.
    pub element: ElementIndex,
    /// The enclosing element instance (flow scope); `None` for the process.
    pub scope: Option<u64>,
    /// Local variables.
    pub variables: BTreeMap<String, Value>,
    /// Active element instances whose scope is this one.
    pub children: u32,
    /// Tokens waiting at joining gateways of this scope, per incoming flow.
    pub join_tokens: BTreeMap<FlowIndex, u32>,
    /// Set on a multi-instance body.
    pub multi_instance: Option<MultiInstanceState>,
    /// Set on an inner instance of a multi-instance body: its 1-based loop counter.
    pub loop_counter: Option<u32>,
    /// Whether the element has an open incident and is stuck until it is resolved.
    pub in_incident: bool,
}

/// Progress of a multi-instance body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiInstanceState {
    /// The input items (or `null`s for a cardinality).
    pub items: Vec<Value>,
    /// How many inner instances were started.
    pub started: u32,
    /// How many completed.
    pub completed: u32,
}

/// A job waiting for a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// The element instance that waits for it.
    pub element_instance: u64,
    /// Retries left.
    pub retries: u32,
}

/// A scheduled timer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timer {
    /// The element instance that owns it (the waiting event, the activity of a boundary
    /// event, the event-based gateway, or the scope of an event subprocess).
    pub owner: u64,
    /// The timer event element.
    pub element: ElementIndex,
    /// When it is due.
    pub due: Timestamp,
    /// Repetitions after this one (`None`: unbounded); `Some(0)` for a one-shot timer.
    pub repetitions_left: Option<u32>,
    /// Interval between repetitions.
    pub interval_ms: i64,
}

/// An open message subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    /// The owning element instance (as for timers).
    pub owner: u64,
    /// The message event or receive task element.
    pub element: ElementIndex,
    /// The message name.
    pub message_name: String,
    /// The correlation key, `None` for any.
    pub correlation_key: Option<String>,
    /// A signal subscription (`message_name` is then the signal name).
    #[serde(default)]
    pub signal: bool,
}

/// What resolving an incident retries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Retry {
    /// The element's activation behaviour (input mappings, job, timer, subscription…).
    Activate,
    /// The element's completion (output mappings, flow conditions) with these variables.
    Complete(Map<String, Value>),
    /// The job, with one retry.
    Job(u64),
    /// Throwing the error again.
    Throw {
        /// The error code.
        code: String,
        /// The variables thrown with it.
        variables: Map<String, Value>,
    },
    /// Nothing can be retried (the step limit was hit); resolving only clears the incident.
    Nothing,
}

/// An open incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// The stuck element instance.
    pub element_instance: u64,
    /// The element.
    pub element: ElementIndex,
    /// What went wrong.
    pub kind: IncidentKind,
    /// A sentence for operators.
    pub message: String,
    /// What resolving retries.
    pub retry: Retry,
}

/// The kinds of incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IncidentKind {
    /// An expression failed or gave a value of the wrong type.
    Expression,
    /// No outgoing flow of a gateway or activity could be taken.
    NoFlow,
    /// A job failed with no retries left.
    JobNoRetries,
    /// A BPMN error nobody catches.
    UnhandledError,
    /// The process looped more than [`crate::STEPS_MAX`] steps in one command.
    StepLimit,
    /// The process a call activity calls could not be started.
    CalledProcess,
}

/// What the runtime asks the core to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// Start the instance at the none start event (or the given start event) with variables.
    StartInstance {
        /// Initial process variables.
        variables: Map<String, Value>,
        /// A specific start event (message or timer start), by id.
        start_event: Option<String>,
    },
    /// A worker finished a job.
    CompleteJob {
        /// The job key.
        job: u64,
        /// Result variables.
        variables: Map<String, Value>,
    },
    /// A worker failed a job.
    FailJob {
        /// The job key.
        job: u64,
        /// Retries left; 0 raises an incident.
        retries: u32,
        /// Why.
        message: String,
        /// Wait before the job is offered again.
        backoff_ms: i64,
    },
    /// A worker threw a BPMN error from a job.
    ThrowError {
        /// The job key.
        job: u64,
        /// The error code.
        code: String,
        /// Variables thrown with it.
        variables: Map<String, Value>,
    },
    /// A published message, offered to this instance's subscriptions.
    CorrelateMessage {
        /// The message name.
        name: String,
        /// The correlation key.
        correlation_key: String,
        /// Message variables.
        variables: Map<String, Value>,
    },
    /// A broadcast signal, offered to every signal subscription of this instance.
    BroadcastSignal {
        /// The signal name.
        name: String,
        /// Signal variables.
        variables: Map<String, Value>,
    },
    /// A timer is due.
    TriggerTimer {
        /// The timer key.
        timer: u64,
    },
    /// The process instance a call activity started has completed.
    CompleteChildInstance {
        /// The call activity's element instance key.
        element_instance: u64,
        /// The child's variables.
        variables: Map<String, Value>,
    },
    /// An escalation nobody caught in the process a call activity started: raise it from the
    /// call activity.
    ThrowEscalation {
        /// The call activity's element instance key.
        element_instance: u64,
        /// The escalation code.
        code: String,
    },
    /// A BPMN error nobody caught in the process a call activity started: throw it from the
    /// call activity. If nothing catches it here either, it goes further up, and the incident
    /// stays where the error was thrown.
    PropagateError {
        /// The call activity's element instance key.
        element_instance: u64,
        /// The error code.
        code: String,
        /// Variables thrown with it.
        variables: Map<String, Value>,
    },
    /// The runtime could not start the process a call activity calls (it is not deployed, or
    /// calls nest too deep): an incident on the call activity; resolving it activates the call
    /// activity again, which asks for the child again.
    RefuseChildInstance {
        /// The call activity's element instance key.
        element_instance: u64,
        /// Why, for operators.
        reason: String,
    },
    /// Cancel the whole instance.
    CancelInstance,
    /// Retry the step an incident stopped.
    ResolveIncident {
        /// The incident key.
        incident: u64,
    },
}

/// Something that happened, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// A token entered an element (or a scope started).
    ElementActivated {
        /// Element instance key.
        key: u64,
        /// Element.
        element: ElementIndex,
    },
    /// An element instance completed.
    ElementCompleted {
        /// Element instance key.
        key: u64,
        /// Element.
        element: ElementIndex,
    },
    /// An element instance was cancelled.
    ElementTerminated {
        /// Element instance key.
        key: u64,
        /// Element.
        element: ElementIndex,
    },
    /// A sequence flow was taken.
    SequenceFlowTaken {
        /// Flow.
        flow: FlowIndex,
    },
    /// A job was created.
    JobCreated {
        /// Job key.
        job: u64,
        /// Element instance key.
        element_instance: u64,
    },
    /// A job completed.
    JobCompleted {
        /// Job key.
        job: u64,
    },
    /// A job failed.
    JobFailed {
        /// Job key.
        job: u64,
        /// Retries left.
        retries: u32,
    },
    /// A BPMN error was thrown; `caught_by` is the boundary event or event subprocess.
    ErrorThrown {
        /// Error code.
        code: String,
        /// The catching element, if any.
        caught_by: Option<ElementIndex>,
    },
    /// An escalation was raised; `caught_by` is the boundary event or event subprocess.
    EscalationThrown {
        /// Escalation code.
        code: String,
        /// The catching element, if any (an uncaught escalation is not an incident).
        caught_by: Option<ElementIndex>,
    },
    /// A timer was scheduled.
    TimerScheduled {
        /// Timer key.
        timer: u64,
        /// Due time.
        due: Timestamp,
    },
    /// A timer fired.
    TimerTriggered {
        /// Timer key.
        timer: u64,
    },
    /// A timer was cancelled.
    TimerCancelled {
        /// Timer key.
        timer: u64,
    },
    /// A message subscription was opened.
    SubscriptionOpened {
        /// Subscription key.
        subscription: u64,
    },
    /// A message was correlated to a subscription.
    MessageCorrelated {
        /// Subscription key.
        subscription: u64,
    },
    /// A subscription was closed.
    SubscriptionClosed {
        /// Subscription key.
        subscription: u64,
    },
    /// An incident was raised.
    IncidentRaised {
        /// Incident key.
        incident: u64,
        /// Element instance key.
        element_instance: u64,
        /// Kind.
        kind: IncidentKind,
    },
    /// An incident was resolved.
    IncidentResolved {
        /// Incident key.
        incident: u64,
    },
    /// The instance completed.
    InstanceCompleted,
    /// The instance was cancelled.
    InstanceTerminated,
}

/// Work the runtime must do after persisting a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Effect {
    /// Offer a job to workers.
    CreateJob {
        /// Job key.
        job: u64,
        /// Element instance key.
        element_instance: u64,
        /// The BPMN element id.
        element_id: String,
        /// Job type.
        job_type: String,
        /// Retries.
        retries: u32,
        /// Task headers.
        headers: BTreeMap<String, String>,
        /// The variables visible from the element.
        variables: Map<String, Value>,
        /// Do not offer before this time (after a failure with backoff).
        not_before: Option<Timestamp>,
    },
    /// Withdraw a job.
    CancelJob {
        /// Job key.
        job: u64,
    },
    /// Send `TriggerTimer` at `due`.
    ScheduleTimer {
        /// Timer key.
        timer: u64,
        /// Due time.
        due: Timestamp,
    },
    /// Forget a timer.
    CancelTimer {
        /// Timer key.
        timer: u64,
    },
    /// Route messages with this name and key to this instance.
    OpenSubscription {
        /// Subscription key.
        subscription: u64,
        /// Message name.
        message_name: String,
        /// Correlation key (`None`: any).
        correlation_key: Option<String>,
        /// A signal subscription: route broadcasts of this name, not messages.
        signal: bool,
    },
    /// Deliver a signal to the signal subscriptions of every *other* instance and to the signal
    /// start events with this name. The throwing instance's own subscriptions have already
    /// received it within the same step.
    BroadcastSignal {
        /// The signal name.
        name: String,
        /// Signal variables.
        variables: Map<String, Value>,
    },
    /// Stop routing.
    CloseSubscription {
        /// Subscription key.
        subscription: u64,
    },
    /// Start a process for a call activity; answer with `CompleteChildInstance`.
    StartChildInstance {
        /// The call activity's element instance key.
        element_instance: u64,
        /// Process id to start.
        process_id: String,
        /// Its initial variables.
        variables: Map<String, Value>,
    },
    /// Cancel the child process of a call activity.
    CancelChildInstance {
        /// The call activity's element instance key.
        element_instance: u64,
    },
    /// A BPMN error reached the top of this instance uncaught (an incident holds it here); a
    /// parent instance (call activity) should try to catch it with `PropagateError`.
    ErrorUncaught {
        /// The error code.
        code: String,
        /// Variables thrown with it.
        variables: Map<String, Value>,
    },
    /// An escalation reached the top of this instance uncaught; a parent instance (call
    /// activity) should raise it with `ThrowEscalation`.
    EscalationUncaught {
        /// The escalation code.
        code: String,
    },
    /// The instance completed with these variables (a parent may be waiting).
    InstanceCompleted {
        /// The process variables.
        variables: Map<String, Value>,
    },
}

/// Events and effects of one command.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EngineOutput {
    /// What happened, in order.
    pub events: Vec<Event>,
    /// What the runtime must do, in order.
    pub effects: Vec<Effect>,
}

/// Applies one command. See the module documentation for the contract.
pub fn handle(
    state: &mut InstanceState,
    definition: &ProcessDefinition,
    command: Command,
    now: Timestamp,
) -> Result<EngineOutput, EngineError> {
    machine::Machine::new(state, definition, now).handle(command)
}
