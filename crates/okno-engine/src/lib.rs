//! BPMN 2.0 for okno: the parser and validator ([`deploy`]), the deterministic execution core
//! ([`engine::handle`]) and an in-memory runner ([`memory::Runner`]) for tests and benchmarks.
//!
//! Key design choice: the core is a pure function from (instance state, definition, command,
//! `now`) to events and effects. It does no I/O, reads no clock, draws no random numbers and
//! iterates only ordered collections, so the same inputs always give the same outputs; a
//! runtime persists the state and events in one transaction and only then performs the effects
//! (create a job, schedule a timer, open a message subscription, start a called process).
//!
//! Expressions are behind the [`Expressions`] trait; [`BuiltinExpressions`] is a small stand-in
//! for FEEL until `okno-feel` exists.
//!
//! What runs (everything else is rejected at deploy with its kind and id):
//!
//! | element | supported |
//! |---|---|
//! | start events | none, message, timer, signal; in event subprocesses also error and escalation |
//! | end events | none, error, terminate, message (job), signal, escalation |
//! | intermediate events | catch: message, timer (duration, date), signal, link; throw: none, message (job), signal, escalation, link |
//! | boundary events | error, timer, message, signal, escalation; interrupting and not |
//! | tasks | service, send, user, business-rule (job), script (FEEL via the trait, or a job), receive, manual, plain |
//! | gateways | exclusive (default flow), parallel, inclusive (fork and join), event-based |
//! | scopes | embedded subprocess, event subprocess, call activity, multi-instance (parallel and sequential) |
//! | rejected | complex gateway, ad-hoc subprocess, transaction, compensation, cancel, conditional events, standard loops, DMN (`zeebe:calledDecision`), timer cycles on catch events, start/completion quantities above 1, multiple event definitions, instantiating receive tasks and event-based gateways, multi-instance behaviours other than `All` and `complexBehaviorDefinition` |

pub mod engine;
pub mod error;
pub mod expr;
pub mod memory;
pub mod model;
pub mod parse;
pub mod timer;
mod validate;

pub use engine::{Command, Effect, EngineOutput, Event, InstanceState, InstanceStatus, handle};
pub use error::{DeployError, EngineError, Problem, Unsupported};
pub use expr::{BuiltinExpressions, CompiledExpression, Expressions, VariableLookup};
pub use model::ProcessDefinition;
pub use parse::{Inspection, XML_BYTES_MAX, XML_DEPTH_MAX, deploy, inspect};
pub use timer::Timestamp;

/// Most steps (element activations, completions, flows taken) one command may cause: a
/// process that loops without ever waiting gets an incident instead of hanging.
pub const STEPS_MAX: usize = 100_000;
