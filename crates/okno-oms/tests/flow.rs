//! Every order runs a process: the shipped shipment processes driven by okno's own workers on
//! a real store (SQLite file and PostgreSQL): the whole way to a label, an address hold and
//! its correction, several holds at once at the gate, cancellation at a wait state, and the
//! escalation timer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use okno_model::{Actor, EventKind, HoldKind, MailType, Order, OrderId, OrderStatus, Priority};
use okno_oms::{NewRange, Oms, flow};
use okno_process::{Processes, Settings};
use okno_store::testing::TestDatabase;
use okno_store::{RangeKind, Store};
use serde_json::{Value, json};

macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let database = TestDatabase::sqlite();
                    super::$name(&database).await;
                }
            )+
            use okno_store::testing::TestDatabase;
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(database) = TestDatabase::postgres().await {
                        super::$name(&database).await;
                    }
                }
            )+
            use okno_store::testing::TestDatabase;
        }
    };
}

both!(
    an_order_runs_to_its_label_and_the_client_is_told,
    a_bad_address_holds_the_order_until_it_is_corrected,
    several_holds_keep_the_order_at_the_gate_until_the_last_is_released,
    a_hold_placed_after_the_gate_stops_the_label_until_released,
    a_new_recipient_address_is_checked_again_before_the_label,
    a_cancel_message_stops_the_process_at_a_wait,
    an_order_close_to_its_deadline_is_escalated,
);

struct Setup {
    oms: Oms,
    tenant: okno_model::TenantId,
    _background: tokio::task::JoinHandle<()>,
}

async fn setup(database: &TestDatabase) -> Setup {
    let store: Arc<dyn Store> = database.open().await.unwrap();
    let plain = Oms::new(Arc::clone(&store));
    let tenant = plain.create_tenant("shop").await.unwrap().0.id;
    plain
        .add_tracknumber_range(
            tenant,
            NewRange {
                mail_type: MailType::PostalParcel,
                kind: RangeKind::Russian14,
                prefix: "80093053".to_owned(),
                country: None,
                first_serial: 0,
                last_serial: 99_999,
                warn_remaining: None,
            },
        )
        .await
        .unwrap();
    let settings = Settings {
        poll_interval: Duration::from_millis(20),
        ..Settings::default()
    };
    let processes = Processes::new(Arc::clone(&store), settings);
    let background = processes.spawn_background();
    let tariff = Arc::new(okno_postal::Tariff::default_tariff().unwrap());
    let oms = plain.with_order_processes(processes, tariff);
    Setup {
        oms,
        tenant,
        _background: background,
    }
}

fn document(number: &str, raw_address: &str) -> Value {
    json!({
        "client_order_number": number,
        "recipient": {"surname": "Иванов", "given_name": "Иван", "phone": "+79459562067",
                      "address": {"raw": raw_address, "postcode": "117105", "place": "г Москва"}},
        "parcels": [{"mass_grams": 2000, "mail_type": "POSTAL_PARCEL", "mail_category": "ORDINARY"}]
    })
}

const GOOD: &str = "117105, г Москва, ш Варшавское, 37";
const BAD: &str = "117105, г Москва, на деревню дедушке";

async fn create(setup: &Setup, number: &str, address: &str, channel: &str) -> OrderId {
    let reply = setup
        .oms
        .create_order_for_channel(
            setup.tenant,
            Actor::cli(),
            &document(number, address),
            None,
            channel,
        )
        .await
        .unwrap();
    let order: Order = serde_json::from_str(&reply.body).unwrap();
    order.id
}

async fn kinds(setup: &Setup, id: OrderId) -> Vec<EventKind> {
    setup
        .oms
        .order_events(setup.tenant, id, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.kind)
        .collect()
}

/// Waits (up to 20 s) until the order's events satisfy `done`.
async fn wait_for(setup: &Setup, id: OrderId, what: &str, done: impl Fn(&[EventKind]) -> bool) {
    for _ in 0..400 {
        if done(&kinds(setup, id).await) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: events are {:?}", kinds(setup, id).await);
}

async fn instance_status(setup: &Setup, id: OrderId) -> String {
    let processes = setup.oms.processes().unwrap();
    processes
        .instance(setup.tenant, id.as_uuid())
        .await
        .unwrap()
        .status
        .clone()
}

async fn wait_instance(setup: &Setup, id: OrderId, status: &str) {
    for _ in 0..400 {
        if instance_status(setup, id).await == status {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("instance is {}", instance_status(setup, id).await);
}

async fn an_order_runs_to_its_label_and_the_client_is_told(database: &TestDatabase) {
    let setup = setup(database).await;
    let id = create(&setup, "A-1", GOOD, "api").await;
    wait_for(&setup, id, "notified", |k| {
        k.contains(&EventKind::ClientNotified)
    })
    .await;
    wait_instance(&setup, id, "completed").await;
    assert_eq!(
        kinds(&setup, id).await,
        vec![
            EventKind::Created,
            EventKind::StatusChanged,
            EventKind::Priced,
            EventKind::TrackNumberAssigned,
            EventKind::LabelIssued,
            EventKind::TrackingRegistered,
            EventKind::ClientNotified,
        ]
    );
    let order = setup.oms.order(setup.tenant, id).await.unwrap();
    assert_eq!(order.status, OrderStatus::ReadyToShip);
    let number = order.parcels[0].track_number.clone().unwrap();
    assert!(okno_postal::TrackNumber::parse(&number).is_ok(), "{number}");
    assert_eq!(order.fulfilment.executor.as_deref(), Some("russian-post"));
    assert!(order.fulfilment.price_kopecks.unwrap() > 0);
    assert!(order.fulfilment.label_issued_at.is_some());
    assert!(order.fulfilment.tracking_registered_at.is_some());
    let events = setup
        .oms
        .order_events(setup.tenant, id, 0, 100)
        .await
        .unwrap();
    let notified = events.last().unwrap();
    assert_eq!(notified.payload["track_numbers"], json!([number]));
    assert!(
        notified.actor.0.starts_with("process:"),
        "{:?}",
        notified.actor
    );
}

async fn a_bad_address_holds_the_order_until_it_is_corrected(database: &TestDatabase) {
    let setup = setup(database).await;
    let id = create(&setup, "B-1", BAD, "api").await;
    wait_for(&setup, id, "address hold", |k| {
        k.contains(&EventKind::StatusChanged)
    })
    .await;
    let order = setup.oms.order(setup.tenant, id).await.unwrap();
    assert_eq!(order.holds.len(), 1, "{:?}", order.holds);
    assert_eq!(order.holds[0].kind, HoldKind::Address);
    assert_eq!(order.holds[0].owner, "shop");
    assert!(
        order.holds[0].reason.contains("UNDEF"),
        "{}",
        order.holds[0].reason
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !kinds(&setup, id).await.contains(&EventKind::Priced),
        "held orders wait"
    );
    let mut address = order.recipient.address.clone().unwrap();
    address.raw = Some(GOOD.to_owned());
    setup
        .oms
        .correct_address(setup.tenant, id, &Actor::cli(), address)
        .await
        .unwrap();
    wait_for(&setup, id, "label after correction", |k| {
        k.contains(&EventKind::ClientNotified)
    })
    .await;
    let order = setup.oms.order(setup.tenant, id).await.unwrap();
    assert!(order.holds.is_empty(), "{:?}", order.holds);
    assert_eq!(order.status, OrderStatus::ReadyToShip);
}

async fn several_holds_keep_the_order_at_the_gate_until_the_last_is_released(
    database: &TestDatabase,
) {
    let setup = setup(database).await;
    // The deferred process waits for the shipment request after the address check.
    let id = create(&setup, "C-1", GOOD, "otpravka").await;
    wait_for(&setup, id, "address checked", |k| {
        k.contains(&EventKind::StatusChanged)
    })
    .await;
    let actor = Actor("operator:anna".to_owned());
    for (kind, reason) in [
        (HoldKind::Payment, "waiting for the prepayment"),
        (HoldKind::Operator, "customer asked to wait"),
    ] {
        setup
            .oms
            .place_hold(setup.tenant, id, &actor, kind, reason)
            .await
            .unwrap();
    }
    setup
        .oms
        .notify_process(
            setup.tenant,
            id,
            flow::messages::SHIPMENT_REQUESTED,
            serde_json::Map::new(),
            Some("batch-1".to_owned()),
        )
        .await
        .unwrap();
    wait_for(&setup, id, "priced", |k| k.contains(&EventKind::Priced)).await;
    let order = setup.oms.order(setup.tenant, id).await.unwrap();
    assert_eq!(order.holds.len(), 2);
    assert!(order.holds.iter().all(|hold| hold.owner == "operator:anna"));
    setup
        .oms
        .release_hold(setup.tenant, id, &actor, HoldKind::Payment)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let k = kinds(&setup, id).await;
    assert!(
        !k.contains(&EventKind::TrackNumberAssigned),
        "one hold is left: {k:?}"
    );
    setup
        .oms
        .release_hold(setup.tenant, id, &actor, HoldKind::Operator)
        .await
        .unwrap();
    wait_for(&setup, id, "label after release", |k| {
        k.contains(&EventKind::ClientNotified)
    })
    .await;
    wait_instance(&setup, id, "completed").await;
}

/// Numbers the order as okno's worker does, but an operator holds the order first: the hold
/// lands after the gate, between the track number and the label.
struct OperatorHoldsWhileNumbering {
    oms: Oms,
}

#[async_trait::async_trait]
impl okno_process::JobWorker for OperatorHoldsWhileNumbering {
    async fn handle(&self, job: &okno_process::ActivatedJob) -> okno_process::JobOutcome {
        let id = OrderId::from_uuid(job.process_instance);
        let tenant = job.tenant_id.unwrap();
        let actor = Actor("operator:boris".to_owned());
        // Only the first time: after the release the process passes here again.
        let order = self.oms.order(tenant, id).await.unwrap();
        if order.parcels[0].track_number.is_none() {
            self.oms
                .place_hold(tenant, id, &actor, HoldKind::Operator, "check the contents")
                .await
                .unwrap();
        }
        let (order, _) = self
            .oms
            .assign_tracknumbers(tenant, id, actor)
            .await
            .unwrap();
        let mut variables = serde_json::Map::new();
        variables.insert(
            "trackNumbers".to_owned(),
            json!(okno_oms::track_numbers(&order)),
        );
        okno_process::JobOutcome::Complete(variables)
    }
}

async fn a_hold_placed_after_the_gate_stops_the_label_until_released(database: &TestDatabase) {
    let setup = setup(database).await;
    let processes = setup.oms.processes().unwrap();
    processes.register_worker(
        "okno.tracknumber.assign",
        Arc::new(OperatorHoldsWhileNumbering {
            oms: setup.oms.clone(),
        }),
    );
    let id = create(&setup, "H-1", GOOD, "api").await;
    wait_for(&setup, id, "numbered", |k| {
        k.contains(&EventKind::TrackNumberAssigned)
    })
    .await;
    // The label step finds the hold and the process goes back to wait for its release.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let k = kinds(&setup, id).await;
    assert!(
        !k.contains(&EventKind::LabelIssued),
        "held: no label: {k:?}"
    );
    assert_eq!(instance_status(&setup, id).await, "active");
    let order = setup.oms.order(setup.tenant, id).await.unwrap();
    assert!(order.fulfilment.label_issued_at.is_none());

    setup
        .oms
        .release_hold(
            setup.tenant,
            id,
            &Actor("operator:boris".to_owned()),
            HoldKind::Operator,
        )
        .await
        .unwrap();
    wait_for(&setup, id, "label after release", |k| {
        k.contains(&EventKind::ClientNotified)
    })
    .await;
    wait_instance(&setup, id, "completed").await;
    let k = kinds(&setup, id).await;
    assert_eq!(
        k.iter()
            .filter(|kind| **kind == EventKind::TrackNumberAssigned)
            .count(),
        1,
        "numbered once: {k:?}"
    );
    assert_eq!(
        k.iter()
            .filter(|kind| **kind == EventKind::LabelIssued)
            .count(),
        1
    );
}

/// A marketplace's status brings the buyer after the address check: the new recipient is on
/// the order, and a bad new address holds it at the gate until an operator accepts it.
async fn a_new_recipient_address_is_checked_again_before_the_label(database: &TestDatabase) {
    let setup = setup(database).await;
    let id = create(&setup, "R-1", GOOD, "otpravka").await;
    wait_for(&setup, id, "address checked", |k| {
        k.contains(&EventKind::StatusChanged)
    })
    .await;
    let actor = Actor("connector:yandex-market".to_owned());
    let mut buyer = setup.oms.order(setup.tenant, id).await.unwrap().recipient;
    buyer.surname = Some("Петров".to_owned());
    buyer.address = Some(okno_model::Address {
        raw: Some(BAD.to_owned()),
        postcode: Some("117105".to_owned()),
        place: Some("г Москва".to_owned()),
        ..okno_model::Address::default()
    });
    let order = setup
        .oms
        .update_recipient(setup.tenant, id, &actor, buyer.clone())
        .await
        .unwrap();
    assert_eq!(order.recipient.surname.as_deref(), Some("Петров"));
    assert!(
        order
            .holds
            .iter()
            .any(|hold| hold.kind == HoldKind::Address),
        "the new address is checked at once: {:?}",
        order.holds
    );
    // The same recipient again changes nothing.
    let again = setup
        .oms
        .update_recipient(setup.tenant, id, &actor, buyer)
        .await
        .unwrap();
    assert_eq!(again.version, order.version);

    setup.oms.request_shipment(setup.tenant, id).await.unwrap();
    wait_for(&setup, id, "priced", |k| k.contains(&EventKind::Priced)).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        !kinds(&setup, id).await.contains(&EventKind::LabelIssued),
        "held at the gate"
    );
    setup
        .oms
        .release_hold(
            setup.tenant,
            id,
            &Actor("operator:anna".to_owned()),
            HoldKind::Address,
        )
        .await
        .unwrap();
    wait_for(&setup, id, "label after the operator accepts", |k| {
        k.contains(&EventKind::ClientNotified)
    })
    .await;
    let k = kinds(&setup, id).await;
    assert_eq!(
        k.iter()
            .filter(|kind| **kind == EventKind::RecipientChanged)
            .count(),
        1
    );
}

async fn a_cancel_message_stops_the_process_at_a_wait(database: &TestDatabase) {
    let setup = setup(database).await;
    let id = create(&setup, "D-1", GOOD, "otpravka").await;
    wait_for(&setup, id, "waiting for shipment", |k| {
        k.contains(&EventKind::StatusChanged)
    })
    .await;
    setup
        .oms
        .cancel_order(
            setup.tenant,
            id,
            Actor::cli(),
            Some("changed mind".to_owned()),
            None,
            None,
        )
        .await
        .unwrap();
    wait_instance(&setup, id, "completed").await;
    // A late shipment request finds no process waiting and no order to ship.
    setup
        .oms
        .notify_process(
            setup.tenant,
            id,
            flow::messages::SHIPMENT_REQUESTED,
            serde_json::Map::new(),
            None,
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let order = setup.oms.order(setup.tenant, id).await.unwrap();
    assert_eq!(order.status, OrderStatus::Cancelled);
    assert!(order.parcels[0].track_number.is_none());
    let history = setup
        .oms
        .processes()
        .unwrap()
        .history(setup.tenant, id.as_uuid())
        .await
        .unwrap();
    let text = serde_json::to_string(&history).unwrap();
    assert!(
        text.contains("cancel_start"),
        "the cancel subprocess ran: {text}"
    );
}

async fn an_order_close_to_its_deadline_is_escalated(database: &TestDatabase) {
    let setup = setup(database).await;
    let mut body = document("E-1", GOOD);
    // Due in 30 minutes: less than the one-hour margin, so escalated at once.
    body["deadline"] = json!(
        (Utc::now() + chrono::Duration::minutes(30))
            .with_timezone(&chrono::FixedOffset::east_opt(3 * 3600).unwrap())
            .to_rfc3339()
    );
    let reply = setup
        .oms
        .create_order_for_channel(setup.tenant, Actor::cli(), &body, None, "otpravka")
        .await
        .unwrap();
    let id = serde_json::from_str::<Order>(&reply.body).unwrap().id;
    wait_for(&setup, id, "escalated", |k| {
        k.contains(&EventKind::Escalated)
    })
    .await;
    let order = setup.oms.order(setup.tenant, id).await.unwrap();
    assert_eq!(order.priority, Priority::Urgent);
    assert!(order.fulfilment.escalated_at.is_some());
    // The escalation does not end the process: it still waits for the shipment request.
    assert_eq!(instance_status(&setup, id).await, "active");
}
