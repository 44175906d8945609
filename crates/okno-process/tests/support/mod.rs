//! What the runtime tests share: the `both!` macro (each test on SQLite and PostgreSQL), small
//! BPMN files, a tenant and a runtime per test, and a counting job worker.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use okno_model::TenantId;
use okno_process::{ActivatedJob, JobOutcome, JobWorker, Processes, Settings};
use okno_store::testing::TestDatabase;
use okno_store::{Store, Tenant};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// Runs each named `async fn(&TestDatabase)` on SQLite and on PostgreSQL.
#[macro_export]
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

pub(crate) const HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="tests">"#;

pub(crate) fn decision(condition: &str) -> String {
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

pub(crate) fn waiting_for_payment() -> String {
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

pub(crate) fn timed(duration: &str) -> String {
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

pub(crate) fn parent_and_child() -> String {
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

pub(crate) async fn tenant(store: &Arc<dyn Store>) -> TenantId {
    let tenant = Tenant {
        id: TenantId::new(),
        name: format!("tenant {}", Uuid::now_v7()),
        created_at: Utc::now(),
    };
    store.create_tenant(&tenant).await.unwrap();
    tenant.id
}

pub(crate) fn settings(node: &str) -> Settings {
    Settings {
        node: node.to_owned(),
        worker_lock: Duration::from_secs(2),
        poll_interval: Duration::from_millis(20),
        inbox_grace: Duration::from_secs(2),
    }
}

pub(crate) fn variables(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap()
}

/// Waits until the instance has this status (at most ten seconds).
pub(crate) async fn until_status(
    processes: &Processes,
    tenant_id: TenantId,
    id: Uuid,
    status: &str,
) {
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
pub(crate) async fn node(database: &TestDatabase) -> (Arc<dyn Store>, TenantId, Processes) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store).await;
    let processes = Processes::new(Arc::clone(&store), settings("a"));
    (store, tenant_id, processes)
}

pub(crate) async fn start_decision(
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
pub(crate) async fn take_job(
    processes: &Processes,
    tenant_id: TenantId,
    job_type: &str,
) -> ActivatedJob {
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
pub(crate) struct Counting {
    pub(crate) calls: Mutex<HashMap<(Uuid, String), u32>>,
    outcome: JobOutcome,
}

impl Counting {
    pub(crate) fn new(outcome: JobOutcome) -> Arc<Counting> {
        Arc::new(Counting {
            calls: Mutex::new(HashMap::new()),
            outcome,
        })
    }

    pub(crate) fn calls(&self) -> HashMap<(Uuid, String), u32> {
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

pub(crate) async fn last_entered(processes: &Processes, tenant_id: TenantId, id: Uuid) -> String {
    let history = processes.history(tenant_id, id).await.unwrap();
    history
        .iter()
        .rev()
        .find(|entry| entry.what == "entered")
        .and_then(|entry| entry.element_id.clone())
        .unwrap()
}
