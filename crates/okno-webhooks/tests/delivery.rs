//! The dispatcher against real receivers on 127.0.0.1, on SQLite and PostgreSQL: signatures
//! (checked with the crate's verifier and recomputed here), rotation, retries while the
//! receiver is down, two dispatchers on one database, per-order ordering, disabling after the
//! failure window, replay, subscription filtering, and the connector format with the shipped
//! Yandex Market file.

// Test helpers outside #[test] functions may unwrap: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod support;

use base64::Engine;
use hmac::{Hmac, Mac};
use okno_connectors::{Connector, Registry, SharedRegistry};
use okno_model::EventKind;
use okno_store::testing::TestDatabase;
use okno_store::{DeliveryFilter, DeliveryStatus, Store};
use okno_webhooks::signature::{Secret, verify};
use okno_webhooks::{Dispatcher, EndpointChange, Settings, Webhooks};
use serde_json::Value;
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use support::{Receiver, change, fast_settings, free_port, place, tenant, wait_for};

macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let database = okno_store::testing::TestDatabase::sqlite();
                    super::$name(&database).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(database) = okno_store::testing::TestDatabase::postgres().await {
                        super::$name(&database).await;
                    }
                }
            )+
        }
    };
}

both!(
    delivered_once_with_a_valid_signature,
    rotation_signs_with_both_secrets,
    retried_while_the_receiver_is_down_then_delivered,
    two_dispatchers_never_send_one_delivery_twice,
    an_orders_events_arrive_in_sequence,
    an_endpoint_failing_past_the_window_is_disabled,
    replay_resends_with_the_same_webhook_id,
    only_subscribed_events_are_sent_and_rolled_back_ones_never,
    connector_format_sends_what_the_connector_renders,
    https_receivers_are_verified_against_the_trusted_roots,
);

fn registry() -> Arc<SharedRegistry> {
    Arc::new(SharedRegistry::new(Registry::new()))
}

async fn endpoint(
    webhooks: &Webhooks,
    tenant_id: okno_model::TenantId,
    url: String,
    types: &[&str],
) -> okno_store::WebhookEndpoint {
    webhooks
        .create(
            tenant_id,
            EndpointChange {
                url: Some(url),
                event_types: Some(types.iter().map(|name| (*name).to_owned()).collect()),
                ..EndpointChange::default()
            },
            support::now(),
        )
        .await
        .unwrap()
}

async fn log(
    store: &Arc<dyn Store>,
    endpoint: &okno_store::WebhookEndpoint,
) -> Vec<okno_store::DeliveryRecord> {
    let filter = DeliveryFilter {
        limit: 1000,
        ..DeliveryFilter::default()
    };
    store
        .webhook_deliveries(endpoint.tenant_id, endpoint.id, &filter)
        .await
        .unwrap()
}

/// Waits (up to 20 s) until no delivery of the endpoint is pending: every answer is recorded.
async fn settled(store: &Arc<dyn Store>, endpoint: &okno_store::WebhookEndpoint) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while log(store, endpoint)
        .await
        .iter()
        .any(|row| row.status == DeliveryStatus::Pending)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "deliveries still pending"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The signature, computed here from the standard's definition, not with the crate.
fn recompute(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> String {
    let engine = base64::engine::general_purpose::STANDARD;
    let key = engine
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", engine.encode(mac.finalize().into_bytes()))
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn delivered_once_with_a_valid_signature(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let receiver = Receiver::start().await;
    let webhooks = Webhooks::new(Arc::clone(&store), fast_settings());
    let tenant_id = tenant(&store).await;
    let hook = endpoint(&webhooks, tenant_id, receiver.url("/hooks"), &["*"]).await;
    let order = place(&store, tenant_id, "A-1").await;
    let dispatcher = Dispatcher::new(Arc::clone(&store), registry(), fast_settings());
    assert_eq!(dispatcher.run_once().await.unwrap(), 1);

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/hooks")
    );
    assert_eq!(request.headers["content-type"], "application/json");
    assert!(request.id.starts_with("msg_"));
    let secret = Secret::parse(&hook.secret).unwrap();
    verify(
        &[secret],
        &request.id,
        &request.timestamp,
        &request.signature,
        &request.body,
        unix_now(),
        300,
    )
    .unwrap();
    assert_eq!(
        request.signature,
        recompute(&hook.secret, &request.id, &request.timestamp, &request.body)
    );
    let timestamp: i64 = request.timestamp.parse().unwrap();
    assert!((unix_now() - timestamp).abs() < 60);
    // A wrong secret does not verify.
    assert!(
        verify(
            &[Secret::generate()],
            &request.id,
            &request.timestamp,
            &request.signature,
            &request.body,
            unix_now(),
            300
        )
        .is_err()
    );

    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["type"], "order.created");
    assert_eq!(body["data"]["order_id"], order.id.to_string());
    assert_eq!(body["data"]["sequence"], 1);
    assert_eq!(body["data"]["event"]["kind"], "order.created");
    assert_eq!(body["data"]["order"]["client_order_number"], "A-1");
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));

    let rows = log(&store, &hook).await;
    assert_eq!(rows[0].id, request.id);
    assert_eq!(rows[0].status, DeliveryStatus::Delivered);
    let attempts = store
        .webhook_attempts(vec![rows[0].id.clone()])
        .await
        .unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].http_status, Some(200));
    assert_eq!(attempts[0].response_excerpt.as_deref(), Some("thanks"));
    // Nothing more to send.
    assert_eq!(dispatcher.run_once().await.unwrap(), 0);
    assert_eq!(receiver.received().len(), 1);
}

async fn https_receivers_are_verified_against_the_trusted_roots(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let (receiver, certificate) = Receiver::start_tls().await;
    let webhooks = Webhooks::new(Arc::clone(&store), fast_settings());
    let tenant_id = tenant(&store).await;
    let url = receiver.url("/secure-hooks");
    assert!(url.starts_with("https://127.0.0.1:"));
    let hook = endpoint(&webhooks, tenant_id, url, &["*"]).await;
    place(&store, tenant_id, "TLS-1").await;

    // Its self-signed certificate is not among the system's roots: the attempt fails with the
    // TLS reason in the log, nothing arrives, and the delivery waits for its retry.
    let distrusting = Dispatcher::new(Arc::clone(&store), registry(), fast_settings());
    assert_eq!(distrusting.run_once().await.unwrap(), 1);
    assert!(receiver.received().is_empty());
    let rows = log(&store, &hook).await;
    let attempts = store
        .webhook_attempts(vec![rows[0].id.clone()])
        .await
        .unwrap();
    let error = attempts[0].error.clone().unwrap_or_default();
    assert!(
        error.to_lowercase().contains("certificate"),
        "the reason names the certificate: {error}"
    );

    // An operator's CA file trusts it: the retry arrives, signed, over TLS.
    let settings = Settings {
        extra_roots: vec![certificate],
        ..fast_settings()
    };
    let trusting = Dispatcher::new(Arc::clone(&store), registry(), settings);
    for _ in 0..200 {
        trusting.run_once().await.unwrap();
        if !receiver.received().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    settled(&store, &hook).await;
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path, "/secure-hooks");
    let secret = Secret::parse(&hook.secret).unwrap();
    verify(
        &[secret],
        &received[0].id,
        &received[0].timestamp,
        &received[0].signature,
        &received[0].body,
        unix_now(),
        300,
    )
    .unwrap();
    assert_eq!(
        log(&store, &hook).await[0].status,
        DeliveryStatus::Delivered
    );
}

async fn rotation_signs_with_both_secrets(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let receiver = Receiver::start().await;
    let webhooks = Webhooks::new(Arc::clone(&store), fast_settings());
    let tenant_id = tenant(&store).await;
    let before = endpoint(&webhooks, tenant_id, receiver.url("/"), &["*"]).await;
    let after = webhooks
        .rotate_secret(tenant_id, before.id, support::now())
        .await
        .unwrap();
    assert_ne!(after.secret, before.secret);
    assert_eq!(
        after.previous_secret.as_deref(),
        Some(before.secret.as_str())
    );
    place(&store, tenant_id, "A-1").await;
    let dispatcher = Dispatcher::new(Arc::clone(&store), registry(), fast_settings());
    dispatcher.run_once().await.unwrap();
    let request = &receiver.received()[0];
    let signatures: Vec<&str> = request.signature.split(' ').collect();
    assert_eq!(signatures.len(), 2, "{}", request.signature);
    let (new, old) = (
        recompute(
            &after.secret,
            &request.id,
            &request.timestamp,
            &request.body,
        ),
        recompute(
            &before.secret,
            &request.id,
            &request.timestamp,
            &request.body,
        ),
    );
    assert_eq!(signatures, vec![new.as_str(), old.as_str()]);
    for secret in [&before.secret, &after.secret] {
        verify(
            &[Secret::parse(secret).unwrap()],
            &request.id,
            &request.timestamp,
            &request.signature,
            &request.body,
            unix_now(),
            300,
        )
        .unwrap();
    }
    // Once the overlap is over, only the new secret signs.
    let mut expired = after.clone();
    expired.previous_secret_expires_at = Some(support::now() - chrono::Duration::seconds(1));
    store.update_webhook_endpoint(&expired).await.unwrap();
    place(&store, tenant_id, "A-2").await;
    dispatcher.run_once().await.unwrap();
    let request = &receiver.received()[1];
    assert_eq!(
        request.signature,
        recompute(
            &after.secret,
            &request.id,
            &request.timestamp,
            &request.body
        )
    );
}

async fn retried_while_the_receiver_is_down_then_delivered(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let port = free_port();
    let webhooks = Webhooks::new(Arc::clone(&store), fast_settings());
    let tenant_id = tenant(&store).await;
    let hook = endpoint(
        &webhooks,
        tenant_id,
        format!("http://127.0.0.1:{port}/hooks"),
        &["*"],
    )
    .await;
    place(&store, tenant_id, "A-1").await;
    let dispatcher = Dispatcher::new(Arc::clone(&store), registry(), fast_settings());
    // Attempt 1: nothing listens.
    assert_eq!(dispatcher.run_once().await.unwrap(), 1);
    let row = log(&store, &hook).await.remove(0);
    assert_eq!(row.status, DeliveryStatus::Pending);
    assert_eq!(row.attempts, 1);
    assert!(
        row.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("onnect"),
        "{row:?}"
    );
    // Not due again before the schedule says so.
    assert_eq!(dispatcher.run_once().await.unwrap(), 0);
    // The receiver comes up but answers 500 once.
    let receiver = Receiver::start_on(port).await;
    receiver.answer(&[500]);
    let running = dispatcher.spawn();
    wait_for("the delivery", || !receiver.acknowledged().is_empty()).await;
    // The answer came; wait until the dispatcher has recorded it too.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while log(&store, &hook).await[0].status != DeliveryStatus::Delivered {
        assert!(std::time::Instant::now() < deadline, "never recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.abort();
    let received = receiver.received();
    assert_eq!(
        received
            .iter()
            .map(|request| request.status)
            .collect::<Vec<_>>(),
        vec![500, 200]
    );
    assert!(received.iter().all(|request| request.id == row.id));
    let attempts = store.webhook_attempts(vec![row.id.clone()]).await.unwrap();
    assert_eq!(attempts.len(), 3);
    assert_eq!(attempts[0].http_status, None);
    assert!(attempts[0].error.is_some());
    assert_eq!(attempts[1].http_status, Some(500));
    assert_eq!(attempts[1].response_excerpt.as_deref(), Some("broken"));
    assert_eq!(attempts[2].http_status, Some(200));
    // The compressed schedule was kept: each retry at least 150 ms after the failure before.
    for pair in attempts.windows(2) {
        assert!(pair[1].at - pair[0].at >= chrono::Duration::milliseconds(150));
    }
    let endpoint = store
        .webhook_endpoint(tenant_id, hook.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(endpoint.failing_since, None, "a success clears the failure");
}

async fn two_dispatchers_never_send_one_delivery_twice(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let receiver = Receiver::start().await;
    let webhooks = Webhooks::new(Arc::clone(&store), fast_settings());
    let tenant_id = tenant(&store).await;
    let hook = endpoint(&webhooks, tenant_id, receiver.url("/"), &["*"]).await;
    let mut settings = fast_settings();
    settings.batch = 4;
    let first = Dispatcher::new(Arc::clone(&store), registry(), settings.clone());
    let second_store = database.open().await.unwrap();
    let second = Dispatcher::new(second_store, registry(), settings);
    let running = [first.spawn(), second.spawn()];
    const ORDERS: usize = 40;
    for index in 0..ORDERS {
        let order = place(&store, tenant_id, &format!("N-{index}")).await;
        change(&store, &order, EventKind::Cancelled, |_| {}).await;
    }
    wait_for("every delivery", || {
        receiver.acknowledged().len() >= 2 * ORDERS
    })
    .await;
    settled(&store, &hook).await;
    for task in running {
        task.abort();
    }
    let mut acknowledged: HashMap<String, usize> = HashMap::new();
    for request in receiver.acknowledged() {
        *acknowledged.entry(request.id).or_default() += 1;
    }
    assert_eq!(acknowledged.len(), 2 * ORDERS);
    assert!(
        acknowledged.values().all(|count| *count == 1),
        "{acknowledged:?}"
    );
    assert_eq!(
        receiver.received().len(),
        2 * ORDERS,
        "no failures, so no retries"
    );
    assert!(
        log(&store, &hook)
            .await
            .iter()
            .all(|row| row.status == DeliveryStatus::Delivered && row.attempts == 1)
    );
}

async fn an_orders_events_arrive_in_sequence(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let receiver = Receiver::start().await;
    let webhooks = Webhooks::new(Arc::clone(&store), fast_settings());
    let tenant_id = tenant(&store).await;
    endpoint(&webhooks, tenant_id, receiver.url("/"), &["*"]).await;
    // The first event fails once: the later ones must wait for it.
    receiver.fail_once_containing("\"sequence\":1");
    let order = place(&store, tenant_id, "A-1").await;
    let order = change(&store, &order, EventKind::HoldPlaced, |_| {}).await;
    let order = change(&store, &order, EventKind::HoldReleased, |_| {}).await;
    change(&store, &order, EventKind::Cancelled, |_| {}).await;
    let dispatcher = Dispatcher::new(Arc::clone(&store), registry(), fast_settings());
    let running = dispatcher.spawn();
    wait_for("four deliveries", || receiver.acknowledged().len() == 4).await;
    running.abort();
    let sequence = |request: &support::Received| {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        body["data"]["sequence"].as_i64().unwrap()
    };
    let arrived: Vec<(i64, u16)> = receiver
        .received()
        .iter()
        .map(|request| (sequence(request), request.status))
        .collect();
    assert_eq!(
        arrived,
        vec![(1, 500), (1, 200), (2, 200), (3, 200), (4, 200)]
    );
}

async fn an_endpoint_failing_past_the_window_is_disabled(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let receiver = Receiver::start().await;
    let mut settings = fast_settings();
    settings.disable_after = Duration::from_millis(400);
    settings.schedule = vec![Duration::ZERO; 1]
        .into_iter()
        .chain(std::iter::repeat_n(Duration::from_millis(100), 50))
        .collect();
    let webhooks = Webhooks::new(Arc::clone(&store), settings.clone());
    let tenant_id = tenant(&store).await;
    let hook = endpoint(&webhooks, tenant_id, receiver.url("/"), &["*"]).await;
    receiver.answer(&[503; 100]);
    place(&store, tenant_id, "A-1").await;
    let dispatcher = Dispatcher::new(Arc::clone(&store), registry(), settings);
    let running = dispatcher.spawn();
    let mut disabled = None;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while disabled.is_none() {
        assert!(std::time::Instant::now() < deadline, "never disabled");
        tokio::time::sleep(Duration::from_millis(50)).await;
        let endpoint = store
            .webhook_endpoint(tenant_id, hook.id)
            .await
            .unwrap()
            .unwrap();
        if !endpoint.enabled {
            disabled = Some(endpoint);
        }
    }
    let disabled = disabled.unwrap();
    let reason = disabled.disabled_reason.unwrap();
    assert!(reason.contains("HTTP 503"), "{reason}");
    let failing_since = disabled.failing_since.unwrap();
    assert!(disabled.disabled_at.unwrap() - failing_since >= chrono::Duration::milliseconds(400));
    // Disabled: no more attempts, and new events make no deliveries.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let attempts_then = receiver.received().len();
    place(&store, tenant_id, "A-2").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), attempts_then);
    assert_eq!(log(&store, &hook).await.len(), 1);
    // Re-enabled, the pending delivery goes out once the receiver answers again.
    receiver.clear_script();
    webhooks
        .enable(tenant_id, hook.id, support::now())
        .await
        .unwrap();
    wait_for("delivery after re-enabling", || {
        !receiver.acknowledged().is_empty()
    })
    .await;
    running.abort();
}

async fn replay_resends_with_the_same_webhook_id(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let receiver = Receiver::start().await;
    let webhooks = Webhooks::new(Arc::clone(&store), fast_settings());
    let tenant_id = tenant(&store).await;
    let hook = endpoint(&webhooks, tenant_id, receiver.url("/"), &["*"]).await;
    let started = support::now();
    place(&store, tenant_id, "A-1").await;
    place(&store, tenant_id, "A-2").await;
    let dispatcher = Dispatcher::new(Arc::clone(&store), registry(), fast_settings());
    dispatcher.run_once().await.unwrap();
    let first = receiver.received();
    assert_eq!(first.len(), 2);
    webhooks
        .replay(tenant_id, hook.id, &first[0].id, support::now())
        .await
        .unwrap();
    dispatcher.run_once().await.unwrap();
    let all = receiver.received();
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].id, first[0].id);
    assert_eq!(all[2].body, first[0].body);
    let replayed = webhooks
        .replay_since(tenant_id, hook.id, started, support::now())
        .await
        .unwrap();
    assert_eq!(replayed, 2);
    dispatcher.run_once().await.unwrap();
    let mut ids: Vec<String> = receiver.received()[3..]
        .iter()
        .map(|request| request.id.clone())
        .collect();
    ids.sort();
    let mut expected = vec![first[0].id.clone(), first[1].id.clone()];
    expected.sort();
    assert_eq!(ids, expected);
    let unknown = webhooks
        .replay(tenant_id, hook.id, "msg_unknown", support::now())
        .await;
    assert!(matches!(
        unknown,
        Err(okno_webhooks::WebhookError::NotFound(_))
    ));
}

async fn only_subscribed_events_are_sent_and_rolled_back_ones_never(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let receiver = Receiver::start().await;
    let webhooks = Webhooks::new(Arc::clone(&store), fast_settings());
    let tenant_id = tenant(&store).await;
    endpoint(
        &webhooks,
        tenant_id,
        receiver.url("/cancelled"),
        &["order.cancelled"],
    )
    .await;
    let order = place(&store, tenant_id, "A-1").await;
    let order = change(&store, &order, EventKind::HoldPlaced, |_| {}).await;
    change(&store, &order, EventKind::Cancelled, |_| {}).await;
    // A rolled-back event: the duplicate order is refused, so nothing is sent for it.
    let other = place(&store, tenant_id, "B-1").await;
    let mut stale = other.clone();
    stale.version = 9;
    let refused = store
        .update_order(okno_store::OrderWrite {
            order: stale,
            event: okno_store::NewEvent {
                kind: EventKind::Cancelled,
                actor: okno_model::Actor("test".to_owned()),
                payload: serde_json::json!({}),
            },
            idempotency: None,
            process_inbox: Vec::new(),
        })
        .await;
    assert!(refused.is_err());
    let dispatcher = Dispatcher::new(Arc::clone(&store), registry(), fast_settings());
    dispatcher.run_once().await.unwrap();
    dispatcher.run_once().await.unwrap();
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let body: Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(body["type"], "order.cancelled");
    assert_eq!(body["data"]["sequence"], 3);
    assert_eq!(body["data"]["order"]["status"], "cancelled");
}

async fn connector_format_sends_what_the_connector_renders(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let market = Receiver::start().await;
    let webhooks = Webhooks::new(Arc::clone(&store), fast_settings());
    let tenant_id = tenant(&store).await;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../connectors/yandex-market.yaml"
    ))
    .unwrap()
    .replace(
        "api_base: \"https://api.partner.market.yandex.ru\"",
        &format!("api_base: \"{}\"", market.url("")),
    )
    .replace("campaign_id: \"0\"", "campaign_id: \"777\"")
    .replace("api_token: \"\"", "api_token: \"market-token\"")
    .replace(
        "secret: {env: MARKET_PUSH_TOKEN}",
        "secret: {value: push-token}",
    );
    let connector = Connector::load("yandex-market.yaml", &text).unwrap();
    let mut registry = Registry::new();
    registry.insert(tenant_id, connector);
    let registry = Arc::new(SharedRegistry::new(registry));
    let hook = webhooks
        .create(
            tenant_id,
            EndpointChange {
                url: Some(market.url("/unused")),
                event_types: Some(vec!["*".to_owned()]),
                format: Some("connector:yandex-market".to_owned()),
                ..EndpointChange::default()
            },
            support::now(),
        )
        .await
        .unwrap();
    let order = place(&store, tenant_id, "YM-12345").await;
    let order = change(&store, &order, EventKind::TrackNumberAssigned, |order| {
        order.parcels[0].track_number = Some("80085512345678".to_owned());
    })
    .await;
    change(&store, &order, EventKind::LabelIssued, |_| {}).await;
    let dispatcher = Dispatcher::new(Arc::clone(&store), registry, fast_settings());
    let running = dispatcher.spawn();
    wait_for("two Market calls", || market.acknowledged().len() == 2).await;
    settled(&store, &hook).await;
    running.abort();

    let received = market.received();
    assert_eq!(
        received.len(),
        2,
        "order.created is not mapped: nothing sent"
    );
    let track = &received[0];
    assert_eq!(track.method, "POST");
    assert_eq!(track.path, "/campaigns/777/orders/12345/delivery/track");
    assert_eq!(track.headers["authorization"], "Bearer market-token");
    let body: Value = serde_json::from_slice(&track.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"trackCode": "80085512345678", "deliveryServiceId": 1})
    );
    verify(
        &[Secret::parse(&hook.secret).unwrap()],
        &track.id,
        &track.timestamp,
        &track.signature,
        &track.body,
        unix_now(),
        300,
    )
    .unwrap();
    let status = &received[1];
    assert_eq!(status.method, "PUT");
    assert_eq!(status.path, "/campaigns/777/orders/12345/status");
    let body: Value = serde_json::from_slice(&status.body).unwrap();
    assert_eq!(body["order"]["substatus"], "READY_TO_SHIP");

    let mut statuses: Vec<(i64, DeliveryStatus)> = log(&store, &hook)
        .await
        .into_iter()
        .map(|row| (row.sequence, row.status))
        .collect();
    statuses.sort_by_key(|(sequence, _)| *sequence);
    assert_eq!(
        statuses,
        vec![
            (1, DeliveryStatus::Skipped),
            (2, DeliveryStatus::Delivered),
            (3, DeliveryStatus::Delivered)
        ]
    );
}

#[test]
fn default_settings_follow_the_standard() {
    let settings = Settings::default();
    assert_eq!(settings.retry_delay(1), Some(Duration::from_secs(5)));
    assert_eq!(settings.disable_after, Duration::from_secs(5 * 86_400));
}
