//! The backlog ("Новые"): create orders (`PUT /1.0/user/backlog`, and `PUT /2.0/user/backlog`
//! which also assigns the barcode), read one (`GET /1.0/backlog/{id}`), find by shop number
//! (`GET /1.0/backlog/search?query=`), delete (`DELETE /1.0/backlog`, body = ids) and take
//! orders back out of their batches (`POST /1.0/user/backlog`, body = ids).
//!
//! Creation is per position, as Otpravka does it: each valid order is created, each bad one is
//! one entry of `errors` with its `position`. A repeated order (same `order-num`: a client that
//! retried after a timeout) answers with the existing order's id; the tenant's unique order
//! number makes that hold under concurrency on both backends.

use super::wire::{self, WireError};
use super::{OtpravkaAuth, OtpravkaError, OtpravkaJson, answer, id_list, refusal_errors};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use okno_model::Order;
use okno_oms::OmsError;
use okno_store::OrderFilter;
use serde::Deserialize;
use serde_json::{Value, json};

/// One created (or found again) order.
struct Created {
    position: usize,
    id: i64,
    order: Order,
}

/// The positions of the answer: created orders and per-position errors.
#[derive(Default)]
struct Outcome {
    created: Vec<Created>,
    errors: Vec<Value>,
}

fn error_entries(position: usize, errors: &[WireError]) -> Value {
    let codes: Vec<Value> = errors
        .iter()
        .map(|e| json!({ "code": e.code, "description": e.description, "details": e.detail }))
        .collect();
    json!({ "error-codes": codes, "position": position })
}

fn orders_of(body: Value) -> Result<Vec<Value>, OtpravkaError> {
    let Value::Array(orders) = body else {
        return Err(OtpravkaError::bad_request(
            "the body must be an array of orders",
        ));
    };
    if orders.len() > okno_oms::BATCH_REQUEST_IDS_MAX {
        return Err(OtpravkaError::bad_request(format!(
            "at most {} orders per request",
            okno_oms::BATCH_REQUEST_IDS_MAX
        )));
    }
    Ok(orders)
}

/// Creates one order, or finds the one a retry already created.
async fn create_one(
    state: &AppState,
    auth: &OtpravkaAuth,
    item: &Value,
) -> Result<Result<Order, Vec<WireError>>, OtpravkaError> {
    let document = match wire::to_canonical(item) {
        Ok(document) => document,
        Err(errors) => return Ok(Err(errors)),
    };
    let created = state
        .oms
        .create_order_for_channel(auth.tenant_id, auth.actor(), &document, None, "otpravka")
        .await;
    match created {
        Ok(reply) => serde_json::from_str(&reply.body)
            .map(Ok)
            .map_err(|error| OtpravkaError::from(OmsError::Process(error.to_string()))),
        Err(OmsError::DuplicateOrder { existing, .. }) => {
            Ok(Ok(state.oms.order(auth.tenant_id, existing).await?))
        }
        Err(OmsError::Invalid(errors)) => Ok(Err(wire::canonical_errors(&errors))),
        Err(other) => Err(other.into()),
    }
}

async fn create_all(
    state: &AppState,
    auth: &OtpravkaAuth,
    body: Value,
) -> Result<Outcome, OtpravkaError> {
    let mut outcome = Outcome::default();
    for (position, item) in orders_of(body)?.iter().enumerate() {
        match create_one(state, auth, item).await? {
            Ok(order) => {
                let id = state.oms.otpravka_id(auth.tenant_id, order.id).await?;
                outcome.created.push(Created {
                    position,
                    id,
                    order,
                });
            }
            Err(errors) => outcome.errors.push(error_entries(position, &errors)),
        }
    }
    Ok(outcome)
}

fn with_errors(mut body: Value, errors: Vec<Value>) -> Value {
    if !errors.is_empty() {
        body["errors"] = Value::Array(errors);
    }
    body
}

/// `PUT /1.0/user/backlog`: `{"result-ids":[…]}` and, when some failed, `errors`.
pub(crate) async fn put_v1(
    State(state): State<AppState>,
    auth: OtpravkaAuth,
    OtpravkaJson(body): OtpravkaJson,
) -> Result<Response, OtpravkaError> {
    let outcome = create_all(&state, &auth, body).await?;
    let ids: Vec<i64> = outcome.created.iter().map(|created| created.id).collect();
    let body = with_errors(json!({ "result-ids": ids }), outcome.errors);
    Ok(answer(StatusCode::OK, &body))
}

/// `PUT /2.0/user/backlog`: as v1, and each created order gets its barcode at once:
/// `orders[]` of `{barcode, order-num, result-id}` beside `result-ids`.
pub(crate) async fn put_v2(
    State(state): State<AppState>,
    auth: OtpravkaAuth,
    OtpravkaJson(body): OtpravkaJson,
) -> Result<Response, OtpravkaError> {
    let mut outcome = create_all(&state, &auth, body).await?;
    let mut orders = Vec::new();
    let mut ids = Vec::new();
    for created in &outcome.created {
        let assigned = state
            .oms
            .assign_tracknumbers(auth.tenant_id, created.order.id, auth.actor())
            .await;
        match assigned {
            Ok((order, _)) => {
                let barcode = order.parcels.first().and_then(|p| p.track_number.clone());
                ids.push(created.id);
                orders.push(json!({
                    "barcode": barcode,
                    "order-num": order.client_order_number,
                    "result-id": created.id,
                }));
            }
            Err(error @ (OmsError::RangeExhausted { .. } | OmsError::Transition(_))) => {
                outcome.errors.push(super::error_entry(
                    created.position,
                    "BARCODE_NOT_ASSIGNED",
                    "ШПИ не присвоен",
                    Some(&error.to_string()),
                ));
            }
            Err(other) => return Err(other.into()),
        }
    }
    outcome
        .errors
        .sort_by_key(|entry| entry["position"].as_u64());
    let body = with_errors(
        json!({ "orders": orders, "result-ids": ids }),
        outcome.errors,
    );
    Ok(answer(StatusCode::OK, &body))
}

/// `GET /1.0/backlog/{id}`: the order as Otpravka reads it back.
pub(crate) async fn get(
    State(state): State<AppState>,
    auth: OtpravkaAuth,
    Path(id): Path<String>,
) -> Result<Response, OtpravkaError> {
    let number: i64 = id
        .parse()
        .map_err(|_| OtpravkaError::not_found(format!("no order {id}")))?;
    let order = state.oms.otpravka_order(auth.tenant_id, number).await?;
    Ok(answer(StatusCode::OK, &wire::to_otpravka(&order, number)))
}

/// Query of the search.
#[derive(Debug, Deserialize)]
pub(crate) struct SearchQuery {
    query: Option<String>,
}

/// `GET /1.0/backlog/search?query={order-num}`: an array with the order, or empty.
pub(crate) async fn search(
    State(state): State<AppState>,
    auth: OtpravkaAuth,
    Query(query): Query<SearchQuery>,
) -> Result<Response, OtpravkaError> {
    let Some(number) = query.query.filter(|q| !q.trim().is_empty()) else {
        return Err(OtpravkaError::bad_request("query= names the order-num"));
    };
    let filter = OrderFilter {
        client_order_number: Some(number),
        limit: 1,
        ..OrderFilter::default()
    };
    let mut found = Vec::new();
    for order in state.oms.orders(auth.tenant_id, &filter).await? {
        let id = state.oms.otpravka_id(auth.tenant_id, order.id).await?;
        found.push(wire::to_otpravka(&order, id));
    }
    Ok(answer(StatusCode::OK, &Value::Array(found)))
}

fn handled_ids(ids: &[i64], refusals: &[okno_oms::Refusal]) -> Vec<i64> {
    ids.iter()
        .enumerate()
        .filter(|(position, _)| !refusals.iter().any(|r| r.position == *position))
        .map(|(_, id)| *id)
        .collect()
}

/// `DELETE /1.0/backlog` (body = ids): cancels each order that is in no batch.
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: OtpravkaAuth,
    OtpravkaJson(body): OtpravkaJson,
) -> Result<Response, OtpravkaError> {
    let ids = id_list(body)?;
    let refusals = state
        .oms
        .delete_from_backlog(auth.tenant_id, auth.actor(), &ids)
        .await?;
    let body = json!({ "result-ids": handled_ids(&ids, &refusals) });
    Ok(answer(
        StatusCode::OK,
        &with_errors(body, refusal_errors(&refusals)),
    ))
}

/// `POST /1.0/user/backlog` (body = ids): takes orders out of their (still `CREATED`) batches.
pub(crate) async fn return_to_new(
    State(state): State<AppState>,
    auth: OtpravkaAuth,
    OtpravkaJson(body): OtpravkaJson,
) -> Result<Response, OtpravkaError> {
    let ids = id_list(body)?;
    let refusals = state
        .oms
        .return_to_backlog(auth.tenant_id, auth.actor(), &ids)
        .await?;
    let body = json!({ "result-ids": handled_ids(&ids, &refusals) });
    Ok(answer(
        StatusCode::OK,
        &with_errors(body, refusal_errors(&refusals)),
    ))
}
