//! Batches and forms: `POST /1.0/user/shipment?sending-date=` (ids → one batch per mail type
//! and category, barcodes assigned), `GET /1.0/batch/{name}`, `GET /1.0/batch/{name}/shipment`,
//! `GET /1.0/shipment/search?query={barcode}`, `POST /1.0/batch/{name}/checkin`, and the PDF
//! forms `GET /1.0/forms/{id}/f7pdf` (the F7p label of an order) and
//! `GET /1.0/forms/{batch}/f103pdf` (the F103 list of a batch).

use super::{OtpravkaAuth, OtpravkaError, OtpravkaJson, answer, id_list, refusal_code, wire};
use crate::AppState;
use crate::routes::labels::{Format, document, f103_response, labels_of};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDate, SecondsFormat};
use okno_model::{Order, OrderId};
use okno_oms::{BatchView, CheckIn, Refusal};
use okno_postal::label::LabelSize;
use serde::Deserialize;
use serde_json::{Value, json};

/// A batch as Otpravka shows it (sample 05). okno does not model the shipping point, the
/// payment method or the transport: those keys carry Otpravka's defaults.
fn batch_json(view: &BatchView) -> Value {
    let batch = &view.batch;
    json!({
        "batch-name": batch.name.to_string(),
        "batch-status": batch.status.as_str(),
        "batch-status-date": batch.status_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "list-number-date": batch.sending_date.format("%Y-%m-%d").to_string(),
        "mail-category": batch.mail_category.as_str(),
        "mail-category-text": wire::mail_category_text(batch.mail_category),
        "mail-type": batch.mail_type.as_str(),
        "mail-type-text": wire::mail_type_text(batch.mail_type),
        "payment-method": "CASHLESS",
        "shipment-count": view.orders.len(),
        "shipment-mass": view.orders.iter().map(Order::mass_grams).sum::<i64>(),
        "transport-type": "SURFACE",
    })
}

/// Query of the shipment request.
#[derive(Debug, Deserialize)]
pub(crate) struct ShipmentQuery {
    #[serde(rename = "sending-date")]
    sending_date: Option<String>,
}

fn sending_date(query: &ShipmentQuery) -> Result<NaiveDate, OtpravkaError> {
    match &query.sending_date {
        None => Ok(chrono::Utc::now().date_naive()),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| OtpravkaError::bad_request("sending-date is YYYY-MM-DD")),
    }
}

fn numeric_name(name: &str) -> Result<i64, OtpravkaError> {
    name.parse()
        .map_err(|_| OtpravkaError::not_found(format!("no batch {name}")))
}

/// `POST /1.0/user/shipment?sending-date=YYYY-MM-DD` (body = ids).
pub(crate) async fn create_shipment(
    State(state): State<AppState>,
    auth: OtpravkaAuth,
    Query(query): Query<ShipmentQuery>,
    OtpravkaJson(body): OtpravkaJson,
) -> Result<Response, OtpravkaError> {
    let date = sending_date(&query)?;
    let ids = id_list(body)?;
    let shipment = state
        .oms
        .create_shipment(auth.tenant_id, auth.actor(), &ids, date)
        .await?;
    let placed: Vec<i64> = shipment
        .placed
        .iter()
        .map(|(position, _)| ids[*position])
        .collect();
    let batches: Vec<Value> = shipment.batches.iter().map(batch_json).collect();
    let mut body = json!({ "batches": batches, "result-ids": placed });
    if !shipment.refused.is_empty() {
        body["errors"] = Value::Array(super::refusal_errors(&shipment.refused));
    }
    Ok(answer(StatusCode::OK, &body))
}

/// `GET /1.0/batch/{name}`.
pub(crate) async fn get_batch(
    State(state): State<AppState>,
    auth: OtpravkaAuth,
    Path(name): Path<String>,
) -> Result<Response, OtpravkaError> {
    let view = state
        .oms
        .batch_view(auth.tenant_id, numeric_name(&name)?)
        .await?;
    Ok(answer(StatusCode::OK, &batch_json(&view)))
}

async fn orders_json(
    state: &AppState,
    auth: &OtpravkaAuth,
    orders: &[Order],
) -> Result<Vec<Value>, OtpravkaError> {
    let mut out = Vec::with_capacity(orders.len());
    for order in orders {
        let id = state.oms.otpravka_id(auth.tenant_id, order.id).await?;
        out.push(wire::to_otpravka(order, id));
    }
    Ok(out)
}

/// `GET /1.0/batch/{name}/shipment`: the batch's orders, oldest first.
pub(crate) async fn batch_shipments(
    State(state): State<AppState>,
    auth: OtpravkaAuth,
    Path(name): Path<String>,
) -> Result<Response, OtpravkaError> {
    let view = state
        .oms
        .batch_view(auth.tenant_id, numeric_name(&name)?)
        .await?;
    let mut orders = orders_json(&state, &auth, &view.orders).await?;
    for order in &mut orders {
        order["batch-status"] = json!(view.batch.status.as_str());
    }
    Ok(answer(StatusCode::OK, &Value::Array(orders)))
}

/// Query of the barcode search.
#[derive(Debug, Deserialize)]
pub(crate) struct BarcodeQuery {
    query: Option<String>,
}

/// `GET /1.0/shipment/search?query={barcode}`: an array with the order, or empty.
pub(crate) async fn search_by_barcode(
    State(state): State<AppState>,
    auth: OtpravkaAuth,
    Query(query): Query<BarcodeQuery>,
) -> Result<Response, OtpravkaError> {
    let Some(barcode) = query
        .query
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty())
    else {
        return Err(OtpravkaError::bad_request("query= names the barcode"));
    };
    let found = match state
        .oms
        .order_by_track_number(auth.tenant_id, &barcode)
        .await
    {
        Ok(order) => orders_json(&state, &auth, std::slice::from_ref(&order)).await?,
        Err(okno_oms::OmsError::OrderNotFound) => Vec::new(),
        Err(other) => return Err(other.into()),
    };
    Ok(answer(StatusCode::OK, &Value::Array(found)))
}

fn not_ready_errors(view: &BatchView, refusals: &[Refusal], ids: &[Option<i64>]) -> Vec<Value> {
    refusals
        .iter()
        .map(|refusal| {
            let (code, description) = refusal_code(refusal.code);
            let mut entry =
                super::error_entry(refusal.position, code, description, Some(&refusal.detail));
            let order = view
                .orders
                .get(refusal.position)
                .filter(|order| Some(order.id) == refusal.order_id);
            if let Some(order) = order {
                entry["order-num"] = json!(order.client_order_number);
                if let Some(Some(id)) = ids.get(refusal.position) {
                    entry["id"] = json!(id);
                }
            }
            entry
        })
        .collect()
}

/// `POST /1.0/batch/{name}/checkin`: `{"f103-sent":true}`, or 409 naming the unready orders.
pub(crate) async fn checkin(
    State(state): State<AppState>,
    auth: OtpravkaAuth,
    Path(name): Path<String>,
) -> Result<Response, OtpravkaError> {
    let number = numeric_name(&name)?;
    match state
        .oms
        .check_in_batch(auth.tenant_id, auth.actor(), number)
        .await?
    {
        CheckIn::Sent(_) => Ok(answer(StatusCode::OK, &json!({ "f103-sent": true }))),
        CheckIn::NotReady(refusals) => {
            let view = state.oms.batch_view(auth.tenant_id, number).await?;
            let mut ids = Vec::with_capacity(view.orders.len());
            for order in &view.orders {
                ids.push(state.oms.otpravka_id(auth.tenant_id, order.id).await.ok());
            }
            let body = json!({
                "f103-sent": false,
                "code": "ORDERS_NOT_READY",
                "desc": "some orders of the batch are not ready to hand over",
                "errors": not_ready_errors(&view, &refusals, &ids),
            });
            Ok(answer(StatusCode::CONFLICT, &body))
        }
    }
}

/// The order a form names: Otpravka's numeric id (okno's UUID is accepted too).
async fn form_order(
    state: &AppState,
    auth: &OtpravkaAuth,
    id: &str,
) -> Result<Order, OtpravkaError> {
    if let Ok(number) = id.parse::<i64>() {
        return Ok(state.oms.otpravka_order(auth.tenant_id, number).await?);
    }
    let id: OrderId = id
        .parse()
        .map_err(|_| OtpravkaError::not_found(format!("no order {id}")))?;
    Ok(state.oms.order(auth.tenant_id, id).await?)
}

/// `GET /1.0/forms/{id}/f7pdf`: the F7p label of the order (A6 PDF).
pub(crate) async fn f7pdf(
    State(state): State<AppState>,
    auth: OtpravkaAuth,
    Path(id): Path<String>,
) -> Result<Response, OtpravkaError> {
    let order = form_order(&state, &auth, &id).await?;
    let labels = labels_of(&state, auth.tenant_id, std::slice::from_ref(&order)).await?;
    Ok(document(
        &labels,
        Format::Pdf,
        LabelSize::A6,
        &format!("f7p-{id}"),
    )?)
}

/// `GET /1.0/forms/{batch}/f103pdf`: the F103 list of the batch.
pub(crate) async fn f103pdf(
    State(state): State<AppState>,
    auth: OtpravkaAuth,
    Path(name): Path<String>,
) -> Result<Response, OtpravkaError> {
    let view = state
        .oms
        .batch_view(auth.tenant_id, numeric_name(&name)?)
        .await?;
    let labels = labels_of(&state, auth.tenant_id, &view.orders).await?;
    Ok(f103_response(&state, auth.tenant_id, &view.orders, &labels, name).await?)
}
