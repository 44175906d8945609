//! Tracking operations ingested per second, durably, on SQLite and (when
//! `OKNO_BENCH_POSTGRES_URL` names a database) PostgreSQL, in batches of 1, 100, 1,000 and
//! 10,000, from 4 concurrent reporters; then history lookups per second (one number per call,
//! 8 concurrent readers, each number with 6 operations):
//! `cargo bench -p okno-oms --bench tracking`. At the end the stored count is checked.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, TimeZone, Utc};
use okno_model::TrackingOperation;
use okno_oms::Oms;
use std::time::Instant;

const REPORTERS: usize = 4;
const OPERATIONS_PER_NUMBER: usize = 6;

fn operations(run: u128, reporter: usize, batch: usize, size: usize) -> Vec<TrackingOperation> {
    let start = Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap();
    (0..size)
        .map(|i| {
            let global = reporter * 1_000_000 + batch * size + i;
            let serial = global / OPERATIONS_PER_NUMBER;
            let step = (global % OPERATIONS_PER_NUMBER) as i64;
            TrackingOperation {
                track_number: number(run, serial),
                operation_type: if step == 0 { 1 } else { 8 },
                operation_attr: Some(step as u16),
                operated_at: (start + Duration::hours(step * 7)).fixed_offset(),
                office_index: Some(format!("{:06}", 101_000 + step * 1_000)),
                office_name: Some("Сортировочный центр".to_owned()),
                destination_index: Some("644008".to_owned()),
                destination_name: None,
                country: Some("RU".to_owned()),
                mass_grams: Some(1_200),
                declared_value_kopecks: None,
                cod_kopecks: None,
                mail_type: Some(4),
                mail_category: Some(3),
                item_name: None,
                sender: None,
                recipient: None,
            }
        })
        .collect()
}

/// A 14-digit number unique to this run (a random run id, so reruns on one database do not
/// collide).
fn number(run: u128, serial: usize) -> String {
    format!("8{run:04}{serial:09}")
}

async fn run(label: &str, url: &str, batch_size: usize) {
    let run_id = uuid::Uuid::now_v7().as_u128() % 10_000;
    let store = okno_store::open(url).await.unwrap();
    let oms = Oms::new(store);
    let name = format!("bench-{}", uuid::Uuid::now_v7());
    let (tenant, _, _) = oms.create_tenant(&name).await.unwrap();
    let total = match batch_size {
        1 => 4_000,
        100 => 80_000,
        _ => 200_000,
    };
    let batches = total / REPORTERS / batch_size;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for reporter in 0..REPORTERS {
        let oms = oms.clone();
        tasks.push(tokio::spawn(async move {
            let mut stored = 0;
            for batch in 0..batches {
                let batch = operations(run_id, reporter, batch, batch_size);
                stored += oms
                    .ingest_tracking_operations(tenant.id, "bench", batch)
                    .await
                    .unwrap()
                    .stored;
            }
            stored
        }));
    }
    let mut stored = 0;
    for task in tasks {
        stored += task.await.unwrap();
    }
    let elapsed = started.elapsed();
    assert_eq!(
        stored as usize,
        REPORTERS * batches * batch_size,
        "every operation stored once"
    );
    println!(
        "{label:<10} ingest batch {batch_size:>6}: {:>9.0} operations/s ({stored} in {elapsed:.2?})",
        stored as f64 / elapsed.as_secs_f64()
    );
    if batch_size == 10_000 {
        let numbers: Vec<String> = (0..20_000)
            .map(|i| number(run_id, i * 7 % (total / REPORTERS / OPERATIONS_PER_NUMBER)))
            .collect();
        let started = Instant::now();
        let mut tasks = Vec::new();
        for reader in 0..8 {
            let oms = oms.clone();
            let mine: Vec<String> = numbers.iter().skip(reader).step_by(8).cloned().collect();
            tasks.push(tokio::spawn(async move {
                for number in mine {
                    let history = oms.tracking_history(&[number]).await.unwrap();
                    assert_eq!(history[0].events.len(), OPERATIONS_PER_NUMBER);
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let elapsed = started.elapsed();
        println!(
            "{label:<10} history lookups: {:>9.0} /s ({} in {elapsed:.2?})",
            numbers.len() as f64 / elapsed.as_secs_f64(),
            numbers.len()
        );
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let postgres = std::env::var("OKNO_BENCH_POSTGRES_URL").ok();
        for batch in [1, 100, 1_000, 10_000] {
            let sqlite = format!(
                "sqlite://{}",
                dir.path().join(format!("bench-{batch}.db")).display()
            );
            run("sqlite", &sqlite, batch).await;
            if let Some(url) = &postgres {
                run("postgres", url, batch).await;
            }
        }
    });
}
