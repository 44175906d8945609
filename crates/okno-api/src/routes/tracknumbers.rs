//! `/v1/tracknumbers/{n}`: is this a valid track number, of which kind, with which parts.

use crate::extract::AnyKey;
use axum::Json;
use axum::extract::Path;
use okno_postal::{TrackNumber, TrackNumberError};
use serde::Serialize;

/// The verdict on one track number.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TrackNumberCheck {
    /// The text as given.
    input: String,
    /// Whether it is a well-formed number with a correct check digit.
    valid: bool,
    /// The number as printed (no spaces, upper case), when valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    normalised: Option<String>,
    /// Kind and parts, when valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    track_number: Option<TrackNumber>,
    /// Machine-readable reason when invalid: `length`, `character`, `check_digit`, `month_code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    /// What is wrong, in words, when invalid.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

fn code_of(error: &TrackNumberError) -> &'static str {
    match error {
        TrackNumberError::Length(_) => "length",
        TrackNumberError::Character { .. } => "character",
        TrackNumberError::CheckDigit { .. } => "check_digit",
        TrackNumberError::MonthCode => "month_code",
    }
}

/// Validate a track number (UPU S10 or Russian 14-digit) and show its parts.
///
/// Always 200: an invalid number is an answer, not an error. Spaces and dashes are ignored and
/// letters may be lower case.
#[utoipa::path(
    get, path = "/v1/tracknumbers/{number}", tag = "postal",
    params(("number" = String, Path, description = "e.g. RA123456785RU or 10100085000421")),
    responses((status = 200, description = "The verdict", body = TrackNumberCheck)),
    security(("api_key" = []))
)]
pub(crate) async fn check(_key: AnyKey, Path(number): Path<String>) -> Json<TrackNumberCheck> {
    let verdict = match TrackNumber::parse(&number) {
        Ok(track_number) => TrackNumberCheck {
            normalised: Some(track_number.to_string()),
            track_number: Some(track_number),
            valid: true,
            code: None,
            reason: None,
            input: number,
        },
        Err(error) => TrackNumberCheck {
            normalised: None,
            track_number: None,
            valid: false,
            code: Some(code_of(&error)),
            reason: Some(error.to_string()),
            input: number,
        },
    };
    Json(verdict)
}

/// Add a track number range to a tenant (operator keys only).
#[utoipa::path(
    post, path = "/v1/admin/tenants/{id}/tracknumber-ranges", tag = "admin",
    params(("id" = String, Path, description = "Tenant id")),
    request_body(content = okno_oms::NewRange, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = okno_store::TrackNumberRange),
        (status = 404, description = "No such tenant", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad prefix or serials", body = crate::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn add_range(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    _operator: crate::extract::OperatorKey,
    Path(id): Path<String>,
    crate::extract::JsonBody(document): crate::extract::JsonBody,
) -> Result<(axum::http::StatusCode, Json<okno_store::TrackNumberRange>), crate::problem::Problem> {
    let tenant_id: okno_model::TenantId = id.parse().map_err(|_| {
        crate::problem::Problem::new(crate::problem::ProblemKind::NotFound, "tenant not found")
    })?;
    let new: okno_oms::NewRange = serde_json::from_value(document).map_err(|error| {
        crate::problem::Problem::new(
            crate::problem::ProblemKind::Validation,
            "the range is not valid",
        )
        .with_errors(vec![okno_model::FieldError {
            pointer: String::new(),
            code: "shape".to_owned(),
            detail: error.to_string(),
        }])
    })?;
    let range = state.oms.add_tracknumber_range(tenant_id, new).await?;
    Ok((axum::http::StatusCode::CREATED, Json(range)))
}

/// A tenant's track number ranges with how much of each is used (operator keys only).
#[utoipa::path(
    get, path = "/v1/admin/tenants/{id}/tracknumber-ranges", tag = "admin",
    params(("id" = String, Path, description = "Tenant id")),
    responses((status = 200, description = "Ranges, oldest first", body = [okno_store::TrackNumberRange])),
    security(("api_key" = []))
)]
pub(crate) async fn list_ranges(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    _operator: crate::extract::OperatorKey,
    Path(id): Path<String>,
) -> Result<Json<Vec<okno_store::TrackNumberRange>>, crate::problem::Problem> {
    let tenant_id: okno_model::TenantId = id.parse().map_err(|_| {
        crate::problem::Problem::new(crate::problem::ProblemKind::NotFound, "tenant not found")
    })?;
    Ok(Json(state.oms.tracknumber_ranges(tenant_id).await?))
}

/// What `POST /v1/orders/{id}:assign-tracknumbers` answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Assigned {
    /// The order with its track numbers.
    order: okno_model::Order,
    /// The numbers issued by this call (empty when every parcel already had one).
    issued: Vec<okno_oms::Issued>,
}

/// Give every parcel of an order without a track number one from the tenant's ranges.
#[utoipa::path(
    post, path = "/v1/orders/{id}:assign-tracknumbers", tag = "postal",
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order with its track numbers", body = Assigned),
        (status = 404, description = "No such order", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Ranges used up, or the status does not allow it", body = crate::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn assign(
    state: crate::AppState,
    auth: crate::extract::TenantKey,
    id: &str,
) -> Result<axum::response::Response, crate::problem::Problem> {
    use axum::response::IntoResponse;
    let order_id: okno_model::OrderId = id.parse().map_err(|_| {
        crate::problem::Problem::new(crate::problem::ProblemKind::NotFound, "order not found")
    })?;
    let tenant_id = auth.tenant_id;
    let (order, issued) = state
        .oms
        .assign_tracknumbers(tenant_id, order_id, auth.principal.actor())
        .await?;
    for number in &issued {
        let labels = crate::metrics::RangeLabels {
            tenant: tenant_id.to_string(),
            range: number.range_id.to_string(),
        };
        state
            .metrics
            .range_remaining
            .get_or_create(&labels)
            .set(number.range_remaining);
        state
            .metrics
            .range_low
            .get_or_create(&labels)
            .set(i64::from(number.range_low));
        if number.range_low {
            tracing::warn!(tenant = %tenant_id, range = %number.range_id, remaining = number.range_remaining,
                "track number range is running low; add a range");
        }
    }
    Ok(Json(Assigned { order, issued }).into_response())
}
