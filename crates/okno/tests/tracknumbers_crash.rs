//! Track numbers survive a SIGKILL: no number is ever issued twice, across a crash of the server
//! in the middle of issuing and a restart, on SQLite and PostgreSQL. Every number a client was
//! told about is stored on its order.
#![allow(clippy::unwrap_used)]

use okno_model::{MailType, OrderId, TenantId};
use okno_oms::{NewRange, Oms};
use okno_store::RangeKind;
use okno_store::testing::TestDatabase;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const OKNO: &str = env!("CARGO_BIN_EXE_okno");

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn serve(url: &str) -> Server {
        let mut child = Command::new(OKNO)
            .args(["--database-url", url, "serve", "--listen", "127.0.0.1:0"])
            .env_remove("OKNO_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("the server prints its address")
                .unwrap();
            if let Some(at) = line.find("listening on ") {
                break line[at + 13..]
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        Server { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill(); // SIGKILL on Unix
        let _ = self.child.wait();
    }
}

async fn ready(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{base} never became ready");
}

type Issued = Arc<Mutex<Vec<(OrderId, String)>>>;

/// Creates an order and assigns its track number, until the server stops answering.
async fn issue_until_gone(
    client: reqwest::Client,
    base: String,
    key: String,
    worker: usize,
    issued: Issued,
) {
    for n in 0.. {
        let order = json!({
            "client_order_number": format!("TN-{worker}-{n}-{}", uuid::Uuid::now_v7()),
            "recipient": {"surname": "Петрова", "address": {"raw": "Саратов Московская 12-34", "postcode": "410012"}},
            "parcels": [{"mass_grams": 850, "mail_type": "POSTAL_PARCEL", "mail_category": "ORDINARY"}]
        });
        let Ok(created) = client
            .post(format!("{base}/v1/orders"))
            .bearer_auth(&key)
            .json(&order)
            .send()
            .await
        else {
            return;
        };
        let Ok(body) = created.json::<Value>().await else {
            return;
        };
        let Some(id) = body["id"].as_str() else {
            return;
        };
        let Ok(assigned) = client
            .post(format!("{base}/v1/orders/{id}:assign-tracknumbers"))
            .bearer_auth(&key)
            .send()
            .await
        else {
            return;
        };
        if assigned.status().as_u16() != 200 {
            return;
        }
        let Ok(body) = assigned.json::<Value>().await else {
            return;
        };
        let number = body["issued"][0]["track_number"]
            .as_str()
            .unwrap()
            .to_owned();
        issued.lock().unwrap().push((id.parse().unwrap(), number));
    }
}

async fn run_round(url: &str, key: &str, until: usize, issued: &Issued) {
    let server = Server::serve(url);
    let client = reqwest::Client::new();
    ready(&client, &server.base).await;
    let start = issued.lock().unwrap().len();
    let workers: Vec<_> = (0..16)
        .map(|w| {
            tokio::spawn(issue_until_gone(
                client.clone(),
                server.base.clone(),
                key.to_owned(),
                w,
                Arc::clone(issued),
            ))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while issued.lock().unwrap().len() < start + until {
        assert!(Instant::now() < deadline, "too few numbers issued");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    drop(server); // SIGKILL in the middle of issuing
    for worker in workers {
        worker.await.unwrap();
    }
}

async fn numbers_are_unique_across_a_crash(database: &TestDatabase) {
    let url = database.url().to_owned();
    let store = database.open().await.unwrap();
    let oms = Oms::new(Arc::clone(&store));
    let (tenant, _, key) = oms.create_tenant("crash issuer").await.unwrap();
    let tenant_id: TenantId = tenant.id;
    oms.add_tracknumber_range(
        tenant_id,
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
    let key = key.expose().to_owned();
    let issued: Issued = Arc::default();
    run_round(&url, &key, 200, &issued).await;
    run_round(&url, &key, 100, &issued).await;

    let issued = issued.lock().unwrap().clone();
    let unique: HashSet<&String> = issued.iter().map(|(_, n)| n).collect();
    assert_eq!(
        unique.len(),
        issued.len(),
        "a track number was issued twice"
    );
    let store = database.open().await.unwrap();
    for (id, number) in &issued {
        let order = store.order(tenant_id, *id).await.unwrap().unwrap();
        assert_eq!(
            order.parcels[0].track_number.as_ref(),
            Some(number),
            "order {id} lost its number"
        );
        assert!(okno_postal::TrackNumber::parse(number).is_ok());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_track_numbers_are_unique_across_a_sigkill() {
    numbers_are_unique_across_a_crash(&TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_track_numbers_are_unique_across_a_sigkill() {
    if let Some(database) = TestDatabase::postgres().await {
        numbers_are_unique_across_a_crash(&database).await;
    }
}
