//! `/v1/participants`: the parties a tenant works with, each a customer, an executor, or both.

use crate::AppState;
use crate::extract::{JsonBody, TenantKey};
use crate::problem::Problem;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use okno_model::Participant;

/// Register a participant.
#[utoipa::path(
    post, path = "/v1/participants", tag = "participants",
    request_body(content = okno_model::ParticipantDraft, content_type = "application/json"),
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
    JsonBody(document): JsonBody,
) -> Result<(StatusCode, Json<Participant>), Problem> {
    let participant = state
        .oms
        .register_participant(auth.tenant_id, &document)
        .await?;
    Ok((StatusCode::CREATED, Json(participant)))
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
