//! Typed errors: [`DeployError`] for a file that cannot be deployed (every problem at once,
//! each with the element id and the reason) and [`EngineError`] for a command the core rejects.
//! Expression failures at run time are neither: they raise incidents on the instance.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One thing wrong with a BPMN file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The id of the element at fault, if the problem sits on one.
    pub element_id: Option<String>,
    /// What is wrong, in a sentence.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.element_id {
            Some(id) => write!(formatter, "{id}: {}", self.reason),
            None => formatter.write_str(&self.reason),
        }
    }
}

/// An element okno parses but does not execute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsupported {
    /// The element kind, e.g. `complexGateway` or `boundaryEvent(signal)`.
    pub kind: String,
    /// The element id (empty if the element has none).
    pub element_id: String,
}

/// Why a file was not deployed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum DeployError {
    /// Larger than [`crate::XML_BYTES_MAX`].
    #[error("the file is {bytes} bytes, more than the limit of {bytes_max}")]
    TooLarge {
        /// Size of the input.
        bytes: usize,
        /// The limit.
        bytes_max: usize,
    },
    /// Not well-formed XML, a DTD, or nested deeper than [`crate::XML_DEPTH_MAX`].
    #[error("the file is not acceptable XML: {0}")]
    Xml(String),
    /// Readable XML, but not a BPMN model okno can run.
    #[error("{}", describe_rejection(unsupported, problems))]
    Rejected {
        /// Elements okno does not execute: kind and id.
        unsupported: Vec<Unsupported>,
        /// Everything else that is wrong.
        problems: Vec<Problem>,
    },
}

fn describe_rejection(unsupported: &[Unsupported], problems: &[Problem]) -> String {
    let mut text = String::new();
    if !unsupported.is_empty() {
        text.push_str("elements okno does not execute: ");
        let listed: Vec<String> = unsupported
            .iter()
            .map(|item| format!("{} `{}`", item.kind, item.element_id))
            .collect();
        text.push_str(&listed.join(", "));
    }
    if !problems.is_empty() {
        if !text.is_empty() {
            text.push_str("; ");
        }
        text.push_str("invalid model: ");
        let listed: Vec<String> = problems.iter().map(Problem::to_string).collect();
        text.push_str(&listed.join("; "));
    }
    text
}

/// A command the core refuses; the instance state is unchanged when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum EngineError {
    /// The instance has already ended.
    #[error("the process instance has ended")]
    InstanceEnded,
    /// `StartInstance` on an instance that already started.
    #[error("the process instance has already started")]
    AlreadyStarted,
    /// A command before `StartInstance`.
    #[error("the process instance has not started")]
    NotStarted,
    /// No such job, timer, subscription, incident or element instance.
    #[error("no {what} with key {key}")]
    UnknownKey {
        /// What was looked for.
        what: &'static str,
        /// The key given.
        key: u64,
    },
    /// The process has no none start event for `StartInstance`.
    #[error("the process has no none start event")]
    NoNoneStart,
    /// The named start event does not exist or is not a start event.
    #[error("no start event `{0}`")]
    UnknownStartEvent(String),
    /// No open subscription of this instance matches the message.
    #[error("no subscription for message `{0}`")]
    NoSubscription(String),
}
