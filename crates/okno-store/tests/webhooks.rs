//! The webhook outbox on both backends: deliveries are written with their event or not at all,
//! only for enabled endpoints subscribed to the event's type; a claim is exclusive, holds an
//! order's later events back until the earlier one is done, and records attempts and the
//! endpoint's health; replays keep the id.

// Test helpers outside #[test] functions may unwrap: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, DurationRound, Utc};
use okno_model::{Actor, EventKind, Order, OrderId, OrderStatus, TenantId, parse_order_draft};
use okno_store::testing::TestDatabase;
use okno_store::{
    AttemptRecord, AttemptWrite, DeliveryFilter, DeliveryOutcome, DeliveryStatus, NewEvent,
    OrderWrite, Requeue, Store, StoreError, Tenant, WebhookEndpoint,
};
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;
use uuid::Uuid;

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
    deliveries_are_written_with_the_event_for_subscribed_enabled_endpoints,
    a_rolled_back_event_has_no_delivery,
    claims_are_exclusive_and_keep_an_orders_events_in_sequence,
    attempts_are_logged_and_endpoint_health_is_kept,
    replay_requeues_with_the_same_id,
    endpoints_round_trip_update_and_delete,
);

fn now() -> chrono::DateTime<Utc> {
    Utc::now()
        .duration_trunc(Duration::microseconds(1))
        .expect("truncation to microseconds")
}

async fn tenant(store: &Arc<dyn Store>, name: &str) -> TenantId {
    let tenant = Tenant {
        id: TenantId::new(),
        name: name.to_owned(),
        created_at: now(),
    };
    store.create_tenant(&tenant).await.unwrap();
    tenant.id
}

fn order(tenant_id: TenantId, number: &str) -> Order {
    let draft = parse_order_draft(&json!({
        "client_order_number": number,
        "recipient": {"surname": "Иванов", "given_name": "Иван",
                      "address": {"postcode": "117105", "place": "г Москва", "house": "37"}},
        "parcels": [{"mass_grams": 2000, "mail_type": "POSTAL_PARCEL", "mail_category": "ORDINARY",
                     "items": [{"name": "Чайник", "quantity": 2, "price_kopecks": 99900,
                                "vat_rate": "vat22"}]}]
    }))
    .unwrap();
    draft.into_order(OrderId::new(), tenant_id, now())
}

fn write(order: Order, kind: EventKind) -> OrderWrite {
    OrderWrite {
        order,
        event: NewEvent {
            kind,
            actor: Actor("test".to_owned()),
            payload: json!({}),
        },
        idempotency: None,
        process_inbox: Vec::new(),
    }
}

fn next(order: &Order, kind: EventKind) -> OrderWrite {
    let mut changed = order.clone();
    changed.version += 1;
    changed.updated_at = now();
    if kind == EventKind::Cancelled {
        changed.status = OrderStatus::Cancelled;
    }
    write(changed, kind)
}

async fn endpoint(store: &Arc<dyn Store>, tenant_id: TenantId, types: &[&str]) -> WebhookEndpoint {
    let at = now();
    let endpoint = WebhookEndpoint {
        id: Uuid::now_v7(),
        tenant_id,
        url: "http://127.0.0.1:9/hook".to_owned(),
        description: Some("test".to_owned()),
        event_types: types.iter().map(|name| (*name).to_owned()).collect(),
        format: "canonical".to_owned(),
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
        previous_secret: None,
        previous_secret_expires_at: None,
        enabled: true,
        disabled_reason: None,
        disabled_at: None,
        failing_since: None,
        created_at: at,
        updated_at: at,
    };
    store.create_webhook_endpoint(&endpoint).await.unwrap();
    endpoint
}

async fn deliveries(
    store: &Arc<dyn Store>,
    endpoint: &WebhookEndpoint,
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

async fn deliveries_are_written_with_the_event_for_subscribed_enabled_endpoints(
    database: &TestDatabase,
) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    let other_tenant = tenant(&store, "other").await;
    let all = endpoint(&store, tenant_id, &["*"]).await;
    let created_only = endpoint(&store, tenant_id, &["order.created"]).await;
    let cancelled_only = endpoint(&store, tenant_id, &["order.cancelled", "*"]).await;
    let mut disabled = endpoint(&store, tenant_id, &["*"]).await;
    disabled.enabled = false;
    store.update_webhook_endpoint(&disabled).await.unwrap();
    let foreign = endpoint(&store, other_tenant, &["*"]).await;

    let placed = order(tenant_id, "A-1");
    store
        .create_order(write(placed.clone(), EventKind::Created))
        .await
        .unwrap();
    store
        .update_order(next(&placed, EventKind::Cancelled))
        .await
        .unwrap();

    let sequences = |rows: Vec<okno_store::DeliveryRecord>| {
        let mut found: Vec<(i64, String)> = rows
            .into_iter()
            .map(|row| (row.sequence, row.event_type))
            .collect();
        found.sort();
        found
    };
    let both = vec![
        (1, "order.created".to_owned()),
        (2, "order.cancelled".to_owned()),
    ];
    assert_eq!(sequences(deliveries(&store, &all).await), both);
    assert_eq!(
        sequences(deliveries(&store, &created_only).await),
        vec![(1, "order.created".to_owned())]
    );
    // '*' and a named type together still give one delivery per event.
    assert_eq!(sequences(deliveries(&store, &cancelled_only).await), both);
    assert!(deliveries(&store, &disabled).await.is_empty());
    assert!(deliveries(&store, &foreign).await.is_empty());

    let row = &deliveries(&store, &created_only).await[0];
    assert!(
        row.id.starts_with("msg_") && row.id.len() == 36,
        "{}",
        row.id
    );
    assert_eq!(row.status, DeliveryStatus::Pending);
    assert_eq!(row.order_id, placed.id);
    assert_eq!(row.attempts, 0);
    assert_eq!(row.next_attempt_at, placed.created_at);
}

async fn a_rolled_back_event_has_no_delivery(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    let hook = endpoint(&store, tenant_id, &["*"]).await;
    let first = order(tenant_id, "A-1");
    store
        .create_order(write(first.clone(), EventKind::Created))
        .await
        .unwrap();
    // A duplicate number: the order and its event roll back, and so does its delivery.
    let duplicate = order(tenant_id, "A-1");
    assert!(matches!(
        store
            .create_order(write(duplicate, EventKind::Created))
            .await,
        Err(StoreError::DuplicateClientOrderNumber { .. })
    ));
    // In a batch, only the failing savepoint rolls back.
    let results = store
        .create_orders(vec![
            write(order(tenant_id, "B-1"), EventKind::Created),
            write(order(tenant_id, "A-1"), EventKind::Created),
            write(order(tenant_id, "B-2"), EventKind::Created),
        ])
        .await
        .unwrap();
    assert!(results[0].is_ok() && results[1].is_err() && results[2].is_ok());
    // A stale version: the update and its delivery roll back.
    let mut stale = next(&first, EventKind::Cancelled);
    stale.order.version = 5;
    assert!(matches!(
        store.update_order(stale).await,
        Err(StoreError::VersionConflict { .. })
    ));
    let rows = deliveries(&store, &hook).await;
    assert_eq!(rows.len(), 3, "A-1, B-1, B-2 created; nothing else");
    assert!(rows.iter().all(|row| row.sequence == 1));
}

fn attempt(claimed: &okno_store::ClaimedDelivery, status: Option<i32>) -> AttemptRecord {
    AttemptRecord {
        delivery_id: claimed.delivery.id.clone(),
        attempt: claimed.delivery.attempts + 1,
        at: now(),
        duration_ms: 3,
        http_status: status,
        error: status
            .filter(|code| !(200..300).contains(code))
            .map(|code| format!("HTTP {code}")),
        response_excerpt: Some("ok".to_owned()),
    }
}

async fn finish(
    store: &Arc<dyn Store>,
    claimed: &okno_store::ClaimedDelivery,
    status: i32,
    outcome: DeliveryOutcome,
) -> Option<chrono::DateTime<Utc>> {
    store
        .record_webhook_attempt(AttemptWrite {
            claim: claimed.claim,
            delivery_id: claimed.delivery.id.clone(),
            attempt: Some(attempt(claimed, Some(status))),
            outcome,
        })
        .await
        .unwrap()
}

async fn claims_are_exclusive_and_keep_an_orders_events_in_sequence(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let second_node = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    endpoint(&store, tenant_id, &["*"]).await;
    let mut orders = Vec::new();
    for index in 0..40 {
        let placed = order(tenant_id, &format!("N-{index}"));
        store
            .create_order(write(placed.clone(), EventKind::Created))
            .await
            .unwrap();
        store
            .update_order(next(&placed, EventKind::Cancelled))
            .await
            .unwrap();
        orders.push(placed);
    }
    let later = Utc::now() + Duration::seconds(1);
    let lease = later + Duration::seconds(60);
    let (first, second) = tokio::join!(
        store.claim_webhook_deliveries(later, lease, 30),
        second_node.claim_webhook_deliveries(later, lease, 30),
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    let mut seen = HashSet::new();
    for claimed in first.iter().chain(&second) {
        assert!(seen.insert(claimed.delivery.id.clone()), "claimed twice");
        assert_eq!(claimed.delivery.sequence, 1, "sequence 2 waits for 1");
    }
    assert_eq!(seen.len(), 40, "one per order: the first events only");
    // Leased rows are not due again; the later events still wait.
    assert!(
        store
            .claim_webhook_deliveries(later, lease, 100)
            .await
            .unwrap()
            .is_empty()
    );
    // Deliver one order's first event: its second becomes claimable.
    let done = first.first().unwrap();
    finish(&store, done, 204, DeliveryOutcome::Delivered).await;
    let after = store
        .claim_webhook_deliveries(later, lease, 100)
        .await
        .unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].delivery.order_id, done.delivery.order_id);
    assert_eq!(after[0].delivery.sequence, 2);
    // A lost claim cannot record.
    let mut stolen = done.clone();
    stolen.claim = Uuid::now_v7();
    stolen.delivery.id = after[0].delivery.id.clone();
    assert!(matches!(
        store
            .record_webhook_attempt(AttemptWrite {
                claim: stolen.claim,
                delivery_id: stolen.delivery.id.clone(),
                attempt: Some(attempt(&stolen, Some(200))),
                outcome: DeliveryOutcome::Delivered,
            })
            .await,
        Err(StoreError::Conflict(_))
    ));
    // After the lease, the rest are claimable again (a crashed dispatcher's work resumes).
    let much_later = lease + Duration::seconds(1);
    let again = store
        .claim_webhook_deliveries(much_later, much_later + Duration::seconds(60), 1000)
        .await
        .unwrap();
    assert_eq!(again.len(), 40, "39 first events and one second event");
}

async fn attempts_are_logged_and_endpoint_health_is_kept(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    let hook = endpoint(&store, tenant_id, &["*"]).await;
    let placed = order(tenant_id, "A-1");
    store
        .create_order(write(placed.clone(), EventKind::Created))
        .await
        .unwrap();
    let lease = |at: chrono::DateTime<Utc>| at + Duration::seconds(30);
    let at = Utc::now() + Duration::seconds(1);
    let claimed = store
        .claim_webhook_deliveries(at, lease(at), 10)
        .await
        .unwrap();
    let retry_at = at + Duration::seconds(5);
    let failing = finish(&store, &claimed[0], 500, DeliveryOutcome::Retry(retry_at)).await;
    let failing_since = failing.unwrap();
    assert!(
        store
            .claim_webhook_deliveries(at, lease(at), 10)
            .await
            .unwrap()
            .is_empty(),
        "not due before the retry time"
    );
    let claimed = store
        .claim_webhook_deliveries(retry_at, lease(retry_at), 10)
        .await
        .unwrap();
    assert_eq!(claimed[0].delivery.attempts, 1);
    assert_eq!(claimed[0].delivery.last_status, Some(500));
    let still = finish(&store, &claimed[0], 503, DeliveryOutcome::Failed).await;
    assert_eq!(
        still,
        Some(failing_since),
        "failing since the first failure"
    );
    let row = &deliveries(&store, &hook).await[0];
    assert_eq!(row.status, DeliveryStatus::Failed);
    assert_eq!(row.attempts, 2);
    let attempts = store.webhook_attempts(vec![row.id.clone()]).await.unwrap();
    assert_eq!(
        attempts
            .iter()
            .map(|attempt| (attempt.attempt, attempt.http_status))
            .collect::<Vec<_>>(),
        vec![(1, Some(500)), (2, Some(503))]
    );
    // Disabling needs the failure to be old enough, and only happens once.
    let before = failing_since - Duration::seconds(1);
    assert!(
        !store
            .disable_failing_webhook_endpoint(hook.id, before, "x", now())
            .await
            .unwrap()
    );
    assert!(
        store
            .disable_failing_webhook_endpoint(hook.id, failing_since, "failing for 5 days", now())
            .await
            .unwrap()
    );
    let disabled = store
        .webhook_endpoint(tenant_id, hook.id)
        .await
        .unwrap()
        .unwrap();
    assert!(!disabled.enabled);
    assert_eq!(
        disabled.disabled_reason.as_deref(),
        Some("failing for 5 days")
    );
    // A disabled endpoint gets no new deliveries and none is claimed.
    store
        .update_order(next(&placed, EventKind::Cancelled))
        .await
        .unwrap();
    assert_eq!(deliveries(&store, &hook).await.len(), 1);
}

async fn replay_requeues_with_the_same_id(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    let hook = endpoint(&store, tenant_id, &["*"]).await;
    store
        .create_order(write(order(tenant_id, "A-1"), EventKind::Created))
        .await
        .unwrap();
    let at = Utc::now() + Duration::seconds(1);
    let claimed = store
        .claim_webhook_deliveries(at, at + Duration::seconds(30), 10)
        .await
        .unwrap();
    finish(&store, &claimed[0], 200, DeliveryOutcome::Delivered).await;
    assert!(
        store
            .claim_webhook_deliveries(at, at + Duration::seconds(30), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let replayed = store
        .requeue_webhook_deliveries(
            tenant_id,
            hook.id,
            Requeue::One(claimed[0].delivery.id.clone()),
            at,
        )
        .await
        .unwrap();
    assert_eq!(replayed, 1);
    let again = store
        .claim_webhook_deliveries(at, at + Duration::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(again[0].delivery.id, claimed[0].delivery.id);
    assert_eq!(again[0].delivery.attempts, 1);
    assert_eq!(again[0].delivery.round_attempts, 0);
    let since = store
        .requeue_webhook_deliveries(
            tenant_id,
            hook.id,
            Requeue::Since(at + Duration::seconds(60)),
            at,
        )
        .await
        .unwrap();
    assert_eq!(since, 0);
}

async fn endpoints_round_trip_update_and_delete(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    let other = tenant(&store, "other").await;
    let mut hook = endpoint(&store, tenant_id, &["order.created"]).await;
    assert_eq!(
        store.webhook_endpoint(tenant_id, hook.id).await.unwrap(),
        Some(hook.clone())
    );
    assert_eq!(store.webhook_endpoint(other, hook.id).await.unwrap(), None);
    hook.event_types = vec!["order.cancelled".to_owned()];
    hook.previous_secret = Some("whsec_old".to_owned());
    hook.previous_secret_expires_at = Some(now());
    store.update_webhook_endpoint(&hook).await.unwrap();
    assert_eq!(
        store.webhook_endpoints(tenant_id).await.unwrap(),
        vec![hook.clone()]
    );
    // The subscription moved with the update.
    store
        .create_order(write(order(tenant_id, "A-1"), EventKind::Created))
        .await
        .unwrap();
    assert!(deliveries(&store, &hook).await.is_empty());
    let mut foreign = hook.clone();
    foreign.tenant_id = other;
    assert!(matches!(
        store.update_webhook_endpoint(&foreign).await,
        Err(StoreError::NotFound(_))
    ));
    store
        .delete_webhook_endpoint(tenant_id, hook.id)
        .await
        .unwrap();
    assert!(matches!(
        store.delete_webhook_endpoint(tenant_id, hook.id).await,
        Err(StoreError::NotFound(_))
    ));
}
