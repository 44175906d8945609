//! BPMN processes over HTTP, tenant-scoped: deploy a file and list versions, start, read,
//! list and cancel instances, publish messages and signals, activate/complete/fail jobs and
//! throw BPMN errors (external workers), list and resolve incidents.

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use okno_model::FieldError;
use okno_process::{Message, ProcessError};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::AppState;
use crate::extract::{JsonBody, TenantKey};
use crate::problem::{Problem, ProblemKind};

/// Longest lock a worker may ask for.
const LOCK_MAX: Duration = Duration::from_secs(24 * 3600);
/// Default job lock.
const LOCK_DEFAULT: Duration = Duration::from_secs(300);

fn field(pointer: &str, code: &str, detail: impl Into<String>) -> FieldError {
    FieldError {
        pointer: pointer.to_owned(),
        code: code.to_owned(),
        detail: detail.into(),
    }
}

fn invalid(pointer: &str, detail: impl Into<String>) -> Problem {
    let detail = detail.into();
    Problem::new(ProblemKind::Validation, format!("{pointer}: {detail}"))
        .with_errors(vec![field(pointer, "invalid", detail)])
}

impl From<ProcessError> for Problem {
    fn from(error: ProcessError) -> Self {
        let detail = error.to_string();
        match error {
            ProcessError::Deploy(okno_engine::DeployError::Rejected {
                unsupported,
                problems,
            }) => {
                let mut errors: Vec<FieldError> = unsupported
                    .iter()
                    .map(|item| {
                        field(
                            &format!("/elements/{}", item.element_id),
                            "unsupported",
                            format!("{} is not executed by okno", item.kind),
                        )
                    })
                    .collect();
                errors.extend(problems.iter().map(|problem| {
                    field(
                        &problem
                            .element_id
                            .as_ref()
                            .map_or_else(String::new, |id| format!("/elements/{id}")),
                        "invalid",
                        problem.reason.clone(),
                    )
                }));
                Problem::new(ProblemKind::BpmnRejected, detail).with_errors(errors)
            }
            ProcessError::Deploy(_) => Problem::new(ProblemKind::BpmnRejected, detail),
            ProcessError::UnknownProcess(_)
            | ProcessError::UnknownInstance(_)
            | ProcessError::UnknownJob(_) => Problem::new(ProblemKind::NotFound, detail),
            ProcessError::BadJobKey(_) => Problem::new(ProblemKind::NotFound, detail),
            ProcessError::Rejected(_) => Problem::new(ProblemKind::Conflict, detail),
            ProcessError::Invalid {
                field: pointer,
                reason,
            } => invalid(&pointer, reason),
            ProcessError::Busy(_) => Problem::new(ProblemKind::Conflict, detail),
            ProcessError::Store(okno_store::StoreError::Backend(cause)) => {
                tracing::error!(%cause, "database failure");
                Problem::new(ProblemKind::Unavailable, "the database is not available")
            }
            other => {
                tracing::error!(error = %other, "process runtime failure");
                Problem::new(ProblemKind::Internal, "internal error")
            }
        }
    }
}

/// Deploy a BPMN file (as Camunda Modeler saves it): every process in it becomes the next
/// version, unless the file is unchanged.
#[utoipa::path(
    post, path = "/v1/processes", tag = "processes",
    request_body(content = String, content_type = "application/xml", description = "The BPMN 2.0 file"),
    responses(
        (status = 201, description = "Deployed: each process with its version and whether it is new", body = serde_json::Value),
        (status = 422, description = "Not deployable: every unsupported element and every problem with its element id", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn deploy(
    State(state): State<AppState>,
    auth: TenantKey,
    body: Bytes,
) -> Result<Response, Problem> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| Problem::new(ProblemKind::BpmnRejected, "the file is not UTF-8"))?;
    let deployed = state.processes.deploy(auth.tenant_id, text).await?;
    Ok((StatusCode::CREATED, Json(json!({ "deployed": deployed }))).into_response())
}

/// Every deployed version of every process of the tenant.
#[utoipa::path(
    get, path = "/v1/processes", tag = "processes",
    responses((status = 200, description = "Processes by id, versions ascending", body = serde_json::Value)),
    security(("api_key" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: TenantKey,
) -> Result<Json<Value>, Problem> {
    let versions = state
        .processes
        .store()
        .process_versions(auth.tenant_id)
        .await
        .map_err(ProcessError::from)?;
    let listed: Vec<Value> = versions
        .iter()
        .map(|version| {
            json!({
                "process_id": version.process_id,
                "version": version.version,
                "checksum": version.checksum,
                "deployed_at": version.deployed_at,
            })
        })
        .collect();
    Ok(Json(json!({ "versions": listed })))
}

/// The BPMN file a version was deployed from.
#[utoipa::path(
    get, path = "/v1/processes/{process_id}/versions/{version}", tag = "processes",
    params(("process_id" = String, Path), ("version" = i64, Path)),
    responses(
        (status = 200, description = "The BPMN file", body = String, content_type = "application/xml"),
        (status = 404, description = "No such version", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn version_file(
    State(state): State<AppState>,
    auth: TenantKey,
    Path((process_id, version)): Path<(String, i64)>,
) -> Result<Response, Problem> {
    let found = state
        .processes
        .store()
        .process_version(auth.tenant_id, &process_id, Some(version))
        .await
        .map_err(ProcessError::from)?
        .ok_or_else(|| {
            Problem::new(
                ProblemKind::NotFound,
                format!("no process {process_id} v{version}"),
            )
        })?;
    Ok(([(header::CONTENT_TYPE, "application/xml")], found.bpmn).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StartRequest {
    process_id: String,
    version: Option<i64>,
    #[serde(default)]
    variables: Option<Value>,
    business_key: Option<String>,
}

fn parse<T: serde::de::DeserializeOwned>(document: Value) -> Result<T, Problem> {
    serde_json::from_value(document).map_err(|error| invalid("", error.to_string()))
}

/// Start an instance of the latest (or a given) version with variables.
#[utoipa::path(
    post, path = "/v1/process-instances", tag = "processes",
    request_body(content = serde_json::Value, description = "{process_id, version?, variables?, business_key?}"),
    responses(
        (status = 201, description = "Started; the instance as it waits now", body = serde_json::Value),
        (status = 404, description = "No such process", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn start(
    State(state): State<AppState>,
    auth: TenantKey,
    JsonBody(document): JsonBody,
) -> Result<Response, Problem> {
    let request: StartRequest = parse(document)?;
    let variables = okno_process::variables_of(request.variables.as_ref(), "/variables")?;
    let record = state
        .processes
        .start(
            auth.tenant_id,
            &request.process_id,
            request.version,
            variables,
            request.business_key,
        )
        .await?;
    let view = state.processes.view(&record).await?;
    let location = format!("/v1/process-instances/{}", record.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(view),
    )
        .into_response())
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    status: Option<String>,
    limit: Option<u32>,
}

/// The tenant's instances, newest first.
#[utoipa::path(
    get, path = "/v1/process-instances", tag = "processes",
    params(("status" = Option<String>, Query, description = "active, completed or terminated"),
           ("limit" = Option<u32>, Query, description = "at most 1000, default 100")),
    responses((status = 200, description = "Instances", body = serde_json::Value)),
    security(("api_key" = []))
)]
pub(crate) async fn list_instances(
    State(state): State<AppState>,
    auth: TenantKey,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, Problem> {
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let records = state
        .processes
        .instances(auth.tenant_id, query.status.as_deref(), limit)
        .await?;
    let listed: Vec<Value> = records.iter().map(okno_process::record_summary).collect();
    Ok(Json(json!({ "instances": listed })))
}

fn instance_id(text: &str) -> Result<Uuid, Problem> {
    Uuid::parse_str(text)
        .map_err(|_| Problem::new(ProblemKind::NotFound, format!("no process instance {text}")))
}

/// An instance: status, variables, active elements, incidents, open jobs.
#[utoipa::path(
    get, path = "/v1/process-instances/{id}", tag = "processes",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The instance", body = serde_json::Value),
        (status = 404, description = "No such instance for this tenant", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn get_instance(
    State(state): State<AppState>,
    auth: TenantKey,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let view = state
        .processes
        .instance(auth.tenant_id, instance_id(&id)?)
        .await?;
    Ok(Json(view).into_response())
}

/// An instance's history: elements entered and left, incidents, the end.
#[utoipa::path(
    get, path = "/v1/process-instances/{id}/history", tag = "processes",
    params(("id" = String, Path)),
    responses((status = 200, description = "History in order", body = serde_json::Value)),
    security(("api_key" = []))
)]
pub(crate) async fn get_history(
    State(state): State<AppState>,
    auth: TenantKey,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    history(state, auth, &id).await
}

async fn history(state: AppState, auth: TenantKey, id: &str) -> Result<Response, Problem> {
    let entries = state
        .processes
        .history(auth.tenant_id, instance_id(id)?)
        .await?;
    Ok(Json(json!({ "history": entries })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MigrateRequest {
    version: i64,
    #[serde(default)]
    mapping: std::collections::BTreeMap<String, String>,
}

/// `POST /v1/process-instances/{id}:cancel` and `{id}:migrate`.
#[utoipa::path(
    post, path = "/v1/process-instances/{id}:cancel", tag = "processes",
    params(("id" = String, Path)),
    request_body(content = serde_json::Value, description = "cancel: none; migrate (POST {id}:migrate): {version, mapping: {old element id: new element id}}"),
    responses(
        (status = 200, description = "Cancelled (called processes follow), or migrated", body = serde_json::Value),
        (status = 409, description = "The instance has already ended", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Migration refused: `errors` names the element", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn instance_action(
    State(state): State<AppState>,
    auth: TenantKey,
    Path(segment): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    let (id, action) = segment.rsplit_once(':').unwrap_or((segment.as_str(), ""));
    let id = match action {
        "cancel" | "migrate" => instance_id(id)?,
        _ => {
            return Err(Problem::new(
                ProblemKind::NotFound,
                format!(
                    "no action at /v1/process-instances/{segment}; use {{id}}:cancel or {{id}}:migrate"
                ),
            ));
        }
    };
    let record = if action == "cancel" {
        state.processes.cancel(auth.tenant_id, id).await?
    } else {
        let value: Value = serde_json::from_slice(&body)
            .map_err(|error| Problem::new(ProblemKind::MalformedJson, error.to_string()))?;
        let request: MigrateRequest = parse(value)?;
        state
            .processes
            .migrate(auth.tenant_id, id, request.version, &request.mapping)
            .await?
    };
    Ok(Json(state.processes.view(&record).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishRequest {
    name: String,
    #[serde(default)]
    correlation_key: String,
    variables: Option<Value>,
    #[serde(default)]
    time_to_live_ms: u64,
    message_id: Option<String>,
}

/// Publish a message: correlated to the oldest waiting subscription with its name and key, or
/// starting a process with that message start event, or buffered for `time_to_live_ms`.
#[utoipa::path(
    post, path = "/v1/messages", tag = "processes",
    request_body(content = serde_json::Value, description = "{name, correlation_key, variables?, time_to_live_ms?, message_id?}"),
    responses((status = 200, description = "Where it went: instance, started, buffered, duplicate", body = serde_json::Value)),
    security(("api_key" = []))
)]
pub(crate) async fn publish(
    State(state): State<AppState>,
    auth: TenantKey,
    JsonBody(document): JsonBody,
) -> Result<Json<okno_process::Published>, Problem> {
    let request: PublishRequest = parse(document)?;
    if request.name.trim().is_empty() {
        return Err(invalid("/name", "must not be empty"));
    }
    let message = Message {
        name: request.name,
        correlation_key: request.correlation_key,
        variables: okno_process::variables_of(request.variables.as_ref(), "/variables")?,
        time_to_live: Duration::from_millis(request.time_to_live_ms),
        message_id: request.message_id,
    };
    Ok(Json(
        state.processes.publish(auth.tenant_id, message).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignalRequest {
    name: String,
    variables: Option<Value>,
}

/// Broadcast a signal to every waiting instance of the tenant and start processes with that
/// signal start event (delivered by the background loop right after the answer).
#[utoipa::path(
    post, path = "/v1/signals", tag = "processes",
    request_body(content = serde_json::Value, description = "{name, variables?}"),
    responses((status = 200, description = "How many instances it will reach or start", body = serde_json::Value)),
    security(("api_key" = []))
)]
pub(crate) async fn signal(
    State(state): State<AppState>,
    auth: TenantKey,
    JsonBody(document): JsonBody,
) -> Result<Json<Value>, Problem> {
    let request: SignalRequest = parse(document)?;
    let variables = okno_process::variables_of(request.variables.as_ref(), "/variables")?;
    let reached = state
        .processes
        .broadcast(auth.tenant_id, &request.name, variables)
        .await?;
    Ok(Json(json!({ "reached": reached })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivateRequest {
    #[serde(rename = "type")]
    job_type: String,
    #[serde(default)]
    max_jobs: Option<u32>,
    worker: Option<String>,
    lock_timeout_ms: Option<u64>,
    request_timeout_ms: Option<u64>,
}

/// Activate jobs of a type for an external worker (long polling up to `request_timeout_ms`).
#[utoipa::path(
    post, path = "/v1/jobs:activate", tag = "processes",
    request_body(content = serde_json::Value, description = "{type, max_jobs?, worker?, lock_timeout_ms?, request_timeout_ms?}"),
    responses((status = 200, description = "The jobs (possibly none)", body = serde_json::Value)),
    security(("api_key" = []))
)]
pub(crate) async fn activate(
    State(state): State<AppState>,
    auth: TenantKey,
    JsonBody(document): JsonBody,
) -> Result<Json<Value>, Problem> {
    let request: ActivateRequest = parse(document)?;
    let lock = request
        .lock_timeout_ms
        .map_or(LOCK_DEFAULT, Duration::from_millis);
    if lock > LOCK_MAX || lock.is_zero() {
        return Err(invalid("/lock_timeout_ms", "must be between 1 ms and 24 h"));
    }
    let jobs = state
        .processes
        .activate_jobs(
            auth.tenant_id,
            &request.job_type,
            request.max_jobs.unwrap_or(32),
            request.worker.as_deref().unwrap_or("anonymous"),
            lock,
            Duration::from_millis(request.request_timeout_ms.unwrap_or(0)),
        )
        .await?;
    Ok(Json(json!({ "jobs": jobs })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct JobAnswer {
    variables: Option<Value>,
    retries: Option<u32>,
    error_message: Option<String>,
    retry_backoff_ms: Option<u64>,
    error_code: Option<String>,
}

/// `POST /v1/jobs/{key}:complete|fail|throw-error`.
#[utoipa::path(
    post, path = "/v1/jobs/{key}:complete", tag = "processes",
    params(("key" = String, Path, description = "INSTANCE.KEY as activation gave it")),
    request_body(content = serde_json::Value, description = "complete: {variables?}; fail: {retries, error_message?, retry_backoff_ms?}; throw-error: {error_code, error_message?, variables?}"),
    responses(
        (status = 204, description = "Answered"),
        (status = 404, description = "No open job with this key (already answered, or cancelled)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn job_action(
    State(state): State<AppState>,
    auth: TenantKey,
    Path(segment): Path<String>,
    body: Bytes,
) -> Result<StatusCode, Problem> {
    let answer: JobAnswer = if body.iter().all(u8::is_ascii_whitespace) {
        JobAnswer::default()
    } else {
        let value: Value = serde_json::from_slice(&body)
            .map_err(|error| Problem::new(ProblemKind::MalformedJson, error.to_string()))?;
        parse(value)?
    };
    let variables: Map<String, Value> =
        okno_process::variables_of(answer.variables.as_ref(), "/variables")?;
    let processes = &state.processes;
    match segment.rsplit_once(':') {
        Some((key, "complete")) => {
            processes
                .complete_job(auth.tenant_id, key, variables)
                .await?
        }
        Some((key, "fail")) => {
            let retries = answer.retries.ok_or_else(|| {
                invalid(
                    "/retries",
                    "say how many retries are left (0 raises an incident)",
                )
            })?;
            processes
                .fail_job(
                    auth.tenant_id,
                    key,
                    retries,
                    answer.error_message.unwrap_or_default(),
                    Duration::from_millis(answer.retry_backoff_ms.unwrap_or(0)),
                )
                .await?;
        }
        Some((key, "throw-error")) => {
            let code = answer
                .error_code
                .filter(|code| !code.trim().is_empty())
                .ok_or_else(|| invalid("/error_code", "the BPMN error code is required"))?;
            processes
                .throw_error(auth.tenant_id, key, code, variables)
                .await?;
        }
        _ => {
            return Err(Problem::new(
                ProblemKind::NotFound,
                format!("no action at /v1/jobs/{segment}; use :complete, :fail or :throw-error"),
            ));
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Open incidents of the tenant's active instances.
#[utoipa::path(
    get, path = "/v1/incidents", tag = "processes",
    responses((status = 200, description = "Incidents", body = serde_json::Value)),
    security(("api_key" = []))
)]
pub(crate) async fn incidents(
    State(state): State<AppState>,
    auth: TenantKey,
) -> Result<Json<Value>, Problem> {
    let found = state.processes.incidents(auth.tenant_id).await?;
    Ok(Json(json!({ "incidents": found })))
}

/// `POST /v1/incidents/{key}:resolve`: retry the step the incident stopped.
#[utoipa::path(
    post, path = "/v1/incidents/{key}:resolve", tag = "processes",
    params(("key" = String, Path, description = "INSTANCE.KEY")),
    responses(
        (status = 200, description = "Retried; the instance now", body = serde_json::Value),
        (status = 409, description = "No such open incident", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn incident_action(
    State(state): State<AppState>,
    auth: TenantKey,
    Path(segment): Path<String>,
) -> Result<Response, Problem> {
    let Some((key, "resolve")) = segment.rsplit_once(':') else {
        return Err(Problem::new(
            ProblemKind::NotFound,
            format!("no action at /v1/incidents/{segment}; did you mean {{key}}:resolve?"),
        ));
    };
    let record = state
        .processes
        .resolve_incident(auth.tenant_id, key)
        .await?;
    Ok(Json(state.processes.view(&record).await?).into_response())
}
