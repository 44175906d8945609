//! Benchmark: parse + map + validate of a realistic 30-field order through a connector, JSON
//! and XML, orders per second on one thread; and, in the same run, the reference JSONata
//! (npm `jsonata`, `bench/jsonata/bench.js`) doing the same JSON-to-JSON mapping (parse + map;
//! JSONata has no validation step), with the ratio.
//!
//! Run with `cargo bench -p okno-connectors --bench connector` (after `npm ci` in
//! `bench/jsonata`; without Node or the package the peer is reported as skipped).
//! Criterion-free on purpose: a plain `Instant` loop for about two seconds after a warm-up,
//! as the other okno benches. Uses mimalloc, the `okno` binary's allocator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use okno_connectors::{Connector, Inbound};

/// The allocator the `okno` binary runs with, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn data(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("benches/data")
            .join(name),
    )
    .unwrap()
}

fn connector(name: &str) -> Connector {
    Connector::load(name, &String::from_utf8(data(name)).unwrap()).unwrap()
}

/// Orders per second for `receive` of `body`; checks first that the order is valid.
fn rate(connector: &Connector, body: &[u8]) -> f64 {
    let once = || connector.receive("accept", &[], black_box(body)).unwrap();
    match once() {
        Inbound::Create(create) => {
            let parcel = &create.draft.parcels[0];
            assert_eq!(parcel.mass_grams, 2_200);
            assert_eq!(parcel.items[1].price_kopecks, 49_525);
            assert_eq!(create.draft.recipient.surname.as_deref(), Some("Иванов"));
        }
        Inbound::Answer(answer) => panic!("the bench order is invalid: {:?}", answer.errors),
    }
    for _ in 0..1_000 {
        black_box(once());
    }
    let started = Instant::now();
    let mut orders = 0_u64;
    while started.elapsed() < Duration::from_secs(2) {
        for _ in 0..100 {
            black_box(once());
        }
        orders += 100;
    }
    orders as f64 / started.elapsed().as_secs_f64()
}

/// Runs the JSONata peer; `None` when Node or the package is missing.
fn jsonata() -> Option<(f64, String)> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/jsonata");
    if !folder.join("node_modules/jsonata").exists() {
        return None;
    }
    let order = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data/order.json");
    let output = Command::new("node")
        .arg("bench.js")
        .arg(order)
        .current_dir(&folder)
        .output()
        .ok()?;
    let line: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    let rate = line["orders_per_second"].as_f64()?;
    let versions = format!("jsonata {}, node {}", line["jsonata"], line["node"]);
    Some((rate, versions.replace('"', "")))
}

fn main() {
    let json = rate(&connector("order-json.yaml"), &data("order.json"));
    println!(
        "connector_json: {json:.0} orders/s on one thread (parse + map + validate, 30 fields)"
    );
    let xml = rate(&connector("order-xml.yaml"), &data("order.xml"));
    println!("connector_xml: {xml:.0} orders/s on one thread (parse + map + validate, 30 fields)");
    match jsonata() {
        Some((peer, versions)) => {
            println!("jsonata_json: {peer:.0} orders/s on one thread (parse + map; {versions})");
            println!("ratio okno/jsonata (JSON): {:.2}", json / peer);
        }
        None => println!("jsonata_json: skipped (run `npm ci` in bench/jsonata; needs node)"),
    }
}
