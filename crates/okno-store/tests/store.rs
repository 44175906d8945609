//! One suite, two backends: every store behaviour runs on SQLite and on PostgreSQL.
//!
//! Each behaviour is an `async fn(&TestDatabase)`; the `both!` macro turns it into a
//! `sqlite_*` and a `postgres_*` test. Durability is checked by opening the database a second
//! time rather than by trusting the first handle.

// Test helpers outside #[test] functions may unwrap: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, DurationRound, Utc};
use okno_model::{
    Actor, ApiKeyId, EventKind, MailType, Order, OrderId, OrderStatus, Participant, ParticipantId,
    ParticipantRoles, TenantId, TrackingEvent, TrackingOperation, TrackingStatus,
    parse_order_draft,
};
use okno_store::testing::TestDatabase;
use okno_store::{
    ApiKeyRecord, IdempotencyRecord, InboxRecord, KeyRole, NewEvent, OrderFilter, OrderWrite,
    RangeKind, Store, StoreError, Tenant, TrackNumberRange, TrackingTicket,
};
use serde_json::json;
use std::sync::Arc;

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
    order_round_trips_with_its_first_event,
    duplicate_client_order_number_is_refused_whole,
    idempotency_record_is_written_with_the_order_or_not_at_all,
    update_appends_event_and_checks_version,
    process_inbox_rows_commit_with_the_order_change_or_not_at_all,
    another_tenants_order_does_not_exist,
    listing_filters_and_pages_without_gaps_or_repeats,
    api_keys_are_found_by_hash_and_revoked,
    tenant_names_are_unique,
    idempotency_records_are_purged_by_age,
    batch_create_keeps_good_orders_when_one_fails,
    concurrent_writers_lose_nothing,
    participants_are_kept_per_tenant,
    serials_are_never_reserved_twice_under_concurrency,
    ranges_are_used_oldest_first_and_per_mail_type,
    tracking_events_are_stored_once_and_read_in_time_order,
    tracking_tickets_round_trip,
    overlapping_ranges_are_refused_across_tenants,
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
        "deadline": "2026-12-01T18:00:00+03:00",
        "recipient": {"surname": "Иванов", "given_name": "Иван",
                      "address": {"postcode": "117105", "place": "г Москва", "house": "37"}},
        "parcels": [{"mass_grams": 2000, "mail_type": "POSTAL_PARCEL", "mail_category": "ORDINARY",
                     "items": [{"name": "Чайник", "quantity": 2, "price_kopecks": 99900,
                                "vat_rate": "vat22"}]}]
    }))
    .unwrap();
    draft.into_order(OrderId::new(), tenant_id, now())
}

fn created(order: Order) -> OrderWrite {
    let payload = serde_json::to_value(&order).unwrap();
    OrderWrite {
        order,
        event: NewEvent {
            kind: EventKind::Created,
            actor: Actor("test".to_owned()),
            payload,
        },
        idempotency: None,
        process_inbox: Vec::new(),
    }
}

fn idempotency(tenant_id: TenantId, key: &str, at: chrono::DateTime<Utc>) -> IdempotencyRecord {
    IdempotencyRecord {
        tenant_id,
        key: key.to_owned(),
        request_hash: "hash".to_owned(),
        status: 201,
        body: "{}".to_owned(),
        created_at: at,
    }
}

async fn order_round_trips_with_its_first_event(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    let order = order(tenant_id, "A-1");
    store.create_order(created(order.clone())).await.unwrap();
    drop(store);

    let reopened = database.open().await.unwrap();
    assert_eq!(
        reopened.order(tenant_id, order.id).await.unwrap(),
        Some(order.clone())
    );
    let by_number = reopened
        .order_by_client_number(tenant_id, "A-1")
        .await
        .unwrap();
    assert_eq!(by_number.map(|found| found.id), Some(order.id));
    let events = reopened
        .order_events(tenant_id, order.id, 0, 100)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].sequence, 1);
    assert_eq!(events[0].kind, EventKind::Created);
    assert_eq!(events[0].at, order.created_at);
    assert_eq!(events[0].payload["client_order_number"], "A-1");
    assert_eq!(reopened.count_orders(tenant_id).await.unwrap(), 1);
}

async fn duplicate_client_order_number_is_refused_whole(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    let first = order(tenant_id, "A-1");
    store.create_order(created(first.clone())).await.unwrap();
    let mut second = created(order(tenant_id, "A-1"));
    second.idempotency = Some(idempotency(tenant_id, "k-2", now()));
    let second_id = second.order.id;
    let error = store.create_order(second).await.unwrap_err();
    assert_eq!(
        error,
        StoreError::DuplicateClientOrderNumber {
            number: "A-1".to_owned(),
            existing: first.id
        }
    );
    assert_eq!(store.count_orders(tenant_id).await.unwrap(), 1);
    assert!(
        store
            .order_events(tenant_id, second_id, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.idempotency(tenant_id, "k-2").await.unwrap(), None);
    // The same number in another tenant is fine.
    let other = tenant(&store, "other").await;
    store
        .create_order(created(order(other, "A-1")))
        .await
        .unwrap();
}

async fn idempotency_record_is_written_with_the_order_or_not_at_all(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    let mut write = created(order(tenant_id, "A-1"));
    let record = idempotency(tenant_id, "key-1", now());
    write.idempotency = Some(record.clone());
    store.create_order(write).await.unwrap();
    assert_eq!(
        store.idempotency(tenant_id, "key-1").await.unwrap(),
        Some(record)
    );

    let mut again = created(order(tenant_id, "A-2"));
    again.idempotency = Some(idempotency(tenant_id, "key-1", now()));
    let again_id = again.order.id;
    assert_eq!(
        store.create_order(again).await.unwrap_err(),
        StoreError::IdempotencyKeyTaken("key-1".to_owned())
    );
    assert_eq!(store.order(tenant_id, again_id).await.unwrap(), None);
    assert_eq!(store.count_orders(tenant_id).await.unwrap(), 1);
}

async fn update_appends_event_and_checks_version(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    let original = order(tenant_id, "A-1");
    store.create_order(created(original.clone())).await.unwrap();

    let mut cancelled = original.clone();
    cancelled.status = OrderStatus::Cancelled;
    cancelled.version = 2;
    cancelled.updated_at = now();
    let write = OrderWrite {
        order: cancelled.clone(),
        event: NewEvent {
            kind: EventKind::Cancelled,
            actor: Actor("test".to_owned()),
            payload: json!({"reason": "changed mind"}),
        },
        idempotency: None,
        process_inbox: Vec::new(),
    };
    store.update_order(write.clone()).await.unwrap();
    // The same write again is stale: version 1 is gone.
    assert_eq!(
        store.update_order(write).await.unwrap_err(),
        StoreError::VersionConflict {
            order_id: original.id,
            expected: 1
        }
    );
    let stored = store.order(tenant_id, original.id).await.unwrap().unwrap();
    assert_eq!(stored, cancelled);
    let events = store
        .order_events(tenant_id, original.id, 0, 100)
        .await
        .unwrap();
    let sequences: Vec<i64> = events.iter().map(|event| event.sequence).collect();
    assert_eq!(sequences, vec![1, 2]);
    assert_eq!(events[1].payload["reason"], "changed mind");
    let after_first = store
        .order_events(tenant_id, original.id, 1, 100)
        .await
        .unwrap();
    assert_eq!(after_first.len(), 1);
    let filter = OrderFilter {
        status: Some(OrderStatus::Cancelled),
        limit: 10,
        ..OrderFilter::default()
    };
    assert_eq!(store.orders(tenant_id, &filter).await.unwrap().len(), 1);
}

fn inbox_row(tenant_id: TenantId, order: &Order, kind: &str) -> InboxRecord {
    InboxRecord {
        id: uuid::Uuid::now_v7(),
        tenant_id,
        instance_id: order.id.as_uuid(),
        kind: kind.to_owned(),
        body: json!({ "kind": kind }).to_string(),
        created_at: now(),
    }
}

async fn process_inbox_rows_commit_with_the_order_change_or_not_at_all(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    let original = order(tenant_id, "I-1");
    // A create carries its process start (and may carry more rows).
    let start = inbox_row(tenant_id, &original, "start");
    let first = inbox_row(tenant_id, &original, "publish");
    let mut write = created(original.clone());
    write.process_inbox = vec![start.clone(), first.clone()];
    store.create_order(write).await.unwrap();

    let mut changed = original.clone();
    changed.version = 2;
    changed.updated_at = now();
    let second = inbox_row(tenant_id, &original, "publish");
    let update = OrderWrite {
        order: changed,
        event: NewEvent {
            kind: EventKind::Cancelled,
            actor: Actor("test".to_owned()),
            payload: json!({}),
        },
        idempotency: None,
        process_inbox: vec![second.clone()],
    };
    store.update_order(update.clone()).await.unwrap();
    // A stale write is refused whole: its row does not land either.
    let mut stale = update;
    stale.process_inbox = vec![inbox_row(tenant_id, &original, "publish")];
    assert!(matches!(
        store.update_order(stale).await,
        Err(StoreError::VersionConflict { .. })
    ));
    // A refused create (its number is taken) leaves no row behind.
    let mut duplicate = created(order(tenant_id, "I-1"));
    duplicate.process_inbox = vec![inbox_row(tenant_id, &original, "start")];
    assert!(store.create_order(duplicate).await.is_err());

    let reopened = database.open().await.unwrap();
    let mut ids: Vec<uuid::Uuid> = reopened
        .process_inbox(100)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.id)
        .collect();
    ids.sort();
    let mut expected = vec![start.id, first.id, second.id];
    expected.sort();
    assert_eq!(ids, expected);
}

async fn another_tenants_order_does_not_exist(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let owner = tenant(&store, "owner").await;
    let stranger = tenant(&store, "stranger").await;
    let order = order(owner, "A-1");
    store.create_order(created(order.clone())).await.unwrap();
    assert_eq!(store.order(stranger, order.id).await.unwrap(), None);
    assert_eq!(
        store.order_by_client_number(stranger, "A-1").await.unwrap(),
        None
    );
    assert!(
        store
            .order_events(stranger, order.id, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let all = OrderFilter {
        limit: 10,
        ..OrderFilter::default()
    };
    assert!(store.orders(stranger, &all).await.unwrap().is_empty());
    let mut stolen = order.clone();
    stolen.tenant_id = stranger;
    stolen.version = 2;
    let write = OrderWrite {
        order: stolen,
        event: NewEvent {
            kind: EventKind::Cancelled,
            actor: Actor::system(),
            payload: json!({}),
        },
        idempotency: None,
        process_inbox: Vec::new(),
    };
    assert!(matches!(
        store.update_order(write).await,
        Err(StoreError::VersionConflict { .. })
    ));
    assert_eq!(
        store.order(owner, order.id).await.unwrap().unwrap().version,
        1
    );
}

async fn listing_filters_and_pages_without_gaps_or_repeats(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    let mut ids = Vec::new();
    for index in 0..25 {
        let order = order(tenant_id, &format!("N-{index:02}"));
        ids.push(order.id);
        store.create_order(created(order)).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut filter = OrderFilter {
        limit: 7,
        ..OrderFilter::default()
    };
    loop {
        let page = store.orders(tenant_id, &filter).await.unwrap();
        if page.is_empty() {
            break;
        }
        filter.before = page.last().map(|order| order.id);
        seen.extend(page.into_iter().map(|order| order.id));
    }
    ids.reverse();
    assert_eq!(seen, ids, "pages cover every order once, newest first");

    let by_number = OrderFilter {
        client_order_number: Some("N-03".to_owned()),
        limit: 10,
        ..OrderFilter::default()
    };
    let found = store.orders(tenant_id, &by_number).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].client_order_number, "N-03");

    let future = OrderFilter {
        created_from: Some(now() + Duration::hours(1)),
        limit: 10,
        ..OrderFilter::default()
    };
    assert!(store.orders(tenant_id, &future).await.unwrap().is_empty());
    let past = OrderFilter {
        created_to: Some(now() + Duration::hours(1)),
        created_from: Some(now() - Duration::hours(1)),
        limit: 100,
        ..OrderFilter::default()
    };
    assert_eq!(store.orders(tenant_id, &past).await.unwrap().len(), 25);
}

async fn api_keys_are_found_by_hash_and_revoked(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    let key = ApiKeyRecord {
        id: ApiKeyId::new(),
        role: KeyRole::Tenant(tenant_id),
        key_hash: vec![7; 32],
        prefix: "okno_abc".to_owned(),
        label: Some("main".to_owned()),
        created_at: now(),
        revoked_at: None,
    };
    let operator = ApiKeyRecord {
        id: ApiKeyId::new(),
        role: KeyRole::Operator,
        key_hash: vec![9; 32],
        prefix: "okno_op".to_owned(),
        label: None,
        created_at: now(),
        revoked_at: None,
    };
    store.create_api_key(&key).await.unwrap();
    store.create_api_key(&operator).await.unwrap();
    assert_eq!(
        store.api_key_by_hash(&[7; 32]).await.unwrap(),
        Some(key.clone())
    );
    assert_eq!(store.api_key_by_hash(&[8; 32]).await.unwrap(), None);
    assert_eq!(
        store.api_keys(Some(tenant_id)).await.unwrap(),
        vec![key.clone()]
    );
    assert_eq!(store.api_keys(None).await.unwrap(), vec![operator]);
    let revoked_at = now();
    store.revoke_api_key(key.id, revoked_at).await.unwrap();
    store
        .revoke_api_key(key.id, revoked_at + Duration::hours(1))
        .await
        .unwrap();
    let found = store.api_key_by_hash(&[7; 32]).await.unwrap().unwrap();
    assert_eq!(
        found.revoked_at,
        Some(revoked_at),
        "the first revocation time stays"
    );
    assert!(matches!(
        store.revoke_api_key(ApiKeyId::new(), now()).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn tenant_names_are_unique(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let id = tenant(&store, "shop").await;
    let again = Tenant {
        id: TenantId::new(),
        name: "shop".to_owned(),
        created_at: now(),
    };
    assert!(matches!(
        store.create_tenant(&again).await,
        Err(StoreError::AlreadyExists(_))
    ));
    assert_eq!(
        store.tenant_by_name("shop").await.unwrap().map(|t| t.id),
        Some(id)
    );
    assert_eq!(
        store.tenant(id).await.unwrap().map(|t| t.name),
        Some("shop".to_owned())
    );
    assert_eq!(store.tenants().await.unwrap().len(), 1);
}

async fn idempotency_records_are_purged_by_age(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    let mut old = created(order(tenant_id, "old"));
    old.idempotency = Some(idempotency(tenant_id, "old", now() - Duration::hours(30)));
    let mut fresh = created(order(tenant_id, "fresh"));
    fresh.idempotency = Some(idempotency(tenant_id, "fresh", now()));
    store.create_order(old).await.unwrap();
    store.create_order(fresh).await.unwrap();
    let purged = store
        .purge_idempotency(now() - Duration::hours(24))
        .await
        .unwrap();
    assert_eq!(purged, 1);
    assert!(store.idempotency(tenant_id, "old").await.unwrap().is_none());
    assert!(
        store
            .idempotency(tenant_id, "fresh")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store.count_orders(tenant_id).await.unwrap(),
        2,
        "orders stay"
    );
}

async fn batch_create_keeps_good_orders_when_one_fails(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    let writes = vec![
        created(order(tenant_id, "B-1")),
        created(order(tenant_id, "B-1")),
        created(order(tenant_id, "B-2")),
    ];
    let first_id = writes[0].order.id;
    let results = store.create_orders(writes).await.unwrap();
    assert!(results[0].is_ok());
    assert_eq!(
        results[1],
        Err(StoreError::DuplicateClientOrderNumber {
            number: "B-1".to_owned(),
            existing: first_id
        })
    );
    assert!(results[2].is_ok());
    assert_eq!(store.count_orders(tenant_id).await.unwrap(), 2);
}

async fn concurrent_writers_lose_nothing(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    let mut tasks = Vec::new();
    for index in 0..300 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            store
                .create_order(created(order(tenant_id, &format!("C-{index}"))))
                .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    drop(store);
    let reopened = database.open().await.unwrap();
    assert_eq!(reopened.count_orders(tenant_id).await.unwrap(), 300);
}

async fn participants_are_kept_per_tenant(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    let other = tenant(&store, "other").await;
    let movers = Participant {
        id: ParticipantId::new(),
        tenant_id,
        name: "Movers Ltd".to_owned(),
        roles: ParticipantRoles {
            customer: true,
            executor: true,
        },
        capabilities: vec!["carry_to_floor".to_owned()],
        contact: None,
        created_at: now(),
    };
    let record = idempotency(tenant_id, "p-1", now());
    store
        .create_participant(&movers, Some(&record))
        .await
        .unwrap();
    assert_eq!(
        store.idempotency(tenant_id, "p-1").await.unwrap(),
        Some(record)
    );
    assert!(matches!(
        store
            .create_participant(
                &Participant {
                    id: ParticipantId::new(),
                    ..movers.clone()
                },
                Some(&idempotency(tenant_id, "p-2", now())),
            )
            .await,
        Err(StoreError::AlreadyExists(_))
    ));
    assert_eq!(
        store.idempotency(tenant_id, "p-2").await.unwrap(),
        None,
        "a refused registration stores no response"
    );
    assert_eq!(store.participants(tenant_id).await.unwrap(), vec![movers]);
    assert!(store.participants(other).await.unwrap().is_empty());
}

fn range(tenant_id: TenantId, mail_type: MailType, first: i64, last: i64) -> TrackNumberRange {
    TrackNumberRange {
        id: uuid::Uuid::now_v7(),
        tenant_id,
        mail_type,
        kind: RangeKind::Russian14,
        prefix: "80093053".to_owned(),
        country: None,
        first_serial: first,
        last_serial: last,
        next_serial: first,
        warn_remaining: 10,
        created_at: now(),
    }
}

async fn serials_are_never_reserved_twice_under_concurrency(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "issuer").await;
    // 3,000 serials, asked for by 16 tasks in blocks of 7 until none are left.
    store
        .create_tracknumber_range(&range(tenant_id, MailType::PostalParcel, 1_000, 3_999))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(block) = store
                .reserve_serials(tenant_id, MailType::PostalParcel, 7)
                .await
                .unwrap()
            {
                assert!(
                    block.first <= block.last && block.last <= 3_999,
                    "{block:?}"
                );
                got.extend(block.first..=block.last);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort_unstable();
    let expected: Vec<i64> = (1_000..=3_999).collect();
    assert_eq!(
        all, expected,
        "every serial exactly once, none outside the range"
    );
    // Durable: a second handle sees the range used up.
    let again = database.open().await.unwrap();
    let ranges = again.tracknumber_ranges(tenant_id).await.unwrap();
    assert_eq!(ranges.len(), 1);
    assert_eq!(ranges[0].remaining(), 0);
    assert!(
        again
            .reserve_serials(tenant_id, MailType::PostalParcel, 1)
            .await
            .unwrap()
            .is_none()
    );
}

async fn ranges_are_used_oldest_first_and_per_mail_type(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "two ranges").await;
    let other = tenant(&store, "other").await;
    let older = range(tenant_id, MailType::OnlineParcel, 0, 4);
    store.create_tracknumber_range(&older).await.unwrap();
    let mut newer = range(tenant_id, MailType::OnlineParcel, 100, 199);
    newer.created_at = older.created_at + Duration::seconds(1);
    store.create_tracknumber_range(&newer).await.unwrap();
    let block = store
        .reserve_serials(tenant_id, MailType::OnlineParcel, 3)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            block.range.id,
            block.first,
            block.last,
            block.range.remaining()
        ),
        (older.id, 0, 2, 2)
    );
    let block = store
        .reserve_serials(tenant_id, MailType::OnlineParcel, 3)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (block.first, block.last),
        (3, 4),
        "the tail of the old range, cut at its end"
    );
    let block = store
        .reserve_serials(tenant_id, MailType::OnlineParcel, 3)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (block.range.id, block.first, block.last),
        (newer.id, 100, 102)
    );
    assert!(
        store
            .reserve_serials(tenant_id, MailType::Ems, 1)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .reserve_serials(other, MailType::OnlineParcel, 1)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.tracknumber_ranges(other).await.unwrap().is_empty());
}

fn tracking_event(number: &str, at: &str, operation_type: u16, attr: Option<u16>) -> TrackingEvent {
    TrackingEvent {
        operation: TrackingOperation {
            track_number: number.to_owned(),
            operation_type,
            operation_attr: attr,
            operated_at: chrono::DateTime::parse_from_rfc3339(at).unwrap(),
            office_index: Some("644001".to_owned()),
            office_name: Some("Омск 1".to_owned()),
            destination_index: None,
            destination_name: None,
            country: None,
            mass_grams: Some(101),
            declared_value_kopecks: None,
            cod_kopecks: None,
            mail_type: None,
            mail_category: None,
            item_name: None,
            sender: None,
            recipient: None,
        },
        status: TrackingStatus::InTransit,
        is_final: false,
        source: "executor".to_owned(),
        received_at: now(),
    }
}

async fn tracking_events_are_stored_once_and_read_in_time_order(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "post").await;
    // Out of order on purpose; the +06:00 event is the earliest in UTC.
    let batch = vec![
        tracking_event("80082240994512", "2026-11-20T12:00:00+03:00", 8, Some(2)),
        tracking_event("80082240994512", "2026-11-20T10:00:00+06:00", 1, Some(1)),
        tracking_event("80082240994512", "2026-11-20T10:00:00+03:00", 8, Some(1)),
        tracking_event("RA644000001RU", "2015-03-23T10:01:00+03:00", 1, None),
    ];
    assert_eq!(
        store
            .insert_tracking_events(tenant_id, batch.clone())
            .await
            .unwrap(),
        4
    );
    // A resent batch (and the same instant written with another offset) adds nothing.
    let mut again = batch.clone();
    again.push(tracking_event(
        "80082240994512",
        "2026-11-20T13:00:00+06:00",
        8,
        Some(1),
    ));
    assert_eq!(
        store
            .insert_tracking_events(tenant_id, again)
            .await
            .unwrap(),
        0
    );
    // The same operation at another place is another event.
    let mut elsewhere = tracking_event("80082240994512", "2026-11-20T12:00:00+03:00", 8, Some(2));
    elsewhere.operation.office_index = Some("644008".to_owned());
    assert_eq!(
        store
            .insert_tracking_events(tenant_id, vec![elsewhere])
            .await
            .unwrap(),
        1
    );

    let reopened = database.open().await.unwrap();
    let history = reopened
        .tracking_events(vec![
            "80082240994512".to_owned(),
            "RA644000001RU".to_owned(),
            "00000000000000".to_owned(),
        ])
        .await
        .unwrap();
    let seen: Vec<(String, String)> = history
        .iter()
        .map(|e| {
            (
                e.operation.track_number.clone(),
                e.operation.operated_at.to_rfc3339(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "80082240994512".to_owned(),
                "2026-11-20T10:00:00+06:00".to_owned()
            ),
            (
                "80082240994512".to_owned(),
                "2026-11-20T10:00:00+03:00".to_owned()
            ),
            (
                "80082240994512".to_owned(),
                "2026-11-20T12:00:00+03:00".to_owned()
            ),
            (
                "80082240994512".to_owned(),
                "2026-11-20T12:00:00+03:00".to_owned()
            ),
            (
                "RA644000001RU".to_owned(),
                "2015-03-23T10:01:00+03:00".to_owned()
            ),
        ]
    );
    assert_eq!(
        history[0], batch[1],
        "the offset and every field come back as sent"
    );
    assert!(reopened.tracking_events(vec![]).await.unwrap().is_empty());
}

async fn tracking_tickets_round_trip(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store, "shop").await;
    let ticket = TrackingTicket {
        id: "20261128120000123SHOP".to_owned(),
        tenant_id,
        barcodes: vec!["80082240994512".to_owned(), "RA644000001RU".to_owned()],
        created_at: now(),
    };
    store.create_tracking_ticket(&ticket).await.unwrap();
    assert!(matches!(
        store.create_tracking_ticket(&ticket).await,
        Err(StoreError::AlreadyExists(_))
    ));
    let reopened = database.open().await.unwrap();
    assert_eq!(
        reopened.tracking_ticket(&ticket.id).await.unwrap(),
        Some(ticket)
    );
    assert_eq!(reopened.tracking_ticket("nope").await.unwrap(), None);
}

async fn overlapping_ranges_are_refused_across_tenants(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let (a, b) = (tenant(&store, "a").await, tenant(&store, "b").await);
    let range = |tenant_id, country: &str, first, last| TrackNumberRange {
        id: uuid::Uuid::now_v7(),
        tenant_id,
        mail_type: MailType::PostalParcel,
        kind: RangeKind::S10,
        prefix: "RA".to_owned(),
        country: Some(country.to_owned()),
        first_serial: first,
        last_serial: last,
        next_serial: first,
        warn_remaining: 0,
        created_at: now(),
    };
    store
        .create_tracknumber_range(&range(a, "RU", 0, 999))
        .await
        .unwrap();
    for (tenant_id, first, last) in [(b, 500, 1_500), (a, 999, 999), (b, 0, 0)] {
        match store
            .create_tracknumber_range(&range(tenant_id, "RU", first, last))
            .await
        {
            Err(StoreError::AlreadyExists(what)) => {
                assert!(what.contains("0–999"), "names the stored range: {what}")
            }
            other => panic!("{first}–{last} overlaps 0–999 but got {other:?}"),
        }
    }
    store
        .create_tracknumber_range(&range(b, "RU", 1_000, 1_999))
        .await
        .unwrap();
    store
        .create_tracknumber_range(&range(b, "KZ", 0, 999))
        .await
        .unwrap();
    assert_eq!(store.tracknumber_ranges(b).await.unwrap().len(), 2);
}
