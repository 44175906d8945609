//! The Otpravka-compatible shipment API (`otpravka-api.pochta.ru`): a Russian Post client
//! library works against okno by changing its base URL. Orders wait in the backlog
//! (`/1.0/user/backlog`, `/1.0/backlog/…`), go into batches (`/1.0/user/shipment`,
//! `/1.0/batch/…`), get forms (`/1.0/forms/…`) and are checked in. Field names, units and
//! answer shapes are Otpravka's; every rule is in `okno_oms` (`batches`, `accounts`), and the
//! mapping between an Otpravka order and okno's canonical order is in [`wire`].
//!
//! Errors answer in Otpravka's shapes, not problem+json: per-order errors inside the answer
//! (`errors[].error-codes[].{code,description}`, `position`), and otherwise a status with
//! `{"code","desc"}` (see `docs/otpravka.md` for what is verified). These routes are left out
//! of `/openapi.json`, as the SOAP ones are: their contract is Russian Post's.

mod auth;
mod backlog;
mod batches;
mod wire;

use crate::AppState;
use crate::problem::Problem;
use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use bytes::Bytes;
use okno_oms::{OmsError, Refusal, RefusalCode};
use serde_json::{Value, json};

pub(crate) use auth::OtpravkaAuth;

/// The routes, merged into the app.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/1.0/user/backlog",
            put(backlog::put_v1).post(backlog::return_to_new),
        )
        .route("/2.0/user/backlog", put(backlog::put_v2))
        .route("/1.0/backlog", axum::routing::delete(backlog::delete))
        .route("/1.0/backlog/search", get(backlog::search))
        .route("/1.0/backlog/{id}", get(backlog::get))
        .route("/1.0/user/shipment", post(batches::create_shipment))
        .route("/1.0/batch/{name}", get(batches::get_batch))
        .route("/1.0/batch/{name}/shipment", get(batches::batch_shipments))
        .route("/1.0/batch/{name}/checkin", post(batches::checkin))
        .route("/1.0/shipment/search", get(batches::search_by_barcode))
        .route("/1.0/forms/{id}/f7pdf", get(batches::f7pdf))
        .route("/1.0/forms/{id}/f103pdf", get(batches::f103pdf))
}

/// A failure answered as Otpravka does: a status and `{"code","desc"}`.
#[derive(Debug)]
pub(crate) struct OtpravkaError {
    status: StatusCode,
    code: &'static str,
    desc: String,
}

impl OtpravkaError {
    pub(crate) fn new(status: StatusCode, code: &'static str, desc: impl Into<String>) -> Self {
        OtpravkaError {
            status,
            code,
            desc: desc.into(),
        }
    }

    pub(crate) fn bad_request(desc: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", desc)
    }

    pub(crate) fn not_found(desc: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", desc)
    }
}

impl IntoResponse for OtpravkaError {
    fn into_response(self) -> Response {
        answer(
            self.status,
            &json!({ "code": self.code, "desc": self.desc }),
        )
    }
}

impl From<OmsError> for OtpravkaError {
    fn from(error: OmsError) -> Self {
        let desc = error.to_string();
        match error {
            OmsError::Unauthenticated => Self::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", desc),
            OmsError::OrderNotFound | OmsError::NotFound(_) => Self::not_found(desc),
            OmsError::Invalid(_) => Self::bad_request(desc),
            OmsError::Transition(_) | OmsError::Contended(_) => {
                Self::new(StatusCode::CONFLICT, "CONFLICT", desc)
            }
            other => {
                tracing::error!(error = %other, "otpravka request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL_ERROR",
                    "internal error; see the server log",
                )
            }
        }
    }
}

impl From<Problem> for OtpravkaError {
    fn from(problem: Problem) -> Self {
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let code = match status {
            StatusCode::NOT_FOUND => "NOT_FOUND",
            StatusCode::CONFLICT => "CONFLICT",
            status if status.is_client_error() => "BAD_REQUEST",
            _ => "INTERNAL_ERROR",
        };
        Self::new(status, code, problem.detail)
    }
}

/// A JSON answer with Otpravka's content type.
pub(crate) fn answer(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    response
}

/// A JSON body read without a content-type check (clients send several variants), answering
/// a bad body in Otpravka's shape.
#[derive(Debug)]
pub(crate) struct OtpravkaJson(pub(crate) Value);

impl FromRequest<AppState> for OtpravkaJson {
    type Rejection = OtpravkaError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, OtpravkaError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                OtpravkaError::new(rejection.status(), "BAD_REQUEST", rejection.body_text())
            })?;
        serde_json::from_slice(&bytes)
            .map(OtpravkaJson)
            .map_err(|error| OtpravkaError::bad_request(format!("malformed JSON: {error}")))
    }
}

/// A body that must be an array of order ids (numbers, or numeric text).
pub(crate) fn id_list(body: Value) -> Result<Vec<i64>, OtpravkaError> {
    let Value::Array(items) = body else {
        return Err(OtpravkaError::bad_request(
            "the body must be an array of ids",
        ));
    };
    if items.len() > okno_oms::BATCH_REQUEST_IDS_MAX {
        return Err(OtpravkaError::bad_request(format!(
            "at most {} ids per request",
            okno_oms::BATCH_REQUEST_IDS_MAX
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(position, item)| {
            item.as_i64()
                .or_else(|| item.as_str().and_then(|text| text.trim().parse().ok()))
                .ok_or_else(|| {
                    OtpravkaError::bad_request(format!("id at position {position} is not a number"))
                })
        })
        .collect()
}

/// Otpravka's code and Russian description for a refusal.
pub(crate) fn refusal_code(code: RefusalCode) -> (&'static str, &'static str) {
    match code {
        RefusalCode::NotFound => ("NOT_FOUND", "Заказ не найден"),
        RefusalCode::InBatch => ("ALREADY_IN_BATCH", "Заказ уже в партии"),
        RefusalCode::NotInBatch => ("NOT_IN_BATCH", "Заказ не в партии"),
        RefusalCode::BatchClosed => ("BATCH_NOT_CHANGEABLE", "Партия не в статусе CREATED"),
        RefusalCode::StatusNotAllowed => ("ILLEGAL_ORDER_STATUS", "Статус заказа не позволяет"),
        RefusalCode::MixedParcels => ("ILLEGAL_MAIL_TYPE", "Разные виды или категории РПО"),
        RefusalCode::NoTrackNumbers => ("NO_BARCODES_LEFT", "Закончились ШПИ"),
        RefusalCode::NotReady => ("ORDER_NOT_READY", "Заказ не готов к отправке"),
    }
}

/// One element of an `errors` array, in the shape of the backlog errors (sample 07).
pub(crate) fn error_entry(
    position: usize,
    code: &str,
    description: &str,
    detail: Option<&str>,
) -> Value {
    let mut entry = json!({ "code": code, "description": description });
    if let Some(detail) = detail {
        entry["details"] = Value::String(detail.to_owned());
    }
    json!({ "error-codes": [entry], "position": position })
}

/// The `errors` entries of refusals.
pub(crate) fn refusal_errors(refusals: &[Refusal]) -> Vec<Value> {
    refusals
        .iter()
        .map(|refusal| {
            let (code, description) = refusal_code(refusal.code);
            error_entry(refusal.position, code, description, Some(&refusal.detail))
        })
        .collect()
}
