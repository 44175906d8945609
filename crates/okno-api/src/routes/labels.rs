//! Address labels: `GET /v1/orders/{id}/label` (PDF or ZPL, A6 or 100×150) and
//! `POST /v1/labels:batch` (all labels of a batch in one document, or its F103-style list).
//! The Otpravka forms (`/1.0/forms/…`) use the same documents from `routes::otpravka`.

use crate::AppState;
use crate::extract::{JsonBody, TenantKey};
use crate::problem::{Problem, ProblemKind};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use okno_model::{FieldError, Order, OrderId, Party, TenantId};
use okno_postal::label::{LabelData, LabelError, LabelSize, pdf, zpl};
use serde::Deserialize;

/// Query of the label endpoint.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct LabelQuery {
    /// `pdf` (default) or `zpl`.
    format: Option<String>,
    /// `a6` (default) or `100x150`.
    size: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Pdf,
    Zpl,
}

fn bad(name: &str, detail: &str) -> Problem {
    Problem::new(ProblemKind::BadRequest, format!("{name}: {detail}")).with_errors(vec![
        FieldError {
            pointer: name.to_owned(),
            code: "enum".to_owned(),
            detail: detail.to_owned(),
        },
    ])
}

fn parse_format(format: Option<&str>) -> Result<Format, Problem> {
    match format.map(str::to_ascii_lowercase).as_deref() {
        None | Some("pdf") => Ok(Format::Pdf),
        Some("zpl") => Ok(Format::Zpl),
        Some(_) => Err(bad("format", "must be pdf or zpl")),
    }
}

fn parse_size(size: Option<&str>) -> Result<LabelSize, Problem> {
    match size {
        None => Ok(LabelSize::A6),
        Some(text) => LabelSize::parse(text).ok_or_else(|| bad("size", "must be a6 or 100x150")),
    }
}

fn not_ready(error: LabelError) -> Problem {
    let pointer = match &error {
        LabelError::NoTrackNumber { parcel } => format!("/parcels/{parcel}/track_number"),
        LabelError::NoRecipientPostcode => "/recipient/address/postcode".to_owned(),
        LabelError::Barcode(_) => "/parcels".to_owned(),
    };
    let code = match &error {
        LabelError::NoTrackNumber { .. } => "track_number_missing",
        LabelError::NoRecipientPostcode => "postcode_missing",
        LabelError::Barcode(_) => "barcode",
    };
    Problem::new(ProblemKind::NoLabel, error.to_string()).with_errors(vec![FieldError {
        pointer,
        code: code.to_owned(),
        detail: error.to_string(),
    }])
}

pub(crate) async fn labels_of(
    state: &AppState,
    tenant_id: TenantId,
    orders: &[Order],
) -> Result<Vec<LabelData>, Problem> {
    let sender = state.oms.default_sender(tenant_id).await?;
    let mut labels = Vec::new();
    for order in orders {
        labels.extend(LabelData::all_of(order, &sender).map_err(not_ready)?);
    }
    Ok(labels)
}

pub(crate) fn document(
    labels: &[LabelData],
    format: Format,
    size: LabelSize,
    name: &str,
) -> Result<Response, Problem> {
    let (body, content_type, extension) = match format {
        Format::Pdf => (
            pdf::labels(labels, size)
                .map_err(|e| Problem::new(ProblemKind::Internal, e.to_string()))?,
            "application/pdf",
            "pdf",
        ),
        Format::Zpl => (
            zpl::labels(labels, size).into_bytes(),
            "application/zpl; charset=utf-8",
            "zpl",
        ),
    };
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("inline; filename=\"{name}.{extension}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

async fn order_of(state: &AppState, tenant_id: TenantId, id: &str) -> Result<Order, Problem> {
    let id: OrderId = id
        .parse()
        .map_err(|_| Problem::new(ProblemKind::NotFound, "order not found"))?;
    Ok(state.oms.order(tenant_id, id).await?)
}

/// The address label(s) of an order, one per parcel.
#[utoipa::path(
    get, path = "/v1/orders/{id}/label", tag = "postal",
    params(("id" = String, Path, description = "Order id"), LabelQuery),
    responses(
        (status = 200, description = "PDF (application/pdf) or ZPL (application/zpl)", content_type = "application/pdf"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A parcel has no track number yet", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn order_label(
    State(state): State<AppState>,
    auth: TenantKey,
    Path(id): Path<String>,
    Query(query): Query<LabelQuery>,
) -> Result<Response, Problem> {
    let format = parse_format(query.format.as_deref())?;
    let size = parse_size(query.size.as_deref())?;
    let order = order_of(&state, auth.tenant_id, &id).await?;
    let labels = labels_of(&state, auth.tenant_id, std::slice::from_ref(&order)).await?;
    document(
        &labels,
        format,
        size,
        &format!("label-{}", order.client_order_number),
    )
}

/// A batch: which orders, and which document.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BatchRequest {
    /// The orders of the batch (at most 1,000).
    order_ids: Vec<String>,
    /// `labels` (default): every label in one document; `f103`: the list of the batch.
    #[serde(default)]
    document: Option<String>,
    /// `pdf` (default) or `zpl` (labels only).
    #[serde(default)]
    format: Option<String>,
    /// `a6` (default) or `100x150` (labels only).
    #[serde(default)]
    size: Option<String>,
    /// Batch name printed on the F103 list.
    #[serde(default)]
    batch: Option<String>,
}

const BATCH_ORDERS_MAX: usize = 1_000;

/// All labels of a batch in one document, or its F103-style list.
#[utoipa::path(
    post, path = "/v1/labels:batch", tag = "postal",
    request_body(content = BatchRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "One PDF (or ZPL stream)", content_type = "application/pdf"),
        (status = 409, description = "An order is not ready for a label", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn batch(
    State(state): State<AppState>,
    auth: TenantKey,
    JsonBody(document_json): JsonBody,
) -> Result<Response, Problem> {
    let request: BatchRequest = serde_json::from_value(document_json).map_err(|e| {
        Problem::new(
            ProblemKind::Validation,
            "the batch request does not have the expected shape",
        )
        .with_errors(vec![FieldError {
            pointer: String::new(),
            code: "shape".to_owned(),
            detail: e.to_string(),
        }])
    })?;
    if request.order_ids.is_empty() || request.order_ids.len() > BATCH_ORDERS_MAX {
        return Err(
            Problem::new(ProblemKind::Validation, "a batch has 1 to 1000 orders").with_errors(
                vec![FieldError {
                    pointer: "/order_ids".to_owned(),
                    code: "length".to_owned(),
                    detail: format!(
                        "1 to {BATCH_ORDERS_MAX} order ids, got {}",
                        request.order_ids.len()
                    ),
                }],
            ),
        );
    }
    let mut orders = Vec::with_capacity(request.order_ids.len());
    for id in &request.order_ids {
        orders.push(order_of(&state, auth.tenant_id, id).await?);
    }
    let labels = labels_of(&state, auth.tenant_id, &orders).await?;
    match request.document.as_deref().unwrap_or("labels") {
        "labels" => document(
            &labels,
            parse_format(request.format.as_deref())?,
            parse_size(request.size.as_deref())?,
            "batch-labels",
        ),
        "f103" => {
            let batch = request.batch.unwrap_or_else(|| "1".to_owned());
            f103_response(&state, auth.tenant_id, &orders, &labels, batch).await
        }
        _ => Err(bad("document", "must be labels or f103")),
    }
}

/// The F103-style list of a batch's orders as a PDF response.
pub(crate) async fn f103_response(
    state: &AppState,
    tenant_id: TenantId,
    orders: &[Order],
    labels: &[LabelData],
    batch: String,
) -> Result<Response, Problem> {
    let sender = state.oms.default_sender(tenant_id).await?;
    let rows: Vec<pdf::ListRow> = orders
        .iter()
        .flat_map(|order| order.parcels.iter().map(move |parcel| (order, parcel)))
        .map(|(order, parcel)| list_row(state, order, parcel))
        .collect();
    let heading = pdf::ListHeading {
        batch,
        sender: okno_postal::label::party_name(&sender),
        product: labels
            .first()
            .map(|l| l.product.clone())
            .unwrap_or_default(),
        date: chrono::Utc::now().format("%d.%m.%Y").to_string(),
    };
    let body = pdf::f103(&heading, &rows)
        .map_err(|e| Problem::new(ProblemKind::Internal, e.to_string()))?;
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    Ok(response)
}

fn list_row(state: &AppState, order: &Order, parcel: &okno_model::Parcel) -> pdf::ListRow {
    let request = okno_postal::TariffRequest {
        mail_type: parcel.mail_type,
        mail_category: parcel.mail_category,
        from_postcode: postcode_of(order.sender.as_ref()).unwrap_or(0),
        to_postcode: postcode_of(Some(&order.recipient)).unwrap_or(0),
        mass_grams: parcel.mass_grams,
        dimensions: parcel.dimensions,
        declared_value_kopecks: parcel.declared_value_kopecks,
        cash_on_delivery_kopecks: parcel.cash_on_delivery_kopecks,
        fragile: parcel.fragile,
        services: Vec::new(),
    };
    pdf::ListRow {
        track_number: parcel.track_number.clone().unwrap_or_default(),
        recipient: okno_postal::label::party_name(&order.recipient),
        postcode: order
            .recipient
            .address
            .as_ref()
            .and_then(|a| a.postcode.clone())
            .unwrap_or_default(),
        mass_grams: parcel.mass_grams,
        declared_value_kopecks: parcel.declared_value_kopecks.unwrap_or(0),
        cash_on_delivery_kopecks: parcel.cash_on_delivery_kopecks.unwrap_or(0),
        postage_kopecks: state
            .tariff
            .quote(&request)
            .map(|q| q.total_with_vat_kopecks)
            .unwrap_or(0),
    }
}

fn postcode_of(party: Option<&Party>) -> Option<u32> {
    party?.address.as_ref()?.postcode.as_deref()?.parse().ok()
}
