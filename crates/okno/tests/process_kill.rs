//! Durable processes through the real binary: instances with timers and an external job keep
//! running when the server is killed with SIGKILL in the middle (SQLite: restarted on the
//! same file; PostgreSQL: two nodes share the database and one is killed while the other
//! carries on). Every instance completes; every timer fires and every job is completed
//! exactly once (history and the answers of the job endpoint say so).

// Test helpers outside #[test] functions may unwrap: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod support;

use okno_store::testing::TestDatabase;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;

const PROCESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="kill">
<bpmn:process id="relay" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait1"/>
  <bpmn:intermediateCatchEvent id="wait1"><bpmn:timerEventDefinition><bpmn:timeDuration>PT0.4S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
  <bpmn:sequenceFlow id="f2" sourceRef="wait1" targetRef="pack"/>
  <bpmn:serviceTask id="pack"><bpmn:extensionElements><zeebe:taskDefinition type="pack"/></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:sequenceFlow id="f3" sourceRef="pack" targetRef="wait2"/>
  <bpmn:intermediateCatchEvent id="wait2"><bpmn:timerEventDefinition><bpmn:timeDuration>PT0.4S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
  <bpmn:sequenceFlow id="f4" sourceRef="wait2" targetRef="end"/>
  <bpmn:endEvent id="end"/>
</bpmn:process></bpmn:definitions>"#;

const INSTANCES: usize = 120;

/// Completes `pack` jobs through whichever node answers, recording each acknowledged job.
fn external_worker(
    client: reqwest::Client,
    bases: Arc<Mutex<Vec<String>>>,
    key: String,
    completed: Arc<Mutex<HashMap<String, u32>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut turn = 0usize;
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let base = {
                let bases = bases.lock().unwrap();
                turn += 1;
                bases[turn % bases.len()].clone()
            };
            let activated = client
                .post(format!("{base}/v1/jobs:activate"))
                .bearer_auth(&key)
                .json(&json!({"type": "pack", "max_jobs": 20, "lock_timeout_ms": 1000, "request_timeout_ms": 200}))
                .send()
                .await;
            let Ok(response) = activated else {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            };
            let Ok(body) = response.json::<Value>().await else {
                continue;
            };
            for job in body["jobs"].as_array().cloned().unwrap_or_default() {
                let job_key = job["key"].as_str().unwrap().to_owned();
                let answered = client
                    .post(format!("{base}/v1/jobs/{job_key}:complete"))
                    .bearer_auth(&key)
                    .json(&json!({"variables": {"packed_by": base}}))
                    .send()
                    .await;
                if let Ok(response) = answered
                    && response.status().as_u16() == 204
                {
                    *completed.lock().unwrap().entry(job_key).or_default() += 1;
                }
            }
        }
    })
}

async fn instances_survive_a_killed_node(database: &TestDatabase, nodes: usize) {
    let url = database.url().to_owned();
    let (_, key) = create_tenant(&url, "processes");
    let client = reqwest::Client::new();
    let doomed = Server::serve(&url);
    wait_healthy(&client, &doomed.base).await;
    let mut survivors = Vec::new();
    for _ in 1..nodes {
        let server = Server::serve(&url);
        wait_healthy(&client, &server.base).await;
        survivors.push(server);
    }
    let deployed = client
        .post(format!("{}/v1/processes", doomed.base))
        .bearer_auth(&key)
        .header("content-type", "application/xml")
        .body(PROCESS)
        .send()
        .await
        .unwrap();
    assert_eq!(deployed.status().as_u16(), 201);

    let mut all_bases = vec![doomed.base.clone()];
    all_bases.extend(survivors.iter().map(|server| server.base.clone()));
    let bases = Arc::new(Mutex::new(all_bases.clone()));
    let completed: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let worker = external_worker(
        client.clone(),
        Arc::clone(&bases),
        key.clone(),
        Arc::clone(&completed),
        Arc::clone(&stop),
    );
    let mut started = Vec::new();
    for index in 0..INSTANCES {
        let base = &all_bases[index % all_bases.len()];
        let response = client
            .post(format!("{base}/v1/process-instances"))
            .bearer_auth(&key)
            .json(&json!({"process_id": "relay", "variables": {"n": index}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        let body: Value = response.json().await.unwrap();
        started.push(body["id"].as_str().unwrap().to_owned());
    }
    // Kill while timers are firing and jobs are being answered.
    tokio::time::sleep(Duration::from_millis(500)).await;
    doomed.kill();
    let restarted = if nodes == 1 {
        let server = Server::serve(&url);
        wait_healthy(&client, &server.base).await;
        Some(server)
    } else {
        None
    };
    let live: Vec<String> = restarted
        .iter()
        .chain(survivors.iter())
        .map(|server| server.base.clone())
        .collect();
    *bases.lock().unwrap() = live.clone();

    let deadline = Instant::now() + Duration::from_secs(60);
    for id in &started {
        loop {
            let view: Value = client
                .get(format!("{}/v1/process-instances/{id}", live[0]))
                .bearer_auth(&key)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if view["status"] == "completed" {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "instance {id} never completed: {view:#}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    worker.await.unwrap();

    for id in &started {
        let history: Value = client
            .get(format!("{}/v1/process-instances/{id}/history", live[0]))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let left = |element: &str| {
            history["history"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|entry| entry["what"] == "left" && entry["element_id"] == element)
                .count()
        };
        for element in ["wait1", "pack", "wait2", "end"] {
            assert_eq!(left(element), 1, "{element} of {id} left once: {history:#}");
        }
    }
    let completed = completed.lock().unwrap().clone();
    assert!(
        completed.values().all(|count| *count == 1),
        "a job was acknowledged twice: {completed:?}"
    );
    assert!(completed.len() <= INSTANCES);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_instances_survive_sigkill_and_restart() {
    instances_survive_a_killed_node(&TestDatabase::sqlite(), 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_nodes_finish_the_work_of_a_killed_one() {
    if let Some(database) = TestDatabase::postgres().await {
        instances_survive_a_killed_node(&database, 2).await;
    }
}
