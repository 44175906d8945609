//! The background loop of a node: fires due timers (and timer start events), hands inbox commands to their instances
//! (called processes to start, children's completions, cancellations), gives buffered
//! messages to subscriptions that opened, and takes back jobs of local workers whose lock ran
//! out. Every piece of work is a step that consumes its row, so two nodes running this loop
//! over one PostgreSQL database never do the same work twice.

use std::time::Duration;

use okno_engine::engine::Command;
use okno_store::InboxRecord;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::error::{ProcessError, ProcessResult};
use crate::messages::Message;
use crate::runtime::{
    Consumed, InboxCommand, Processes, Target, WRITER_RUNS_PUBLISH, WRITER_RUNS_START, corrupt,
    new_record, now_ms,
};

/// Timers fired, inbox rows handled and messages matched per round, at most.
const ROUND_BATCH: u32 = 200;
/// Deepest chain of call activities: a process that calls itself through another file's
/// process (which deploy cannot see) gets an incident on the call activity at this depth
/// instead of running away.
pub const CALL_DEPTH_MAX: usize = 32;
/// How often expired buffered messages are purged.
const PURGE_EVERY: Duration = Duration::from_secs(60);

impl Processes {
    /// Starts the background loop on the current Tokio runtime; it runs until aborted.
    pub fn spawn_background(&self) -> JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move { this.background().await })
    }

    async fn background(&self) {
        let mut last_purge = Instant::now();
        loop {
            let woken = self.inner.wake.notified();
            let done = match self.round().await {
                Ok(done) => done,
                Err(error) => {
                    tracing::warn!(%error, "process background round failed");
                    0
                }
            };
            if last_purge.elapsed() > PURGE_EVERY {
                last_purge = Instant::now();
                if let Err(error) = self.inner.store.purge_process_messages(now_ms()).await {
                    tracing::warn!(%error, "purging expired messages failed");
                }
            }
            if done == 0 {
                let _ = tokio::time::timeout(self.inner.settings.poll_interval, woken).await;
            }
        }
    }

    /// One round of background work; returns how many items it did. Public so that tests and
    /// tools can drive a node without its loop.
    pub async fn round(&self) -> ProcessResult<usize> {
        let mut done = 0;
        for timer in self.inner.store.due_timers(now_ms(), ROUND_BATCH).await? {
            let command = Command::TriggerTimer {
                timer: u64::try_from(timer.key).map_err(corrupt)?,
            };
            let consumed = Consumed {
                fired_timer: Some(timer.key),
                ..Consumed::default()
            };
            match self
                .step(Target::Existing(None, timer.instance_id), command, consumed)
                .await
            {
                Ok(_) => done += 1,
                Err(ProcessError::Rejected(_) | ProcessError::UnknownInstance(_)) => {
                    self.inner
                        .store
                        .discard_process_work(Some((timer.instance_id, timer.key)), None)
                        .await?;
                }
                Err(ProcessError::Busy(_)) => {}
                Err(error) => return Err(error),
            }
        }
        let grace = chrono::Duration::from_std(self.inner.settings.inbox_grace)
            .unwrap_or(chrono::Duration::MAX);
        let left_to_writer = chrono::Utc::now()
            .checked_sub_signed(grace)
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
        for row in self.inner.store.process_inbox(ROUND_BATCH).await? {
            if matches!(row.kind.as_str(), WRITER_RUNS_START | WRITER_RUNS_PUBLISH)
                && row.created_at > left_to_writer
            {
                continue;
            }
            match self.handle_inbox(&row).await {
                Ok(()) => done += 1,
                Err(
                    ProcessError::Rejected(_)
                    | ProcessError::UnknownInstance(_)
                    | ProcessError::UnknownProcess(_),
                ) => {
                    self.inner
                        .store
                        .discard_process_work(None, Some(row.id))
                        .await?;
                }
                Err(ProcessError::Busy(_)) => {}
                Err(error) => return Err(error),
            }
        }
        done += self.fire_start_timers(ROUND_BATCH).await?;
        done += self.match_buffered().await?;
        done += self.reclaim_local_jobs().await?;
        Ok(done)
    }

    /// How many ancestors an instance has (stops counting at [`CALL_DEPTH_MAX`]).
    async fn call_depth(&self, instance: uuid::Uuid) -> ProcessResult<usize> {
        let mut depth = 0;
        let mut current = instance;
        while depth < CALL_DEPTH_MAX {
            let parent = self
                .inner
                .store
                .process_instance(None, current)
                .await?
                .and_then(|record| record.parent);
            match parent {
                Some((parent, _)) => {
                    depth += 1;
                    current = parent;
                }
                None => break,
            }
        }
        Ok(depth)
    }

    /// Handles one inbox row now (on this node, without waiting for the loop): another crate
    /// that wrote a [`crate::start_request`] calls this after its commit. If another node got
    /// there first, nothing happens.
    pub async fn run_inbox(&self, row: &InboxRecord) -> ProcessResult<()> {
        match self.handle_inbox(row).await {
            Ok(()) | Err(ProcessError::Busy(_)) => Ok(()),
            Err(ProcessError::Store(okno_store::StoreError::Conflict(_))) => Ok(()),
            Err(error) => Err(error),
        }
    }

    async fn handle_inbox(&self, row: &InboxRecord) -> ProcessResult<()> {
        let command: InboxCommand = serde_json::from_str(&row.body).map_err(corrupt)?;
        let consumed = Consumed {
            handled_inbox: Some(row.id),
            ..Consumed::default()
        };
        match command {
            InboxCommand::Start {
                process_id,
                variables,
                parent,
                start_event,
                business_key,
            } => {
                let depth = match parent {
                    Some((parent, _)) => self.call_depth(parent).await?,
                    None => 0,
                };
                let version = if depth >= CALL_DEPTH_MAX {
                    Err(format!(
                        "calls nest deeper than {CALL_DEPTH_MAX}: `{process_id}` is not started \
                         (a cycle of call activities across files?)"
                    ))
                } else {
                    match self.latest(row.tenant_id, &process_id, None).await {
                        Ok(version) => Ok(version),
                        Err(ProcessError::UnknownProcess(_)) => {
                            Err(format!("the called process `{process_id}` is not deployed"))
                        }
                        Err(error) => return Err(error),
                    }
                };
                let version = match (version, parent) {
                    (Ok(version), _) => version,
                    (Err(reason), Some((parent, element))) => {
                        let command = Command::RefuseChildInstance {
                            element_instance: u64::try_from(element).map_err(corrupt)?,
                            reason,
                        };
                        self.step(Target::Existing(None, parent), command, consumed)
                            .await?;
                        return Ok(());
                    }
                    (Err(_), None) => {
                        return Err(ProcessError::UnknownProcess(process_id));
                    }
                };
                let mut record =
                    new_record(row.tenant_id, &process_id, version, parent, business_key);
                record.id = row.instance_id;
                let command = Command::StartInstance {
                    variables,
                    start_event,
                };
                self.step(Target::New(Box::new(record)), command, consumed)
                    .await?;
            }
            InboxCommand::Broadcast {
                name,
                variables,
                origin,
            } => {
                let rows = self
                    .broadcast_rows(row.tenant_id, &name, &variables, Some(origin))
                    .await?;
                match self.inner.store.expand_process_inbox(row.id, rows).await {
                    Ok(()) | Err(okno_store::StoreError::Conflict(_)) => {}
                    Err(error) => return Err(error.into()),
                }
                self.inner.wake.notify_one();
            }
            InboxCommand::Command(command) => {
                self.step(Target::Existing(None, row.instance_id), command, consumed)
                    .await?;
            }
            InboxCommand::Publish {
                name,
                correlation_key,
                variables,
                ttl_ms,
                message_id,
            } => {
                let message = Message {
                    name,
                    correlation_key,
                    variables,
                    time_to_live: Duration::from_millis(ttl_ms),
                    message_id: Some(message_id),
                };
                match self.publish(row.tenant_id, message).await {
                    Ok(_) => {}
                    Err(ProcessError::Invalid { field, reason }) => {
                        tracing::warn!(row = %row.id, field, reason, "inbox message dropped");
                    }
                    Err(error) => return Err(error),
                }
                match self
                    .inner
                    .store
                    .expand_process_inbox(row.id, Vec::new())
                    .await
                {
                    Ok(()) | Err(okno_store::StoreError::Conflict(_)) => {}
                    Err(error) => return Err(error.into()),
                }
            }
        }
        Ok(())
    }
}
