//! `/v1/orders`: create, read, list, events, cancel.

use crate::AppState;
use crate::extract::{IdempotencyKey, JsonBody, TenantKey};
use crate::problem::{Problem, ProblemKind};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use okno_model::{Order, OrderEvent, OrderId, OrderStatus};
use okno_oms::{IdempotencyRequest, Reply};
use okno_store::OrderFilter;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;

/// Default page size.
pub(crate) const PAGE_DEFAULT: u32 = 50;
/// Largest page size.
pub(crate) const PAGE_MAX: u32 = 500;

/// A page of orders.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct OrderPage {
    /// Orders, newest first.
    orders: Vec<Order>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// A page of an order's events.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct EventPage {
    /// Events in sequence order.
    events: Vec<OrderEvent>,
    /// Pass as `after` to continue; equals the last sequence returned.
    next_after: i64,
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"v{version}\"")).unwrap_or(HeaderValue::from_static("\"\""))
}

/// Turns an OMS reply (a stored or fresh JSON body) into a response, marking replays with
/// `Idempotent-Replayed: true`.
pub(crate) fn json_reply(state: &AppState, reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    let mut response = (status, reply.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if reply.replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
        state.metrics.idempotent_replays.inc();
    }
    response
}

/// An order reply: [`json_reply`] plus `Location` and `ETag`.
fn reply_response(state: &AppState, reply: Reply) -> Response {
    let parsed: Option<Value> = serde_json::from_str(&reply.body).ok();
    let mut response = json_reply(state, reply);
    let headers = response.headers_mut();
    if let Some(order) = parsed {
        if let Some(id) = order["id"].as_str()
            && let Ok(location) = HeaderValue::from_str(&format!("/v1/orders/{id}"))
        {
            headers.insert(header::LOCATION, location);
        }
        if let Some(version) = order["version"].as_i64() {
            headers.insert(header::ETAG, etag(version));
        }
    }
    response
}

fn idempotency(
    key: IdempotencyKey,
    operation: &str,
    body: &Value,
) -> Result<Option<IdempotencyRequest>, Problem> {
    key.0
        .map(|key| IdempotencyRequest::new(&key, operation, body))
        .transpose()
        .map_err(Problem::from)
}

/// Create an order.
///
/// The body is a canonical order draft. With an `Idempotency-Key`, a retry with the same body
/// gets the first response again (with `Idempotent-Replayed: true`); the same key with another
/// body is refused with 422. The order runs the process `process` names (a process id deployed
/// for the tenant, such as `okno-shipment-deferred`), else the default `okno-shipment`.
#[utoipa::path(
    post, path = "/v1/orders", tag = "orders",
    request_body(content = okno_model::OrderDraft, content_type = "application/json"),
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe; kept 48 h"),
        ("process" = Option<String>, Query, description = "The BPMN process the order runs (default `okno-shipment`)"),
    ),
    responses(
        (status = 201, description = "Created", body = Order),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Duplicate client order number", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or idempotency key reused", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn create_order(
    State(state): State<AppState>,
    auth: TenantKey,
    key: IdempotencyKey,
    Query(query): Query<HashMap<String, String>>,
    JsonBody(document): JsonBody,
) -> Result<Response, Problem> {
    let idempotency = idempotency(key, "POST /v1/orders", &document)?;
    let process = query.get("process").map(String::as_str);
    if let Some(process) = process
        && (process.is_empty()
            || process.len() > 200
            || !process
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(Problem::bad_parameter(
            "process",
            "must be a BPMN process id (letters, digits, - _ .)",
        ));
    }
    let result = state
        .oms
        .create_order_in(
            auth.tenant_id,
            auth.principal.actor(),
            &document,
            idempotency,
            process,
        )
        .await;
    match result {
        Ok(reply) => {
            if !reply.replayed {
                state.metrics.orders_created.inc();
            }
            Ok(reply_response(&state, reply))
        }
        Err(error) => {
            if matches!(error, okno_oms::OmsError::Invalid(_)) {
                state.metrics.orders_rejected.inc();
            }
            Err(error.into())
        }
    }
}

fn order_id(text: &str) -> Result<OrderId, Problem> {
    // A malformed id cannot name an existing order: answer like any other unknown order.
    text.parse()
        .map_err(|_| Problem::new(ProblemKind::NotFound, "order not found"))
}

/// Read an order.
#[utoipa::path(
    get, path = "/v1/orders/{id}", tag = "orders",
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order; `ETag` carries its version", body = Order),
        (status = 404, description = "No such order for this tenant", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn get_order(
    state: &AppState,
    auth: TenantKey,
    id: &str,
) -> Result<Response, Problem> {
    let order = state.oms.order(auth.tenant_id, order_id(id)?).await?;
    let version = order.version;
    let mut response = Json(order).into_response();
    response.headers_mut().insert(header::ETAG, etag(version));
    Ok(response)
}

/// `GET /v1/orders/{id}`; the path segment may not carry an action.
pub(crate) async fn get_order_route(
    State(state): State<AppState>,
    auth: TenantKey,
    Path(segment): Path<String>,
) -> Result<Response, Problem> {
    get_order(&state, auth, &segment).await
}

/// `POST /v1/orders/{id}:action`: the only action so far is `cancel`.
pub(crate) async fn order_action(
    State(state): State<AppState>,
    auth: TenantKey,
    key: IdempotencyKey,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    match segment.rsplit_once(':') {
        Some((id, "cancel")) => cancel_order(state, auth, key, id, headers, body).await,
        Some((id, "assign-tracknumbers")) => {
            crate::routes::tracknumbers::assign(state, auth, id).await
        }
        Some((id, action @ ("hold" | "release" | "correct-address" | "request-shipment"))) => {
            let body = if body.iter().all(u8::is_ascii_whitespace) {
                Value::Null
            } else {
                serde_json::from_slice(&body)
                    .map_err(|error| Problem::new(ProblemKind::MalformedJson, error.to_string()))?
            };
            crate::routes::fulfilment::order_step(&state, auth, id, action, body).await
        }
        _ => Err(Problem::new(
            ProblemKind::NotFound,
            format!(
                "no action at /v1/orders/{segment}; did you mean /v1/orders/{{id}}:cancel, :assign-tracknumbers, :hold, :release, :correct-address or :request-shipment?"
            ),
        )),
    }
}

fn if_match(headers: &HeaderMap) -> Result<Option<i64>, Problem> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    let bare = text.trim_start_matches("W/").trim_matches('"');
    bare.trim_start_matches('v')
        .parse()
        .map(Some)
        .map_err(|_| Problem::bad_parameter("If-Match", "must be an ETag such as \"v3\""))
}

fn cancel_reason(body: &Bytes) -> Result<(Value, Option<String>), Problem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((Value::Null, None));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| Problem::new(ProblemKind::MalformedJson, error.to_string()))?;
    let Value::Object(object) = &value else {
        return Err(
            Problem::new(ProblemKind::Validation, "the body must be an object").with_errors(vec![
                field("", "type", "must be an object such as {\"reason\": \"…\"}"),
            ]),
        );
    };
    let mut errors = Vec::new();
    for key in object.keys().filter(|key| key.as_str() != "reason") {
        errors.push(field(
            &format!("/{key}"),
            "unknown_field",
            "unknown field; expected: reason",
        ));
    }
    let reason = match object.get("reason") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if text.chars().count() <= 500 => Some(text.clone()),
        Some(_) => {
            errors.push(field(
                "/reason",
                "type",
                "must be a string of at most 500 characters",
            ));
            None
        }
    };
    if !errors.is_empty() {
        return Err(
            Problem::new(ProblemKind::Validation, "invalid cancellation").with_errors(errors),
        );
    }
    Ok((value, reason))
}

fn field(pointer: &str, code: &str, detail: &str) -> okno_model::FieldError {
    okno_model::FieldError {
        pointer: pointer.to_owned(),
        code: code.to_owned(),
        detail: detail.to_owned(),
    }
}

/// Cancel an order.
///
/// Allowed until the order is handed over. Cancelling a cancelled order answers 200 and changes
/// nothing. `If-Match: "v<version>"` makes the cancel conditional.
#[utoipa::path(
    post, path = "/v1/orders/{id}:cancel", tag = "orders",
    params(
        ("id" = String, Path, description = "Order id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe"),
        ("If-Match" = Option<String>, Header, pattern = "^(W/)?\"?v?[0-9]+\"?$", description = "Only if the order is at this version, e.g. \"v2\""),
    ),
    request_body(content = Option<Object>, description = "Optional `{\"reason\": \"…\"}`", content_type = "application/json"),
    responses(
        (status = 200, description = "Cancelled", body = Order),
        (status = 400, description = "Malformed body or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body, or idempotency key reused", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Too late to cancel", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Version mismatch", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn cancel_order(
    state: AppState,
    auth: TenantKey,
    key: IdempotencyKey,
    id: &str,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let order_id = order_id(id)?;
    let expected_version = if_match(&headers)?;
    let (document, reason) = cancel_reason(&body)?;
    let operation = format!("POST /v1/orders/{order_id}:cancel");
    let idempotency = idempotency(key, &operation, &document)?;
    let reply = state
        .oms
        .cancel_order(
            auth.tenant_id,
            order_id,
            auth.principal.actor(),
            reason,
            expected_version,
            idempotency,
        )
        .await?;
    Ok(reply_response(&state, reply))
}

struct ListQuery {
    filter: OrderFilter,
}

fn parse_time(name: &str, text: &str) -> Result<DateTime<Utc>, Problem> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| Problem::bad_parameter(name, "must be an RFC 3339 date-time with an offset"))
}

fn parse_list_query(query: &HashMap<String, String>) -> Result<ListQuery, Problem> {
    let mut filter = OrderFilter {
        limit: PAGE_DEFAULT,
        ..OrderFilter::default()
    };
    // An empty value means "no filter", as HTML forms and many clients send it.
    for (name, value) in query.iter().filter(|(_, value)| !value.is_empty()) {
        match name.as_str() {
            "status" => {
                filter.status = Some(OrderStatus::parse(value).ok_or_else(|| {
                    Problem::bad_parameter(
                        "status",
                        format!("expected one of: {}", OrderStatus::expected()),
                    )
                })?);
            }
            "client_order_number" => filter.client_order_number = Some(value.clone()),
            "created_from" => filter.created_from = Some(parse_time(name, value)?),
            "created_to" => filter.created_to = Some(parse_time(name, value)?),
            "limit" => filter.limit = parse_limit(value)?,
            "cursor" => filter.before = Some(decode_cursor(value)?),
            other => {
                return Err(Problem::bad_parameter(
                    other,
                    "unknown parameter; expected status, client_order_number, created_from, \
                     created_to, limit, cursor",
                ));
            }
        }
    }
    Ok(ListQuery { filter })
}

fn parse_limit(value: &str) -> Result<u32, Problem> {
    value
        .parse()
        .ok()
        .filter(|limit| (1..=PAGE_MAX).contains(limit))
        .ok_or_else(|| Problem::bad_parameter("limit", format!("must be 1 to {PAGE_MAX}")))
}

fn encode_cursor(id: OrderId) -> String {
    URL_SAFE_NO_PAD.encode(id.as_uuid().as_bytes())
}

fn decode_cursor(text: &str) -> Result<OrderId, Problem> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|bytes| uuid::Uuid::from_slice(&bytes).ok())
        .ok_or_else(|| Problem::bad_parameter("cursor", "is not a cursor this API returned"))?;
    Ok(OrderId::from_uuid(bytes))
}

/// List orders, newest first, with cursor pagination.
#[utoipa::path(
    get, path = "/v1/orders", tag = "orders",
    params(
        ("status" = Option<OrderStatus>, Query, description = "Only this status"),
        ("client_order_number" = Option<String>, Query, description = "Only this client order number"),
        ("created_from" = Option<String>, Query, format = DateTime, description = "Created at or after (RFC 3339)"),
        ("created_to" = Option<String>, Query, format = DateTime, description = "Created before (RFC 3339)"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Page size, 1 to 500, default 50"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page", body = OrderPage),
        (status = 400, description = "Bad parameter", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn list_orders(
    State(state): State<AppState>,
    auth: TenantKey,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<OrderPage>, Problem> {
    let ListQuery { filter } = parse_list_query(&query)?;
    let mut page_filter = filter.clone();
    page_filter.limit = filter.limit + 1;
    let mut orders = state.oms.orders(auth.tenant_id, &page_filter).await?;
    let more = orders.len() > filter.limit as usize;
    orders.truncate(filter.limit as usize);
    let next_cursor = if more {
        orders.last().map(|order| encode_cursor(order.id))
    } else {
        None
    };
    Ok(Json(OrderPage {
        orders,
        next_cursor,
    }))
}

/// An order's audit log.
#[utoipa::path(
    get, path = "/v1/orders/{id}/events", tag = "orders",
    params(
        ("id" = String, Path, description = "Order id"),
        ("after" = Option<i64>, Query, minimum = 0, description = "Only events after this sequence"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "At most this many, 1 to 500"),
    ),
    responses(
        (status = 200, description = "Events", body = EventPage),
        (status = 400, description = "Bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn order_events(
    State(state): State<AppState>,
    auth: TenantKey,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<EventPage>, Problem> {
    let order_id = order_id(&id)?;
    let mut after = 0;
    let mut limit = PAGE_MAX;
    for (name, value) in query.iter().filter(|(_, value)| !value.is_empty()) {
        match name.as_str() {
            "after" => {
                after = value
                    .parse()
                    .ok()
                    .filter(|after| *after >= 0)
                    .ok_or_else(|| {
                        Problem::bad_parameter("after", "must be a sequence number (0 or more)")
                    })?;
            }
            "limit" => limit = parse_limit(value)?,
            other => {
                return Err(Problem::bad_parameter(
                    other,
                    "unknown parameter; expected after, limit",
                ));
            }
        }
    }
    let events = state
        .oms
        .order_events(auth.tenant_id, order_id, after, limit)
        .await?;
    let next_after = events.last().map_or(after, |event| event.sequence);
    Ok(Json(EventPage { events, next_after }))
}
