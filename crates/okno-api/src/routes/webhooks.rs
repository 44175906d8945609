//! Webhook endpoints over HTTP, tenant-scoped: create (the signing secret is shown once), list,
//! read, change, delete, rotate the secret, re-enable, the delivery log with attempts, and
//! replay (one delivery, or every one since a time) with the original `webhook-id`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use okno_model::{FieldError, OrderId};
use okno_store::{DeliveryFilter, DeliveryStatus, WebhookEndpoint};
use okno_webhooks::{DeliveryLog, EndpointChange, WebhookError};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::AppState;
use crate::extract::{JsonBody, TenantKey};
use crate::problem::{Problem, ProblemKind};

/// Most deliveries in one page of the log.
const DELIVERIES_PAGE_MAX: u32 = 500;

impl From<WebhookError> for Problem {
    fn from(error: WebhookError) -> Self {
        let detail = error.to_string();
        match error {
            WebhookError::Invalid(problems) => Problem::new(ProblemKind::Validation, detail)
                .with_errors(
                    problems
                        .into_iter()
                        .map(|problem| FieldError {
                            pointer: format!("/{}", problem.field),
                            code: "invalid".to_owned(),
                            detail: problem.reason,
                        })
                        .collect(),
                ),
            WebhookError::NotFound(_) => Problem::new(ProblemKind::NotFound, detail),
            WebhookError::TooMany => Problem::new(ProblemKind::Conflict, detail),
            WebhookError::Store(okno_store::StoreError::Backend(cause)) => {
                tracing::error!(%cause, "database failure");
                Problem::new(ProblemKind::Unavailable, "the database is not available")
            }
            other => {
                tracing::error!(error = %other, "webhook failure");
                Problem::new(ProblemKind::Internal, "internal error")
            }
        }
    }
}

fn bad_field(pointer: &str, detail: impl Into<String>) -> Problem {
    let detail = detail.into();
    Problem::new(ProblemKind::Validation, format!("{pointer}: {detail}")).with_errors(vec![
        FieldError {
            pointer: pointer.to_owned(),
            code: "invalid".to_owned(),
            detail,
        },
    ])
}

fn bad_query(name: &str, detail: impl Into<String>) -> Problem {
    let detail = detail.into();
    Problem::new(ProblemKind::BadRequest, format!("{name}: {detail}")).with_errors(vec![
        FieldError {
            pointer: name.to_owned(),
            code: "invalid".to_owned(),
            detail,
        },
    ])
}

fn endpoint_id(text: &str) -> Result<Uuid, Problem> {
    Uuid::parse_str(text)
        .map_err(|_| Problem::new(ProblemKind::NotFound, format!("no webhook {text}")))
}

/// The endpoint as the API shows it; the secret only when `with_secret` (create, rotate).
fn view(endpoint: &WebhookEndpoint, with_secret: bool) -> Value {
    let mut value = json!({
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
        "format": endpoint.format,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "disabled_at": endpoint.disabled_at,
        "failing_since": endpoint.failing_since,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    });
    if with_secret {
        value["secret"] = json!(endpoint.secret);
    }
    value
}

fn delivery_view(log: &DeliveryLog) -> Value {
    let delivery = &log.delivery;
    json!({
        "id": delivery.id,
        "order_id": delivery.order_id,
        "sequence": delivery.sequence,
        "event_type": delivery.event_type,
        "status": delivery.status.as_str(),
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at,
        "updated_at": delivery.updated_at,
        "attempt_log": log.attempts.iter().map(|attempt| json!({
            "attempt": attempt.attempt,
            "at": attempt.at,
            "duration_ms": attempt.duration_ms,
            "http_status": attempt.http_status,
            "error": attempt.error,
            "response_excerpt": attempt.response_excerpt,
        })).collect::<Vec<_>>(),
    })
}

/// Reads the fields of a create or change request, naming the first bad one.
fn change_of(body: Value) -> Result<EndpointChange, Problem> {
    let Value::Object(fields) = body else {
        return Err(bad_field("", "the body must be a JSON object"));
    };
    let mut change = EndpointChange::default();
    for (name, value) in fields {
        let pointer = format!("/{name}");
        let text = |value: &Value| {
            value
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| bad_field(&pointer, "must be a string"))
        };
        match name.as_str() {
            "url" => change.url = Some(text(&value)?),
            "format" => change.format = Some(text(&value)?),
            "description" => change.description = Some(text(&value)?),
            "enabled" => {
                change.enabled = Some(
                    value
                        .as_bool()
                        .ok_or_else(|| bad_field(&pointer, "must be true or false"))?,
                )
            }
            "event_types" => {
                let Value::Array(items) = value else {
                    return Err(bad_field(&pointer, "must be a list of event types"));
                };
                let mut types = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    types.push(item.as_str().map(str::to_owned).ok_or_else(|| {
                        bad_field(&format!("{pointer}/{index}"), "must be a string")
                    })?);
                }
                change.event_types = Some(types);
            }
            _ => {
                return Err(bad_field(
                    &pointer,
                    "unknown field; use url, event_types, format, description, enabled",
                ));
            }
        }
    }
    Ok(change)
}

/// Create an endpoint. The answer carries the signing secret (`whsec_…`); it is not shown again.
#[utoipa::path(
    post, path = "/v1/webhooks", tag = "webhooks",
    request_body(content = serde_json::Value, description = "{url: \"http://…\", event_types: [\"order.created\", …] or [\"*\"], format: \"canonical\" (default) or \"connector:<name>\", description}"),
    responses(
        (status = 201, description = "The endpoint with its secret", body = serde_json::Value),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: TenantKey,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let change = change_of(body)?;
    let endpoint = state
        .webhooks
        .create(auth.tenant_id, change, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(view(&endpoint, true))).into_response())
}

/// The tenant's endpoints (without secrets).
#[utoipa::path(
    get, path = "/v1/webhooks", tag = "webhooks",
    responses((status = 200, description = "Endpoints, oldest first", body = serde_json::Value)),
    security(("api_key" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: TenantKey,
) -> Result<Response, Problem> {
    let endpoints = state.webhooks.list(auth.tenant_id).await?;
    let views: Vec<Value> = endpoints
        .iter()
        .map(|endpoint| view(endpoint, false))
        .collect();
    Ok(Json(json!({ "webhooks": views })).into_response())
}

/// One endpoint (without its secret).
#[utoipa::path(
    get, path = "/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The endpoint", body = serde_json::Value),
        (status = 404, description = "No such endpoint for this tenant", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn get_one(
    State(state): State<AppState>,
    auth: TenantKey,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let endpoint = state
        .webhooks
        .get(auth.tenant_id, endpoint_id(&id)?)
        .await?;
    Ok(Json(view(&endpoint, false)).into_response())
}

/// Change the URL, event types, format, description or `enabled`.
#[utoipa::path(
    patch, path = "/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path)),
    request_body(content = serde_json::Value, description = "Any of url, event_types, format, description, enabled"),
    responses(
        (status = 200, description = "The changed endpoint", body = serde_json::Value),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: TenantKey,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let id = endpoint_id(&id)?;
    let change = change_of(body)?;
    let endpoint = state
        .webhooks
        .update(auth.tenant_id, id, change, Utc::now())
        .await?;
    Ok(Json(view(&endpoint, false)).into_response())
}

/// Delete an endpoint and its delivery log.
#[utoipa::path(
    delete, path = "/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such endpoint for this tenant", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: TenantKey,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    state
        .webhooks
        .delete(auth.tenant_id, endpoint_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
pub(crate) struct ReplayQuery {
    since: Option<String>,
}

/// `POST /v1/webhooks/{id}:rotate-secret` (a new secret, shown once; the old one keeps signing
/// for the overlap), `{id}:enable` (after it was disabled) and `{id}:replay?since=<RFC 3339>`
/// (send every delivery created since then again, same `webhook-id`s).
#[utoipa::path(
    post, path = "/v1/webhooks/{id}:rotate-secret", tag = "webhooks",
    params(("id" = String, Path), ("since" = Option<String>, Query, description = "For {id}:replay: RFC 3339 time")),
    responses(
        (status = 200, description = "rotate-secret: the endpoint with the new secret; enable: the endpoint; replay: {replayed: n}", body = serde_json::Value),
        (status = 404, description = "No such endpoint for this tenant", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn action(
    State(state): State<AppState>,
    auth: TenantKey,
    Path(segment): Path<String>,
    Query(query): Query<ReplayQuery>,
) -> Result<Response, Problem> {
    let (id, action) = segment.rsplit_once(':').unwrap_or((segment.as_str(), ""));
    let now = Utc::now();
    match action {
        "rotate-secret" => {
            let endpoint = state
                .webhooks
                .rotate_secret(auth.tenant_id, endpoint_id(id)?, now)
                .await?;
            Ok(Json(view(&endpoint, true)).into_response())
        }
        "enable" => {
            let endpoint = state
                .webhooks
                .enable(auth.tenant_id, endpoint_id(id)?, now)
                .await?;
            Ok(Json(view(&endpoint, false)).into_response())
        }
        "replay" => {
            let since = query
                .since
                .ok_or_else(|| bad_query("since", "is required: an RFC 3339 time"))?;
            let since = DateTime::parse_from_rfc3339(&since)
                .map_err(|_| bad_query("since", format!("{since:?} is not an RFC 3339 time")))?
                .with_timezone(&Utc);
            let replayed = state
                .webhooks
                .replay_since(auth.tenant_id, endpoint_id(id)?, since, now)
                .await?;
            Ok(Json(json!({ "replayed": replayed })).into_response())
        }
        _ => Err(Problem::new(
            ProblemKind::NotFound,
            format!(
                "no action at /v1/webhooks/{segment}; use {{id}}:rotate-secret, {{id}}:enable or {{id}}:replay"
            ),
        )),
    }
}

#[derive(Deserialize)]
pub(crate) struct DeliveriesQuery {
    status: Option<String>,
    order_id: Option<String>,
    limit: Option<String>,
}

/// The delivery log of an endpoint, newest first, each delivery with its attempts.
#[utoipa::path(
    get, path = "/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(
        ("id" = String, Path),
        ("status" = Option<String>, Query, description = "pending, delivered, failed or skipped"),
        ("order_id" = Option<String>, Query),
        ("limit" = Option<u32>, Query, description = "1 to 500, default 100"),
    ),
    responses(
        (status = 200, description = "Deliveries with their attempts", body = serde_json::Value),
        (status = 400, description = "A query parameter is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn deliveries(
    State(state): State<AppState>,
    auth: TenantKey,
    Path(id): Path<String>,
    Query(query): Query<DeliveriesQuery>,
) -> Result<Response, Problem> {
    let id = endpoint_id(&id)?;
    let status = query
        .status
        .map(|text| {
            DeliveryStatus::parse(&text).ok_or_else(|| {
                bad_query(
                    "status",
                    format!("{text:?} is not pending, delivered, failed or skipped"),
                )
            })
        })
        .transpose()?;
    let order_id = query
        .order_id
        .map(|text| {
            text.parse::<OrderId>()
                .map_err(|_| bad_query("order_id", format!("{text:?} is not an order id")))
        })
        .transpose()?;
    let limit = match query.limit {
        None => 100,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|limit| (1..=DELIVERIES_PAGE_MAX).contains(limit))
            .ok_or_else(|| bad_query("limit", format!("must be 1 to {DELIVERIES_PAGE_MAX}")))?,
    };
    let filter = DeliveryFilter {
        status,
        order_id,
        limit,
    };
    let logs = state
        .webhooks
        .deliveries(auth.tenant_id, id, &filter)
        .await?;
    let views: Vec<Value> = logs.iter().map(delivery_view).collect();
    Ok(Json(json!({ "deliveries": views })).into_response())
}

/// `POST /v1/webhooks/{id}/deliveries/{delivery}:replay`: send one delivery again, with the same
/// `webhook-id`.
#[utoipa::path(
    post, path = "/v1/webhooks/{id}/deliveries/{delivery}:replay", tag = "webhooks",
    params(("id" = String, Path), ("delivery" = String, Path)),
    responses(
        (status = 202, description = "Queued: the dispatcher sends it shortly", body = serde_json::Value),
        (status = 404, description = "No such endpoint or delivery", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn delivery_action(
    State(state): State<AppState>,
    auth: TenantKey,
    Path((id, segment)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let Some(delivery) = segment.strip_suffix(":replay") else {
        return Err(Problem::new(
            ProblemKind::NotFound,
            format!("no action at /v1/webhooks/{id}/deliveries/{segment}; use {{delivery}}:replay"),
        ));
    };
    state
        .webhooks
        .replay(auth.tenant_id, endpoint_id(&id)?, delivery, Utc::now())
        .await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "replayed": delivery }))).into_response())
}
