//! `/v1/participants`: the parties a tenant works with, each a customer, an executor, or both.

use crate::AppState;
use crate::extract::{IdempotencyKey, JsonBody, TenantKey};
use crate::problem::Problem;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use okno_model::Participant;
use okno_oms::IdempotencyRequest;

use super::orders::json_reply;

/// Register a participant.
#[utoipa::path(
    post, path = "/v1/participants", tag = "participants",
    request_body(content = okno_model::ParticipantDraft, content_type = "application/json"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe; kept 48 h")),
    responses(
        (status = 201, description = "Registered", body = Participant),
        (status = 409, description = "Name taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn register(
    State(state): State<AppState>,
    auth: TenantKey,
    key: IdempotencyKey,
    JsonBody(document): JsonBody,
) -> Result<Response, Problem> {
    let idempotency = key
        .0
        .map(|key| IdempotencyRequest::new(&key, "POST /v1/participants", &document))
        .transpose()?;
    let reply = state
        .oms
        .register_participant(auth.tenant_id, &document, idempotency)
        .await?;
    Ok(json_reply(&state, reply))
}

/// List the tenant's participants by name.
#[utoipa::path(
    get, path = "/v1/participants", tag = "participants",
    responses((status = 200, description = "Participants", body = [Participant])),
    security(("api_key" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: TenantKey,
) -> Result<Json<Vec<Participant>>, Problem> {
    Ok(Json(state.oms.participants(auth.tenant_id).await?))
}
