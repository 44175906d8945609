//! `/v1/admin`: tenants, API keys and Otpravka accounts, for operator keys only.

use crate::AppState;
use crate::extract::{JsonBody, OperatorKey};
use crate::problem::{Problem, ProblemKind};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use okno_model::{ApiKeyId, FieldError, TenantId};
use okno_store::{ApiKeyRecord, KeyRole, Tenant};
use serde::Serialize;
use serde_json::Value;

/// A tenant as the admin API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TenantView {
    /// Id.
    id: String,
    /// Unique name.
    name: String,
    /// When it was created.
    #[schema(value_type = String, format = DateTime)]
    created_at: DateTime<Utc>,
}

impl From<Tenant> for TenantView {
    fn from(tenant: Tenant) -> Self {
        TenantView {
            id: tenant.id.to_string(),
            name: tenant.name,
            created_at: tenant.created_at,
        }
    }
}

/// An API key as listings show it: never the secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct KeyView {
    /// Key id (use it to revoke).
    id: String,
    /// First characters of the secret.
    prefix: String,
    /// Label.
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    /// When it was created.
    #[schema(value_type = String, format = DateTime)]
    created_at: DateTime<Utc>,
    /// When it was revoked.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyRecord> for KeyView {
    fn from(key: ApiKeyRecord) -> Self {
        KeyView {
            id: key.id.to_string(),
            prefix: key.prefix,
            label: key.label,
            created_at: key.created_at,
            revoked_at: key.revoked_at,
        }
    }
}

/// A new key: the only time the secret is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct IssuedKey {
    /// The tenant.
    tenant: TenantView,
    /// Key id.
    key_id: String,
    /// The secret; store it now, it cannot be shown again.
    api_key: String,
}

fn text_field(document: &Value, key: &str, required: bool) -> Result<Option<String>, Problem> {
    let invalid = |code: &str, detail: &str| {
        Problem::new(ProblemKind::Validation, format!("{key} {detail}")).with_errors(vec![
            FieldError {
                pointer: format!("/{key}"),
                code: code.to_owned(),
                detail: detail.to_owned(),
            },
        ])
    };
    match document.get(key) {
        Some(Value::String(text)) if !text.trim().is_empty() => Ok(Some(text.trim().to_owned())),
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(invalid("required", "is required")),
        Some(_) => Err(invalid("type", "must be a non-empty string")),
    }
}

/// Create a tenant and its first key.
#[utoipa::path(
    post, path = "/v1/admin/tenants", tag = "admin",
    request_body(content = Object, description = "`{\"name\": \"My shop\"}`", content_type = "application/json"),
    responses(
        (status = 201, description = "Created; the key is shown once", body = IssuedKey),
        (status = 403, description = "Not an operator key", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn create_tenant(
    State(state): State<AppState>,
    operator: OperatorKey,
    JsonBody(document): JsonBody,
) -> Result<(StatusCode, Json<IssuedKey>), Problem> {
    let name = text_field(&document, "name", true)?.unwrap_or_default();
    let (tenant, key, secret) = state.oms.create_tenant(&name).await?;
    tracing::info!(operator_key = %operator.0.key_id, tenant = %tenant.id, "tenant created");
    Ok((
        StatusCode::CREATED,
        Json(IssuedKey {
            tenant: tenant.into(),
            key_id: key.id.to_string(),
            api_key: secret.expose().to_owned(),
        }),
    ))
}

/// List tenants.
#[utoipa::path(
    get, path = "/v1/admin/tenants", tag = "admin",
    responses((status = 200, description = "Tenants by name", body = [TenantView])),
    security(("api_key" = []))
)]
pub(crate) async fn list_tenants(
    State(state): State<AppState>,
    _operator: OperatorKey,
) -> Result<Json<Vec<TenantView>>, Problem> {
    let tenants = state
        .oms
        .store()
        .tenants()
        .await
        .map_err(okno_oms::OmsError::from)?;
    Ok(Json(tenants.into_iter().map(TenantView::from).collect()))
}

async fn tenant_of(state: &AppState, id: &str) -> Result<Tenant, Problem> {
    let id: TenantId = id
        .parse()
        .map_err(|_| Problem::new(ProblemKind::NotFound, "tenant not found"))?;
    state
        .oms
        .store()
        .tenant(id)
        .await
        .map_err(okno_oms::OmsError::from)?
        .ok_or_else(|| Problem::new(ProblemKind::NotFound, "tenant not found"))
}

/// Issue another key for a tenant (for rotation: issue, deploy, revoke the old one).
#[utoipa::path(
    post, path = "/v1/admin/tenants/{id}/keys", tag = "admin",
    params(("id" = String, Path, description = "Tenant id")),
    request_body(content = Option<Object>, description = "`{\"label\": \"…\"}`", content_type = "application/json"),
    responses(
        (status = 201, description = "Issued; the key is shown once", body = IssuedKey),
        (status = 404, description = "No such tenant", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn create_key(
    State(state): State<AppState>,
    _operator: OperatorKey,
    Path(id): Path<String>,
    JsonBody(document): JsonBody,
) -> Result<(StatusCode, Json<IssuedKey>), Problem> {
    let tenant = tenant_of(&state, &id).await?;
    let label = text_field(&document, "label", false)?;
    let (record, secret) = state
        .oms
        .create_api_key(KeyRole::Tenant(tenant.id), label.as_deref())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedKey {
            tenant: tenant.into(),
            key_id: record.id.to_string(),
            api_key: secret.expose().to_owned(),
        }),
    ))
}

/// List a tenant's keys (without secrets).
#[utoipa::path(
    get, path = "/v1/admin/tenants/{id}/keys", tag = "admin",
    params(("id" = String, Path, description = "Tenant id")),
    responses((status = 200, description = "Keys", body = [KeyView])),
    security(("api_key" = []))
)]
pub(crate) async fn list_keys(
    State(state): State<AppState>,
    _operator: OperatorKey,
    Path(id): Path<String>,
) -> Result<Json<Vec<KeyView>>, Problem> {
    let tenant = tenant_of(&state, &id).await?;
    let keys = state
        .oms
        .store()
        .api_keys(Some(tenant.id))
        .await
        .map_err(okno_oms::OmsError::from)?;
    Ok(Json(keys.into_iter().map(KeyView::from).collect()))
}

/// Revoke a key; it stops authenticating at once.
#[utoipa::path(
    delete, path = "/v1/admin/keys/{id}", tag = "admin",
    params(("id" = String, Path, description = "Key id")),
    responses(
        (status = 204, description = "Revoked (also when it already was)"),
        (status = 404, description = "No such key", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn revoke_key(
    State(state): State<AppState>,
    _operator: OperatorKey,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let id: ApiKeyId = id
        .parse()
        .map_err(|_| Problem::new(ProblemKind::NotFound, "api key not found"))?;
    state.oms.revoke_api_key(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An Otpravka account as the admin API answers it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct OtpravkaAccountView {
    /// The tenant.
    tenant: TenantView,
    /// The login of `X-User-Authorization: Basic`.
    login: String,
    /// The generated password, shown once; absent when the request chose it.
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<String>,
}

/// Create an Otpravka account of a tenant (the login and password Otpravka clients send in
/// `X-User-Authorization`), or set its password. Without a password one is generated.
#[utoipa::path(
    put, path = "/v1/admin/tenants/{id}/otpravka-accounts/{login}", tag = "admin",
    params(("id" = String, Path, description = "Tenant id"), ("login" = String, Path, description = "Login (no spaces, no colon)")),
    request_body(content = Object, description = "`{}` or `{\"password\": \"…\"}` (8 to 200 characters)", content_type = "application/json"),
    responses(
        (status = 200, description = "Set; a generated password is shown once", body = OtpravkaAccountView),
        (status = 404, description = "No such tenant", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad login or password", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn put_otpravka_account(
    State(state): State<AppState>,
    _operator: OperatorKey,
    Path((id, login)): Path<(String, String)>,
    JsonBody(document): JsonBody,
) -> Result<Json<OtpravkaAccountView>, Problem> {
    let tenant = tenant_of(&state, &id).await?;
    let chosen = match document.get("password") {
        None | Some(Value::Null) => None,
        Some(Value::String(password)) => Some(password.clone()),
        Some(_) => {
            return Err(
                Problem::new(ProblemKind::Validation, "password must be a string").with_errors(
                    vec![FieldError {
                        pointer: "/password".to_owned(),
                        code: "type".to_owned(),
                        detail: "must be a string".to_owned(),
                    }],
                ),
            );
        }
    };
    let generated = chosen.is_none();
    let password = state
        .oms
        .set_otpravka_account(tenant.id, &login, chosen)
        .await?;
    Ok(Json(OtpravkaAccountView {
        tenant: tenant.into(),
        login,
        password: generated.then_some(password),
    }))
}
