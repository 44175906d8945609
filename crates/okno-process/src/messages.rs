//! Messages and signals. A published message goes to the oldest open subscription with its name
//! and correlation key, else starts the latest version of a process with a message start event
//! of that name, else is buffered for its time to live and taken by the first subscription
//! that opens in time. A message id makes a repeated publish a no-op that says what the first
//! one did. Signals are broadcast to every subscribed instance of the tenant and start the
//! processes with a signal start event of that name.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use okno_engine::engine::Command;
use okno_engine::model::{ElementKind, Trigger};
use okno_model::TenantId;
use okno_store::{InboxRecord, MessageRecord, MessageWrite, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::{ProcessError, ProcessResult};
use crate::runtime::{
    Consumed, InboxCommand, Processes, Target, corrupt, inbox_row, new_record, now_ms,
};

/// Longest time to live a message may ask for.
pub const MESSAGE_TTL_MAX: Duration = Duration::from_secs(30 * 24 * 3600);

/// A message to publish.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// Name (as in the BPMN `message name`).
    pub name: String,
    /// Correlation key (as the subscription's `correlationKey` evaluates).
    pub correlation_key: String,
    /// Variables it brings.
    pub variables: Map<String, Value>,
    /// How long it waits for a subscription if none is open now.
    pub time_to_live: Duration,
    /// The publisher's id: a second publish with the same id is ignored.
    pub message_id: Option<String>,
}

/// What became of a published message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// okno's id of the message.
    pub message: Uuid,
    /// The instance it was correlated to (or that it started), if any yet.
    pub instance: Option<Uuid>,
    /// Whether it started that instance (a message start event).
    pub started: bool,
    /// Whether it waits in the buffer for a subscription.
    pub buffered: bool,
    /// Whether a message with the same message id had already been published (this one was
    /// ignored; the other fields describe the first).
    pub duplicate: bool,
}

/// Refuses a time to live above [`MESSAGE_TTL_MAX`], naming the field.
fn check_time_to_live(time_to_live: Duration) -> ProcessResult<()> {
    if time_to_live > MESSAGE_TTL_MAX {
        return Err(ProcessError::Invalid {
            field: "/time_to_live".to_owned(),
            reason: format!("longer than {} days", MESSAGE_TTL_MAX.as_secs() / 86_400),
        });
    }
    Ok(())
}

/// The inbox row that publishes `message` once it is handled: another crate writes it in its
/// own transaction so that a change and the message about it commit together (an order's
/// cancel and the message that stops its process). `instance_id` names the instance the
/// message is meant for (the row's owner; the message still correlates by its key). A message
/// without an id gets the row's id, so that handling the row twice publishes once.
pub fn publish_request(
    tenant_id: TenantId,
    instance_id: Uuid,
    message: Message,
) -> ProcessResult<InboxRecord> {
    check_time_to_live(message.time_to_live)?;
    let id = Uuid::now_v7();
    let command = InboxCommand::Publish {
        name: message.name,
        correlation_key: message.correlation_key,
        variables: message.variables,
        ttl_ms: u64::try_from(message.time_to_live.as_millis()).unwrap_or(u64::MAX),
        message_id: message.message_id.unwrap_or_else(|| id.to_string()),
    };
    let mut row = inbox_row(tenant_id, instance_id, &command)?;
    row.id = id;
    Ok(row)
}

impl Processes {
    /// Publishes a message.
    pub async fn publish(&self, tenant_id: TenantId, message: Message) -> ProcessResult<Published> {
        check_time_to_live(message.time_to_live)?;
        if let Some(message_id) = &message.message_id
            && let Some(first) = self
                .inner
                .store
                .process_message_by_id(tenant_id, message_id)
                .await?
        {
            return Ok(duplicate(&first));
        }
        let now = now_ms();
        let ttl_ms = i64::try_from(message.time_to_live.as_millis()).unwrap_or(i64::MAX);
        let record = MessageRecord {
            id: Uuid::now_v7(),
            tenant_id,
            name: message.name.clone(),
            correlation_key: message.correlation_key.clone(),
            message_id: message.message_id.clone(),
            variables: serde_json::to_string(&message.variables).map_err(corrupt)?,
            published_at: Utc::now(),
            expires_ms: now.saturating_add(ttl_ms),
            correlated_to: None,
        };
        let subscriptions = self
            .inner
            .store
            .process_subscriptions(
                tenant_id,
                &message.name,
                Some(&message.correlation_key),
                false,
            )
            .await?;
        for subscription in subscriptions {
            let taken = MessageRecord {
                correlated_to: Some(subscription.instance_id),
                ..record.clone()
            };
            match self
                .correlate(
                    Target::Existing(None, subscription.instance_id),
                    &message,
                    MessageWrite::Insert(taken),
                )
                .await
            {
                Ok(()) => return Ok(published(&record, Some(subscription.instance_id), false)),
                Err(ProcessError::Store(StoreError::AlreadyExists(_))) => {
                    return self.duplicate_of(tenant_id, &message).await;
                }
                // The subscription closed meanwhile: try the next.
                Err(ProcessError::Rejected(_) | ProcessError::UnknownInstance(_)) => {}
                Err(error) => return Err(error),
            }
        }
        if let Some((process_id, version, start_event)) =
            self.message_start(tenant_id, &message.name).await?
        {
            let instance = new_record(tenant_id, &process_id, version, None, None);
            let id = instance.id;
            let taken = MessageRecord {
                correlated_to: Some(id),
                ..record.clone()
            };
            let command = Command::StartInstance {
                variables: message.variables.clone(),
                start_event: Some(start_event),
            };
            let consumed = Consumed {
                message: Some(MessageWrite::Insert(taken)),
                ..Consumed::default()
            };
            return match self
                .step(Target::New(Box::new(instance)), command, consumed)
                .await
            {
                Ok(_) => Ok(published(&record, Some(id), true)),
                Err(ProcessError::Store(StoreError::AlreadyExists(_))) => {
                    self.duplicate_of(tenant_id, &message).await
                }
                Err(error) => Err(error),
            };
        }
        if ttl_ms <= 0 {
            return Ok(published(&record, None, false));
        }
        match self
            .inner
            .store
            .insert_process_message(record.clone())
            .await
        {
            Ok(()) => {}
            Err(StoreError::AlreadyExists(_)) => {
                return self.duplicate_of(tenant_id, &message).await;
            }
            Err(error) => return Err(error.into()),
        }
        // A subscription may have opened between the lookup and the insert.
        self.inner.wake.notify_one();
        Ok(Published {
            buffered: true,
            ..published(&record, None, false)
        })
    }

    async fn duplicate_of(
        &self,
        tenant_id: TenantId,
        message: &Message,
    ) -> ProcessResult<Published> {
        let message_id = message.message_id.as_deref().unwrap_or_default();
        let first = self
            .inner
            .store
            .process_message_by_id(tenant_id, message_id)
            .await?
            .ok_or_else(|| ProcessError::Busy(format!("message id {message_id:?} in flux")))?;
        Ok(duplicate(&first))
    }

    async fn correlate(
        &self,
        target: Target,
        message: &Message,
        write: MessageWrite,
    ) -> ProcessResult<()> {
        let command = Command::CorrelateMessage {
            name: message.name.clone(),
            correlation_key: message.correlation_key.clone(),
            variables: message.variables.clone(),
        };
        let consumed = Consumed {
            message: Some(write),
            ..Consumed::default()
        };
        self.step(target, command, consumed).await.map(|_| ())
    }

    /// The latest process of the tenant with a message start event of this name.
    async fn message_start(
        &self,
        tenant_id: TenantId,
        name: &str,
    ) -> ProcessResult<Option<(String, i64, String)>> {
        Ok(self
            .starts(tenant_id, name, false)
            .await?
            .into_iter()
            .next())
    }

    /// `(process id, latest version, start event id)` of every process of the tenant whose
    /// latest version starts on this message (or signal).
    async fn starts(
        &self,
        tenant_id: TenantId,
        name: &str,
        signal: bool,
    ) -> ProcessResult<Vec<(String, i64, String)>> {
        let mut latest: BTreeMap<String, i64> = BTreeMap::new();
        for version in self.inner.store.process_versions(tenant_id).await? {
            latest.insert(version.process_id, version.version);
        }
        let mut found = Vec::new();
        for (process_id, version) in latest {
            let definition = self.definition(tenant_id, &process_id, version).await?;
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
                    found.push((process_id.clone(), version, element.id.clone()));
                }
            }
        }
        Ok(found)
    }

    /// Broadcasts a signal to every instance of the tenant subscribed to it and starts every
    /// process with a signal start event of that name, through the inbox (so a crash cannot
    /// deliver it to some and not others). Returns how many instances it will reach or start.
    pub async fn broadcast(
        &self,
        tenant_id: TenantId,
        name: &str,
        variables: Map<String, Value>,
    ) -> ProcessResult<usize> {
        let rows = self
            .broadcast_rows(tenant_id, name, &variables, None)
            .await?;
        let reached = rows.len();
        self.inner.store.insert_process_inbox(rows).await?;
        self.inner.wake.notify_one();
        Ok(reached)
    }

    /// The inbox rows a signal becomes: a `BroadcastSignal` for every subscribed instance but
    /// `origin` (which has had it), a start for every process with that signal start event.
    pub(crate) async fn broadcast_rows(
        &self,
        tenant_id: TenantId,
        name: &str,
        variables: &Map<String, Value>,
        origin: Option<Uuid>,
    ) -> ProcessResult<Vec<InboxRecord>> {
        let mut instances: Vec<Uuid> = self
            .inner
            .store
            .process_subscriptions(tenant_id, name, None, true)
            .await?
            .into_iter()
            .map(|subscription| subscription.instance_id)
            .filter(|instance| Some(*instance) != origin)
            .collect();
        instances.dedup();
        let mut rows = Vec::new();
        for instance in instances {
            let command = InboxCommand::Command(Command::BroadcastSignal {
                name: name.to_owned(),
                variables: variables.clone(),
            });
            rows.push(inbox_row(tenant_id, instance, &command)?);
        }
        for (process_id, _, start_event) in self.starts(tenant_id, name, true).await? {
            let command = InboxCommand::Start {
                process_id,
                variables: variables.clone(),
                parent: None,
                start_event: Some(start_event),
                business_key: None,
            };
            rows.push(inbox_row(tenant_id, Uuid::now_v7(), &command)?);
        }
        Ok(rows)
    }

    /// Gives buffered messages to subscriptions that opened after them; returns how many.
    pub(crate) async fn match_buffered(&self) -> ProcessResult<usize> {
        let mut taken = 0;
        let mut done: Vec<Uuid> = Vec::new();
        for (record, subscription) in self.inner.store.matchable_messages(now_ms(), 200).await? {
            if done.contains(&record.id) {
                continue;
            }
            let variables: Map<String, Value> =
                serde_json::from_str(&record.variables).map_err(corrupt)?;
            let message = Message {
                name: record.name.clone(),
                correlation_key: record.correlation_key.clone(),
                variables,
                time_to_live: Duration::ZERO,
                message_id: record.message_id.clone(),
            };
            let write = MessageWrite::Take {
                id: record.id,
                instance_id: subscription.instance_id,
            };
            match self
                .correlate(
                    Target::Existing(None, subscription.instance_id),
                    &message,
                    write,
                )
                .await
            {
                Ok(()) => {
                    taken += 1;
                    done.push(record.id);
                }
                Err(ProcessError::Busy(_) | ProcessError::Rejected(_)) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(taken)
    }
}

fn published(record: &MessageRecord, instance: Option<Uuid>, started: bool) -> Published {
    Published {
        message: record.id,
        instance,
        started,
        buffered: false,
        duplicate: false,
    }
}

fn duplicate(first: &MessageRecord) -> Published {
    Published {
        message: first.id,
        instance: first.correlated_to,
        started: false,
        buffered: first.correlated_to.is_none(),
        duplicate: true,
    }
}
