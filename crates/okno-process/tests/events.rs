//! The durable runtime's events and versions on both backends: migrating a waiting instance,
//! timer start events across nodes, call activities nested too deep, signals.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod support;

use std::sync::Arc;
use std::time::Duration;

use okno_process::{ProcessError, Processes};
use okno_store::testing::TestDatabase;
use serde_json::Map;
use support::*;

both!(
    waiting_instance_migrates_to_a_new_version_with_a_mapping,
    timer_start_event_starts_each_repetition_once_across_nodes,
    call_activities_calling_each_other_across_files_stop_at_the_depth_limit,
    a_thrown_signal_reaches_every_waiting_instance_and_starts_signal_processes,
);

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
