//! Our own extractors, so that even a malformed request answers in problem+json:
//! [`JsonBody`] (415 without a JSON content type, 413 over the size limit, 400 for bad syntax),
//! [`TenantKey`] and [`OperatorKey`] (401 for a missing, unknown or revoked key, 403 for the
//! wrong role) and [`IdempotencyKey`].

use crate::AppState;
use crate::problem::{Problem, ProblemKind};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use bytes::Bytes;
use okno_model::TenantId;
use okno_oms::Principal;
use serde_json::Value;

/// A JSON body, parsed but not yet validated.
#[derive(Debug)]
pub(crate) struct JsonBody(pub(crate) Value);

impl FromRequest<AppState> for JsonBody {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !(essence.eq_ignore_ascii_case("application/json") || essence.ends_with("+json")) {
            return Err(Problem::new(
                ProblemKind::UnsupportedMediaType,
                format!("expected Content-Type application/json, got {content_type:?}"),
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    Problem::new(
                        ProblemKind::PayloadTooLarge,
                        format!("the body exceeds {} bytes", state.config.body_bytes_max),
                    )
                } else {
                    Problem::new(ProblemKind::BadRequest, rejection.body_text())
                }
            })?;
        let value = serde_json::from_slice(&bytes).map_err(|error| {
            Problem::new(
                ProblemKind::MalformedJson,
                format!(
                    "{} at line {}, column {}",
                    describe_json_error(&error),
                    error.line(),
                    error.column()
                ),
            )
        })?;
        Ok(JsonBody(value))
    }
}

fn describe_json_error(error: &serde_json::Error) -> String {
    let text = error.to_string();
    // serde_json appends " at line L column C"; we print the position ourselves.
    match text.find(" at line ") {
        Some(index) => text[..index].to_owned(),
        None => text,
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let text = value.to_str().ok()?.trim();
        let (scheme, token) = text.split_once(' ')?;
        // `AccessToken` is how Otpravka clients send their token; okno maps it to the same keys.
        return (scheme.eq_ignore_ascii_case("bearer")
            || scheme.eq_ignore_ascii_case("accesstoken"))
        .then(|| token.trim());
    }
    parts
        .headers
        .get("x-api-key")
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
}

async fn principal(parts: &Parts, state: &AppState) -> Result<Principal, Problem> {
    let Some(secret) = bearer(parts) else {
        return Err(Problem::new(
            ProblemKind::Unauthenticated,
            "send the API key as `Authorization: Bearer <key>`",
        ));
    };
    state.oms.authenticate(secret).await.map_err(Problem::from)
}

/// A request authenticated with a tenant key.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TenantKey {
    /// The key's principal.
    pub(crate) principal: Principal,
    /// Its tenant.
    pub(crate) tenant_id: TenantId,
}

impl FromRequestParts<AppState> for TenantKey {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let principal = principal(parts, state).await?;
        match principal.tenant_id() {
            Some(tenant_id) => Ok(TenantKey {
                principal,
                tenant_id,
            }),
            None => Err(Problem::new(
                ProblemKind::Forbidden,
                "an operator key has no tenant; use a tenant key for orders",
            )),
        }
    }
}

/// A request authenticated with any valid key, tenant or operator.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AnyKey;

impl FromRequestParts<AppState> for AnyKey {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        principal(parts, state).await.map(|_| AnyKey)
    }
}

/// A request authenticated with an operator key.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OperatorKey(pub(crate) Principal);

impl FromRequestParts<AppState> for OperatorKey {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let principal = principal(parts, state).await?;
        match principal.tenant_id() {
            None => Ok(OperatorKey(principal)),
            Some(_) => Err(Problem::new(
                ProblemKind::Forbidden,
                "this endpoint needs an operator key",
            )),
        }
    }
}

/// The `Idempotency-Key` header, if sent.
#[derive(Clone, Debug)]
pub(crate) struct IdempotencyKey(pub(crate) Option<String>);

impl FromRequestParts<AppState> for IdempotencyKey {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Problem> {
        match parts.headers.get("idempotency-key") {
            None => Ok(IdempotencyKey(None)),
            Some(value) => value
                .to_str()
                .map(|key| IdempotencyKey(Some(key.trim().to_owned())))
                .map_err(|_| Problem::bad_parameter("Idempotency-Key", "must be printable ASCII")),
        }
    }
}
