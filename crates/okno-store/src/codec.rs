//! Conversions between model values and column values shared by both backends.

use crate::{KeyRole, StoreError, StoreResult};
use chrono::{DateTime, SecondsFormat, Utc};
use okno_model::TenantId;

/// Fixed-width RFC 3339 UTC with microseconds, so that text order is time order (SQLite).
pub(crate) fn time_text(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_time(text: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|error| StoreError::Corrupt(format!("time {text:?}: {error}")))
}

pub(crate) fn role_columns(role: KeyRole) -> (&'static str, Option<TenantId>) {
    match role {
        KeyRole::Tenant(tenant_id) => ("tenant", Some(tenant_id)),
        KeyRole::Operator => ("operator", None),
    }
}

pub(crate) fn role_of(role: &str, tenant_id: Option<TenantId>) -> StoreResult<KeyRole> {
    match (role, tenant_id) {
        ("tenant", Some(tenant_id)) => Ok(KeyRole::Tenant(tenant_id)),
        ("operator", None) => Ok(KeyRole::Operator),
        _ => Err(StoreError::Corrupt(format!("api key role {role:?}"))),
    }
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|error| StoreError::Corrupt(format!("{what}: {error}")))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serialising model types cannot fail: they hold no maps with non-string keys.
    serde_json::to_string(value).expect("model types serialise to JSON")
}
