//! Endpoint management, for the HTTP API: create (the secret is shown once), change, rotate the
//! secret (the old one keeps signing for [`Settings::secret_overlap`]), re-enable, read the
//! delivery log, and replay deliveries with their original `webhook-id`. Input is checked field
//! by field; every problem names its field.

use crate::dispatcher::chrono_duration;
use crate::settings::Settings;
use crate::signature::Secret;
use chrono::{DateTime, Utc};
use okno_model::{EventKind, TenantId};
use okno_store::{
    AttemptRecord, DeliveryFilter, DeliveryRecord, Requeue, Store, StoreError, WebhookEndpoint,
};
use std::sync::Arc;
use uuid::Uuid;

/// The canonical payload format.
pub const FORMAT_CANONICAL: &str = "canonical";
/// The prefix of a connector format, `connector:<name>`.
pub const FORMAT_CONNECTOR_PREFIX: &str = "connector:";
/// Longest endpoint URL, in bytes.
pub const URL_BYTES_MAX: usize = 2048;
/// Longest description, in characters.
pub const DESCRIPTION_CHARS_MAX: usize = 500;
/// Most endpoints per tenant.
pub const ENDPOINTS_MAX: usize = 100;

/// One bad field of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field (`url`, `event_types/1`, `format`).
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Why a webhook request failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// Fields are invalid; every one is listed.
    #[error("invalid webhook: {}", .0.iter().map(|problem| format!("{}: {}", problem.field, problem.reason)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldProblem>),
    /// No such endpoint or delivery for this tenant.
    #[error("{0} not found")]
    NotFound(String),
    /// The tenant has [`ENDPOINTS_MAX`] endpoints.
    #[error("a tenant has at most {ENDPOINTS_MAX} webhook endpoints")]
    TooMany,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a client asks to create or change; `None` keeps (or, on create, defaults) the field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointChange {
    /// Where to POST (http://…).
    pub url: Option<String>,
    /// Event types, or `["*"]`.
    pub event_types: Option<Vec<String>>,
    /// `canonical` (the default) or `connector:<name>`.
    pub format: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Enable or disable.
    pub enabled: Option<bool>,
}

/// One delivery with its attempts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryLog {
    /// The delivery.
    pub delivery: DeliveryRecord,
    /// Its attempts, oldest first.
    pub attempts: Vec<AttemptRecord>,
}

/// Webhook endpoints of tenants, over the store.
#[derive(Clone, Debug)]
pub struct Webhooks {
    store: Arc<dyn Store>,
    settings: Settings,
}

fn check_url(url: &str, problems: &mut Vec<FieldProblem>) {
    let mut fail = |reason: &str| {
        problems.push(FieldProblem {
            field: "url".to_owned(),
            reason: reason.to_owned(),
        })
    };
    if url.len() > URL_BYTES_MAX {
        return fail("is longer than 2048 bytes");
    }
    match url.parse::<hyper::Uri>() {
        Ok(uri) if matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some() => {}
        _ => fail("must be an absolute http:// or https:// URL with a host"),
    }
}

fn check_event_types(types: &[String], problems: &mut Vec<FieldProblem>) {
    if types.is_empty() {
        problems.push(FieldProblem {
            field: "event_types".to_owned(),
            reason: "must list at least one event type, or \"*\" for all".to_owned(),
        });
    }
    for (index, name) in types.iter().enumerate() {
        if name != "*" && EventKind::parse(name).is_none() {
            let known: Vec<&str> = EventKind::ALL.iter().map(|kind| kind.as_str()).collect();
            problems.push(FieldProblem {
                field: format!("event_types/{index}"),
                reason: format!(
                    "{name:?} is not an event type; use \"*\" or one of {}",
                    known.join(", ")
                ),
            });
        }
    }
}

fn check_format(format: &str, problems: &mut Vec<FieldProblem>) {
    let valid = format == FORMAT_CANONICAL
        || format
            .strip_prefix(FORMAT_CONNECTOR_PREFIX)
            .is_some_and(|name| !name.is_empty() && !name.contains('/'));
    if !valid {
        problems.push(FieldProblem {
            field: "format".to_owned(),
            reason: "must be \"canonical\" or \"connector:<name>\"".to_owned(),
        });
    }
}

fn check_description(description: &str, problems: &mut Vec<FieldProblem>) {
    if description.chars().count() > DESCRIPTION_CHARS_MAX {
        problems.push(FieldProblem {
            field: "description".to_owned(),
            reason: format!("is longer than {DESCRIPTION_CHARS_MAX} characters"),
        });
    }
}

/// Sorted, without repeats; `*` alone when it is listed.
fn normalise_types(types: Vec<String>) -> Vec<String> {
    if types.iter().any(|name| name == "*") {
        return vec!["*".to_owned()];
    }
    let mut types = types;
    types.sort();
    types.dedup();
    types
}

impl Webhooks {
    /// Over `store`, with the secret overlap of `settings`.
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Webhooks {
        Webhooks { store, settings }
    }

    async fn endpoint(
        &self,
        tenant_id: TenantId,
        id: Uuid,
    ) -> Result<WebhookEndpoint, WebhookError> {
        self.store
            .webhook_endpoint(tenant_id, id)
            .await?
            .ok_or_else(|| WebhookError::NotFound(format!("webhook {id}")))
    }

    /// Creates an endpoint with a new secret (returned in the endpoint, shown to the client
    /// once). `url` and `event_types` are required.
    pub async fn create(
        &self,
        tenant_id: TenantId,
        change: EndpointChange,
        now: DateTime<Utc>,
    ) -> Result<WebhookEndpoint, WebhookError> {
        let mut problems = Vec::new();
        match &change.url {
            Some(url) => check_url(url, &mut problems),
            None => problems.push(FieldProblem {
                field: "url".to_owned(),
                reason: "is required".to_owned(),
            }),
        }
        match &change.event_types {
            Some(types) => check_event_types(types, &mut problems),
            None => problems.push(FieldProblem {
                field: "event_types".to_owned(),
                reason: "is required (\"*\" for all)".to_owned(),
            }),
        }
        let format = change.format.unwrap_or_else(|| FORMAT_CANONICAL.to_owned());
        check_format(&format, &mut problems);
        if let Some(description) = &change.description {
            check_description(description, &mut problems);
        }
        if !problems.is_empty() {
            return Err(WebhookError::Invalid(problems));
        }
        if self.store.webhook_endpoints(tenant_id).await?.len() >= ENDPOINTS_MAX {
            return Err(WebhookError::TooMany);
        }
        let enabled = change.enabled.unwrap_or(true);
        let endpoint = WebhookEndpoint {
            id: Uuid::now_v7(),
            tenant_id,
            url: change.url.unwrap_or_default(),
            description: change.description,
            event_types: normalise_types(change.event_types.unwrap_or_default()),
            format,
            secret: Secret::generate().text(),
            previous_secret: None,
            previous_secret_expires_at: None,
            enabled,
            disabled_reason: (!enabled).then(|| "created disabled".to_owned()),
            disabled_at: (!enabled).then_some(now),
            failing_since: None,
            created_at: now,
            updated_at: now,
        };
        self.store.create_webhook_endpoint(&endpoint).await?;
        Ok(endpoint)
    }

    /// A tenant's endpoints.
    pub async fn list(&self, tenant_id: TenantId) -> Result<Vec<WebhookEndpoint>, WebhookError> {
        Ok(self.store.webhook_endpoints(tenant_id).await?)
    }

    /// One endpoint.
    pub async fn get(
        &self,
        tenant_id: TenantId,
        id: Uuid,
    ) -> Result<WebhookEndpoint, WebhookError> {
        self.endpoint(tenant_id, id).await
    }

    /// Changes the fields given. Enabling clears the failure record; disabling records that the
    /// client did it.
    pub async fn update(
        &self,
        tenant_id: TenantId,
        id: Uuid,
        change: EndpointChange,
        now: DateTime<Utc>,
    ) -> Result<WebhookEndpoint, WebhookError> {
        let mut problems = Vec::new();
        if let Some(url) = &change.url {
            check_url(url, &mut problems);
        }
        if let Some(types) = &change.event_types {
            check_event_types(types, &mut problems);
        }
        if let Some(format) = &change.format {
            check_format(format, &mut problems);
        }
        if let Some(description) = &change.description {
            check_description(description, &mut problems);
        }
        if !problems.is_empty() {
            return Err(WebhookError::Invalid(problems));
        }
        let mut endpoint = self.endpoint(tenant_id, id).await?;
        if let Some(url) = change.url {
            endpoint.url = url;
        }
        if let Some(types) = change.event_types {
            endpoint.event_types = normalise_types(types);
        }
        if let Some(format) = change.format {
            endpoint.format = format;
        }
        if let Some(description) = change.description {
            endpoint.description = Some(description);
        }
        match change.enabled {
            Some(true) if !endpoint.enabled => enable(&mut endpoint),
            Some(false) if endpoint.enabled => {
                endpoint.enabled = false;
                endpoint.disabled_reason = Some("disabled by the client".to_owned());
                endpoint.disabled_at = Some(now);
            }
            _ => {}
        }
        endpoint.updated_at = now;
        self.store.update_webhook_endpoint(&endpoint).await?;
        Ok(endpoint)
    }

    /// Re-enables an endpoint (after it was disabled for failing, or by the client); its
    /// pending deliveries go out again.
    pub async fn enable(
        &self,
        tenant_id: TenantId,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<WebhookEndpoint, WebhookError> {
        let mut endpoint = self.endpoint(tenant_id, id).await?;
        enable(&mut endpoint);
        endpoint.updated_at = now;
        self.store.update_webhook_endpoint(&endpoint).await?;
        Ok(endpoint)
    }

    /// Deletes an endpoint with its delivery log.
    pub async fn delete(&self, tenant_id: TenantId, id: Uuid) -> Result<(), WebhookError> {
        match self.store.delete_webhook_endpoint(tenant_id, id).await {
            Err(StoreError::NotFound(what)) => Err(WebhookError::NotFound(what)),
            other => Ok(other?),
        }
    }

    /// A new secret (returned once); the current one becomes the previous one and keeps
    /// signing for the overlap, so receivers can switch without losing a webhook.
    pub async fn rotate_secret(
        &self,
        tenant_id: TenantId,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<WebhookEndpoint, WebhookError> {
        let mut endpoint = self.endpoint(tenant_id, id).await?;
        let new = Secret::generate().text();
        endpoint.previous_secret = Some(std::mem::replace(&mut endpoint.secret, new));
        endpoint.previous_secret_expires_at =
            Some(now + chrono_duration(self.settings.secret_overlap));
        endpoint.updated_at = now;
        self.store.update_webhook_endpoint(&endpoint).await?;
        Ok(endpoint)
    }

    /// The delivery log of an endpoint, newest first, with each delivery's attempts.
    pub async fn deliveries(
        &self,
        tenant_id: TenantId,
        id: Uuid,
        filter: &DeliveryFilter,
    ) -> Result<Vec<DeliveryLog>, WebhookError> {
        self.endpoint(tenant_id, id).await?;
        let deliveries = self.store.webhook_deliveries(tenant_id, id, filter).await?;
        let ids = deliveries
            .iter()
            .map(|delivery| delivery.id.clone())
            .collect();
        let mut attempts = self.store.webhook_attempts(ids).await?;
        Ok(deliveries
            .into_iter()
            .map(|delivery| {
                let (own, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut attempts)
                    .into_iter()
                    .partition(|attempt| attempt.delivery_id == delivery.id);
                attempts = rest;
                DeliveryLog {
                    delivery,
                    attempts: own,
                }
            })
            .collect())
    }

    /// Sends one delivery again, with its original `webhook-id`, as soon as the dispatcher runs.
    pub async fn replay(
        &self,
        tenant_id: TenantId,
        id: Uuid,
        delivery_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), WebhookError> {
        self.endpoint(tenant_id, id).await?;
        let requeued = self
            .store
            .requeue_webhook_deliveries(tenant_id, id, Requeue::One(delivery_id.to_owned()), now)
            .await?;
        if requeued == 0 {
            return Err(WebhookError::NotFound(format!("delivery {delivery_id}")));
        }
        Ok(())
    }

    /// Sends every delivery created at or after `since` again; returns how many.
    pub async fn replay_since(
        &self,
        tenant_id: TenantId,
        id: Uuid,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<u64, WebhookError> {
        self.endpoint(tenant_id, id).await?;
        Ok(self
            .store
            .requeue_webhook_deliveries(tenant_id, id, Requeue::Since(since), now)
            .await?)
    }
}

fn enable(endpoint: &mut WebhookEndpoint) {
    endpoint.enabled = true;
    endpoint.disabled_reason = None;
    endpoint.disabled_at = None;
    endpoint.failing_since = None;
}
