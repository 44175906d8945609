//! The deployed process model: an immutable, indexed [`ProcessDefinition`] built once by
//! [`crate::deploy`]. Elements and sequence flows live in vectors and refer to each other by
//! index ([`ElementIndex`], [`FlowIndex`]); the only string lookup is `by_id`, used at the edges
//! (messages from outside, traces). Execution never compares strings on its hot path.
//!
//! This module holds data only; building it is `parse`, checking it is `validate`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::Value;

use crate::expr::{CompiledExpression, VariableLookup};

/// Index of an element in [`ProcessDefinition::elements`].
pub type ElementIndex = u32;
/// Index of a sequence flow in [`ProcessDefinition::flows`].
pub type FlowIndex = u32;

/// One deployed BPMN process. Element 0 is the process itself (the root scope).
#[derive(Debug, Clone)]
pub struct ProcessDefinition {
    /// The BPMN process id (`<process id="…">`), also the Zeebe `bpmnProcessId`.
    pub id: String,
    /// The process name, if the file gives one.
    pub name: Option<String>,
    /// Every element; index 0 is the process.
    pub elements: Vec<Element>,
    /// Every sequence flow.
    pub flows: Vec<Flow>,
    /// Element id → index.
    pub by_id: HashMap<String, ElementIndex>,
}

impl ProcessDefinition {
    /// The element with this index.
    pub fn element(&self, index: ElementIndex) -> &Element {
        &self.elements[index as usize]
    }

    /// The flow with this index.
    pub fn flow(&self, index: FlowIndex) -> &Flow {
        &self.flows[index as usize]
    }

    /// The index of the element with this id.
    pub fn index_of(&self, id: &str) -> Option<ElementIndex> {
        self.by_id.get(id).copied()
    }
}

/// One flow node, the process, or a subprocess.
#[derive(Debug, Clone)]
pub struct Element {
    /// The BPMN id.
    pub id: String,
    /// The BPMN name, if any.
    pub name: Option<String>,
    /// The BPMN element name (`serviceTask`, `exclusiveGateway`, …), for messages and traces.
    pub bpmn_kind: &'static str,
    /// What the element does.
    pub kind: ElementKind,
    /// The scope (process or subprocess) that contains the element; `None` for the process.
    pub parent: Option<ElementIndex>,
    /// Incoming sequence flows.
    pub incoming: Vec<FlowIndex>,
    /// Outgoing sequence flows, in document order.
    pub outgoing: Vec<FlowIndex>,
    /// The default flow of an exclusive or inclusive gateway or an activity.
    pub default_flow: Option<FlowIndex>,
    /// Boundary events attached to this activity.
    pub boundaries: Vec<ElementIndex>,
    /// For a scope: its none start event.
    pub none_start: Option<ElementIndex>,
    /// For a scope: its event subprocesses.
    pub event_subprocesses: Vec<ElementIndex>,
    /// For a scope: its start events with a trigger (message, timer) at process level.
    pub triggered_starts: Vec<ElementIndex>,
    /// Input mappings (`zeebe:input`), evaluated on activation into local variables.
    pub inputs: Vec<Mapping>,
    /// Output mappings (`zeebe:output`), evaluated on completion into the parent scope.
    pub outputs: Vec<Mapping>,
    /// Multi-instance marker, if any.
    pub multi_instance: Option<MultiInstance>,
    /// For an inclusive gateway with more than one incoming flow: the elements of the same
    /// scope from which a token can still reach it (sorted).
    pub upstream: Vec<ElementIndex>,
}

/// What an element does when a token reaches it.
#[derive(Debug, Clone)]
pub enum ElementKind {
    /// The process (root scope).
    Process,
    /// A start event. In an event subprocess `interrupting` says whether it cancels its scope.
    StartEvent {
        /// What starts it.
        trigger: Trigger,
        /// Only meaningful in an event subprocess.
        interrupting: bool,
    },
    /// An end event.
    EndEvent(EndBehaviour),
    /// An intermediate catch event (message or timer).
    IntermediateCatch(Trigger),
    /// An intermediate throw event without a job (none); message throws are [`ElementKind::Task`].
    IntermediateThrow,
    /// An intermediate throw event that broadcasts a signal.
    SignalThrow(String),
    /// An intermediate throw event that raises an escalation with this code.
    EscalationThrow(String),
    /// A boundary event on `attached_to`.
    BoundaryEvent {
        /// The activity it sits on.
        attached_to: ElementIndex,
        /// What triggers it.
        trigger: Trigger,
        /// Whether triggering cancels the activity.
        interrupting: bool,
    },
    /// A task that creates a job (service, send, user, business-rule, script without FEEL,
    /// message throw) or, with `job: None`, passes through (task, manual task).
    Task {
        /// The job to create, if any.
        job: Option<JobSpec>,
    },
    /// A script task with a FEEL expression (`zeebe:script`).
    ScriptTask {
        /// The expression.
        expression: Expr,
        /// Where its result goes.
        result_variable: Option<String>,
    },
    /// A receive task: waits for a message.
    ReceiveTask(MessageSpec),
    /// Exclusive gateway: the first flow whose condition holds, else the default.
    ExclusiveGateway,
    /// Parallel gateway: joins every incoming flow, forks every outgoing one.
    ParallelGateway,
    /// Inclusive gateway: forks every flow whose condition holds; joins what can still arrive.
    InclusiveGateway,
    /// Event-based gateway: waits for the first of the catch events after it.
    EventBasedGateway,
    /// Embedded subprocess, or event subprocess if `triggered_by_event`.
    SubProcess {
        /// `triggeredByEvent="true"`.
        triggered_by_event: bool,
    },
    /// Call activity: asks the runtime to start another process.
    CallActivity {
        /// The called process id (static or an expression).
        process_id: Expr,
        /// `propagateAllChildVariables` (Zeebe default true).
        propagate_all_child_variables: bool,
    },
}

/// What an event waits for or reacts to.
#[derive(Debug, Clone)]
pub enum Trigger {
    /// Nothing: a none event.
    None,
    /// A message.
    Message(MessageSpec),
    /// A timer.
    Timer(TimerSpec),
    /// A BPMN error with this code (`None` catches every error).
    Error(Option<String>),
    /// A signal with this name, broadcast to every subscriber.
    Signal(String),
    /// A BPMN escalation with this code (`None` catches every escalation).
    Escalation(Option<String>),
}

/// What an end event does besides ending its token.
#[derive(Debug, Clone)]
pub enum EndBehaviour {
    /// Nothing.
    None,
    /// Throws a BPMN error with this code.
    Error(String),
    /// Terminates every element instance of its scope.
    Terminate,
    /// Creates a job (message end event) and ends when it completes.
    Job(JobSpec),
    /// Broadcasts a signal.
    Signal(String),
    /// Raises an escalation with this code.
    Escalation(String),
}

/// A job a task asks workers to do.
#[derive(Debug, Clone)]
pub struct JobSpec {
    /// `zeebe:taskDefinition type`.
    pub job_type: String,
    /// `zeebe:taskDefinition retries` (default 3).
    pub retries: u32,
    /// `zeebe:taskHeaders`, plus `script`/`scriptFormat` for inline scripts.
    pub headers: BTreeMap<String, String>,
}

/// A message an event or receive task waits for.
#[derive(Debug, Clone)]
pub struct MessageSpec {
    /// The message name.
    pub name: String,
    /// `zeebe:subscription correlationKey`; `None` matches a message published with any key.
    pub correlation_key: Option<Expr>,
}

/// A timer definition.
#[derive(Debug, Clone)]
pub struct TimerSpec {
    /// Duration, date or cycle.
    pub kind: TimerKind,
    /// The text or expression giving the ISO 8601 value.
    pub source: Expr,
}

/// The three BPMN timer forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TimerKind {
    /// `timeDuration`, e.g. `PT10S`.
    Duration,
    /// `timeDate`, e.g. `2026-11-28T10:00:00Z`.
    Date,
    /// `timeCycle`, e.g. `R3/PT10S`.
    Cycle,
}

/// A variable mapping: evaluate `source`, write the result to `target` (a name or dotted path).
#[derive(Debug, Clone)]
pub struct Mapping {
    /// The expression (or static value).
    pub source: Expr,
    /// The variable name, possibly dotted (`order.id`).
    pub target: String,
}

/// Multi-instance characteristics.
#[derive(Debug, Clone)]
pub struct MultiInstance {
    /// `isSequential`.
    pub sequential: bool,
    /// `zeebe:loopCharacteristics inputCollection`.
    pub input_collection: Option<Expr>,
    /// `inputElement`: local variable holding the item.
    pub input_element: Option<String>,
    /// `outputCollection`: collected results.
    pub output_collection: Option<String>,
    /// `outputElement`: evaluated in each inner instance on completion.
    pub output_element: Option<Expr>,
    /// `loopCardinality`, when there is no input collection.
    pub cardinality: Option<Expr>,
    /// `completionCondition`.
    pub completion_condition: Option<Expr>,
}

/// A sequence flow.
#[derive(Debug, Clone)]
pub struct Flow {
    /// The BPMN id.
    pub id: String,
    /// Source element.
    pub source: ElementIndex,
    /// Target element.
    pub target: ElementIndex,
    /// Condition, if any.
    pub condition: Option<Expr>,
}

/// A value or expression from the model: static text stays static; `=…` is compiled once at
/// deploy by the [`crate::Expressions`] implementation.
#[derive(Debug, Clone)]
pub enum Expr {
    /// A static value (Zeebe: text without a leading `=`).
    Static(Value),
    /// A compiled expression.
    Compiled(Arc<dyn CompiledExpression>),
}

impl Expr {
    /// Evaluates against the given variables; a static value is returned as is.
    pub fn evaluate(&self, variables: &dyn VariableLookup) -> Result<Value, String> {
        match self {
            Expr::Static(value) => Ok(value.clone()),
            Expr::Compiled(compiled) => compiled.evaluate(variables),
        }
    }
}
