//! Health, readiness, metrics, the problem-type pages and the published JSON Schema.

use crate::AppState;
use crate::problem::{Problem, ProblemKind};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, description = "Alive")))]
pub(crate) async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "system", responses(
    (status = 200, description = "Ready"),
    (status = 503, description = "Database unreachable", body = Problem, content_type = "application/problem+json"),
))]
pub(crate) async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, Problem> {
    match state.oms.store().ping().await {
        Ok(()) => Ok(Json(
            json!({"status": "ready", "store": state.oms.store().backend()}),
        )),
        Err(error) => {
            tracing::warn!(%error, "not ready");
            Err(Problem::new(
                ProblemKind::Unavailable,
                "the database does not answer",
            ))
        }
    }
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "system", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// Documentation of one problem type (the target of every problem's `type`).
pub(crate) async fn problem_page(Path(slug): Path<String>) -> Response {
    let Some(kind) = ProblemKind::ALL.iter().find(|kind| kind.slug() == slug) else {
        return Problem::new(ProblemKind::NotFound, format!("no problem type {slug:?}"))
            .into_response();
    };
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>{title}</title>\
         <h1>{title}</h1><p>HTTP {status}</p><p>{text}</p>\
         <p><a href=\"/problems\">All problem types</a></p>",
        title = kind.title(),
        status = kind.status().as_u16(),
        text = kind.explanation(),
    );
    Html(page).into_response()
}

/// The list of problem types.
pub(crate) async fn problem_index() -> Html<String> {
    let items: String = ProblemKind::ALL
        .iter()
        .map(|kind| {
            format!(
                "<li><a href=\"/problems/{slug}\">{slug}</a> ({status}): {title}</li>",
                slug = kind.slug(),
                status = kind.status().as_u16(),
                title = kind.title()
            )
        })
        .collect();
    Html(format!(
        "<!doctype html><meta charset=utf-8><title>okno problem types</title>\
         <h1>Problem types</h1><ul>{items}</ul>"
    ))
}

/// The JSON Schema of the canonical order draft (the body of `POST /v1/orders`).
pub(crate) async fn order_schema() -> Response {
    let mut response = Json(crate::openapi::order_draft_schema()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/schema+json"),
    );
    response
}

/// Anything else.
pub(crate) async fn fallback() -> Problem {
    Problem::new(ProblemKind::NotFound, "no such endpoint; see /docs")
}
