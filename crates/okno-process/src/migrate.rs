//! Migrating a waiting instance to another version of its process: each element instance with
//! a token (and each timer, subscription and incident it owns) moves to the element of the
//! target version that the mapping names, or that has the same id. Jobs, timers and
//! subscriptions keep their keys, so the rows that find work stay valid.
//!
//! Refused, with the element named: an element with no counterpart, a counterpart of another
//! kind or in another scope, and tokens waiting at a joining gateway or inside a
//! multi-instance body (where the position is more than an element).

use std::collections::BTreeMap;

use okno_engine::model::ElementIndex;
use okno_engine::{InstanceState, InstanceStatus, ProcessDefinition};
use okno_model::TenantId;
use okno_store::{InstanceRecord, StoreError};
use uuid::Uuid;

use crate::error::{ProcessError, ProcessResult};
use crate::runtime::{Processes, corrupt, now_ms};

fn refuse(reason: String) -> ProcessError {
    ProcessError::Invalid {
        field: "/mapping".to_owned(),
        reason,
    }
}

/// Moves `state` from `from` to `to`; element ids map through `mapping`, else to themselves.
pub(crate) fn migrate_state(
    state: &InstanceState,
    from: &ProcessDefinition,
    to: &ProcessDefinition,
    mapping: &BTreeMap<String, String>,
) -> ProcessResult<InstanceState> {
    if state.status != InstanceStatus::Active {
        return Err(ProcessError::Invalid {
            field: String::new(),
            reason: "only an active instance can be migrated".to_owned(),
        });
    }
    let target = |index: ElementIndex| -> ProcessResult<ElementIndex> {
        if index == 0 {
            return Ok(0);
        }
        let old = from.element(index);
        let id = mapping.get(&old.id).unwrap_or(&old.id);
        let new = to.index_of(id).ok_or_else(|| {
            refuse(format!(
                "`{}` has no counterpart `{id}` in version of `{}`",
                old.id, to.id
            ))
        })?;
        let found = to.element(new);
        if found.bpmn_kind != old.bpmn_kind {
            return Err(refuse(format!(
                "`{}` is a {} but `{id}` is a {}",
                old.id, old.bpmn_kind, found.bpmn_kind
            )));
        }
        Ok(new)
    };
    let mut migrated = state.clone();
    for (key, element) in &mut migrated.elements {
        if !element.join_tokens.is_empty() || element.multi_instance.is_some() {
            return Err(refuse(format!(
                "`{}` holds tokens at a join or runs a multi-instance body",
                from.element(element.element).id
            )));
        }
        let new = target(element.element)?;
        let scope_element = element
            .scope
            .and_then(|scope| state.elements.get(&scope))
            .map(|scope| scope.element);
        if let Some(scope_element) = scope_element {
            let expected = target(scope_element)?;
            let parent = to.element(new).parent.unwrap_or(0);
            if parent != expected {
                return Err(refuse(format!(
                    "`{}` (element instance {key}) would leave its scope",
                    to.element(new).id
                )));
            }
        }
        element.element = new;
    }
    for timer in migrated.timers.values_mut() {
        timer.element = target(timer.element)?;
    }
    for subscription in migrated.subscriptions.values_mut() {
        subscription.element = target(subscription.element)?;
    }
    for incident in migrated.incidents.values_mut() {
        incident.element = target(incident.element)?;
    }
    Ok(migrated)
}

impl Processes {
    /// Migrates a waiting instance to `version` of its process (see the module docs).
    pub async fn migrate(
        &self,
        tenant_id: TenantId,
        id: Uuid,
        version: i64,
        mapping: &BTreeMap<String, String>,
    ) -> ProcessResult<InstanceRecord> {
        for _ in 0..8 {
            let record = self
                .inner
                .store
                .process_instance(Some(tenant_id), id)
                .await?
                .ok_or_else(|| ProcessError::UnknownInstance(id.to_string()))?;
            let state: InstanceState = serde_json::from_str(&record.state).map_err(corrupt)?;
            let from = self
                .definition(tenant_id, &record.process_id, record.version)
                .await?;
            let to = self
                .definition(tenant_id, &record.process_id, version)
                .await?;
            let migrated = migrate_state(&state, &from, &to, mapping)?;
            let mut target = record.clone();
            target.version = version;
            match self
                .commit_migration(target, &migrated, record.revision)
                .await
            {
                Ok(record) => return Ok(record),
                Err(ProcessError::Store(StoreError::Conflict(_))) => continue,
                Err(error) => return Err(error),
            }
        }
        Err(ProcessError::Busy(format!("instance {id} kept changing")))
    }

    async fn commit_migration(
        &self,
        mut record: InstanceRecord,
        state: &InstanceState,
        expected: i64,
    ) -> ProcessResult<InstanceRecord> {
        record.state = serde_json::to_string(state).map_err(corrupt)?;
        record.revision = expected + 1;
        record.updated_at =
            chrono::DateTime::from_timestamp_millis(now_ms()).unwrap_or_else(chrono::Utc::now);
        let step = okno_store::ProcessStep {
            instance: record.clone(),
            expected_revision: Some(expected),
            events: "[]".to_owned(),
            answered_job: None,
            fired_timer: None,
            handled_inbox: None,
            message: None,
            jobs: Vec::new(),
            cancelled_jobs: Vec::new(),
            timers: Vec::new(),
            cancelled_timers: Vec::new(),
            subscriptions: Vec::new(),
            closed_subscriptions: Vec::new(),
            inbox: Vec::new(),
            fired_start_timer: None,
        };
        self.inner.store.write_process_step(step).await?;
        // Nothing to run: the instance waits where it waited, now in the new version.
        Ok(record)
    }
}
