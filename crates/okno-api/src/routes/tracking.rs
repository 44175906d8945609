//! Tracking over JSON: `POST /v1/tracking/events` (executors and okno's own processes report
//! operations, one or up to 10,000 at a time), `GET /v1/tracking/{number}` and
//! `POST /v1/tracking:history` (many numbers at once), and the public page `GET /track/{number}`
//! that a recipient opens from a link, with no key.

use crate::AppState;
use crate::extract::{AnyKey, JsonBody, TenantKey};
use crate::problem::{Problem, ProblemKind};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use okno_model::{FieldError, TrackingStatus, normalize_track_number};
use okno_oms::{Ingested, TrackingHistory};
use serde::{Deserialize, Serialize};

/// Report tracking operations (Russian Post operation type and attribute codes).
///
/// All or nothing: one bad field refuses the whole batch, naming every bad field. An operation
/// already stored (same number, instant, type, attribute and place) is counted as a duplicate
/// and not stored again, so a batch can be resent safely.
#[utoipa::path(
    post, path = "/v1/tracking/events", tag = "tracking",
    request_body(content = inline(EventsBody), content_type = "application/json"),
    responses(
        (status = 200, description = "Stored", body = Ingested),
        (status = 422, description = "Bad fields, or more than 10,000 events", body = crate::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn ingest(
    State(state): State<AppState>,
    key: TenantKey,
    JsonBody(body): JsonBody,
) -> Result<Json<Ingested>, Problem> {
    let source = match state.oms.store().tenant(key.tenant_id).await {
        Ok(Some(tenant)) => tenant.name,
        _ => key.tenant_id.to_string(),
    };
    let ingested = state
        .oms
        .ingest_tracking(key.tenant_id, &source, &body)
        .await?;
    state.metrics.tracking_events_ingested(ingested.stored);
    Ok(Json(ingested))
}

/// The body of `POST /v1/tracking/events`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[allow(dead_code)] // Documentation only: the body is read by `okno_model::parse_tracking_operations`.
pub(crate) struct EventsBody {
    /// The operations, 1 to 10,000.
    events: Vec<okno_model::TrackingOperation>,
}

/// The history of one track number: its current status and every operation, oldest first.
#[utoipa::path(
    get, path = "/v1/tracking/{number}", tag = "tracking",
    params(("number" = String, Path, description = "14 digits or S10, e.g. 80082240994512")),
    responses(
        (status = 200, description = "The history", body = TrackingHistory),
        (status = 400, description = "Not a track number", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No operation known for this number", body = crate::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn history(
    State(state): State<AppState>,
    _key: AnyKey,
    Path(number): Path<String>,
) -> Result<Json<TrackingHistory>, Problem> {
    let history = one_history(&state, &number).await?;
    if history.found {
        Ok(Json(history))
    } else {
        Err(Problem::new(
            ProblemKind::NotFound,
            format!(
                "no operation is known for track number {}",
                history.track_number
            ),
        ))
    }
}

async fn one_history(state: &AppState, number: &str) -> Result<TrackingHistory, Problem> {
    if normalize_track_number(number).is_none() {
        return Err(Problem::bad_parameter(
            "number",
            "a track number is 14 digits or an S10 number (two letters, nine digits, two letters)",
        ));
    }
    let mut histories = state.oms.tracking_history(&[number.to_owned()]).await?;
    histories
        .pop()
        .ok_or_else(|| Problem::new(ProblemKind::Internal, "no history returned"))
}

/// The body of `POST /v1/tracking:history`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HistoryRequest {
    /// Track numbers, at most 3,000.
    numbers: Vec<String>,
}

/// Histories of many numbers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Histories {
    /// One per distinct number asked, in the order asked; unknown numbers have `found: false`.
    histories: Vec<TrackingHistory>,
}

/// The histories of up to 3,000 numbers in one call.
#[utoipa::path(
    post, path = "/v1/tracking:history", tag = "tracking",
    request_body(content = HistoryRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "One history per number", body = Histories),
        (status = 422, description = "A malformed number, or more than 3,000", body = crate::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn histories(
    State(state): State<AppState>,
    _key: AnyKey,
    JsonBody(body): JsonBody,
) -> Result<Json<Histories>, Problem> {
    let request: HistoryRequest = serde_json::from_value(body).map_err(|error| {
        Problem::new(
            ProblemKind::Validation,
            "the body must be {\"numbers\": [...]}",
        )
        .with_errors(vec![FieldError {
            pointer: "/numbers".to_owned(),
            code: "type".to_owned(),
            detail: error.to_string(),
        }])
    })?;
    let histories = state.oms.tracking_history(&request.numbers).await?;
    Ok(Json(Histories { histories }))
}

#[derive(Debug, Deserialize)]
pub(crate) struct PageQuery {
    number: Option<String>,
}

/// The public tracking page with a search box: `/track?number=…` shows that number.
pub(crate) async fn search_page(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
) -> Response {
    match query.number.as_deref().map(str::trim) {
        Some(number) if !number.is_empty() => page_for(&state, number).await,
        _ => html(StatusCode::OK, &page("", None, None)),
    }
}

/// The public tracking page of one number: no key needed, as with Russian Post's own.
pub(crate) async fn public_page(
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> Response {
    page_for(&state, &number).await
}

async fn page_for(state: &AppState, number: &str) -> Response {
    match one_history(state, number).await {
        Ok(history) if history.found => html(StatusCode::OK, &page(number, Some(&history), None)),
        Ok(_) => html(
            StatusCode::NOT_FOUND,
            &page(
                number,
                None,
                Some("Операций по этому номеру пока нет. Проверьте номер или зайдите позже."),
            ),
        ),
        Err(problem) if problem.status == 400 => html(
            StatusCode::BAD_REQUEST,
            &page(
                number,
                None,
                Some("Это не трек-номер: нужно 14 цифр или номер вида RA123456785RU."),
            ),
        ),
        Err(problem) => problem.into_response(),
    }
}

fn html(status: StatusCode, body: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body.to_owned(),
    )
        .into_response()
}

/// The status as a recipient reads it.
fn status_text(status: TrackingStatus) -> &'static str {
    match status {
        TrackingStatus::Registered => "Зарегистрировано, ещё не передано в почту",
        TrackingStatus::Accepted => "Принято",
        TrackingStatus::InTransit => "В пути",
        TrackingStatus::Customs => "На таможне",
        TrackingStatus::ArrivedAtDeliveryPoint => "Прибыло в место вручения",
        TrackingStatus::OutForDelivery => "Передано в доставку",
        TrackingStatus::FailedAttempt => "Неудачная попытка вручения",
        TrackingStatus::Held => "На хранении",
        TrackingStatus::Returning => "Возвращается отправителю",
        TrackingStatus::Delivered => "Вручено",
        TrackingStatus::Returned => "Возвращено отправителю",
        TrackingStatus::Lost => "Утрачено",
        TrackingStatus::Disposed => "Изъято или уничтожено",
        TrackingStatus::Unclaimed => "Передано на хранение невостребованных",
        TrackingStatus::Other => "Есть новая операция",
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d2330}\
h1{font-size:1.4rem}form{display:flex;gap:.5rem;margin:1rem 0}input{flex:1;font-size:1rem;padding:.5rem}\
button{font-size:1rem;padding:.5rem 1rem}.status{font-size:1.3rem;font-weight:600;margin:1rem 0 .25rem}\
.final{color:#11703a}.note{color:#555}ol{list-style:none;padding:0;border-left:3px solid #c9d3e6;margin-left:.5rem}\
li{padding:.4rem 0 .6rem 1rem}time{display:block;color:#555;font-size:.9rem}.op{font-weight:600}";

fn page(number: &str, history: Option<&TrackingHistory>, message: Option<&str>) -> String {
    let mut body = format!(
        "<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>Отслеживание {title}</title><style>{STYLE}</style></head><body>\
         <h1>Отслеживание отправления</h1>\
         <form method=\"get\" action=\"/track\"><input name=\"number\" value=\"{value}\" \
         placeholder=\"Трек-номер\" aria-label=\"Трек-номер\" required>\
         <button type=\"submit\">Найти</button></form>",
        title = escape(number),
        value = escape(number),
    );
    if let Some(message) = message {
        body.push_str(&format!(
            "<p class=\"note\" id=\"message\">{}</p>",
            escape(message)
        ));
    }
    if let Some(history) = history {
        let status = history.status.map_or("Нет данных", status_text);
        body.push_str(&format!(
            "<p id=\"number\">{}</p><p class=\"status{}\" id=\"status\" data-status=\"{}\">{}</p>",
            escape(&history.track_number),
            if history.is_final { " final" } else { "" },
            history.status.map_or("", TrackingStatus::as_str),
            escape(status),
        ));
        body.push_str("<ol id=\"events\">");
        for event in history.events.iter().rev() {
            let operation = &event.operation;
            let place = match (&operation.office_index, &operation.office_name) {
                (Some(index), Some(name)) => format!("{index}, {name}"),
                (Some(index), None) => index.clone(),
                (None, Some(name)) => name.clone(),
                (None, None) => String::new(),
            };
            body.push_str(&format!(
                "<li><time datetime=\"{iso}\">{local}</time><span class=\"op\">{what}</span> \
                 <span class=\"place\">{place}</span></li>",
                iso = operation.operated_at.to_rfc3339(),
                local = operation.operated_at.format("%d.%m.%Y %H:%M (UTC%:z)"),
                what = escape(&okno_postal::tracking::describe(
                    operation.operation_type,
                    operation.operation_attr
                )),
                place = escape(&place),
            ));
        }
        body.push_str("</ol>");
    }
    body.push_str("</body></html>");
    body
}
