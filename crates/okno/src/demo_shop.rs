//! The demo's fake shop: a webhook receiver on 127.0.0.1, registered as an endpoint of the demo
//! tenant for every event type, that verifies each webhook's Standard Webhooks signature with
//! `okno_webhooks::signature::verify` and logs what it got. It shows a receiver doing what
//! `docs/webhooks.md` asks of one.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use okno_oms::Oms;
use okno_store::Tenant;
use okno_webhooks::signature::{Secret, verify};
use okno_webhooks::{EndpointChange, Webhooks};
use std::sync::Arc;
use uuid::Uuid;

/// The description that marks the demo's endpoint.
const DESCRIPTION: &str = "okno demo fake shop";
/// The signature tolerance the shop accepts, in seconds (the standard's five minutes).
const TOLERANCE_SECONDS: i64 = 300;

#[derive(Clone)]
struct Shop {
    oms: Oms,
    tenant: Tenant,
}

/// A listener for the fake shop and the URL webhooks go to.
pub(crate) async fn bind() -> anyhow::Result<(tokio::net::TcpListener, String)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks", listener.local_addr()?);
    Ok((listener, url))
}

/// Registers (or points at `url` again) the demo tenant's endpoint for every event.
pub(crate) async fn register(oms: &Oms, tenant: &Tenant, url: &str) -> anyhow::Result<Uuid> {
    let webhooks = Webhooks::new(Arc::clone(oms.store()), okno_webhooks::Settings::default());
    let now = chrono::Utc::now();
    let existing = webhooks
        .list(tenant.id)
        .await?
        .into_iter()
        .find(|endpoint| endpoint.description.as_deref() == Some(DESCRIPTION));
    let change = EndpointChange {
        url: Some(url.to_owned()),
        event_types: Some(vec!["*".to_owned()]),
        description: Some(DESCRIPTION.to_owned()),
        enabled: Some(true),
        ..EndpointChange::default()
    };
    let endpoint = match existing {
        Some(endpoint) => webhooks.update(tenant.id, endpoint.id, change, now).await?,
        None => webhooks.create(tenant.id, change, now).await?,
    };
    Ok(endpoint.id)
}

/// Serves the fake shop on `listener` until the process ends.
pub(crate) fn spawn(listener: tokio::net::TcpListener, oms: Oms, tenant: Tenant) {
    let shop = Shop { oms, tenant };
    let app = axum::Router::new().fallback(receive).with_state(shop);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::warn!(%error, "the demo fake shop stopped");
        }
    });
}

async fn receive(
    State(shop): State<Shop>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    // The secrets are read on every request, so a rotation takes effect at once. The shop
    // owns every endpoint of the demo tenant (its own canonical one, and Market's through the
    // connector), so any of their secrets may sign.
    let Ok(endpoints) = shop.oms.store().webhook_endpoints(shop.tenant.id).await else {
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    let secrets: Vec<Secret> = endpoints
        .into_iter()
        .flat_map(|endpoint| [Some(endpoint.secret), endpoint.previous_secret])
        .flatten()
        .filter_map(|text| Secret::parse(&text).ok())
        .collect();
    let id = header("webhook-id");
    let verified = verify(
        &secrets,
        &id,
        &header("webhook-timestamp"),
        &header("webhook-signature"),
        &body,
        chrono::Utc::now().timestamp(),
        TOLERANCE_SECONDS,
    );
    let payload: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let event_type = payload["type"].as_str().unwrap_or_default();
    let number = payload["data"]["order"]["client_order_number"]
        .as_str()
        .unwrap_or_default();
    match verified {
        // Market's own API, called through the connector's mapping: shown in its format.
        Ok(()) if uri.path().starts_with("/market/") => {
            println!(
                "     Market API got {method} {} {} (webhook-id {id}, signature verified)",
                uri.path(),
                String::from_utf8_lossy(&body)
            );
            StatusCode::OK
        }
        Ok(()) => {
            tracing::info!(webhook_id = %id, event_type, order = number, "fake shop: webhook received, signature verified");
            StatusCode::NO_CONTENT
        }
        Err(error) => {
            tracing::warn!(webhook_id = %id, %error, "fake shop: webhook refused");
            StatusCode::UNAUTHORIZED
        }
    }
}
