//! Connectors over HTTP: each loaded connector's inbound endpoints under
//! `/connectors/{tenant}/{name}/{path}` (authenticated as the connector file says, answered in
//! the client's own format), `POST /v1/connectors:try` for analysts, and the operator's
//! `POST /v1/admin/connectors:reload`.
//!
//! The connectors live in [`Connectors`]: a [`SharedRegistry`] read from `connectors_dir`
//! (`<dir>/<tenant-id>/*.yaml`), swapped whole on reload. An order a connector accepts is
//! created by `Oms::create_order` under the tenant the connector was loaded for, with the
//! connector's idempotency key namespaced as `connector:{name}:{key}`, so a client that
//! retries (Yandex Market does) gets the same reply and one order.

use crate::AppState;
use crate::extract::{JsonBody, OperatorKey, TenantKey};
use crate::problem::{Problem, ProblemKind};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use okno_connectors::{
    Connector, Create, Inbound, LoadErrors, Registry, RegistryError, Reply, SharedRegistry,
    StatusCommand, StatusNotice, accepted_okno,
};
use okno_model::{Actor, FieldError, OrderStatus, TenantId};
use okno_oms::{IdempotencyRequest, OmsError};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;

/// The connectors an app serves, and the folder they were read from (if any).
#[derive(Debug, Default)]
pub struct Connectors {
    registry: Arc<SharedRegistry>,
    dir: Option<PathBuf>,
}

impl Connectors {
    /// No connectors.
    pub fn none() -> Connectors {
        Connectors::default()
    }

    /// Reads every connector of `<dir>/<tenant-id>/*.yaml`; reload re-reads the folder.
    pub fn from_dir(dir: PathBuf) -> Result<Connectors, RegistryError> {
        let registry = Registry::load_dir(&dir)?;
        Ok(Connectors {
            registry: Arc::new(SharedRegistry::new(registry)),
            dir: Some(dir),
        })
    }

    /// The connectors now in force.
    pub fn current(&self) -> Arc<Registry> {
        self.registry.current()
    }

    /// The handle reloads swap, for whoever renders with the connectors later (the webhook
    /// dispatcher).
    pub fn shared(&self) -> Arc<SharedRegistry> {
        Arc::clone(&self.registry)
    }
}

/// Every error of every file as field errors: the pointer is the file and field, the detail
/// names the line.
fn load_problem(detail: String, files: &[LoadErrors]) -> Problem {
    let errors = files
        .iter()
        .flat_map(|file| {
            file.errors.iter().map(|error| FieldError {
                pointer: if error.field.is_empty() {
                    file.file.clone()
                } else {
                    format!("{}#{}", file.file, error.field)
                },
                code: "connector".to_owned(),
                detail: format!(
                    "line {}, column {}: {}",
                    error.line, error.column, error.message
                ),
            })
        })
        .collect();
    Problem::new(ProblemKind::InvalidConnector, detail).with_errors(errors)
}

fn reply_response(reply: Reply, replayed: bool) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, reply.body).into_response();
    let headers = response.headers_mut();
    if let Ok(content_type) = HeaderValue::from_str(&reply.content_type) {
        headers.insert(header::CONTENT_TYPE, content_type);
    }
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// An inbound endpoint of a connector: any method, any path under the connector.
pub(crate) async fn inbound(
    State(state): State<AppState>,
    Path((tenant, name, path)): Path<(String, String, String)>,
    request: Request,
) -> Result<Response, Problem> {
    let method = request.method().as_str().to_owned();
    let not_found = || {
        Problem::new(
            ProblemKind::NotFound,
            format!("no connector endpoint {method} /connectors/{tenant}/{name}/{path}"),
        )
    };
    let tenant_id: TenantId = tenant.parse().map_err(|_| not_found())?;
    let connector = state
        .connectors
        .current()
        .get(tenant_id, &name)
        .ok_or_else(not_found)?;
    let endpoint = connector
        .route(&method, &format!("/{path}"))
        .ok_or_else(not_found)?
        .to_owned();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .filter_map(|(key, value)| Some((key.as_str().to_owned(), value.to_str().ok()?.to_owned())))
        .collect();
    let body = match Bytes::from_request(request, &state).await {
        Ok(body) => body,
        Err(rejection) => {
            let reason = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                format!("the body exceeds {} bytes", state.config.body_bytes_max)
            } else {
                rejection.body_text()
            };
            let reply = connector
                .error_reply(&endpoint, &reason)
                .map_err(internal)?;
            return Ok(reply_response(reply, false));
        }
    };
    let inbound = connector
        .receive(&endpoint, &headers, &body)
        .map_err(internal)?;
    match inbound {
        Inbound::Answer(answer) => {
            if let Some(notice) = &answer.status_notice
                && let Err(reason) = act_on_notice(&state, &connector, tenant_id, notice).await?
            {
                let reply = connector
                    .error_reply(&endpoint, &reason)
                    .map_err(internal)?;
                return Ok(reply_response(reply, false));
            }
            Ok(reply_response(answer.reply, false))
        }
        Inbound::Create(create) => create_order(&state, &connector, tenant_id, *create).await,
    }
}

/// Does what a status notice's `command` asks with the order it names. `Ok(Err(reason))`: the
/// client gets its own error reply (the order is unknown, or its state forbids the command); a
/// repeated notice is answered `ok` again.
async fn act_on_notice(
    state: &AppState,
    connector: &Connector,
    tenant_id: TenantId,
    notice: &StatusNotice,
) -> Result<Result<(), String>, Problem> {
    let Some(number) = &notice.client_order_number else {
        return Ok(Ok(()));
    };
    if notice.command.is_none() && notice.recipient.is_none() {
        return Ok(Ok(()));
    }
    let oms = &state.oms;
    let order = match oms.order_by_client_number(tenant_id, number).await {
        Ok(order) => order,
        // A notice that only brings the buyer about an order okno does not have is
        // acknowledged; one with a command is the client's error.
        Err(OmsError::OrderNotFound) if notice.command.is_none() => return Ok(Ok(())),
        Err(OmsError::OrderNotFound) => return Ok(Err(format!("no order {number}"))),
        Err(error) => return Err(Problem::from(error)),
    };
    let actor = Actor(format!("connector:{}", connector.name()));
    // The buyer a marketplace sends with the status replaces the placeholder recipient of the
    // accept; once the label is issued (`NotReady`) the order keeps the one it has.
    if let Some(recipient) = &notice.recipient {
        match oms
            .update_recipient(tenant_id, order.id, &actor, recipient.clone())
            .await
        {
            Ok(_) | Err(OmsError::NotReady(_)) => {}
            Err(error) => return Err(Problem::from(error)),
        }
    }
    let done = match notice.command {
        None => Ok(()),
        Some(StatusCommand::Cancel) => {
            if order.status == OrderStatus::Cancelled {
                return Ok(Ok(()));
            }
            let reason = format!("the client's status {}", notice.status);
            oms.cancel_order(tenant_id, order.id, actor, Some(reason), None, None)
                .await
                .map(|_| ())
        }
        Some(StatusCommand::RequestShipment) => {
            oms.request_shipment(tenant_id, order.id).await.map(|_| ())
        }
    };
    match done {
        Ok(()) => Ok(Ok(())),
        Err(error @ OmsError::Transition(_)) => Ok(Err(format!("order {number}: {error}"))),
        Err(error) => Err(Problem::from(error)),
    }
}

use axum::extract::FromRequest;

fn internal(error: okno_connectors::ConnectorError) -> Problem {
    tracing::error!(%error, "connector failure");
    Problem::new(ProblemKind::Internal, "internal error")
}

async fn create_order(
    state: &AppState,
    connector: &Connector,
    tenant_id: TenantId,
    create: Create,
) -> Result<Response, Problem> {
    let idempotency = create
        .idempotency_key
        .as_ref()
        .map(|key| {
            IdempotencyRequest::new(
                &format!("connector:{}:{key}", connector.name()),
                &format!("connector {} {}", connector.name(), create.endpoint),
                &create.document,
            )
        })
        .transpose()
        .map_err(Problem::from)?;
    let actor = Actor(format!("connector:{}", connector.name()));
    let result = state
        .oms
        .create_order_in(
            tenant_id,
            actor,
            &create.document,
            idempotency,
            Some(connector.process().unwrap_or_else(|| {
                okno_oms::flow::process_for_channel(&format!("connector:{}", connector.name()))
            })),
        )
        .await;
    match result {
        Ok(reply) => {
            if !reply.replayed {
                state.metrics.orders_created.inc();
            } else {
                state.metrics.idempotent_replays.inc();
            }
            let order: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
            let answer = connector
                .accepted_reply(
                    &create.endpoint,
                    &create.payload,
                    &accepted_okno(&order, reply.replayed),
                )
                .map_err(internal)?;
            Ok(reply_response(answer, reply.replayed))
        }
        // The same order number without a matching key (or another body under the key): the
        // client gets its own error reply, naming why.
        Err(error @ (OmsError::DuplicateOrder { .. } | OmsError::IdempotencyMismatch { .. })) => {
            let reply = connector
                .error_reply(&create.endpoint, &error.to_string())
                .map_err(internal)?;
            Ok(reply_response(reply, false))
        }
        Err(error) => Err(Problem::from(error)),
    }
}

/// Try a connector file on a sample payload: the canonical order or every field error, and
/// the reply the client would get. Nothing is created.
///
/// Body: `{"connector": "<YAML text>", "sample": "<payload text>", "endpoint": "accept"}`
/// (`endpoint` defaults to the first `create_order` endpoint; `sample_base64` instead of
/// `sample` sends bytes that are not UTF-8, such as a windows-1251 CSV).
#[utoipa::path(
    post, path = "/v1/connectors:try", tag = "connectors",
    request_body(content = Object, content_type = "application/json"),
    responses(
        (status = 200, description = "`outcome` (order, rejected or reply), `order`, `errors` (each with the mapping field and line), `reply` (status, content type, body)", body = Object),
        (status = 422, description = "The connector file is invalid (every error with line and field), or the request misses a field", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn try_connector(
    _auth: TenantKey,
    JsonBody(document): JsonBody,
) -> Result<Json<Value>, Problem> {
    let text = |key: &str| document.get(key).and_then(Value::as_str);
    let Some(source) = text("connector") else {
        return Err(Problem::bad_parameter(
            "connector",
            "the connector file's YAML text is required",
        ));
    };
    let sample = match (text("sample"), text("sample_base64")) {
        (Some(sample), None) => sample.as_bytes().to_vec(),
        (None, Some(encoded)) => {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|_| Problem::bad_parameter("sample_base64", "is not base64"))?
        }
        _ => {
            return Err(Problem::bad_parameter(
                "sample",
                "give the sample payload as `sample` (text) or `sample_base64`",
            ));
        }
    };
    let connector = Connector::load("connector", source)
        .map_err(|errors| load_problem("the connector file is invalid".to_owned(), &[errors]))?;
    let endpoint = match text("endpoint") {
        Some(endpoint) => endpoint.to_owned(),
        None => connector
            .default_endpoint()
            .ok_or_else(|| Problem::bad_parameter("endpoint", "the connector has no endpoints"))?
            .to_owned(),
    };
    let trial = connector
        .trial(&endpoint, &sample)
        .map_err(|error| Problem::bad_parameter("endpoint", error.to_string()))?;
    Ok(Json(serde_json::to_value(trial).unwrap_or(Value::Null)))
}

/// Re-read `connectors_dir` and replace every connector (operator keys only). All or nothing:
/// one bad file keeps the connectors in use.
#[utoipa::path(
    post, path = "/v1/admin/connectors:reload", tag = "admin",
    responses(
        (status = 200, description = "Replaced: `connectors` (count) and `dir`", body = Object),
        (status = 409, description = "No `connectors_dir` is configured", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A file is invalid (every error with line and field); the connectors in use are kept", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn reload(
    State(state): State<AppState>,
    _key: OperatorKey,
) -> Result<Json<Value>, Problem> {
    let Some(dir) = state.connectors.dir.clone() else {
        return Err(Problem::new(
            ProblemKind::Conflict,
            "no connectors_dir is configured; there is nothing to reload",
        ));
    };
    let read_dir = dir.clone();
    let loaded = tokio::task::spawn_blocking(move || Registry::load_dir(&read_dir))
        .await
        .map_err(|_| Problem::new(ProblemKind::Internal, "the reload task failed"))?;
    let registry = loaded.map_err(|error| match error {
        RegistryError::Invalid(files) => load_problem(
            format!(
                "{} has invalid connector files; the connectors in use are kept",
                dir.display()
            ),
            &files,
        ),
        other => Problem::new(
            ProblemKind::InvalidConnector,
            format!("{other}; the connectors in use are kept"),
        ),
    })?;
    let count = registry.len();
    state.connectors.registry.replace(registry);
    Ok(Json(
        json!({"connectors": count, "dir": dir.display().to_string()}),
    ))
}
