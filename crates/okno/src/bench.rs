//! `okno bench orders`: creates orders over real HTTP with many concurrent keep-alive
//! connections and reports throughput and latency percentiles, for one or several databases
//! side by side.
//!
//! The server runs in this process on 127.0.0.1 (or is an external one given with `--target`),
//! so client and server share the machine, as they would on a two-core box. Every measured
//! order is durable when its 201 arrives (SQLite `synchronous = FULL`, PostgreSQL commit); at
//! the end the store is counted to prove that every acknowledged order is there.

use anyhow::{Context, bail};
use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use okno_oms::Oms;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// Options of one run.
#[derive(Clone, Debug)]
pub(crate) struct BenchOptions {
    pub(crate) connections: usize,
    pub(crate) duration: Duration,
    pub(crate) warmup: Duration,
}

/// What one run measured.
#[derive(Debug)]
pub(crate) struct BenchResult {
    pub(crate) label: String,
    pub(crate) created: u64,
    pub(crate) errors: u64,
    pub(crate) orders_per_second: f64,
    pub(crate) latency_ms: [f64; 5],
    pub(crate) durable_found: Option<u64>,
    pub(crate) acknowledged_total: u64,
}

fn order_body(connection: usize, sequence: u64, run: &str) -> Bytes {
    let body = serde_json::json!({
        "client_order_number": format!("bench-{run}-{connection}-{sequence}"),
        "recipient": {
            "surname": "Иванов", "given_name": "Иван", "middle_name": "Иванович",
            "phone": "+7 945 956-20-67",
            "address": {"raw": "117105, г Москва, ш Варшавское, д. 37", "postcode": "117105",
                        "place": "г Москва", "street": "ш Варшавское", "house": "37"}
        },
        "parcels": [{
            "mass_grams": 2000, "mail_type": "POSTAL_PARCEL",
            "mail_category": "WITH_DECLARED_VALUE_AND_CASH_ON_DELIVERY",
            "declared_value_kopecks": 150000, "cash_on_delivery_kopecks": 150000,
            "dimensions": {"length_mm": 300, "width_mm": 200, "height_mm": 150},
            "items": [{"sku": "KT-1", "name": "Чайник", "quantity": 1,
                       "price_kopecks": 150000, "vat_rate": "vat22", "weight_grams": 1800}]
        }]
    });
    Bytes::from(body.to_string())
}

struct ConnectionStats {
    histogram: Histogram<u64>,
    created: u64,
    acknowledged: u64,
    errors: u64,
}

async fn drive_connection(
    address: std::net::SocketAddr,
    key: Arc<String>,
    connection: usize,
    run: Arc<String>,
    measure_from: Instant,
    stop_at: Instant,
) -> anyhow::Result<ConnectionStats> {
    let stream = TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    let (mut sender, driver) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(driver);
    let mut stats = ConnectionStats {
        histogram: Histogram::new_with_bounds(1, 60_000_000, 3)?,
        created: 0,
        acknowledged: 0,
        errors: 0,
    };
    let mut sequence = 0;
    while Instant::now() < stop_at {
        sequence += 1;
        let request = Request::post("/v1/orders")
            .header("host", address.to_string())
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {key}"))
            .body(Full::new(order_body(connection, sequence, &run)))?;
        let started = Instant::now();
        let response = sender.send_request(request).await?;
        let status = response.status();
        response.into_body().collect().await?;
        let elapsed_us = started.elapsed().as_micros() as u64;
        if status.as_u16() == 201 {
            stats.acknowledged += 1;
            if started >= measure_from {
                stats.created += 1;
                stats.histogram.record(elapsed_us.max(1))?;
            }
        } else {
            stats.errors += 1;
        }
    }
    Ok(stats)
}

/// Runs the load against a server at `address` with a tenant key.
pub(crate) async fn load(
    label: &str,
    address: std::net::SocketAddr,
    key: &str,
    options: &BenchOptions,
) -> anyhow::Result<BenchResult> {
    let key = Arc::new(key.to_owned());
    let run = Arc::new(uuid_like());
    let started = Instant::now();
    let measure_from = started + options.warmup;
    let stop_at = measure_from + options.duration;
    let mut tasks = Vec::new();
    for connection in 0..options.connections {
        tasks.push(tokio::spawn(drive_connection(
            address,
            Arc::clone(&key),
            connection,
            Arc::clone(&run),
            measure_from,
            stop_at,
        )));
    }
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let (mut created, mut errors, mut acknowledged) = (0, 0, 0);
    for task in tasks {
        let stats = task.await.context("a load connection panicked")??;
        histogram.add(&stats.histogram)?;
        created += stats.created;
        errors += stats.errors;
        acknowledged += stats.acknowledged;
    }
    let seconds = options.duration.as_secs_f64();
    let percentile = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    Ok(BenchResult {
        label: label.to_owned(),
        created,
        errors,
        orders_per_second: created as f64 / seconds,
        latency_ms: [
            percentile(0.5),
            percentile(0.9),
            percentile(0.99),
            percentile(0.999),
            histogram.max() as f64 / 1000.0,
        ],
        durable_found: None,
        acknowledged_total: acknowledged,
    })
}

fn uuid_like() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    )
}

/// Starts an in-process server on `database_url`, loads it, and counts the store afterwards.
pub(crate) async fn run_in_process(
    database_url: &str,
    options: &BenchOptions,
) -> anyhow::Result<BenchResult> {
    let store = okno_store::open(database_url)
        .await
        .with_context(|| format!("cannot open {database_url}"))?;
    let oms = Oms::new(Arc::clone(&store));
    let (tenant, _, key) = oms
        .create_tenant(&format!("bench-{}", uuid_like()))
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let state = okno_api::AppState::new(oms, okno_api::ApiConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, okno_api::app(state)).await });
    let label = format!("{} ({})", store.backend(), redact(database_url));
    let mut result = load(&label, address, key.expose(), options).await?;
    server.abort();
    let found = store.count_orders(tenant.id).await?;
    if found != result.acknowledged_total {
        bail!(
            "{label}: {} orders acknowledged with 201 but {found} in the store",
            result.acknowledged_total
        );
    }
    result.durable_found = Some(found);
    Ok(result)
}

pub(crate) fn redact(url: &str) -> String {
    match url.split_once('@') {
        Some((scheme_user, host)) => {
            let scheme = scheme_user.split("://").next().unwrap_or("");
            format!("{scheme}://…@{host}")
        }
        None => url.to_owned(),
    }
}

/// Writes the results as CSV (one row per backend) for the run records.
pub(crate) fn write_csv(results: &[BenchResult], path: &std::path::Path) -> anyhow::Result<()> {
    let mut writer =
        csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    writer.write_record([
        "backend",
        "orders",
        "orders_per_second",
        "p50_ms",
        "p90_ms",
        "p99_ms",
        "p999_ms",
        "max_ms",
        "errors",
        "acknowledged_total",
        "found_in_store",
    ])?;
    for result in results {
        let [p50, p90, p99, p999, max] = result.latency_ms;
        writer.write_record([
            result.label.clone(),
            result.created.to_string(),
            format!("{:.1}", result.orders_per_second),
            format!("{p50:.3}"),
            format!("{p90:.3}"),
            format!("{p99:.3}"),
            format!("{p999:.3}"),
            format!("{max:.3}"),
            result.errors.to_string(),
            result.acknowledged_total.to_string(),
            result
                .durable_found
                .map_or_else(String::new, |found| found.to_string()),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// Prints results side by side, with throughput ratios against the first row.
pub(crate) fn print_table(results: &[BenchResult], options: &BenchOptions) {
    println!(
        "okno bench orders: POST /v1/orders, {} keep-alive connections, {:.0} s measured after {:.0} s warm-up",
        options.connections,
        options.duration.as_secs_f64(),
        options.warmup.as_secs_f64()
    );
    println!(
        "{:<44} {:>9} {:>10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>6}",
        "backend",
        "orders",
        "orders/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "p99.9",
        "max ms",
        "errors",
        "ratio"
    );
    let base = results
        .first()
        .map_or(1.0, |first| first.orders_per_second.max(f64::EPSILON));
    for result in results {
        let [p50, p90, p99, p999, max] = result.latency_ms;
        println!(
            "{:<44} {:>9} {:>10.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>6.2}",
            result.label,
            result.created,
            result.orders_per_second,
            p50,
            p90,
            p99,
            p999,
            max,
            result.errors,
            result.orders_per_second / base
        );
        if let Some(found) = result.durable_found {
            println!(
                "  durability: {} orders acknowledged with 201 (warm-up included), {found} found in the store",
                result.acknowledged_total
            );
        }
    }
}
