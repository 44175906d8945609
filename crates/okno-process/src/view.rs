//! Read models for operators and clients: an instance with its variables, active elements,
//! incidents and open jobs ([`InstanceView`]), its history of elements entered and left, and a
//! tenant's open incidents.

use chrono::{DateTime, Utc};
use okno_engine::engine::IncidentKind;
use okno_engine::{Event, InstanceState, ProcessDefinition};
use okno_model::TenantId;
use okno_store::InstanceRecord;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::{ProcessError, ProcessResult};
use crate::runtime::{Processes, corrupt, job_key};

/// Most instances scanned for incidents in one listing.
pub const INCIDENT_SCAN_MAX: u32 = 1_000;

/// One process instance as an operator sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstanceView {
    /// Id.
    pub id: Uuid,
    /// BPMN process id.
    pub process_id: String,
    /// Version it runs.
    pub version: i64,
    /// `active`, `completed` or `terminated`.
    pub status: String,
    /// Business reference.
    pub business_key: Option<String>,
    /// The calling instance, for a called process.
    pub parent: Option<Uuid>,
    /// Process variables (the final ones once completed).
    pub variables: Map<String, Value>,
    /// Element instances with a token.
    pub active_elements: Vec<ActiveElement>,
    /// Open incidents.
    pub incidents: Vec<IncidentView>,
    /// Open jobs (`INSTANCE.KEY`).
    pub jobs: Vec<String>,
    /// Steps taken.
    pub revision: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last step.
    pub updated_at: DateTime<Utc>,
}

/// An element instance with a token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveElement {
    /// Element instance key.
    pub key: u64,
    /// BPMN element id.
    pub element_id: String,
    /// BPMN element type (`serviceTask`, …).
    pub element_type: String,
    /// Stuck on an incident.
    pub incident: bool,
}

/// An open incident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentView {
    /// `INSTANCE.KEY`, what resolving names.
    pub key: String,
    /// The instance.
    pub process_instance: Uuid,
    /// BPMN process id.
    pub process_id: String,
    /// The stuck element.
    pub element_id: String,
    /// `expression`, `no_flow`, `job_no_retries`, `unhandled_error`, `step_limit`,
    /// `called_process`.
    pub kind: String,
    /// What went wrong.
    pub message: String,
}

/// One line of an instance's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The step.
    pub revision: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// `entered`, `left`, `terminated`, `incident`, `incident_resolved`, `completed`,
    /// `cancelled`.
    pub what: String,
    /// The element (the process id for the process itself), where there is one.
    pub element_id: Option<String>,
}

fn kind_text(kind: IncidentKind) -> &'static str {
    match kind {
        IncidentKind::Expression => "expression",
        IncidentKind::NoFlow => "no_flow",
        IncidentKind::JobNoRetries => "job_no_retries",
        IncidentKind::UnhandledError => "unhandled_error",
        IncidentKind::StepLimit => "step_limit",
        IncidentKind::CalledProcess => "called_process",
    }
}

fn incidents_of(
    record: &InstanceRecord,
    state: &InstanceState,
    definition: &ProcessDefinition,
) -> Vec<IncidentView> {
    state
        .incidents
        .iter()
        .map(|(key, incident)| IncidentView {
            key: job_key(record.id, i64::try_from(*key).unwrap_or(i64::MAX)),
            process_instance: record.id,
            process_id: record.process_id.clone(),
            element_id: definition.element(incident.element).id.clone(),
            kind: kind_text(incident.kind).to_owned(),
            message: incident.message.clone(),
        })
        .collect()
}

impl Processes {
    async fn loaded(
        &self,
        record: &InstanceRecord,
    ) -> ProcessResult<(InstanceState, std::sync::Arc<ProcessDefinition>)> {
        let state: InstanceState = serde_json::from_str(&record.state).map_err(corrupt)?;
        let definition = self
            .definition(record.tenant_id, &record.process_id, record.version)
            .await?;
        Ok((state, definition))
    }

    /// An instance of the tenant.
    pub async fn instance(&self, tenant_id: TenantId, id: Uuid) -> ProcessResult<InstanceView> {
        let record = self
            .inner
            .store
            .process_instance(Some(tenant_id), id)
            .await?
            .ok_or_else(|| ProcessError::UnknownInstance(id.to_string()))?;
        self.view(&record).await
    }

    /// The view of a record a call just returned (no second read of the instance).
    pub async fn view(&self, record: &InstanceRecord) -> ProcessResult<InstanceView> {
        let (state, definition) = self.loaded(record).await?;
        let variables: Map<String, Value> = match (&state.result, state.root) {
            (Some(result), _) => result.clone().into_iter().collect(),
            (None, Some(root)) => state
                .elements
                .get(&root)
                .map(|scope| scope.variables.clone().into_iter().collect())
                .unwrap_or_default(),
            (None, None) => Map::new(),
        };
        let active_elements = state
            .elements
            .values()
            .filter(|element| element.element != 0)
            .map(|element| {
                let found = definition.element(element.element);
                ActiveElement {
                    key: element.key,
                    element_id: found.id.clone(),
                    element_type: found.bpmn_kind.to_owned(),
                    incident: element.in_incident,
                }
            })
            .collect();
        Ok(InstanceView {
            id: record.id,
            process_id: record.process_id.clone(),
            version: record.version,
            status: record.status.clone(),
            business_key: record.business_key.clone(),
            parent: record.parent.map(|(parent, _)| parent),
            variables,
            active_elements,
            incidents: incidents_of(record, &state, &definition),
            jobs: state
                .jobs
                .keys()
                .map(|key| job_key(record.id, i64::try_from(*key).unwrap_or(i64::MAX)))
                .collect(),
            revision: record.revision,
            created_at: record.created_at,
            updated_at: record.updated_at,
        })
    }

    /// A tenant's instances, newest first.
    pub async fn instances(
        &self,
        tenant_id: TenantId,
        status: Option<&str>,
        limit: u32,
    ) -> ProcessResult<Vec<InstanceRecord>> {
        Ok(self
            .inner
            .store
            .process_instances(tenant_id, status, limit)
            .await?)
    }

    /// An instance's history: elements entered and left, incidents, the end.
    pub async fn history(&self, tenant_id: TenantId, id: Uuid) -> ProcessResult<Vec<HistoryEntry>> {
        let record = self
            .inner
            .store
            .process_instance(Some(tenant_id), id)
            .await?
            .ok_or_else(|| ProcessError::UnknownInstance(id.to_string()))?;
        let (_, definition) = self.loaded(&record).await?;
        let mut entries = Vec::new();
        for (revision, at, events) in self.inner.store.process_history(id).await? {
            let events: Vec<Event> = serde_json::from_str(&events).map_err(corrupt)?;
            for event in events {
                let (what, element) = match event {
                    Event::ElementActivated { element, .. } => ("entered", Some(element)),
                    Event::ElementCompleted { element, .. } => ("left", Some(element)),
                    Event::ElementTerminated { element, .. } => ("terminated", Some(element)),
                    Event::IncidentRaised { .. } => ("incident", None),
                    Event::IncidentResolved { .. } => ("incident_resolved", None),
                    Event::InstanceCompleted => ("completed", None),
                    Event::InstanceTerminated => ("cancelled", None),
                    _ => continue,
                };
                entries.push(HistoryEntry {
                    revision,
                    at,
                    what: what.to_owned(),
                    element_id: element.map(|element| definition.element(element).id.clone()),
                });
            }
        }
        Ok(entries)
    }

    /// Open incidents of the tenant's active instances (the newest
    /// [`INCIDENT_SCAN_MAX`] instances are scanned).
    pub async fn incidents(&self, tenant_id: TenantId) -> ProcessResult<Vec<IncidentView>> {
        let mut found = Vec::new();
        for record in self
            .inner
            .store
            .process_instances(tenant_id, Some("active"), INCIDENT_SCAN_MAX)
            .await?
        {
            let (state, definition) = self.loaded(&record).await?;
            found.extend(incidents_of(&record, &state, &definition));
        }
        Ok(found)
    }
}
