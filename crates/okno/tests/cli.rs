//! The `okno` binary end to end, over real sockets: the server killed with SIGKILL mid-load
//! loses no acknowledged order; the demo serves its data; the import reports bad rows and keeps
//! the good ones; a bad post office file stops `serve` naming row and field. Runs on SQLite and,
//! when configured, PostgreSQL.

// Test helpers outside #[test] functions may unwrap: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod support;

use okno_model::OrderId;
use okno_store::testing::TestDatabase;
use serde_json::Value;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;

/// Goal: every order answered 201 survives a SIGKILL of the server, and its process finishes
/// once after the restart: no order lost, none duplicated, no step done twice. Method: 32
/// clients create orders as fast as they can (each starts its shipment process at once); once
/// 300 are acknowledged the server gets SIGKILL, in the middle of many processes; the database
/// is opened afresh and every acknowledged id must be there with its creation event first; then
/// a new server starts on the same database, and every acknowledged order must reach its label
/// and the client's notification exactly once, each with its own track number.
async fn acknowledged_orders_survive_sigkill(database: &TestDatabase) {
    let url = database.url().to_owned();
    let (tenant_id, key) = create_tenant(&url, "crash");
    {
        let oms = okno_oms::Oms::new(database.open().await.unwrap());
        oms.add_tracknumber_range(
            tenant_id,
            okno_oms::NewRange {
                mail_type: okno_model::MailType::PostalParcel,
                kind: okno_store::RangeKind::S10,
                prefix: "RA".to_owned(),
                country: Some("RU".to_owned()),
                first_serial: 0,
                last_serial: 99_999_999,
                warn_remaining: None,
            },
        )
        .await
        .unwrap();
    }
    let server = Server::serve(&url);
    let base = server.base.clone();
    let client = reqwest::Client::new();
    wait_healthy(&client, &base).await;

    let acknowledged: Arc<Mutex<Vec<OrderId>>> = Arc::default();
    let mut clients = Vec::new();
    for worker in 0..32 {
        let (client, base, key, acknowledged) = (
            client.clone(),
            base.clone(),
            key.clone(),
            Arc::clone(&acknowledged),
        );
        clients.push(tokio::spawn(async move {
            for sequence in 0.. {
                let sent = client
                    .post(format!("{base}/v1/orders"))
                    .bearer_auth(&key)
                    .json(&order(&format!("K-{worker}-{sequence}")))
                    .send()
                    .await;
                let Ok(response) = sent else { break };
                if response.status().as_u16() != 201 {
                    break;
                }
                let Ok(body) = response.json::<Value>().await else {
                    break;
                };
                let id = body["id"].as_str().unwrap().parse().unwrap();
                acknowledged.lock().unwrap().push(id);
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < 300 {
        assert!(
            Instant::now() < deadline,
            "the server acknowledged too few orders"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    for client in clients {
        client.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();

    let store = database.open().await.unwrap();
    for id in &acknowledged {
        let stored = store.order(tenant_id, *id).await.unwrap();
        assert!(stored.is_some(), "order {id} was acknowledged but is lost");
        let events = store.order_events(tenant_id, *id, 0, 10).await.unwrap();
        assert_eq!(
            events[0].kind,
            okno_model::EventKind::Created,
            "order {id} has its creation event first"
        );
    }
    let stored_total = store.count_orders(tenant_id).await.unwrap();
    assert!(stored_total >= acknowledged.len() as u64);
    drop(store);

    let restarted = Server::serve(&url);
    wait_healthy(&client, &restarted.base).await;
    let first = acknowledged[0];
    let response = client
        .get(format!("{}/v1/orders/{first}", restarted.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);

    // Every process resumes from its last committed step (jobs whose lock ran out are taken
    // again) and finishes once.
    let store = database.open().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut numbers = std::collections::HashSet::new();
    for id in &acknowledged {
        loop {
            let events = store.order_events(tenant_id, *id, 0, 100).await.unwrap();
            let count = |kind| events.iter().filter(|event| event.kind == kind).count();
            if count(okno_model::EventKind::ClientNotified) == 1 {
                for kind in [
                    okno_model::EventKind::TrackNumberAssigned,
                    okno_model::EventKind::LabelIssued,
                    okno_model::EventKind::TrackingRegistered,
                    okno_model::EventKind::Priced,
                ] {
                    assert_eq!(count(kind), 1, "order {id}: {kind:?} once in {events:#?}");
                }
                let order = store.order(tenant_id, *id).await.unwrap().unwrap();
                let number = order.parcels[0].track_number.clone().unwrap();
                assert!(numbers.insert(number.clone()), "{number} given twice");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "order {id} did not finish its process: {events:#?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    drop(restarted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_acknowledged_orders_survive_sigkill() {
    acknowledged_orders_survive_sigkill(&TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_acknowledged_orders_survive_sigkill() {
    if let Some(database) = TestDatabase::postgres().await {
        acknowledged_orders_survive_sigkill(&database).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_serves_its_orders_with_the_printed_key() {
    let folder = tempfile::tempdir().unwrap();
    let mut command = Command::new(OKNO);
    command
        .args(["demo", "--listen", "127.0.0.1:0", "--dir"])
        .arg(folder.path())
        .env_remove("OKNO_CONFIG");
    // The demo prints its URLs and keys; the last line read is the operator key.
    let server = Server::start(&mut command, "operator key:");
    let base = server
        .printed
        .split_whitespace()
        .find(|word| word.ends_with("/docs"))
        .unwrap()
        .trim_end_matches("/docs")
        .to_owned();
    let client = reqwest::Client::new();
    wait_healthy(&client, &base).await;
    let key = server
        .printed
        .split_whitespace()
        .find(|word| word.starts_with("okno_t_"))
        .unwrap()
        .to_owned();
    // The story: Market's accept sample goes through the connector into the marketplace
    // process, which waits until Market's status sample asks for the shipment; the fake shop
    // (Market's API) gets the callbacks in Market's format, signed.
    let steps = [
        "okno answers 200 in Market's shape",
        "waits for Market to confirm the order",
        "okno answers 200: {}; the shipment is asked for",
        "order.label_issued",
        "order.client_notified",
        "the label PDF",
        "/market/campaigns/21000001/orders/12345/delivery/track",
        "/market/campaigns/21000001/orders/12345/status {\"order\":{\"status\":\"PROCESSING\",\"substatus\":\"READY_TO_SHIP\"}}",
        "signature verified",
    ];
    let deadline = Instant::now() + Duration::from_secs(60);
    let output = loop {
        let output = server.output.lock().unwrap().clone();
        if steps.iter().all(|step| output.contains(step)) {
            break output;
        }
        let missing: Vec<_> = steps
            .iter()
            .filter(|step| !output.contains(**step))
            .collect();
        assert!(
            Instant::now() < deadline,
            "the story did not finish, missing {missing:?}:\n{output}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let page: Value = client
        .get(format!("{base}/v1/orders"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let orders = page["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 9, "eight demo orders and Market's");
    let market = orders
        .iter()
        .find(|order| order["client_order_number"] == "YM-12345")
        .unwrap();
    assert_eq!(market["status"], "ready_to_ship");
    let number = market["parcels"][0]["track_number"].as_str().unwrap();
    assert!(
        output.contains(&format!("\"trackCode\":\"{number}\"")),
        "Market got the track number {number}:\n{output}"
    );
    let cancelled = orders
        .iter()
        .filter(|order| order["status"] == "cancelled")
        .count();
    assert_eq!(cancelled, 1);
    let docs = client.get(format!("{base}/docs/")).send().await.unwrap();
    assert_eq!(docs.status().as_u16(), 200);
    drop(server);
}

#[test]
fn import_keeps_good_rows_and_reports_bad_ones_by_line_and_column() {
    let database = TestDatabase::sqlite();
    let url = database.url();
    let (_, _) = create_tenant(url, "importer");
    let folder = tempfile::tempdir().unwrap();

    let csv = folder.path().join("orders.csv");
    std::fs::write(
        &csv,
        "\u{feff}client_order_number;recipient_surname;recipient_address;mass_grams;mail_type;mail_category;services\n\
         C-1;Иванов;г Москва, ул Тверская 7;1200;POSTAL_PARCEL;ORDINARY;sms_notice|fragile\n\
         C-2;Петров;г Тула;-5;POSTAL_PARCEL;ORDINARY;\n\
         C-3;Сидоров;г Омск;700;PIGEON;ORDINARY;\n\
         C-1;Дубль;г Москва;100;POSTAL_PARCEL;ORDINARY;\n\
         C-4;Орлова;г Казань;abc;ONLINE_PARCEL;ORDINARY;\n\
         C-5;Белова;г Пермь;300;ONLINE_PARCEL;ORDINARY;\n",
    )
    .unwrap();
    let output = okno(
        url,
        &[
            "orders",
            "import",
            csv.to_str().unwrap(),
            "--tenant",
            "importer",
        ],
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "rejected rows make the exit code 1\n{stdout}"
    );
    assert!(
        stdout.contains("imported 2 order(s), rejected 4 row(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 3: column mass_grams: must be between 1 and"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 4: column mail_type: unknown value \"PIGEON\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 5: client order number \"C-1\" is already used"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 6: column mass_grams: must be a whole number"),
        "{stdout}"
    );

    let jsonl = folder.path().join("orders.jsonl");
    let lines = [
        order("J-1").to_string(),
        String::new(),
        "{not json".to_owned(),
        order("J-2").to_string(),
    ];
    std::fs::write(&jsonl, lines.join("\n")).unwrap();
    let output = okno(
        url,
        &[
            "orders",
            "import",
            jsonl.to_str().unwrap(),
            "--tenant",
            "importer",
        ],
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("imported 2 order(s), rejected 1 row(s)"),
        "{stdout}"
    );
    assert!(stdout.contains("line 3: malformed JSON"), "{stdout}");

    let unknown = folder.path().join("unknown.csv");
    std::fs::write(&unknown, "client_order_number,weight\nX,1\n").unwrap();
    let output = okno(
        url,
        &[
            "orders",
            "import",
            unknown.to_str().unwrap(),
            "--tenant",
            "importer",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("unknown column(s) weight"), "{stderr}");

    let missing = okno(
        url,
        &[
            "orders",
            "import",
            jsonl.to_str().unwrap(),
            "--tenant",
            "nobody",
        ],
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8(missing.stderr)
            .unwrap()
            .contains("tenant \"nobody\" not found")
    );
}

#[test]
fn serve_refuses_a_bad_post_offices_file_naming_row_and_field() {
    let database = TestDatabase::sqlite();
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("offices.csv");
    std::fs::write(
        &file,
        "index,type,name,place,address,lat,lon,max_weight_grams\n\
         656049,post_office,Барнаул 49,Барнаул,Барнаул,53.35,83.76,20000\n\
         656050,kiosk,Барнаул 50,Барнаул,Барнаул,53.35,183.76,20000\n",
    )
    .unwrap();
    let output = Command::new(OKNO)
        .args([
            "--database-url",
            database.url(),
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .env_remove("OKNO_CONFIG")
        .env("OKNO_POST_OFFICES_FILE", &file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("post_offices_file"), "{stderr}");
    assert!(stderr.contains("row 2, type"), "{stderr}");
    assert!(stderr.contains("row 2, lon"), "{stderr}");
}
