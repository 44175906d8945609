//! What people and machines do to an order while its process runs: holds placed and
//! released (`POST /v1/orders/{id}:hold`, `:release`), the address corrected
//! (`:correct-address`), the shipment asked for (`:request-shipment`), and the sorter's
//! weighing (`POST /v1/parcels:register`), which answers with the track number and the label
//! (PDF or ZPL by `Accept`) in the same response.

use crate::AppState;
use crate::extract::{JsonBody, TenantKey};
use crate::problem::{Problem, ProblemKind};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use okno_model::{Address, Dimensions, FieldError, HoldKind, Order, OrderId};
use okno_postal::label::{LabelData, LabelSize, pdf, zpl};
use serde::Deserialize;
use serde_json::Value;

fn invalid(pointer: &str, code: &str, detail: &str) -> Problem {
    Problem::new(ProblemKind::Validation, format!("{pointer}: {detail}")).with_errors(vec![
        FieldError {
            pointer: pointer.to_owned(),
            code: code.to_owned(),
            detail: detail.to_owned(),
        },
    ])
}

fn order_id(text: &str) -> Result<OrderId, Problem> {
    text.parse()
        .map_err(|_| Problem::new(ProblemKind::NotFound, "order not found"))
}

/// Reads a body object, refusing unknown fields and naming the first bad one: the serde
/// message says which field (`unknown field`, `unknown variant` of a known field, a missing one).
fn object_of<T: serde::de::DeserializeOwned>(value: Value, what: &str) -> Result<T, Problem> {
    let Value::Object(object) = value.clone() else {
        return Err(invalid(
            "",
            "type",
            &format!("{what}: the body must be a JSON object"),
        ));
    };
    let fields: Vec<String> = object.keys().cloned().collect();
    serde_json::from_value(value).map_err(|error| {
        let text = error.to_string();
        let quoted: Vec<&str> = text.split('`').skip(1).step_by(2).collect();
        let field = if text.starts_with("unknown field") || text.starts_with("missing field") {
            quoted.first().map(|name| format!("/{name}"))
        } else {
            // A bad value: the field whose value the message quotes, else the first field.
            fields
                .iter()
                .find(|name| {
                    object
                        .get(*name)
                        .and_then(Value::as_str)
                        .is_some_and(|v| quoted.contains(&v))
                })
                .or(fields.first())
                .map(|name| format!("/{name}"))
        }
        .unwrap_or_default();
        invalid(&field, "invalid", &format!("{what}: {text}"))
    })
}

fn order_response(order: &Order) -> Response {
    axum::Json(order).into_response()
}

/// Body of `:hold`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HoldRequest {
    /// `address`, `payment` or `operator`.
    kind: HoldKind,
    /// Why, for a person to read (1 to 500 characters).
    reason: String,
}

/// Body of `:release`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReleaseRequest {
    /// The kind of hold to release; releasing `address` accepts the address as it is.
    kind: HoldKind,
}

/// Body of `:correct-address`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CorrectAddressRequest {
    /// The recipient's new address.
    address: Address,
}

/// `POST /v1/orders/{id}:hold|release|correct-address|request-shipment`.
pub(crate) async fn order_step(
    state: &AppState,
    auth: TenantKey,
    id: &str,
    action: &str,
    body: Value,
) -> Result<Response, Problem> {
    let tenant = auth.tenant_id;
    let actor = auth.principal.actor();
    let id = order_id(id)?;
    let oms = &state.oms;
    let order = match action {
        "hold" => {
            let request: HoldRequest = object_of(body, "hold")?;
            let reason = request.reason.trim();
            if reason.is_empty() || reason.chars().count() > 500 {
                return Err(invalid("/reason", "length", "must be 1 to 500 characters"));
            }
            oms.place_hold(tenant, id, &actor, request.kind, reason)
                .await?
        }
        "release" => {
            let request: ReleaseRequest = object_of(body, "release")?;
            oms.release_hold(tenant, id, &actor, request.kind).await?
        }
        "correct-address" => {
            let request: CorrectAddressRequest = object_of(body, "correct-address")?;
            oms.correct_address(tenant, id, &actor, request.address)
                .await?
        }
        "request-shipment" => oms.request_shipment(tenant, id).await?,
        _ => unreachable_action(action)?,
    };
    Ok(order_response(&order))
}

fn unreachable_action(action: &str) -> Result<Order, Problem> {
    Err(Problem::new(
        ProblemKind::NotFound,
        format!("no order action `{action}`"),
    ))
}

/// Body of `POST /v1/parcels:register`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegisterParcel {
    /// okno's order id; or give `client_order_number`.
    #[serde(default)]
    order_id: Option<String>,
    /// The client's order number.
    #[serde(default)]
    client_order_number: Option<String>,
    /// Which parcel (its reference or track number) when the order has several.
    #[serde(default)]
    parcel_reference: Option<String>,
    /// Measured mass, grams (1 to 50,000,000).
    mass_grams: i64,
    /// Measured dimensions, millimetres.
    #[serde(default)]
    dimensions: Option<Dimensions>,
    /// `a6` (default) or `100x150`.
    #[serde(default)]
    size: Option<String>,
}

/// The label format the client accepts: ZPL for `application/zpl` or `text/plain`, else PDF.
fn wants_zpl(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| {
            let accept = accept.to_ascii_lowercase();
            let pdf = accept.find("application/pdf");
            let zpl = accept
                .find("application/zpl")
                .or_else(|| accept.find("text/plain"));
            match (pdf, zpl) {
                (Some(pdf), Some(zpl)) => zpl < pdf,
                (None, Some(_)) => true,
                _ => false,
            }
        })
}

/// The sorter weighed a parcel: records mass and dimensions, gives the parcel its track
/// number and answers with the label (PDF, or ZPL for `Accept: application/zpl`); the track
/// number is in `Okno-Track-Number`. Weighing the same parcel again answers with the same
/// number. Then the order's process goes on (price with the measured mass, tracking, the
/// client's notification).
#[utoipa::path(
    post, path = "/v1/parcels:register", tag = "postal",
    request_body = RegisterParcel,
    responses(
        (status = 200, description = "The label (PDF or ZPL); `Okno-Track-Number` and `Okno-Order-Id` headers"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The order is held or not in a state to ship", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn register_parcel(
    State(state): State<AppState>,
    auth: TenantKey,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let request: RegisterParcel = object_of(body, "parcel")?;
    if !(1..=50_000_000).contains(&request.mass_grams) {
        return Err(invalid(
            "/mass_grams",
            "range",
            "must be 1 to 50000000 grams",
        ));
    }
    if let Some(d) = &request.dimensions
        && [d.length_mm, d.width_mm, d.height_mm]
            .iter()
            .any(|side| !(1..=10_000).contains(side))
    {
        return Err(invalid(
            "/dimensions",
            "range",
            "each side must be 1 to 10000 mm",
        ));
    }
    let size = match request.size.as_deref() {
        None => LabelSize::A6,
        Some(text) => LabelSize::parse(text)
            .ok_or_else(|| invalid("/size", "enum", "must be a6 or 100x150"))?,
    };
    let tenant = auth.tenant_id;
    let id = match (&request.order_id, &request.client_order_number) {
        (Some(id), _) => order_id(id)?,
        (None, Some(number)) => {
            state
                .oms
                .store()
                .order_by_client_number(tenant, number)
                .await
                .map_err(okno_oms::OmsError::from)?
                .ok_or_else(|| Problem::new(ProblemKind::NotFound, "order not found"))?
                .id
        }
        (None, None) => {
            return Err(invalid(
                "/order_id",
                "required",
                "give order_id or client_order_number",
            ));
        }
    };
    let registered = state
        .oms
        .register_parcel(
            tenant,
            id,
            &auth.principal.actor(),
            request.parcel_reference.as_deref(),
            request.mass_grams,
            request.dimensions,
        )
        .await?;
    let sender = state.oms.default_sender(tenant).await?;
    let label = LabelData::from_order(&registered.order, registered.parcel, &sender)
        .map_err(|error| Problem::new(ProblemKind::NoLabel, error.to_string()))?;
    let (body, content_type) = if wants_zpl(&headers) {
        (
            zpl::labels(std::slice::from_ref(&label), size).into_bytes(),
            "application/zpl; charset=utf-8",
        )
    } else {
        (
            pdf::labels(std::slice::from_ref(&label), size)
                .map_err(|error| Problem::new(ProblemKind::Internal, error.to_string()))?,
            "application/pdf",
        )
    };
    let mut response = body.into_response();
    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&registered.track_number) {
        out.insert("okno-track-number", value);
    }
    if let Ok(value) = HeaderValue::from_str(&registered.order.id.to_string()) {
        out.insert("okno-order-id", value);
    }
    Ok(response)
}
