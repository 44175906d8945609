//! Durable engine throughput: process instances started and run to their end through the
//! store, every step committed (SQLite WAL with `synchronous = FULL`, or PostgreSQL), with an
//! in-process worker answering each service task. The processes are the engine peer
//! benchmark's files (`bench/engine-peers/decision.bpmn`: start → service task → exclusive
//! gateway → two ends; `order.bpmn`: ten service tasks), as bpmn-engine and SpiffWorkflow run
//! them in `bench/engine-peers/run`.
//!
//! Prints completed instances per second and the start-to-end latency (p50, p99) of each
//! instance, on SQLite and, with `OKNO_BENCH_POSTGRES_URL` set, on PostgreSQL.
//!
//! Run with `cargo bench -p okno-process --bench durable`. `OKNO_BENCH_INSTANCES` (default
//! 5000) sets the instances per measurement, `OKNO_BENCH_IN_FLIGHT` (default 512) how many run
//! at once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use okno_model::TenantId;
use okno_process::{ActivatedJob, JobOutcome, JobWorker, Processes, Settings};
use okno_store::Tenant;
use serde_json::{Map, json};
use tokio::sync::Semaphore;

/// The allocator the `okno` binary runs with, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The engine peer benchmark's files (`bench/engine-peers/`), so the durable figures are for
/// the very processes bpmn-engine and SpiffWorkflow ran.
fn peer_file(name: &str) -> String {
    let folder = std::env::var("OKNO_PEERS_DIR").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../bench/engine-peers").to_owned()
    });
    std::fs::read_to_string(format!("{folder}/{name}")).expect("the peer benchmark's BPMN files")
}

/// Every job type of a file's processes.
fn job_types(xml: &str) -> Vec<String> {
    let mut types = Vec::new();
    for definition in okno_engine::deploy(xml, &okno_process::FeelExpressions::default())
        .expect("the bench files deploy")
    {
        for element in &definition.elements {
            if let okno_engine::model::ElementKind::Task { job: Some(spec) } = &element.kind {
                types.push(spec.job_type.clone());
            }
        }
    }
    types
}

struct Done;

#[async_trait]
impl JobWorker for Done {
    async fn handle(&self, _job: &ActivatedJob) -> JobOutcome {
        JobOutcome::Complete(Map::new())
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn measure(
    processes: &Processes,
    tenant_id: TenantId,
    process_id: &str,
    instances: usize,
    in_flight: usize,
) -> (f64, Duration, Duration) {
    let mut completions = processes.completions();
    let gate = Arc::new(Semaphore::new(in_flight));
    let begun: Arc<std::sync::Mutex<HashMap<uuid::Uuid, Instant>>> = Arc::default();
    let clock = Instant::now();
    let waiter = {
        let gate = Arc::clone(&gate);
        tokio::spawn(async move {
            let mut finished: HashMap<uuid::Uuid, Instant> = HashMap::with_capacity(instances);
            let mut lost = 0;
            while finished.len() + lost < instances {
                match completions.recv().await {
                    Ok(id) => {
                        finished.insert(id, Instant::now());
                        gate.add_permits(1);
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                        let missed = usize::try_from(missed).unwrap_or(usize::MAX);
                        lost += missed;
                        gate.add_permits(missed);
                    }
                    Err(_) => break,
                }
            }
            finished
        })
    };
    for index in 0..instances {
        let permit = Arc::clone(&gate).acquire_owned().await.expect("gate open");
        permit.forget();
        let processes = processes.clone();
        let begun = Arc::clone(&begun);
        let process_id = process_id.to_owned();
        tokio::spawn(async move {
            let variables = json!({"amount": index % 200})
                .as_object()
                .cloned()
                .unwrap_or_default();
            let at = Instant::now();
            match processes
                .start(tenant_id, &process_id, None, variables, None)
                .await
            {
                Ok(record) => {
                    if let Ok(mut map) = begun.lock() {
                        map.insert(record.id, at);
                    }
                }
                Err(error) => eprintln!("start failed: {error}"),
            }
        });
    }
    let finished = waiter.await.unwrap_or_default();
    let elapsed = clock.elapsed();
    let begun = begun.lock().map(|map| map.clone()).unwrap_or_default();
    let mut latencies: Vec<Duration> = finished
        .iter()
        .filter_map(|(id, end)| begun.get(id).map(|start| end.duration_since(*start)))
        .collect();
    latencies.sort();
    let rate = instances as f64 / elapsed.as_secs_f64();
    (
        rate,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
    )
}

async fn run(label: &str, url: &str, instances: usize, in_flight: usize) {
    let store = okno_store::open(url).await.expect("store opens");
    let tenant = Tenant {
        id: TenantId::new(),
        name: format!("bench {}", uuid::Uuid::now_v7()),
        created_at: chrono::Utc::now(),
    };
    store.create_tenant(&tenant).await.expect("tenant");
    let settings = Settings {
        node: "bench".to_owned(),
        ..Settings::default()
    };
    let processes = Processes::new(store, settings);
    for file in ["decision.bpmn", "order.bpmn"] {
        let xml = peer_file(file);
        processes.deploy(tenant.id, &xml).await.expect("deploys");
        for job_type in job_types(&xml) {
            processes.register_worker(&job_type, Arc::new(Done));
        }
    }
    let background = processes.spawn_background();
    // Warm up: definitions parsed, connections open.
    measure(&processes, tenant.id, "decision", 200, in_flight).await;
    for (process, count) in [("decision", instances), ("order", instances / 5)] {
        let (rate, p50, p99) = measure(&processes, tenant.id, process, count, in_flight).await;
        println!(
            "durable {label:<8} {process:<9} {count:>6} instances  {rate:>9.0} completed/s  p50 {:>6.1} ms  p99 {:>6.1} ms",
            p50.as_secs_f64() * 1000.0,
            p99.as_secs_f64() * 1000.0
        );
    }
    background.abort();
}

fn main() {
    let instances = env_number("OKNO_BENCH_INSTANCES", 5_000);
    let in_flight = env_number("OKNO_BENCH_IN_FLIGHT", 512);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let folder = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}", folder.path().join("bench.db").display());
        run("sqlite", &url, instances, in_flight).await;
        match std::env::var("OKNO_BENCH_POSTGRES_URL") {
            Ok(url) => run("postgres", &url, instances, in_flight).await,
            Err(_) => println!("durable postgres: skipped (set OKNO_BENCH_POSTGRES_URL)"),
        }
    });
}
