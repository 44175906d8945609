//! The durable runtime on a real SQLite file and a real PostgreSQL schema (each test runs on
//! both through `both!`): local and external workers, retries and incidents, buffered messages
//! and message ids, timers across a restart, call activities, versions, and two runtimes
//! sharing one database without doing a step twice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use okno_model::TenantId;
use okno_process::{
    ActivatedJob, JobOutcome, JobWorker, Message, ProcessError, Processes, Settings,
};
use okno_store::testing::TestDatabase;
use okno_store::{Store, Tenant};
use serde_json::{Map, Value, json};
use uuid::Uuid;

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
    local_worker_runs_the_decision_process_to_either_end,
    external_worker_completes_once_and_a_second_answer_is_refused,
    failed_job_is_retried_then_raises_an_incident_that_resolving_retries,
    buffered_message_waits_for_its_subscription_and_message_ids_dedupe,
    timer_fires_once_across_a_restart,
    call_activity_completes_its_parent_and_cancelling_the_parent_cancels_the_child,
    changed_file_is_a_new_version_and_running_instances_keep_theirs,
    feel_failure_at_run_time_is_an_incident_not_a_crash,
    two_nodes_share_jobs_and_timers_without_doing_a_step_twice,
    waiting_instance_migrates_to_a_new_version_with_a_mapping,
    timer_start_event_starts_each_repetition_once_across_nodes,
    call_activities_calling_each_other_across_files_stop_at_the_depth_limit,
    a_thrown_signal_reaches_every_waiting_instance_and_starts_signal_processes,
);

const HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="tests">"#;

fn decision(condition: &str) -> String {
    format!(
        r#"{HEADER}
<bpmn:process id="decision" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
  <bpmn:serviceTask id="check"><bpmn:extensionElements><zeebe:taskDefinition type="check" retries="2"/></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="xor"/>
  <bpmn:exclusiveGateway id="xor" default="f4"/>
  <bpmn:sequenceFlow id="f3" sourceRef="xor" targetRef="big"><bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="f4" sourceRef="xor" targetRef="small"/>
  <bpmn:endEvent id="big"/>
  <bpmn:endEvent id="small"/>
</bpmn:process></bpmn:definitions>"#
    )
}

fn waiting_for_payment() -> String {
    format!(
        r#"{HEADER}
<bpmn:message id="paid" name="payment-received"><bpmn:extensionElements><zeebe:subscription correlationKey="= orderId"/></bpmn:extensionElements></bpmn:message>
<bpmn:process id="payment" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
  <bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="paid"/></bpmn:intermediateCatchEvent>
  <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
  <bpmn:endEvent id="end"/>
</bpmn:process></bpmn:definitions>"#
    )
}

fn timed(duration: &str) -> String {
    format!(
        r#"{HEADER}
<bpmn:process id="timed" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="pause"/>
  <bpmn:intermediateCatchEvent id="pause"><bpmn:timerEventDefinition><bpmn:timeDuration>{duration}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
  <bpmn:sequenceFlow id="f2" sourceRef="pause" targetRef="end"/>
  <bpmn:endEvent id="end"/>
</bpmn:process></bpmn:definitions>"#
    )
}

fn parent_and_child() -> String {
    format!(
        r#"{HEADER}
<bpmn:process id="parent" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call"/>
  <bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="child"/></bpmn:extensionElements></bpmn:callActivity>
  <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end"/>
  <bpmn:endEvent id="end"/>
</bpmn:process>
<bpmn:process id="child" isExecutable="true">
  <bpmn:startEvent id="cstart"/>
  <bpmn:sequenceFlow id="c1" sourceRef="cstart" targetRef="pack"/>
  <bpmn:serviceTask id="pack"><bpmn:extensionElements><zeebe:taskDefinition type="pack"/></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:sequenceFlow id="c2" sourceRef="pack" targetRef="cend"/>
  <bpmn:endEvent id="cend"/>
</bpmn:process></bpmn:definitions>"#
    )
}

async fn tenant(store: &Arc<dyn Store>) -> TenantId {
    let tenant = Tenant {
        id: TenantId::new(),
        name: format!("tenant {}", Uuid::now_v7()),
        created_at: Utc::now(),
    };
    store.create_tenant(&tenant).await.unwrap();
    tenant.id
}

fn settings(node: &str) -> Settings {
    Settings {
        node: node.to_owned(),
        worker_lock: Duration::from_secs(2),
        poll_interval: Duration::from_millis(20),
    }
}

fn variables(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap()
}

/// Waits until the instance has this status (at most ten seconds).
async fn until_status(processes: &Processes, tenant_id: TenantId, id: Uuid, status: &str) {
    for _ in 0..1000 {
        let view = processes.instance(tenant_id, id).await.unwrap();
        if view.status == status {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let view = processes.instance(tenant_id, id).await.unwrap();
    panic!(
        "instance {id} is {} after 10 s, not {status}: {view:?}",
        view.status
    );
}

/// A tenant and a runtime (node "a") over a fresh store.
async fn node(database: &TestDatabase) -> (Arc<dyn Store>, TenantId, Processes) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store).await;
    let processes = Processes::new(Arc::clone(&store), settings("a"));
    (store, tenant_id, processes)
}

async fn start_decision(
    processes: &Processes,
    tenant_id: TenantId,
    amount: Value,
) -> okno_store::InstanceRecord {
    processes
        .start(
            tenant_id,
            "decision",
            None,
            variables(json!({"amount": amount})),
            None,
        )
        .await
        .unwrap()
}

/// Activates the next job of a type (there must be one now).
async fn take_job(processes: &Processes, tenant_id: TenantId, job_type: &str) -> ActivatedJob {
    processes
        .activate_jobs(
            tenant_id,
            job_type,
            1,
            "w",
            Duration::from_secs(30),
            Duration::ZERO,
        )
        .await
        .unwrap()
        .remove(0)
}

/// Counts calls per (instance, element) and answers with a fixed outcome.
struct Counting {
    calls: Mutex<HashMap<(Uuid, String), u32>>,
    outcome: JobOutcome,
}

impl Counting {
    fn new(outcome: JobOutcome) -> Arc<Counting> {
        Arc::new(Counting {
            calls: Mutex::new(HashMap::new()),
            outcome,
        })
    }

    fn calls(&self) -> HashMap<(Uuid, String), u32> {
        self.calls.lock().unwrap().clone()
    }
}

#[async_trait]
impl JobWorker for Counting {
    async fn handle(&self, job: &ActivatedJob) -> JobOutcome {
        *self
            .calls
            .lock()
            .unwrap()
            .entry((job.process_instance, job.element_id.clone()))
            .or_default() += 1;
        self.outcome.clone()
    }
}

async fn local_worker_runs_the_decision_process_to_either_end(database: &TestDatabase) {
    let (store, tenant_id, processes) = node(database).await;
    let deployed = processes
        .deploy(tenant_id, &decision("= amount > 100"))
        .await
        .unwrap();
    assert_eq!(
        (deployed[0].process_id.as_str(), deployed[0].version),
        ("decision", 1)
    );
    let worker = Counting::new(JobOutcome::Complete(variables(json!({"checked": true}))));
    processes.register_worker("check", worker.clone());
    let background = processes.spawn_background();

    let big = processes
        .start(
            tenant_id,
            "decision",
            None,
            variables(json!({"amount": 150})),
            Some("order-1".into()),
        )
        .await
        .unwrap();
    let small = start_decision(&processes, tenant_id, json!(50)).await;
    until_status(&processes, tenant_id, big.id, "completed").await;
    until_status(&processes, tenant_id, small.id, "completed").await;

    let view = processes.instance(tenant_id, big.id).await.unwrap();
    assert_eq!(view.variables.get("checked"), Some(&json!(true)));
    assert_eq!(view.business_key.as_deref(), Some("order-1"));
    assert!(view.active_elements.is_empty() && view.jobs.is_empty());
    let entered = |history: &[okno_process::HistoryEntry]| {
        history
            .iter()
            .filter(|entry| entry.what == "entered")
            .filter_map(|entry| entry.element_id.clone())
            .collect::<Vec<_>>()
    };
    let history = processes.history(tenant_id, big.id).await.unwrap();
    assert_eq!(
        entered(&history),
        ["decision", "start", "check", "xor", "big"]
    );
    assert_eq!(history.last().unwrap().what, "completed");
    let history = processes.history(tenant_id, small.id).await.unwrap();
    assert_eq!(
        entered(&history),
        ["decision", "start", "check", "xor", "small"]
    );
    assert!(worker.calls().values().all(|calls| *calls == 1));
    assert_eq!(worker.calls().len(), 2);
    // Another tenant sees nothing.
    let other = tenant(&store).await;
    assert!(matches!(
        processes.instance(other, big.id).await,
        Err(ProcessError::UnknownInstance(_))
    ));
    background.abort();
}

async fn external_worker_completes_once_and_a_second_answer_is_refused(database: &TestDatabase) {
    let (_store, tenant_id, processes) = node(database).await;
    processes
        .deploy(tenant_id, &decision("= amount > 100"))
        .await
        .unwrap();
    let waiting = {
        let processes = processes.clone();
        tokio::spawn(async move {
            processes
                .activate_jobs(
                    tenant_id,
                    "check",
                    10,
                    "w1",
                    Duration::from_secs(30),
                    Duration::from_secs(5),
                )
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let instance = start_decision(&processes, tenant_id, json!(500)).await;
    let jobs = waiting.await.unwrap().unwrap();
    assert_eq!(
        jobs.len(),
        1,
        "the long poll returns the job created while it waited"
    );
    let job = &jobs[0];
    assert_eq!(
        (job.job_type.as_str(), job.element_id.as_str(), job.retries),
        ("check", "check", 2)
    );
    assert_eq!(job.variables.get("amount"), Some(&json!(500)));
    // Locked: a second worker gets nothing.
    let none = processes
        .activate_jobs(
            tenant_id,
            "check",
            10,
            "w2",
            Duration::from_secs(30),
            Duration::ZERO,
        )
        .await
        .unwrap();
    assert!(none.is_empty());
    processes
        .complete_job(tenant_id, &job.key, variables(json!({"weight": 1200})))
        .await
        .unwrap();
    let again = processes
        .complete_job(tenant_id, &job.key, Map::new())
        .await;
    assert!(
        matches!(again, Err(ProcessError::UnknownJob(_))),
        "{again:?}"
    );
    let view = processes.instance(tenant_id, instance.id).await.unwrap();
    assert_eq!(view.status, "completed");
    assert_eq!(view.variables.get("weight"), Some(&json!(1200)));
    let bad = processes
        .complete_job(tenant_id, "not-a-key", Map::new())
        .await;
    assert!(matches!(bad, Err(ProcessError::BadJobKey(_))));
}

async fn failed_job_is_retried_then_raises_an_incident_that_resolving_retries(
    database: &TestDatabase,
) {
    let (_store, tenant_id, processes) = node(database).await;
    processes
        .deploy(tenant_id, &decision("= amount > 100"))
        .await
        .unwrap();
    let instance = start_decision(&processes, tenant_id, json!(1)).await;
    let activate =
        |wait| processes.activate_jobs(tenant_id, "check", 1, "w", Duration::from_secs(30), wait);
    let job = activate(Duration::ZERO).await.unwrap().remove(0);
    processes
        .fail_job(
            tenant_id,
            &job.key,
            1,
            "printer jammed".into(),
            Duration::from_millis(300),
        )
        .await
        .unwrap();
    assert!(
        activate(Duration::ZERO).await.unwrap().is_empty(),
        "backing off"
    );
    let retried = activate(Duration::from_secs(3)).await.unwrap().remove(0);
    assert_eq!(
        (retried.key.as_str(), retried.retries),
        (job.key.as_str(), 1)
    );
    processes
        .fail_job(
            tenant_id,
            &retried.key,
            0,
            "printer on fire".into(),
            Duration::ZERO,
        )
        .await
        .unwrap();
    let incidents = processes.incidents(tenant_id).await.unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].kind, "job_no_retries");
    assert_eq!(incidents[0].element_id, "check");
    assert!(incidents[0].message.contains("printer on fire"));
    assert!(
        activate(Duration::ZERO).await.unwrap().is_empty(),
        "no job while the incident is open"
    );
    processes
        .resolve_incident(tenant_id, &incidents[0].key)
        .await
        .unwrap();
    let again = activate(Duration::ZERO).await.unwrap().remove(0);
    processes
        .complete_job(tenant_id, &again.key, Map::new())
        .await
        .unwrap();
    assert_eq!(
        processes
            .instance(tenant_id, instance.id)
            .await
            .unwrap()
            .status,
        "completed"
    );
    assert!(processes.incidents(tenant_id).await.unwrap().is_empty());
}

async fn buffered_message_waits_for_its_subscription_and_message_ids_dedupe(
    database: &TestDatabase,
) {
    let (_store, tenant_id, processes) = node(database).await;
    processes
        .deploy(tenant_id, &waiting_for_payment())
        .await
        .unwrap();
    let background = processes.spawn_background();
    let message = |key: &str, ttl: u64, id: Option<&str>| Message {
        name: "payment-received".into(),
        correlation_key: key.into(),
        variables: variables(json!({"paid_kopecks": 150_000})),
        time_to_live: Duration::from_secs(ttl),
        message_id: id.map(str::to_owned),
    };
    // Nobody waits and no time to live: dropped, and the answer says so.
    let dropped = processes
        .publish(tenant_id, message("A-1", 0, None))
        .await
        .unwrap();
    assert!(!dropped.buffered && dropped.instance.is_none() && !dropped.duplicate);
    let buffered = processes
        .publish(tenant_id, message("A-1", 60, Some("pay-1")))
        .await
        .unwrap();
    assert!(buffered.buffered && buffered.instance.is_none());
    let repeated = processes
        .publish(tenant_id, message("A-1", 60, Some("pay-1")))
        .await
        .unwrap();
    assert!(repeated.duplicate);
    assert_eq!(repeated.message, buffered.message);

    let instance = processes
        .start(
            tenant_id,
            "payment",
            None,
            variables(json!({"orderId": "A-1"})),
            None,
        )
        .await
        .unwrap();
    until_status(&processes, tenant_id, instance.id, "completed").await;
    let view = processes.instance(tenant_id, instance.id).await.unwrap();
    assert_eq!(view.variables.get("paid_kopecks"), Some(&json!(150_000)));
    let repeated = processes
        .publish(tenant_id, message("A-1", 60, Some("pay-1")))
        .await
        .unwrap();
    assert!(repeated.duplicate && !repeated.buffered);
    assert_eq!(
        repeated.instance,
        Some(instance.id),
        "the answer names where it went"
    );

    // A waiting instance takes a live message at once, and only the one with its key.
    let other = processes
        .start(
            tenant_id,
            "payment",
            None,
            variables(json!({"orderId": "B-2"})),
            None,
        )
        .await
        .unwrap();
    let live = processes
        .publish(tenant_id, message("B-2", 0, None))
        .await
        .unwrap();
    assert_eq!(live.instance, Some(other.id));
    assert_eq!(
        processes
            .instance(tenant_id, other.id)
            .await
            .unwrap()
            .status,
        "completed"
    );
    background.abort();
}

async fn timer_fires_once_across_a_restart(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store).await;
    let first = Processes::new(Arc::clone(&store), settings("a"));
    first.deploy(tenant_id, &timed("PT0.5S")).await.unwrap();
    let instance = first
        .start(tenant_id, "timed", None, Map::new(), None)
        .await
        .unwrap();
    // The node stops before the timer is due (no background loop ever ran on it).
    drop(first);
    drop(store);
    let store = database.open().await.unwrap();
    let second = Processes::new(Arc::clone(&store), settings("b"));
    let background = second.spawn_background();
    until_status(&second, tenant_id, instance.id, "completed").await;
    let history = second.history(tenant_id, instance.id).await.unwrap();
    let left_pause = history
        .iter()
        .filter(|entry| entry.what == "left" && entry.element_id.as_deref() == Some("pause"))
        .count();
    assert_eq!(left_pause, 1);
    assert!(store.due_timers(i64::MAX, 10).await.unwrap().is_empty());
    // Another round finds nothing to do.
    background.abort();
    assert_eq!(second.round().await.unwrap(), 0);
}

async fn call_activity_completes_its_parent_and_cancelling_the_parent_cancels_the_child(
    database: &TestDatabase,
) {
    let (_store, tenant_id, processes) = node(database).await;
    processes
        .deploy(tenant_id, &parent_and_child())
        .await
        .unwrap();
    let background = processes.spawn_background();
    let activate =
        |wait| processes.activate_jobs(tenant_id, "pack", 1, "w", Duration::from_secs(30), wait);

    let parent = processes
        .start(
            tenant_id,
            "parent",
            None,
            variables(json!({"orderId": "C-1"})),
            None,
        )
        .await
        .unwrap();
    let job = activate(Duration::from_secs(5)).await.unwrap().remove(0);
    assert_eq!(job.process_id, "child");
    assert_eq!(job.variables.get("orderId"), Some(&json!("C-1")));
    let child = processes
        .instance(tenant_id, job.process_instance)
        .await
        .unwrap();
    assert_eq!(child.parent, Some(parent.id));
    processes
        .complete_job(tenant_id, &job.key, variables(json!({"packed": true})))
        .await
        .unwrap();
    until_status(&processes, tenant_id, parent.id, "completed").await;
    let view = processes.instance(tenant_id, parent.id).await.unwrap();
    assert_eq!(view.variables.get("packed"), Some(&json!(true)));

    let parent = processes
        .start(tenant_id, "parent", None, Map::new(), None)
        .await
        .unwrap();
    let job = activate(Duration::from_secs(5)).await.unwrap().remove(0);
    processes.cancel(tenant_id, parent.id).await.unwrap();
    until_status(&processes, tenant_id, job.process_instance, "terminated").await;
    let late = processes
        .complete_job(tenant_id, &job.key, Map::new())
        .await;
    assert!(matches!(late, Err(ProcessError::UnknownJob(_))), "{late:?}");
    background.abort();
}

async fn changed_file_is_a_new_version_and_running_instances_keep_theirs(database: &TestDatabase) {
    let (_store, tenant_id, processes) = node(database).await;
    let first = processes
        .deploy(tenant_id, &decision("= amount > 100"))
        .await
        .unwrap();
    let old = start_decision(&processes, tenant_id, json!(150)).await;
    let same = processes
        .deploy(tenant_id, &decision("= amount > 100"))
        .await
        .unwrap();
    assert_eq!(
        (same[0].version, same[0].created),
        (first[0].version, false)
    );
    let changed = processes
        .deploy(tenant_id, &decision("= amount > 1000"))
        .await
        .unwrap();
    assert_eq!((changed[0].version, changed[0].created), (2, true));
    let new = start_decision(&processes, tenant_id, json!(150)).await;
    assert_eq!((old.version, new.version), (1, 2));
    for _ in [&old, &new] {
        let job = take_job(&processes, tenant_id, "check").await;
        processes
            .complete_job(tenant_id, &job.key, Map::new())
            .await
            .unwrap();
    }
    assert_eq!(
        last_entered(&processes, tenant_id, old.id).await,
        "big",
        "v1: 150 > 100"
    );
    assert_eq!(
        last_entered(&processes, tenant_id, new.id).await,
        "small",
        "v2: 150 is not > 1000"
    );
    let pinned = processes
        .start(
            tenant_id,
            "decision",
            Some(1),
            variables(json!({"amount": 150})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(pinned.version, 1);
    let missing = processes
        .start(tenant_id, "decision", Some(9), Map::new(), None)
        .await;
    assert!(matches!(missing, Err(ProcessError::UnknownProcess(_))));
}

async fn last_entered(processes: &Processes, tenant_id: TenantId, id: Uuid) -> String {
    let history = processes.history(tenant_id, id).await.unwrap();
    history
        .iter()
        .rev()
        .find(|entry| entry.what == "entered")
        .and_then(|entry| entry.element_id.clone())
        .unwrap()
}

async fn feel_failure_at_run_time_is_an_incident_not_a_crash(database: &TestDatabase) {
    let (_store, tenant_id, processes) = node(database).await;
    // Compiles, but `amount` arrives as text: the comparison is null, not a boolean.
    processes
        .deploy(tenant_id, &decision("= amount > 100"))
        .await
        .unwrap();
    let instance = start_decision(&processes, tenant_id, json!("lots")).await;
    let job = take_job(&processes, tenant_id, "check").await;
    processes
        .complete_job(tenant_id, &job.key, Map::new())
        .await
        .unwrap();
    let view = processes.instance(tenant_id, instance.id).await.unwrap();
    assert_eq!(view.status, "active");
    assert_eq!(view.incidents.len(), 1, "{view:?}");
    assert_eq!(view.incidents[0].element_id, "xor");
    // A broken expression never deploys.
    let broken = processes.deploy(tenant_id, &decision("= amount >")).await;
    assert!(matches!(broken, Err(ProcessError::Deploy(_))), "{broken:?}");
}

async fn two_nodes_share_jobs_and_timers_without_doing_a_step_twice(database: &TestDatabase) {
    let store_a = database.open().await.unwrap();
    let tenant_id = tenant(&store_a).await;
    let store_b = database.open().await.unwrap();
    let a = Processes::new(Arc::clone(&store_a), settings("a"));
    let b = Processes::new(Arc::clone(&store_b), settings("b"));
    a.deploy(tenant_id, &decision("= amount > 100"))
        .await
        .unwrap();
    a.deploy(tenant_id, &timed("PT0.2S")).await.unwrap();
    let worker_a = Counting::new(JobOutcome::Complete(Map::new()));
    let worker_b = Counting::new(JobOutcome::Complete(Map::new()));
    a.register_worker("check", worker_a.clone());
    b.register_worker("check", worker_b.clone());
    let loops = [a.spawn_background(), b.spawn_background()];
    let mut started = Vec::new();
    for index in 0..60 {
        let node = if index % 2 == 0 { &a } else { &b };
        let decision = node
            .start(
                tenant_id,
                "decision",
                None,
                variables(json!({"amount": index * 10})),
                None,
            )
            .await
            .unwrap();
        let timed = node
            .start(tenant_id, "timed", None, Map::new(), None)
            .await
            .unwrap();
        started.push(decision.id);
        started.push(timed.id);
    }
    for id in &started {
        until_status(&a, tenant_id, *id, "completed").await;
    }
    let mut calls = worker_a.calls();
    for (key, count) in worker_b.calls() {
        *calls.entry(key).or_default() += count;
    }
    assert_eq!(calls.len(), 60);
    assert!(
        calls.values().all(|count| *count == 1),
        "a job ran twice: {calls:?}"
    );
    for id in &started {
        let history = a.history(tenant_id, *id).await.unwrap();
        let completed = history
            .iter()
            .filter(|entry| entry.what == "completed")
            .count();
        assert_eq!(completed, 1);
        let pauses = history
            .iter()
            .filter(|entry| entry.what == "left" && entry.element_id.as_deref() == Some("pause"))
            .count();
        assert!(pauses <= 1, "timer fired twice in {id}");
    }
    for background in loops {
        background.abort();
    }
}

fn one_task(tasks: &[&str]) -> String {
    let mut body = String::from(r#"<bpmn:startEvent id="start"/>"#);
    let mut previous = "start".to_owned();
    for (index, task) in tasks.iter().enumerate() {
        body.push_str(&format!(
            r#"<bpmn:sequenceFlow id="f{index}" sourceRef="{previous}" targetRef="{task}"/>
<bpmn:serviceTask id="{task}"><bpmn:extensionElements><zeebe:taskDefinition type="{task}"/></bpmn:extensionElements></bpmn:serviceTask>"#
        ));
        previous = (*task).to_owned();
    }
    body.push_str(&format!(
        r#"<bpmn:sequenceFlow id="fend" sourceRef="{previous}" targetRef="end"/><bpmn:endEvent id="end"/>"#
    ));
    format!(
        r#"{HEADER}<bpmn:process id="steps" isExecutable="true">{body}</bpmn:process></bpmn:definitions>"#
    )
}

async fn waiting_instance_migrates_to_a_new_version_with_a_mapping(database: &TestDatabase) {
    let (_store, tenant_id, processes) = node(database).await;
    processes
        .deploy(tenant_id, &one_task(&["pack"]))
        .await
        .unwrap();
    let instance = processes
        .start(tenant_id, "steps", None, Map::new(), None)
        .await
        .unwrap();
    processes
        .deploy(tenant_id, &one_task(&["pack_v2", "label"]))
        .await
        .unwrap();
    let activate = |job_type: &'static str| {
        processes.activate_jobs(
            tenant_id,
            job_type,
            1,
            "w",
            Duration::from_secs(30),
            Duration::ZERO,
        )
    };
    // Without a mapping the waiting task has no counterpart: refused, nothing changes.
    let refused = processes
        .migrate(tenant_id, instance.id, 2, &Default::default())
        .await;
    match refused {
        Err(ProcessError::Invalid { field, reason }) => {
            assert_eq!(field, "/mapping");
            assert!(reason.contains("`pack`"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(
        processes
            .instance(tenant_id, instance.id)
            .await
            .unwrap()
            .version,
        1
    );
    let mapping = [("pack".to_owned(), "pack_v2".to_owned())]
        .into_iter()
        .collect();
    let migrated = processes
        .migrate(tenant_id, instance.id, 2, &mapping)
        .await
        .unwrap();
    assert_eq!(migrated.version, 2);
    let view = processes.instance(tenant_id, instance.id).await.unwrap();
    assert_eq!(view.active_elements[0].element_id, "pack_v2");
    // The job created under version 1 is still the one to answer; then version 2 goes on.
    let job = activate("pack").await.unwrap().remove(0);
    processes
        .complete_job(tenant_id, &job.key, Map::new())
        .await
        .unwrap();
    let next = activate("label").await.unwrap();
    assert_eq!(next.len(), 1, "version 2's next task runs");
    assert_eq!(next[0].process_instance, instance.id);
}

fn every(cycle: &str) -> String {
    format!(
        r#"{HEADER}
<bpmn:process id="ticker" isExecutable="true">
  <bpmn:startEvent id="tick"><bpmn:timerEventDefinition><bpmn:timeCycle>{cycle}</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
  <bpmn:sequenceFlow id="f1" sourceRef="tick" targetRef="end"/>
  <bpmn:endEvent id="end"/>
</bpmn:process></bpmn:definitions>"#
    )
}

async fn timer_start_event_starts_each_repetition_once_across_nodes(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store).await;
    let a = Processes::new(Arc::clone(&store), settings("a"));
    let b = Processes::new(database.open().await.unwrap(), settings("b"));
    let bad = a.deploy(tenant_id, &every("R3/PT1M2X")).await;
    match bad {
        Err(ProcessError::Deploy(error)) => assert!(error.to_string().contains("tick: `PT1M2X`")),
        other => panic!("a bad cycle must not deploy: {other:?}"),
    }
    a.deploy(tenant_id, &every("R3/PT0.1S")).await.unwrap();
    let loops = [a.spawn_background(), b.spawn_background()];
    let mut count = 0;
    for _ in 0..300 {
        count = a.instances(tenant_id, None, 100).await.unwrap().len();
        if count >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Give a fourth (wrong) start every chance to happen.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let started = a.instances(tenant_id, None, 100).await.unwrap();
    assert_eq!(
        started.len(),
        3,
        "R3 starts three instances, once each (saw {count} then)"
    );
    assert!(started.iter().all(|record| record.status == "completed"));
    for background in loops {
        background.abort();
    }
}

async fn call_activities_calling_each_other_across_files_stop_at_the_depth_limit(
    database: &TestDatabase,
) {
    let (_store, tenant_id, processes) = node(database).await;
    let caller = |id: &str, callee: &str| {
        format!(
            r#"{HEADER}
<bpmn:process id="{id}" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call"/>
  <bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="{callee}"/></bpmn:extensionElements></bpmn:callActivity>
  <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end"/>
  <bpmn:endEvent id="end"/>
</bpmn:process></bpmn:definitions>"#
        )
    };
    // Two files, so deploy cannot see the cycle ping → pong → ping.
    processes
        .deploy(tenant_id, &caller("ping", "pong"))
        .await
        .unwrap();
    processes
        .deploy(tenant_id, &caller("pong", "ping"))
        .await
        .unwrap();
    let root = processes
        .start(tenant_id, "ping", None, Map::new(), None)
        .await
        .unwrap();
    let background = processes.spawn_background();
    let mut incidents = Vec::new();
    for _ in 0..1000 {
        incidents = processes.incidents(tenant_id).await.unwrap();
        if !incidents.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    background.abort();
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert_eq!(incidents[0].kind, "called_process");
    assert!(
        incidents[0].message.contains("deeper than 32"),
        "{incidents:?}"
    );
    let chain = processes.instances(tenant_id, None, 1000).await.unwrap();
    assert_eq!(
        chain.len(),
        okno_process::CALL_DEPTH_MAX + 1,
        "the root and its nested calls"
    );
    assert!(chain.iter().any(|record| record.id == root.id));
}

fn signals() -> String {
    format!(
        r#"{HEADER}
<bpmn:signal id="go" name="stock-arrived"/>
<bpmn:process id="thrower" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="throw"/>
  <bpmn:intermediateThrowEvent id="throw"><bpmn:signalEventDefinition signalRef="go"/></bpmn:intermediateThrowEvent>
  <bpmn:sequenceFlow id="f2" sourceRef="throw" targetRef="end"/>
  <bpmn:endEvent id="end"/>
</bpmn:process>
<bpmn:process id="waiter" isExecutable="true">
  <bpmn:startEvent id="wstart"/>
  <bpmn:sequenceFlow id="w1" sourceRef="wstart" targetRef="catch"/>
  <bpmn:intermediateCatchEvent id="catch"><bpmn:signalEventDefinition signalRef="go"/></bpmn:intermediateCatchEvent>
  <bpmn:sequenceFlow id="w2" sourceRef="catch" targetRef="wend"/>
  <bpmn:endEvent id="wend"/>
</bpmn:process>
<bpmn:process id="restock" isExecutable="true">
  <bpmn:startEvent id="rstart"><bpmn:signalEventDefinition signalRef="go"/></bpmn:startEvent>
  <bpmn:sequenceFlow id="r1" sourceRef="rstart" targetRef="rend"/>
  <bpmn:endEvent id="rend"/>
</bpmn:process></bpmn:definitions>"#
    )
}

async fn a_thrown_signal_reaches_every_waiting_instance_and_starts_signal_processes(
    database: &TestDatabase,
) {
    let (_store, tenant_id, processes) = node(database).await;
    processes.deploy(tenant_id, &signals()).await.unwrap();
    let waiters = [
        processes
            .start(tenant_id, "waiter", None, Map::new(), None)
            .await
            .unwrap(),
        processes
            .start(tenant_id, "waiter", None, Map::new(), None)
            .await
            .unwrap(),
    ];
    // The thrower's step commits the broadcast with itself; delivery is the background's.
    let thrower = processes
        .start(tenant_id, "thrower", None, Map::new(), None)
        .await
        .unwrap();
    assert_eq!(thrower.status, "completed");
    assert_eq!(
        processes
            .instance(tenant_id, waiters[0].id)
            .await
            .unwrap()
            .status,
        "active"
    );
    let background = processes.spawn_background();
    for waiter in &waiters {
        until_status(&processes, tenant_id, waiter.id, "completed").await;
    }
    let mut restocks = 0;
    for _ in 0..500 {
        let all = processes.instances(tenant_id, None, 100).await.unwrap();
        restocks = all
            .iter()
            .filter(|record| record.process_id == "restock")
            .count();
        if restocks > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(restocks, 1, "the signal start event starts one instance");
    // From outside: the answer counts the receivers (none wait now; one process starts).
    assert_eq!(
        processes
            .broadcast(tenant_id, "stock-arrived", Map::new())
            .await
            .unwrap(),
        1
    );
    background.abort();
}
