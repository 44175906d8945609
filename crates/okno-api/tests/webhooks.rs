//! Webhooks over HTTP, on SQLite and PostgreSQL: an endpoint created with `POST /v1/webhooks`
//! receives the events of orders created and cancelled through the API (a real receiver on
//! 127.0.0.1, the app's own dispatcher), the delivery log shows the attempts, replay resends the
//! same `webhook-id`, rotation returns a new secret once, and bad input names the field.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode};
use okno_api::{ApiConfig, AppState, ProblemKind};
use okno_webhooks::signature::{Secret, verify};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{TestApp, assert_problem, order};

both!(
    endpoint_receives_api_orders_and_the_log_shows_it,
    bad_input_names_the_field_and_tenants_are_apart,
);

type Seen = Arc<Mutex<Vec<(String, String, String, Bytes)>>>;

async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let shared = Arc::clone(&seen);
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
        let shared = Arc::clone(&shared);
        async move {
            let header = |name: &str| headers[name].to_str().unwrap().to_owned();
            shared.lock().unwrap().push((
                header("webhook-id"),
                header("webhook-timestamp"),
                header("webhook-signature"),
                body,
            ));
            StatusCode::NO_CONTENT
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn fast(app: &mut TestApp) -> okno_webhooks::Dispatcher {
    let settings = okno_webhooks::Settings {
        schedule: vec![Duration::ZERO, Duration::from_millis(100)],
        ..okno_webhooks::Settings::default()
    };
    let state =
        AppState::new(app.oms.clone(), ApiConfig::default()).with_webhook_settings(settings);
    app.router = okno_api::app(state.clone());
    state.webhook_dispatcher()
}

async fn endpoint_receives_api_orders_and_the_log_shows_it(mut app: TestApp) {
    let dispatcher = fast(&mut app);
    let (url, seen) = receiver().await;
    let key = app.tenant_key.clone();
    let created = app
        .call(
            Method::POST,
            "/v1/webhooks",
            Some(&key),
            Some(
                json!({"url": url, "event_types": ["order.created", "order.cancelled"],
                        "description": "warehouse"}),
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:#}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let shown = app
        .call(Method::GET, &format!("/v1/webhooks/{id}"), Some(&key), None)
        .await;
    assert_eq!(shown.body["description"], "warehouse");
    assert!(
        shown.body.get("secret").is_none(),
        "the secret is shown once"
    );

    let placed = app.create(order("W-1")).await;
    let order_id = placed.body["id"].as_str().unwrap().to_owned();
    let cancelled = app
        .call(
            Method::POST,
            &format!("/v1/orders/{order_id}:cancel"),
            Some(&key),
            Some(json!({"reason": "test"})),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{:#}", cancelled.body);
    dispatcher.run_once().await.unwrap();
    dispatcher.run_once().await.unwrap();
    let received = seen.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    let now = chrono::Utc::now().timestamp();
    for (webhook_id, timestamp, signature, body) in &received {
        verify(
            &[Secret::parse(&secret).unwrap()],
            webhook_id,
            timestamp,
            signature,
            body,
            now,
            300,
        )
        .unwrap();
    }
    let types: Vec<Value> = received
        .iter()
        .map(|(_, _, _, body)| serde_json::from_slice::<Value>(body).unwrap()["type"].clone())
        .collect();
    assert_eq!(
        types,
        vec![json!("order.created"), json!("order.cancelled")]
    );

    let log = app
        .call(
            Method::GET,
            &format!("/v1/webhooks/{id}/deliveries?status=delivered&order_id={order_id}"),
            Some(&key),
            None,
        )
        .await;
    let deliveries = log.body["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 2, "{:#}", log.body);
    assert_eq!(deliveries[0]["sequence"], 2, "newest first");
    assert_eq!(deliveries[0]["attempt_log"][0]["http_status"], 204);

    let first_id = deliveries[1]["id"].as_str().unwrap().to_owned();
    let replay = app
        .call(
            Method::POST,
            &format!("/v1/webhooks/{id}/deliveries/{first_id}:replay"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(replay.status, StatusCode::ACCEPTED, "{:#}", replay.body);
    dispatcher.run_once().await.unwrap();
    assert_eq!(seen.lock().unwrap()[2].0, first_id, "same webhook-id");

    let rotated = app
        .call(
            Method::POST,
            &format!("/v1/webhooks/{id}:rotate-secret"),
            Some(&key),
            None,
        )
        .await;
    let new_secret = rotated.body["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    assert!(rotated.body["previous_secret_expires_at"].is_string());

    let since = app
        .call(
            Method::POST,
            &format!("/v1/webhooks/{id}:replay?since=2000-01-01T00:00:00Z"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(since.body["replayed"], 2);

    let disabled = app
        .call(
            Method::PATCH,
            &format!("/v1/webhooks/{id}"),
            Some(&key),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(disabled.body["enabled"], false);
    assert_eq!(disabled.body["disabled_reason"], "disabled by the client");
    let enabled = app
        .call(
            Method::POST,
            &format!("/v1/webhooks/{id}:enable"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(enabled.body["enabled"], true);
    let deleted = app
        .call(
            Method::DELETE,
            &format!("/v1/webhooks/{id}"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let listed = app
        .call(Method::GET, "/v1/webhooks", Some(&key), None)
        .await;
    assert_eq!(listed.body["webhooks"], json!([]));
}

async fn bad_input_names_the_field_and_tenants_are_apart(app: TestApp) {
    let key = app.tenant_key.clone();
    let bad = app
        .call(
            Method::POST,
            "/v1/webhooks",
            Some(&key),
            Some(
                json!({"url": "ftp://x", "event_types": ["order.created", "order.shipped"],
                        "format": "xml"}),
            ),
        )
        .await;
    assert_problem(&bad, ProblemKind::Validation);
    let pointers: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, vec!["/url", "/event_types/1", "/format"]);
    let wrong_type = app
        .call(
            Method::POST,
            "/v1/webhooks",
            Some(&key),
            Some(json!({"url": "http://127.0.0.1:9/", "event_types": "*"})),
        )
        .await;
    assert_problem(&wrong_type, ProblemKind::Validation);
    assert_eq!(wrong_type.body["errors"][0]["pointer"], "/event_types");
    let created = app
        .call(
            Method::POST,
            "/v1/webhooks",
            Some(&key),
            Some(json!({"url": "http://127.0.0.1:9/", "event_types": ["*"]})),
        )
        .await;
    let id = created.body["id"].as_str().unwrap();
    let foreign = app
        .call(
            Method::GET,
            &format!("/v1/webhooks/{id}"),
            Some(&app.other_tenant_key),
            None,
        )
        .await;
    assert_problem(&foreign, ProblemKind::NotFound);
    let bad_status = app
        .call(
            Method::GET,
            &format!("/v1/webhooks/{id}/deliveries?status=lost"),
            Some(&key),
            None,
        )
        .await;
    assert_problem(&bad_status, ProblemKind::BadRequest);
    assert_eq!(bad_status.body["errors"][0]["pointer"], "status");
    let bad_since = app
        .call(
            Method::POST,
            &format!("/v1/webhooks/{id}:replay?since=yesterday"),
            Some(&key),
            None,
        )
        .await;
    assert_problem(&bad_since, ProblemKind::BadRequest);
    let anonymous = app.call(Method::GET, "/v1/webhooks", None, None).await;
    assert_problem(&anonymous, ProblemKind::Unauthenticated);
}
