//! [`ProcessError`]: what the runtime answers when it cannot do what it was asked.

use okno_engine::{DeployError, EngineError};
use okno_store::StoreError;

/// Why a runtime call failed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The BPMN file cannot be deployed (every problem is listed inside).
    #[error("the BPMN file cannot be deployed: {0}")]
    Deploy(#[from] DeployError),
    /// No such process (or version) for this tenant.
    #[error("no process `{0}` is deployed")]
    UnknownProcess(String),
    /// No such instance for this tenant.
    #[error("no process instance {0}")]
    UnknownInstance(String),
    /// No such open job.
    #[error("job {0} is not open: it was completed, failed without retries, or cancelled")]
    UnknownJob(String),
    /// A job key that is not `INSTANCE.KEY`.
    #[error("`{0}` is not a job key (INSTANCE-UUID.NUMBER)")]
    BadJobKey(String),
    /// The engine refused the command (the instance ended, the incident is gone, …).
    #[error("{0}")]
    Rejected(#[from] EngineError),
    /// The request is not valid (a field named inside).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field (JSON pointer).
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// Another node changed the instance over and over; try again.
    #[error("the process instance is busy: {0}")]
    Busy(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored state or definition could not be read back.
    #[error("stored process data is unreadable: {0}")]
    Corrupt(String),
}

/// Shorthand.
pub type ProcessResult<T> = Result<T, ProcessError>;
