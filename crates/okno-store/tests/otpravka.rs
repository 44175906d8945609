//! The Otpravka store ([`okno_store::OtpravkaStore`]) on SQLite and PostgreSQL: numeric ids and
//! batch names handed out once under concurrency, accounts per tenant, and the order lookups by
//! batch and by track number following every write of the order body.
#![allow(clippy::unwrap_used)]

use chrono::{DurationRound, NaiveDate, Utc};
use okno_model::{
    Actor, EventKind, MailCategory, MailType, Order, OrderId, TenantId, parse_order_draft,
};
use okno_store::testing::TestDatabase;
use okno_store::{
    BatchRecord, BatchStatus, NewEvent, OrderWrite, OtpravkaAccount, Store, StoreError, Tenant,
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
    numeric_ids_are_stable_and_per_tenant,
    batch_names_are_sequential_under_concurrency,
    accounts_are_replaced_per_tenant_and_login,
    lookups_follow_the_order_body,
);

fn now() -> chrono::DateTime<Utc> {
    Utc::now()
        .duration_trunc(chrono::Duration::microseconds(1))
        .unwrap()
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

async fn stored_order(store: &Arc<dyn Store>, tenant_id: TenantId, number: &str) -> Order {
    let draft = parse_order_draft(&json!({
        "client_order_number": number,
        "recipient": {"surname": "Иванов", "address": {"postcode": "117105", "place": "г Москва"}},
        "parcels": [{"mass_grams": 2000, "mail_type": "POSTAL_PARCEL", "mail_category": "ORDINARY"}]
    }))
    .unwrap();
    let order = draft.into_order(OrderId::new(), tenant_id, now());
    store.create_order(write(order.clone())).await.unwrap();
    order
}

fn write(order: Order) -> OrderWrite {
    OrderWrite {
        event: NewEvent {
            kind: if order.version == 1 {
                EventKind::Created
            } else {
                EventKind::Batched
            },
            actor: Actor("test".to_owned()),
            payload: json!({}),
        },
        idempotency: None,
        process_inbox: Vec::new(),
        order,
    }
}

fn batch(tenant_id: TenantId) -> BatchRecord {
    BatchRecord {
        tenant_id,
        name: 0,
        mail_type: MailType::PostalParcel,
        mail_category: MailCategory::Ordinary,
        status: BatchStatus::Created,
        status_at: now(),
        sending_date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        created_at: now(),
    }
}

async fn numeric_ids_are_stable_and_per_tenant(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let shop = tenant(&store, "shop").await;
    let other = tenant(&store, "other").await;
    let order = stored_order(&store, shop, "1").await;
    let (a, b, c, d) = tokio::join!(
        store.otpravka_id(shop, order.id),
        store.otpravka_id(shop, order.id),
        store.otpravka_id(shop, order.id),
        store.otpravka_id(shop, order.id),
    );
    let ids = [a.unwrap(), b.unwrap(), c.unwrap(), d.unwrap()];
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let second = stored_order(&store, shop, "2").await;
    assert_ne!(store.otpravka_id(shop, second.id).await.unwrap(), ids[0]);
    assert_eq!(
        store.order_id_by_otpravka_id(shop, ids[0]).await.unwrap(),
        Some(order.id)
    );
    // Another tenant neither sees the id nor can take one for the order.
    assert_eq!(
        store.order_id_by_otpravka_id(other, ids[0]).await.unwrap(),
        None
    );
    assert!(matches!(
        store.otpravka_id(other, order.id).await,
        Err(StoreError::NotFound(_))
    ));
    // Durable: the same after reopening.
    let reopened = database.open().await.unwrap();
    assert_eq!(reopened.otpravka_id(shop, order.id).await.unwrap(), ids[0]);
}

async fn batch_names_are_sequential_under_concurrency(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let shop = tenant(&store, "shop").await;
    let other = tenant(&store, "other").await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            store.create_batch(&batch(shop)).await
        }));
    }
    let mut names = Vec::new();
    for task in tasks {
        names.push(task.await.unwrap().unwrap().name);
    }
    names.sort_unstable();
    assert_eq!(names, (1..=8).collect::<Vec<i64>>());
    assert_eq!(
        store.create_batch(&batch(other)).await.unwrap().name,
        1,
        "per tenant"
    );
    let at = now();
    store
        .set_batch_status(shop, 3, BatchStatus::Sent, at)
        .await
        .unwrap();
    let sent = store.batch(shop, 3).await.unwrap().unwrap();
    assert_eq!((sent.status, sent.status_at), (BatchStatus::Sent, at));
    assert_eq!(sent.sending_date, batch(shop).sending_date);
    assert_eq!(store.batch(other, 3).await.unwrap(), None);
    assert!(matches!(
        store
            .set_batch_status(other, 3, BatchStatus::Sent, at)
            .await,
        Err(StoreError::NotFound(_))
    ));
}

async fn accounts_are_replaced_per_tenant_and_login(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let shop = tenant(&store, "shop").await;
    let other = tenant(&store, "other").await;
    let mut account = OtpravkaAccount {
        tenant_id: shop,
        login: "login".to_owned(),
        password_hash: "first".to_owned(),
        created_at: now(),
    };
    store.put_otpravka_account(&account).await.unwrap();
    account.password_hash = "second".to_owned();
    store.put_otpravka_account(&account).await.unwrap();
    assert_eq!(
        store.otpravka_account(shop, "login").await.unwrap(),
        Some(account)
    );
    assert_eq!(store.otpravka_account(other, "login").await.unwrap(), None);
}

async fn lookups_follow_the_order_body(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let shop = tenant(&store, "shop").await;
    let other = tenant(&store, "other").await;
    let order = stored_order(&store, shop, "1").await;
    stored_order(&store, shop, "2").await;
    assert_eq!(
        store
            .order_by_track_number(shop, "80093053624992")
            .await
            .unwrap(),
        None
    );
    let mut numbered = order.clone();
    numbered.parcels[0].track_number = Some("80093053624992".to_owned());
    numbered.fulfilment.batch = Some("7".to_owned());
    numbered.version = 2;
    store.update_order(write(numbered.clone())).await.unwrap();
    let found = store
        .order_by_track_number(shop, "80093053624992")
        .await
        .unwrap();
    assert_eq!(found.map(|o| o.id), Some(order.id));
    assert_eq!(
        store
            .order_by_track_number(other, "80093053624992")
            .await
            .unwrap(),
        None
    );
    let in_batch = store.batch_orders(shop, "7").await.unwrap();
    assert_eq!(
        in_batch.iter().map(|o| o.id).collect::<Vec<_>>(),
        [order.id]
    );
    assert!(store.batch_orders(other, "7").await.unwrap().is_empty());
    // Out of the batch, and the number changed: both lookups follow at once.
    let mut moved = numbered;
    moved.fulfilment.batch = None;
    moved.parcels[0].track_number = Some("RA123456785RU".to_owned());
    moved.version = 3;
    store.update_order(write(moved)).await.unwrap();
    assert!(store.batch_orders(shop, "7").await.unwrap().is_empty());
    assert_eq!(
        store
            .order_by_track_number(shop, "80093053624992")
            .await
            .unwrap(),
        None
    );
    let found = store
        .order_by_track_number(shop, "RA123456785RU")
        .await
        .unwrap();
    assert_eq!(found.map(|o| o.id), Some(order.id));
}
