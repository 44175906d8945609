//! Track numbers issued per second, durably, on SQLite and (when `OKNO_BENCH_POSTGRES_URL` names
//! a database) PostgreSQL, with block allocation: `cargo bench -p okno-oms --bench tracknumbers`.
//! Eight concurrent issuers share one range; at the end every number is checked to be unique.
#![allow(clippy::unwrap_used)]

use okno_model::MailType;
use okno_oms::{NewRange, Oms};
use okno_store::RangeKind;
use std::collections::HashSet;
use std::time::Instant;

const ISSUERS: usize = 8;
const PER_ISSUER: usize = 25_000;
/// One round trip per number is slow; a tenth of the work is enough to measure it.
const PER_ISSUER_UNBLOCKED: usize = 2_500;

/// A random S10 service indicator (two letters).
fn prefix() -> String {
    let random = uuid::Uuid::now_v7().as_u128();
    [random % 26, random / 26 % 26]
        .iter()
        .map(|n| char::from(b'A' + *n as u8))
        .collect()
}

async fn run(label: &str, url: &str, block: i64) {
    let store = okno_store::open(url).await.unwrap();
    let oms = Oms::new(store).with_tracknumber_block(block);
    let name = format!("bench-{}", uuid::Uuid::now_v7());
    let (tenant, _, _) = oms.create_tenant(&name).await.unwrap();
    oms.add_tracknumber_range(
        tenant.id,
        NewRange {
            mail_type: MailType::PostalParcel,
            kind: RangeKind::S10,
            // Numbers are global, so a rerun on the same database needs its own prefix.
            prefix: prefix(),
            country: None,
            first_serial: 0,
            last_serial: 99_999_999,
            warn_remaining: None,
        },
    )
    .await
    .unwrap();
    let per_issuer = if block == 1 {
        PER_ISSUER_UNBLOCKED
    } else {
        PER_ISSUER
    };
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..ISSUERS {
        let oms = oms.clone();
        tasks.push(tokio::spawn(async move {
            let mut numbers = Vec::with_capacity(per_issuer);
            for _ in 0..per_issuer {
                numbers.push(
                    oms.issue_tracknumber(tenant.id, MailType::PostalParcel)
                        .await
                        .unwrap()
                        .track_number,
                );
            }
            numbers
        }));
    }
    let mut all = HashSet::new();
    for task in tasks {
        for number in task.await.unwrap() {
            assert!(all.insert(number), "a number was issued twice");
        }
    }
    let elapsed = started.elapsed();
    println!(
        "{label:<10} block {block:>5}: {:>9.0} numbers/s ({} unique in {elapsed:.2?})",
        all.len() as f64 / elapsed.as_secs_f64(),
        all.len()
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
        let postgres = std::env::var("OKNO_BENCH_POSTGRES_URL").ok();
        for block in [1, 100, 1000] {
            run("sqlite", &sqlite, block).await;
            if let Some(url) = &postgres {
                run("postgres", url, block).await;
            }
        }
    });
}
