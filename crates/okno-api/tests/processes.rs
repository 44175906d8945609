//! BPMN processes over HTTP on both backends: deploy and versions, instances, an external
//! worker's whole conversation (long poll, complete, a second answer refused, fail to an
//! incident and resolve), messages with ids, cancellation, tenant isolation, and the errors.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use okno_api::ProblemKind;
use serde_json::{Value, json};
use support::*;

both!(
    deploy_start_work_and_finish_over_http,
    failing_jobs_raise_incidents_that_an_operator_resolves,
    messages_correlate_once_and_cancel_ends_an_instance,
    bad_files_and_bad_requests_are_problems_naming_the_field,
);

const PROCESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
<bpmn:message id="m" name="order-paid"><bpmn:extensionElements><zeebe:subscription correlationKey="= order_id"/></bpmn:extensionElements></bpmn:message>
<bpmn:process id="shipment" name="Shipment" isExecutable="true">
  <bpmn:startEvent id="accepted"/>
  <bpmn:sequenceFlow id="f1" sourceRef="accepted" targetRef="price"/>
  <bpmn:serviceTask id="price"><bpmn:extensionElements><zeebe:taskDefinition type="tariff" retries="3"/></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:sequenceFlow id="f2" sourceRef="price" targetRef="paid"/>
  <bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition messageRef="m"/></bpmn:intermediateCatchEvent>
  <bpmn:sequenceFlow id="f3" sourceRef="paid" targetRef="cheap"/>
  <bpmn:exclusiveGateway id="cheap" default="f5"/>
  <bpmn:sequenceFlow id="f4" sourceRef="cheap" targetRef="free"><bpmn:conditionExpression>= price_kopecks &lt; 10000</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="f5" sourceRef="cheap" targetRef="charged"/>
  <bpmn:endEvent id="free"/>
  <bpmn:endEvent id="charged"/>
</bpmn:process></bpmn:definitions>"#;

async fn deploy(app: &TestApp, key: &str, xml: &str) -> Answer {
    let request = Request::post("/v1/processes")
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/xml")
        .body(Body::from(xml.to_owned()))
        .unwrap();
    app.send(request).await
}

async fn start(app: &TestApp, variables: Value) -> Answer {
    app.call(
        Method::POST,
        "/v1/process-instances",
        Some(&app.tenant_key),
        Some(json!({"process_id": "shipment", "variables": variables, "business_key": "order-7"})),
    )
    .await
}

async fn activate(app: &TestApp, wait_ms: u64) -> Vec<Value> {
    let answer = app
        .call(
            Method::POST,
            "/v1/jobs:activate",
            Some(&app.tenant_key),
            Some(json!({"type": "tariff", "max_jobs": 5, "worker": "pricing", "lock_timeout_ms": 60000, "request_timeout_ms": wait_ms})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.body);
    answer.body["jobs"].as_array().unwrap().clone()
}

async fn post(app: &TestApp, path: &str, body: Value) -> Answer {
    app.call(Method::POST, path, Some(&app.tenant_key), Some(body))
        .await
}

async fn deploy_start_work_and_finish_over_http(app: TestApp) {
    let deployed = deploy(&app, &app.tenant_key, PROCESS).await;
    assert_eq!(deployed.status, StatusCode::CREATED, "{:#}", deployed.body);
    assert_eq!(
        deployed.body["deployed"][0],
        json!({"process_id": "shipment", "name": "Shipment", "version": 1, "created": true})
    );
    let again = deploy(&app, &app.tenant_key, PROCESS).await;
    assert_eq!(again.body["deployed"][0]["created"], false);
    let listed = app
        .call(Method::GET, "/v1/processes", Some(&app.tenant_key), None)
        .await;
    assert_eq!(listed.body["versions"].as_array().unwrap().len(), 1);
    let file = app
        .call(
            Method::GET,
            "/v1/processes/shipment/versions/1",
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert_eq!(file.bytes, PROCESS.as_bytes());

    let started = start(&app, json!({"order_id": "A-7"})).await;
    assert_eq!(started.status, StatusCode::CREATED, "{:#}", started.body);
    let id = started.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        started.headers["location"],
        format!("/v1/process-instances/{id}")
    );
    assert_eq!(started.body["status"], "active");
    assert_eq!(started.body["active_elements"][0]["element_id"], "price");
    assert_eq!(started.body["business_key"], "order-7");

    let jobs = activate(&app, 0).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["element_id"], "price");
    assert_eq!(jobs[0]["variables"]["order_id"], "A-7");
    let key = jobs[0]["key"].as_str().unwrap().to_owned();
    let done = post(
        &app,
        &format!("/v1/jobs/{key}:complete"),
        json!({"variables": {"price_kopecks": 45000}}),
    )
    .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{:#}", done.body);
    let twice = post(&app, &format!("/v1/jobs/{key}:complete"), json!({})).await;
    assert_problem(&twice, ProblemKind::NotFound);
    assert!(twice.body["detail"].as_str().unwrap().contains("not open"));

    let paid = post(
        &app,
        "/v1/messages",
        json!({"name": "order-paid", "correlation_key": "A-7", "message_id": "pay-A-7"}),
    )
    .await;
    assert_eq!(paid.status, StatusCode::OK, "{:#}", paid.body);
    assert_eq!(paid.body["instance"], id.as_str());
    let view = app
        .call(
            Method::GET,
            &format!("/v1/process-instances/{id}"),
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert_eq!(view.body["status"], "completed");
    assert_eq!(view.body["variables"]["price_kopecks"], 45000);
    let history = app
        .call(
            Method::GET,
            &format!("/v1/process-instances/{id}/history"),
            Some(&app.tenant_key),
            None,
        )
        .await;
    let entered: Vec<&str> = history.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["what"] == "entered")
        .map(|entry| entry["element_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        entered,
        ["shipment", "accepted", "price", "paid", "cheap", "charged"]
    );
    // Another tenant sees none of it.
    let hidden = app
        .call(
            Method::GET,
            &format!("/v1/process-instances/{id}"),
            Some(&app.other_tenant_key),
            None,
        )
        .await;
    assert_problem(&hidden, ProblemKind::NotFound);
    let none = app
        .call(
            Method::GET,
            "/v1/processes",
            Some(&app.other_tenant_key),
            None,
        )
        .await;
    assert_eq!(none.body["versions"], json!([]));
    let listed = app
        .call(
            Method::GET,
            "/v1/process-instances?status=completed",
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert_eq!(listed.body["instances"][0]["id"], id.as_str());
}

async fn failing_jobs_raise_incidents_that_an_operator_resolves(app: TestApp) {
    deploy(&app, &app.tenant_key, PROCESS).await;
    let id = start(&app, json!({"order_id": "B-1"})).await.body["id"].clone();
    let key = activate(&app, 0).await[0]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let failed = post(
        &app,
        &format!("/v1/jobs/{key}:fail"),
        json!({"retries": 0, "error_message": "tariff table missing"}),
    )
    .await;
    assert_eq!(failed.status, StatusCode::NO_CONTENT, "{:#}", failed.body);
    let incidents = app
        .call(Method::GET, "/v1/incidents", Some(&app.tenant_key), None)
        .await;
    let incident = &incidents.body["incidents"][0];
    assert_eq!(incident["process_instance"], id);
    assert_eq!(incident["kind"], "job_no_retries");
    assert!(
        incident["message"]
            .as_str()
            .unwrap()
            .contains("tariff table missing")
    );
    let resolved = post(
        &app,
        &format!(
            "/v1/incidents/{}:resolve",
            incident["key"].as_str().unwrap()
        ),
        json!({}),
    )
    .await;
    assert_eq!(resolved.status, StatusCode::OK, "{:#}", resolved.body);
    assert_eq!(resolved.body["incidents"], json!([]));
    let jobs = activate(&app, 0).await;
    assert_eq!(jobs.len(), 1, "the job is offered again");
    let missing = post(
        &app,
        &format!("/v1/jobs/{}:fail", jobs[0]["key"].as_str().unwrap()),
        json!({}),
    )
    .await;
    assert_problem(&missing, ProblemKind::Validation);
    assert_eq!(missing.body["errors"][0]["pointer"], "/retries");
    let thrown = post(
        &app,
        &format!("/v1/jobs/{}:throw-error", jobs[0]["key"].as_str().unwrap()),
        json!({"error_code": "NO_TARIFF"}),
    )
    .await;
    assert_eq!(thrown.status, StatusCode::NO_CONTENT, "{:#}", thrown.body);
    let incidents = app
        .call(Method::GET, "/v1/incidents", Some(&app.tenant_key), None)
        .await;
    assert_eq!(
        incidents.body["incidents"][0]["kind"], "unhandled_error",
        "nothing catches NO_TARIFF"
    );
}

async fn messages_correlate_once_and_cancel_ends_an_instance(app: TestApp) {
    deploy(&app, &app.tenant_key, PROCESS).await;
    let buffered = post(&app, "/v1/messages", json!({"name": "order-paid", "correlation_key": "C-1", "time_to_live_ms": 60000, "message_id": "p1"})).await;
    assert_eq!(buffered.body["buffered"], true, "{:#}", buffered.body);
    let repeated = post(&app, "/v1/messages", json!({"name": "order-paid", "correlation_key": "C-1", "time_to_live_ms": 60000, "message_id": "p1"})).await;
    assert_eq!(repeated.body["duplicate"], true);
    assert_eq!(repeated.body["message"], buffered.body["message"]);
    let unknown = post(
        &app,
        "/v1/messages",
        json!({"name": "nobody-listens", "correlation_key": "x"}),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(
        (
            unknown.body["instance"].clone(),
            unknown.body["buffered"].clone()
        ),
        (Value::Null, json!(false))
    );

    let id = start(&app, json!({"order_id": "D-1"})).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cancelled = post(
        &app,
        &format!("/v1/process-instances/{id}:cancel"),
        json!({}),
    )
    .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{:#}", cancelled.body);
    assert_eq!(cancelled.body["status"], "terminated");
    assert!(
        activate(&app, 0).await.is_empty(),
        "the cancelled instance's job is withdrawn"
    );
    let again = post(
        &app,
        &format!("/v1/process-instances/{id}:cancel"),
        json!({}),
    )
    .await;
    assert_problem(&again, ProblemKind::Conflict);
}

async fn bad_files_and_bad_requests_are_problems_naming_the_field(app: TestApp) {
    let unsupported = PROCESS.replace(
        r#"<bpmn:endEvent id="free"/>"#,
        r#"<bpmn:complexGateway id="odd"/><bpmn:endEvent id="free"/>"#,
    );
    let rejected = deploy(&app, &app.tenant_key, &unsupported).await;
    assert_problem(&rejected, ProblemKind::BpmnRejected);
    let errors = rejected.body["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|error| error["pointer"] == "/elements/odd" && error["code"] == "unsupported"),
        "{:#}",
        rejected.body
    );
    let malformed = deploy(&app, &app.tenant_key, "<bpmn:definitions").await;
    assert_problem(&malformed, ProblemKind::BpmnRejected);
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><d>&b;</d>"#;
    assert_problem(
        &deploy(&app, &app.tenant_key, bomb).await,
        ProblemKind::BpmnRejected,
    );

    deploy(&app, &app.tenant_key, PROCESS).await;
    let unknown = post(&app, "/v1/process-instances", json!({"process_id": "nope"})).await;
    assert_problem(&unknown, ProblemKind::NotFound);
    let bad_variables = post(
        &app,
        "/v1/process-instances",
        json!({"process_id": "shipment", "variables": [1]}),
    )
    .await;
    assert_problem(&bad_variables, ProblemKind::Validation);
    assert_eq!(bad_variables.body["errors"][0]["pointer"], "/variables");
    let bad_key = post(&app, "/v1/jobs/garbage:complete", json!({})).await;
    assert_problem(&bad_key, ProblemKind::NotFound);
    let bad_lock = post(
        &app,
        "/v1/jobs:activate",
        json!({"type": "tariff", "lock_timeout_ms": 0}),
    )
    .await;
    assert_eq!(bad_lock.body["errors"][0]["pointer"], "/lock_timeout_ms");
    let unauthenticated = app.call(Method::GET, "/v1/incidents", None, None).await;
    assert_problem(&unauthenticated, ProblemKind::Unauthenticated);
}
