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
