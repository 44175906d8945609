//! The durable BPMN runtime of okno: [`Processes`] runs the deterministic engine core
//! (`okno-engine`) over the store (`okno-store`), with FEEL (`okno-feel`) for every
//! expression.
//!
//! Key design choice: one command to one instance is one *step*, persisted in one store
//! transaction together with everything it produces (jobs, timers, subscriptions, inbox
//! commands for other instances, the history row) and everything it consumes (the answered
//! job, the fired timer, the handled inbox row, the taken message). The instance row carries a
//! revision the step compares; so a step happens once even when two nodes race for it, and a
//! process killed at any moment resumes from the last committed step: what was committed is
//! done, what was not will be done again from the rows still waiting.
//!
//! - Jobs: in-process [`JobWorker`]s (registered per job type; a job for one is locked to this
//!   node in the step that creates it and run right after the commit) and external workers
//!   ([`Processes::activate_jobs`] with long polling and a lock, then complete, fail or throw).
//! - Timers: rows with a due time; the background loop ([`Processes::spawn_background`]) fires
//!   them in batches; the firing step deletes the row, so a timer never fires twice.
//! - Messages: [`Processes::publish`] with correlation key, time to live and message id.
//! - Call activities: the child's id is derived from the parent and the call activity's element
//!   instance, so start, cancellation and completion travel through the inbox exactly once.
//! - Versions: a changed file deploys a new version; instances keep theirs, and a waiting
//!   instance can be migrated to another version with an element-id mapping
//!   ([`Processes::migrate`]).
//! - Timer start events: deploying a version schedules them (replacing the older version's);
//!   the background loop starts an instance when one is due and moves it to its next
//!   repetition in the same transaction.

mod background;
mod error;
mod feel;
mod jobs;
mod messages;
mod migrate;
mod runtime;
mod start_timers;
mod view;

pub use background::CALL_DEPTH_MAX;
pub use error::{ProcessError, ProcessResult};
pub use feel::FeelExpressions;
pub use jobs::{ACTIVATE_JOBS_MAX, ACTIVATE_WAIT_MAX, ActivatedJob, JobOutcome, JobWorker};
pub use messages::{MESSAGE_TTL_MAX, Message, Published, publish_request};
pub use runtime::{
    Deployed, Processes, Settings, job_key, parse_key, record_summary, start_request, variables_of,
};
pub use view::{ActiveElement, HistoryEntry, INCIDENT_SCAN_MAX, IncidentView, InstanceView};
