//! `okno bench flow` and `okno bench sorter`: the whole order lifecycle under load.
//!
//! `flow`: orders are posted over real HTTP to an in-process server whose orders run the
//! default shipment process (address check, price, track number, label, tracking
//! registration, the client's notification); an order is done when the `order.client_notified`
//! webhook reaches a receiver on 127.0.0.1, so the latency is accept → webhook, end to end.
//! At most `in_flight` orders are unfinished at a time (a closed loop, as shops behave when
//! they wait for the answer). Orders per second and p50/p99 latency per database.
//!
//! `sorter`: orders are created first (waiting in the deferred process for their shipment),
//! then `POST /v1/parcels:register` is sent at a fixed rate (an open loop: each request has a
//! scheduled time and its latency is counted from then, so a slow answer cannot hide the queue
//! behind it) and the label comes back in the answer.

use anyhow::{Context, bail};
use axum::extract::State;
use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use okno_model::MailType;
use okno_oms::{NewRange, Oms};
use okno_store::RangeKind;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc};

/// What one run measured.
#[derive(Debug)]
pub(crate) struct FlowResult {
    pub(crate) label: String,
    pub(crate) orders: u64,
    pub(crate) per_second: f64,
    pub(crate) latency_ms: [f64; 4],
}

/// A server in this process with its orders running their processes, and a tenant with a
/// track number range.
struct Served {
    address: SocketAddr,
    key: String,
    label: String,
    server: tokio::task::JoinHandle<()>,
    background: tokio::task::JoinHandle<()>,
    dispatcher: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.server.abort();
        self.background.abort();
        self.dispatcher.abort();
    }
}

async fn serve(database_url: &str) -> anyhow::Result<Served> {
    let store = okno_store::open(database_url)
        .await
        .with_context(|| format!("cannot open {database_url}"))?;
    let oms = Oms::new(Arc::clone(&store));
    let stamp = chrono::Utc::now().timestamp_micros();
    let (tenant, _, key) = oms
        .create_tenant(&format!("bench-flow-{stamp}"))
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    oms.add_tracknumber_range(
        tenant.id,
        NewRange {
            mail_type: MailType::PostalParcel,
            kind: RangeKind::S10,
            prefix: "RA".to_owned(),
            country: Some("RU".to_owned()),
            // Ranges are unique across tenants: each run takes its own window of 10,000.
            first_serial: (stamp % 9_990) * 10_000,
            last_serial: (stamp % 9_990) * 10_000 + 9_999,
            warn_remaining: Some(0),
        },
    )
    .await
    .map_err(|error| anyhow::anyhow!("{error}"))?;
    // Webhooks are claimed every 20 ms when idle (the default `webhook_poll_interval` is 1 s,
    // which would dominate the latency of a lone order).
    let webhooks = okno_webhooks::Settings {
        poll_interval: Duration::from_millis(20),
        ..okno_webhooks::Settings::default()
    };
    let state = okno_api::AppState::new(oms, okno_api::ApiConfig::default())
        .with_webhook_settings(webhooks)
        .with_order_processes();
    let background = state.processes.spawn_background();
    let dispatcher = state.spawn_webhook_dispatcher();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, okno_api::app(state)).await;
    });
    Ok(Served {
        address,
        key: key.expose().to_owned(),
        label: format!(
            "{} ({})",
            store.backend(),
            crate::bench::redact(database_url)
        ),
        server,
        background,
        dispatcher,
    })
}

/// A keep-alive HTTP/1.1 connection.
struct Client {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    address: SocketAddr,
    key: String,
}

impl Client {
    async fn connect(address: SocketAddr, key: &str) -> anyhow::Result<Client> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        let (sender, driver) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(driver);
        Ok(Client {
            sender,
            address,
            key: key.to_owned(),
        })
    }

    async fn get(&mut self, path: &str) -> anyhow::Result<(u16, Bytes)> {
        self.sender.ready().await?;
        let request = Request::get(path)
            .header("host", self.address.to_string())
            .header("authorization", format!("Bearer {}", self.key))
            .body(Full::new(Bytes::new()))?;
        let response = self.sender.send_request(request).await?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok((status, bytes))
    }

    async fn post(
        &mut self,
        path: &str,
        body: &Value,
        accept: &str,
    ) -> anyhow::Result<(u16, Bytes)> {
        self.sender.ready().await?;
        let request = Request::post(path)
            .header("host", self.address.to_string())
            .header("content-type", "application/json")
            .header("accept", accept)
            .header("authorization", format!("Bearer {}", self.key))
            .body(Full::new(Bytes::from(body.to_string())))?;
        let response = self.sender.send_request(request).await?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok((status, bytes))
    }
}

fn order(number: &str) -> Value {
    json!({
        "client_order_number": number,
        "recipient": {
            "surname": "Иванов", "given_name": "Иван", "phone": "+79459562067",
            "address": {"raw": "117105, г Москва, ш Варшавское, д. 37", "postcode": "117105",
                        "place": "г Москва", "street": "ш Варшавское", "house": "37"}
        },
        "parcels": [{
            "mass_grams": 2000, "mail_type": "POSTAL_PARCEL", "mail_category": "ORDINARY",
            "dimensions": {"length_mm": 300, "width_mm": 200, "height_mm": 150},
            "items": [{"sku": "KT-1", "name": "Чайник", "quantity": 1,
                       "price_kopecks": 150000, "vat_rate": "vat22"}]
        }]
    })
}

/// The webhook receiver: answers 204 and reports the order id of each notification.
async fn receive(
    State(done): State<mpsc::UnboundedSender<(String, Instant)>>,
    body: Bytes,
) -> axum::http::StatusCode {
    let at = Instant::now();
    if let Ok(value) = serde_json::from_slice::<Value>(&body)
        && let Some(id) = value["data"]["order_id"].as_str()
    {
        let _ = done.send((id.to_owned(), at));
    }
    axum::http::StatusCode::NO_CONTENT
}

/// Runs `orders` orders through the whole default process on one database.
pub(crate) async fn flow(
    database_url: &str,
    orders: u64,
    in_flight: usize,
) -> anyhow::Result<FlowResult> {
    let served = serve(database_url).await?;
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let receiver = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let receiver_address = receiver.local_addr()?;
    let receiver_task = tokio::spawn(async move {
        let router = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(done_tx);
        let _ = axum::serve(receiver, router).await;
    });
    let mut admin = Client::connect(served.address, &served.key).await?;
    let (status, body) = admin
        .post(
            "/v1/webhooks",
            &json!({"url": format!("http://{receiver_address}/hook"),
                    "event_types": ["order.client_notified"], "format": "canonical"}),
            "application/json",
        )
        .await?;
    if status != 201 {
        bail!(
            "webhook registration answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    let started: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let slots = Arc::new(Semaphore::new(in_flight));
    let connections = in_flight.clamp(1, 32);
    let (work_tx, work_rx) = mpsc::channel::<u64>(in_flight);
    let work_rx = Arc::new(tokio::sync::Mutex::new(work_rx));
    let mut senders = Vec::new();
    let run = chrono::Utc::now().timestamp_micros();
    for _ in 0..connections {
        let mut client = Client::connect(served.address, &served.key).await?;
        let work = Arc::clone(&work_rx);
        let started = Arc::clone(&started);
        senders.push(tokio::spawn(async move {
            while let Some(n) = next(&work).await {
                let at = Instant::now();
                let (status, body) = client
                    .post(
                        "/v1/orders",
                        &order(&format!("flow-{run}-{n}")),
                        "application/json",
                    )
                    .await?;
                if status != 201 {
                    bail!(
                        "order answered {status}: {}",
                        String::from_utf8_lossy(&body)
                    );
                }
                let value: Value = serde_json::from_slice(&body)?;
                let id = value["id"].as_str().unwrap_or_default().to_owned();
                if let Ok(mut started) = started.lock() {
                    started.insert(id, at);
                }
            }
            anyhow::Ok(())
        }));
    }
    let first = Instant::now();
    let feeder_slots = Arc::clone(&slots);
    let feeder = tokio::spawn(async move {
        for n in 0..orders {
            let Ok(permit) = feeder_slots.acquire().await else {
                break;
            };
            permit.forget();
            if work_tx.send(n).await.is_err() {
                break;
            }
        }
    });
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
    let mut finished = 0;
    let mut pending: Vec<(String, Instant)> = Vec::new();
    let mut last = first;
    let deadline = Instant::now() + Duration::from_secs(120);
    while finished < orders {
        let next = tokio::time::timeout_at(deadline.into(), done_rx.recv()).await;
        let Ok(Some(done)) = next else {
            bail!("{finished} of {orders} orders notified within 2 minutes");
        };
        pending.push(done);
        let mut still = Vec::new();
        for (id, at) in pending.drain(..) {
            let begun = started.lock().ok().and_then(|map| map.get(&id).copied());
            match begun {
                Some(begun) => {
                    histogram.record(at.duration_since(begun).as_micros().max(1) as u64)?;
                    finished += 1;
                    last = last.max(at);
                    slots.add_permits(1);
                }
                // The webhook beat the 201 to the client's map: look again next time.
                None => still.push((id, at)),
            }
        }
        pending = still;
    }
    feeder.abort();
    for sender in senders {
        sender.abort();
    }
    receiver_task.abort();
    let seconds = last.duration_since(first).as_secs_f64().max(1e-9);
    let percentile = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    Ok(FlowResult {
        label: served.label.clone(),
        orders,
        per_second: orders as f64 / seconds,
        latency_ms: [
            percentile(0.5),
            percentile(0.99),
            percentile(0.999),
            histogram.max() as f64 / 1000.0,
        ],
    })
}

/// The label a sorter asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LabelFormat {
    /// `application/pdf`: the A6 label as a PDF (office printers, people).
    Pdf,
    /// `application/zpl`: ZPL II for thermal printers, as sorting lines print.
    Zpl,
}

impl LabelFormat {
    fn accept(self) -> &'static str {
        match self {
            LabelFormat::Pdf => "application/pdf",
            LabelFormat::Zpl => "application/zpl",
        }
    }

    fn looks_right(self, body: &[u8]) -> bool {
        match self {
            LabelFormat::Pdf => body.starts_with(b"%PDF"),
            LabelFormat::Zpl => body.starts_with(b"^XA"),
        }
    }
}

/// The sorter at a fixed request rate on one database.
pub(crate) async fn sorter(
    database_url: &str,
    rate: u64,
    seconds: u64,
    label: LabelFormat,
) -> anyhow::Result<FlowResult> {
    let mut served = serve(database_url).await?;
    served.label = format!("{} {:?}", served.label, label);
    let total = rate * seconds;
    let run = chrono::Utc::now().timestamp_micros();
    // The orders arrive first and wait in the deferred process for their shipment (the default
    // process would issue their labels before the sorter weighs them).
    let mut client = Client::connect(served.address, &served.key).await?;
    let mut ids = Vec::with_capacity(usize::try_from(total)?);
    for n in 0..total {
        let (status, body) = client
            .post(
                "/v1/orders?process=okno-shipment-deferred",
                &order(&format!("sorter-{run}-{n}")),
                "application/json",
            )
            .await?;
        if status != 201 {
            bail!("order answered {status}");
        }
        let value: Value = serde_json::from_slice(&body)?;
        ids.push(value["id"].as_str().unwrap_or_default().to_owned());
    }
    // Let the orders' own processes settle (every order address-checked and waiting for its
    // shipment request) so that the measured seconds are the sorter's alone.
    until_every(
        &mut client,
        &ids,
        Duration::from_secs(300),
        "settle",
        |order| order["status"] != "accepted",
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let connections = 32;
    let (work_tx, work_rx) = mpsc::unbounded_channel::<(String, Instant)>();
    let work_rx = Arc::new(tokio::sync::Mutex::new(work_rx));
    let histogram = Arc::new(Mutex::new(Histogram::<u64>::new_with_bounds(
        1,
        600_000_000,
        3,
    )?));
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let mut client = Client::connect(served.address, &served.key).await?;
        let work = Arc::clone(&work_rx);
        let histogram = Arc::clone(&histogram);
        tasks.push(tokio::spawn(async move {
            while let Some((id, scheduled)) = next_unbounded(&work).await {
                let body = json!({"order_id": id, "mass_grams": 1830,
                                  "dimensions": {"length_mm": 300, "width_mm": 200, "height_mm": 150}});
                let (status, bytes) = client
                    .post("/v1/parcels:register", &body, label.accept())
                    .await?;
                if status != 200 || !label.looks_right(&bytes) {
                    bail!("sorter answered {status}: {}", String::from_utf8_lossy(&bytes[..bytes.len().min(300)]));
                }
                let micros = scheduled.elapsed().as_micros().max(1) as u64;
                if let Ok(mut histogram) = histogram.lock() {
                    histogram.record(micros)?;
                }
            }
            anyhow::Ok(())
        }));
    }
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let first = Instant::now();
    for (n, id) in ids.iter().cloned().enumerate() {
        let scheduled = first + interval * u32::try_from(n)?;
        tokio::time::sleep_until(scheduled.into()).await;
        work_tx.send((id, scheduled))?;
    }
    drop(work_tx);
    for task in tasks {
        task.await.context("a sorter connection panicked")??;
    }
    let elapsed = first.elapsed().as_secs_f64();
    // The weighings set the rest of each process going (price, label, tracking, notice): wait
    // for all of it, so that the next run side by side does not share the machine with this
    // one's tail.
    until_every(
        &mut client,
        &ids,
        Duration::from_secs(600),
        "finish",
        |order| order["fulfilment"]["client_notified_at"].is_string(),
    )
    .await?;
    let histogram = histogram
        .lock()
        .map_err(|_| anyhow::anyhow!("histogram lock"))?
        .clone();
    let percentile = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    Ok(FlowResult {
        label: served.label.clone(),
        orders: total,
        per_second: total as f64 / elapsed,
        latency_ms: [
            percentile(0.5),
            percentile(0.99),
            percentile(0.999),
            histogram.max() as f64 / 1000.0,
        ],
    })
}

/// Polls each order (`GET /v1/orders/{id}`) until `done` holds for it, or fails after `limit`.
async fn until_every(
    client: &mut Client,
    ids: &[String],
    limit: Duration,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    for id in ids {
        loop {
            let (_, body) = client.get(&format!("/v1/orders/{id}")).await?;
            if done(&serde_json::from_slice::<Value>(&body)?) {
                break;
            }
            if Instant::now() > deadline {
                bail!(
                    "the orders' processes did not {what} in {} s",
                    limit.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Ok(())
}

/// The next item of a receiver shared by several tasks.
async fn next<T>(work: &tokio::sync::Mutex<mpsc::Receiver<T>>) -> Option<T> {
    work.lock().await.recv().await
}

async fn next_unbounded<T>(work: &tokio::sync::Mutex<mpsc::UnboundedReceiver<T>>) -> Option<T> {
    work.lock().await.recv().await
}

/// Prints the results side by side.
pub(crate) fn print(title: &str, unit: &str, results: &[FlowResult]) {
    println!("{title}");
    println!(
        "{:<44} {:>8} {:>12} {:>9} {:>9} {:>9} {:>9}",
        "database", "count", unit, "p50 ms", "p99 ms", "p99.9 ms", "max ms"
    );
    for result in results {
        println!(
            "{:<44} {:>8} {:>12.1} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            result.label,
            result.orders,
            result.per_second,
            result.latency_ms[0],
            result.latency_ms[1],
            result.latency_ms[2],
            result.latency_ms[3],
        );
    }
}
