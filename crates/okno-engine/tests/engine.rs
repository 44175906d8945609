//! Behaviour of the engine through its boundary: small Zeebe-dialect models deployed into the
//! in-memory runner, checked by the elements they enter, their variables and incidents; and the
//! deploy errors for bad input.
#![allow(clippy::unwrap_used)]

use okno_engine::engine::{Command, IncidentKind, InstanceStatus};
use okno_engine::memory::{JobOutcome, Runner};
use okno_engine::{BuiltinExpressions, DeployError};
use serde_json::{Map, Value, json};

fn model(process: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <bpmn:message id="m_order" name="order-paid">
    <bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements>
  </bpmn:message>
  <bpmn:error id="e_fail" errorCode="FAIL"/>
{process}
</bpmn:definitions>"#
    )
}

fn vars(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

fn complete_with(
    result: Value,
) -> impl FnMut(&okno_engine::memory::ActivatedJob, &mut okno_engine::memory::HandlerContext) -> JobOutcome
{
    move |_, _| JobOutcome::Complete(vars(result.clone()))
}

fn runner(process: &str) -> Runner {
    let mut runner = Runner::default();
    runner.deploy(&model(process)).unwrap();
    runner
}

fn status(runner: &Runner, instance: u64) -> InstanceStatus {
    runner.instance(instance).unwrap().state.status
}

fn result(runner: &Runner, instance: u64) -> Value {
    let variables = runner
        .instance(instance)
        .unwrap()
        .state
        .result
        .clone()
        .unwrap();
    serde_json::to_value(variables).unwrap()
}

const ORDER: &str = r#"
<bpmn:process id="order" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
  <bpmn:serviceTask id="check">
    <bpmn:extensionElements><zeebe:taskDefinition type="check" retries="2"/></bpmn:extensionElements>
  </bpmn:serviceTask>
  <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="xor"/>
  <bpmn:exclusiveGateway id="xor" default="f4"/>
  <bpmn:sequenceFlow id="f3" sourceRef="xor" targetRef="big"><bpmn:conditionExpression>= amount &gt; 100</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="f4" sourceRef="xor" targetRef="small"/>
  <bpmn:endEvent id="big"/>
  <bpmn:endEvent id="small"/>
</bpmn:process>"#;

#[test]
fn exclusive_gateway_takes_the_first_true_flow_or_the_default() {
    let mut runner = runner(ORDER);
    runner.handler("check", complete_with(json!({"checked": true})));
    let big = runner.start("order", vars(json!({"amount": 150}))).unwrap();
    let small = runner.start("order", vars(json!({"amount": 5}))).unwrap();
    assert_eq!(
        runner.entered(big),
        ["order", "start", "check", "xor", "big"]
    );
    assert_eq!(
        runner.entered(small),
        ["order", "start", "check", "xor", "small"]
    );
    assert_eq!(status(&runner, big), InstanceStatus::Completed);
    assert_eq!(
        result(&runner, big),
        json!({"amount": 150, "checked": true})
    );
}

#[test]
fn an_expression_error_is_an_incident_that_resolves_after_the_fix() {
    let mut runner = runner(ORDER);
    runner.handler("check", complete_with(json!({"amount": "many"})));
    let instance = runner.start("order", Map::new()).unwrap();
    assert_eq!(status(&runner, instance), InstanceStatus::Active);
    let incidents = runner.incidents();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].2.kind, IncidentKind::Expression);
    let incident = incidents[0].1;
    // Nothing changed: resolving retries and fails again, without crashing.
    runner
        .send(instance, Command::ResolveIncident { incident })
        .unwrap();
    assert_eq!(runner.incidents().len(), 1);
}

#[test]
fn failing_jobs_use_their_retries_then_raise_an_incident() {
    let mut runner = runner(ORDER);
    let mut calls = 0;
    runner.handler("check", move |job, _| {
        calls += 1;
        if calls < 3 {
            JobOutcome::Fail {
                retries: job.retries - 1,
                message: "down".into(),
            }
        } else {
            JobOutcome::Complete(Map::new())
        }
    });
    let instance = runner.start("order", vars(json!({"amount": 1}))).unwrap();
    let incidents = runner.incidents();
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert_eq!(incidents[0].2.kind, IncidentKind::JobNoRetries);
    let incident = incidents[0].1;
    runner
        .send(instance, Command::ResolveIncident { incident })
        .unwrap();
    assert_eq!(status(&runner, instance), InstanceStatus::Completed);
}

#[test]
fn parallel_and_inclusive_gateways_fork_and_join() {
    let process = r#"
<bpmn:process id="p">
  <bpmn:startEvent id="s"/>
  <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="fork"/>
  <bpmn:parallelGateway id="fork"/>
  <bpmn:sequenceFlow id="b" sourceRef="fork" targetRef="t1"/>
  <bpmn:sequenceFlow id="c" sourceRef="fork" targetRef="t2"/>
  <bpmn:task id="t1"/><bpmn:manualTask id="t2"/>
  <bpmn:sequenceFlow id="d" sourceRef="t1" targetRef="join"/>
  <bpmn:sequenceFlow id="e" sourceRef="t2" targetRef="join"/>
  <bpmn:parallelGateway id="join"/>
  <bpmn:sequenceFlow id="f" sourceRef="join" targetRef="or"/>
  <bpmn:inclusiveGateway id="or"/>
  <bpmn:sequenceFlow id="g" sourceRef="or" targetRef="u1"><bpmn:conditionExpression>= x &gt; 1</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="h" sourceRef="or" targetRef="u2"><bpmn:conditionExpression>= x &gt; 5</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="i" sourceRef="or" targetRef="u3"><bpmn:conditionExpression>= x &gt; 2</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:serviceTask id="u1"><bpmn:extensionElements><zeebe:taskDefinition type="w"/></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:task id="u2"/><bpmn:task id="u3"/>
  <bpmn:sequenceFlow id="j" sourceRef="u1" targetRef="merge"/>
  <bpmn:sequenceFlow id="k" sourceRef="u2" targetRef="merge"/>
  <bpmn:sequenceFlow id="l" sourceRef="u3" targetRef="merge"/>
  <bpmn:inclusiveGateway id="merge"/>
  <bpmn:sequenceFlow id="m" sourceRef="merge" targetRef="end"/>
  <bpmn:endEvent id="end"/>
</bpmn:process>"#;
    let mut runner = runner(process);
    let instance = runner.start("p", vars(json!({"x": 3}))).unwrap();
    // u1 waits for its job; u3 already arrived; the inclusive join must wait for u1.
    assert!(!runner.entered(instance).contains(&"merge"));
    let job = runner.open_jobs().next().unwrap().job;
    runner
        .send(
            instance,
            Command::CompleteJob {
                job,
                variables: Map::new(),
            },
        )
        .unwrap();
    let entered = runner.entered(instance);
    assert_eq!(entered.iter().filter(|id| **id == "join").count(), 1);
    assert_eq!(entered.iter().filter(|id| **id == "merge").count(), 1);
    assert!(!entered.contains(&"u2"));
    assert_eq!(status(&runner, instance), InstanceStatus::Completed);
}

#[test]
fn subprocess_scopes_and_io_mappings_follow_zeebe() {
    let process = r#"
<bpmn:process id="p">
  <bpmn:startEvent id="s"/>
  <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="sub"/>
  <bpmn:subProcess id="sub">
    <bpmn:extensionElements><zeebe:ioMapping>
      <zeebe:input source="=order.total" target="local"/>
      <zeebe:output source="=local * 2" target="doubled"/>
    </zeebe:ioMapping></bpmn:extensionElements>
    <bpmn:startEvent id="ss"/>
    <bpmn:sequenceFlow id="b" sourceRef="ss" targetRef="t"/>
    <bpmn:serviceTask id="t"><bpmn:extensionElements>
      <zeebe:taskDefinition type="w"/>
      <zeebe:ioMapping><zeebe:output source="=result" target="order.result"/></zeebe:ioMapping>
    </bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="c" sourceRef="t" targetRef="se"/>
    <bpmn:endEvent id="se"/>
  </bpmn:subProcess>
  <bpmn:sequenceFlow id="d" sourceRef="sub" targetRef="e"/>
  <bpmn:endEvent id="e"/>
</bpmn:process>"#;
    let mut runner = runner(process);
    runner.handler("w", |job, _| {
        assert_eq!(job.variables["local"], json!(21));
        JobOutcome::Complete(vars(json!({"result": "ok", "local": 7})))
    });
    let instance = runner
        .start("p", vars(json!({"order": {"total": 21}})))
        .unwrap();
    assert_eq!(
        result(&runner, instance),
        json!({"order": {"total": 21, "result": "ok"}, "doubled": 42})
    );
}

#[test]
fn errors_are_caught_by_boundary_events_and_uncaught_ones_are_incidents() {
    let process = r#"
<bpmn:process id="p">
  <bpmn:startEvent id="s"/>
  <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="sub"/>
  <bpmn:subProcess id="sub">
    <bpmn:startEvent id="ss"/>
    <bpmn:sequenceFlow id="b" sourceRef="ss" targetRef="t"/>
    <bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="w"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="c" sourceRef="t" targetRef="err"/>
    <bpmn:endEvent id="err"><bpmn:errorEventDefinition errorRef="e_fail"/></bpmn:endEvent>
  </bpmn:subProcess>
  <bpmn:boundaryEvent id="caught" attachedToRef="sub"><bpmn:errorEventDefinition errorRef="e_fail"/></bpmn:boundaryEvent>
  <bpmn:sequenceFlow id="d" sourceRef="caught" targetRef="handled"/>
  <bpmn:endEvent id="handled"/>
  <bpmn:sequenceFlow id="e" sourceRef="sub" targetRef="fine"/>
  <bpmn:endEvent id="fine"/>
</bpmn:process>"#;
    let mut runner = runner(process);
    runner.handler("w", complete_with(json!({})));
    let instance = runner.start("p", Map::new()).unwrap();
    let entered = runner.entered(instance);
    assert!(
        entered.contains(&"handled") && !entered.contains(&"fine"),
        "{entered:?}"
    );
    assert_eq!(status(&runner, instance), InstanceStatus::Completed);

    let mut runner = self::runner(process);
    runner.handler("w", |_, _| JobOutcome::Error {
        code: "OTHER".into(),
    });
    let instance = runner.start("p", Map::new()).unwrap();
    assert_eq!(runner.incidents()[0].2.kind, IncidentKind::UnhandledError);
    assert_eq!(status(&runner, instance), InstanceStatus::Active);
}

#[test]
fn messages_correlate_by_key_and_timers_fire_on_the_virtual_clock() {
    let process = r#"
<bpmn:process id="p">
  <bpmn:startEvent id="s"/>
  <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="wait"/>
  <bpmn:receiveTask id="wait" messageRef="m_order"/>
  <bpmn:boundaryEvent id="remind" attachedToRef="wait" cancelActivity="false">
    <bpmn:timerEventDefinition><bpmn:timeCycle>R2/PT10S</bpmn:timeCycle></bpmn:timerEventDefinition>
  </bpmn:boundaryEvent>
  <bpmn:sequenceFlow id="b" sourceRef="remind" targetRef="reminded"/>
  <bpmn:endEvent id="reminded"/>
  <bpmn:boundaryEvent id="expire" attachedToRef="wait">
    <bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition>
  </bpmn:boundaryEvent>
  <bpmn:sequenceFlow id="c" sourceRef="expire" targetRef="expired"/>
  <bpmn:endEvent id="expired"/>
  <bpmn:sequenceFlow id="d" sourceRef="wait" targetRef="paid"/>
  <bpmn:endEvent id="paid"/>
</bpmn:process>"#;
    let mut runner = runner(process);
    let first = runner.start("p", vars(json!({"orderId": "A-1"}))).unwrap();
    let second = runner.start("p", vars(json!({"orderId": "A-2"}))).unwrap();
    runner.advance(25_000);
    assert!(runner.publish("order-paid", "A-1", vars(json!({"paidAt": 5}))));
    assert!(!runner.publish("order-paid", "nobody", Map::new()));
    runner.advance(60_000);
    let count = |instance: u64, id: &str| {
        runner
            .entered(instance)
            .iter()
            .filter(|e| **e == id)
            .count()
    };
    assert_eq!(
        (
            count(first, "reminded"),
            count(first, "paid"),
            count(first, "expired")
        ),
        (2, 1, 0)
    );
    assert_eq!(
        (count(second, "reminded"), count(second, "expired")),
        (2, 1)
    );
    assert_eq!(result(&runner, first)["paidAt"], json!(5));
    assert_eq!(runner.timers_scheduled(), 0);
}

#[test]
fn event_based_gateway_takes_the_first_event() {
    let process = r#"
<bpmn:process id="p">
  <bpmn:startEvent id="s"/>
  <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="g"/>
  <bpmn:eventBasedGateway id="g"/>
  <bpmn:sequenceFlow id="b" sourceRef="g" targetRef="msg"/>
  <bpmn:sequenceFlow id="c" sourceRef="g" targetRef="tmr"/>
  <bpmn:intermediateCatchEvent id="msg"><bpmn:messageEventDefinition messageRef="m_order"/></bpmn:intermediateCatchEvent>
  <bpmn:intermediateCatchEvent id="tmr"><bpmn:timerEventDefinition><bpmn:timeDuration>PT5S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
  <bpmn:sequenceFlow id="d" sourceRef="msg" targetRef="e1"/>
  <bpmn:sequenceFlow id="e" sourceRef="tmr" targetRef="e2"/>
  <bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>
</bpmn:process>"#;
    let mut runner = runner(process);
    let by_timer = runner.start("p", vars(json!({"orderId": 1}))).unwrap();
    runner.advance(5_000);
    let by_message = runner.start("p", vars(json!({"orderId": 2}))).unwrap();
    assert!(runner.publish("order-paid", "2", Map::new()));
    runner.advance(10_000);
    assert_eq!(runner.entered(by_timer), ["p", "s", "g", "tmr", "e2"]);
    assert_eq!(runner.entered(by_message), ["p", "s", "g", "msg", "e1"]);
}

#[test]
fn multi_instance_collects_outputs_in_order() {
    for sequential in ["true", "false"] {
        let process = format!(
            r#"
<bpmn:process id="p">
  <bpmn:startEvent id="s"/>
  <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="each"/>
  <bpmn:serviceTask id="each">
    <bpmn:extensionElements><zeebe:taskDefinition type="w"/></bpmn:extensionElements>
    <bpmn:multiInstanceLoopCharacteristics isSequential="{sequential}">
      <bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=items" inputElement="item" outputCollection="results" outputElement="=done"/></bpmn:extensionElements>
    </bpmn:multiInstanceLoopCharacteristics>
  </bpmn:serviceTask>
  <bpmn:sequenceFlow id="b" sourceRef="each" targetRef="e"/>
  <bpmn:endEvent id="e"/>
</bpmn:process>"#
        );
        let mut runner = runner(&process);
        let instance = runner
            .start("p", vars(json!({"items": [1, 2, 3]})))
            .unwrap();
        // Complete the jobs in reverse order of creation where several are open.
        while let Some(job) = runner.open_jobs().last().cloned() {
            let done = job.variables["item"].as_i64().unwrap() * 10;
            let command = Command::CompleteJob {
                job: job.job,
                variables: vars(json!({"done": done})),
            };
            runner.send(instance, command).unwrap();
        }
        assert_eq!(
            result(&runner, instance)["results"],
            json!([10, 20, 30]),
            "{sequential}"
        );
    }
}

#[test]
fn event_subprocess_call_activity_and_terminate_end() {
    let file = model(
        r#"
<bpmn:process id="parent">
  <bpmn:startEvent id="s"/>
  <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="call"/>
  <bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="child"/></bpmn:extensionElements></bpmn:callActivity>
  <bpmn:sequenceFlow id="b" sourceRef="call" targetRef="wait"/>
  <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
  <bpmn:sequenceFlow id="c" sourceRef="wait" targetRef="e"/>
  <bpmn:endEvent id="e"/>
  <bpmn:subProcess id="cancel" triggeredByEvent="true">
    <bpmn:startEvent id="cs"><bpmn:messageEventDefinition messageRef="m_order"/></bpmn:startEvent>
    <bpmn:sequenceFlow id="d" sourceRef="cs" targetRef="ce"/>
    <bpmn:endEvent id="ce"><bpmn:terminateEventDefinition/></bpmn:endEvent>
  </bpmn:subProcess>
</bpmn:process>
<bpmn:process id="child">
  <bpmn:startEvent id="s2"/>
  <bpmn:sequenceFlow id="a2" sourceRef="s2" targetRef="t2"/>
  <bpmn:scriptTask id="t2"><bpmn:extensionElements><zeebe:script expression="=orderId + 1" resultVariable="next"/></bpmn:extensionElements></bpmn:scriptTask>
  <bpmn:sequenceFlow id="b2" sourceRef="t2" targetRef="e2"/>
  <bpmn:endEvent id="e2"/>
</bpmn:process>"#,
    );
    let mut runner = Runner::default();
    runner.deploy(&file).unwrap();
    let instance = runner
        .start("parent", vars(json!({"orderId": 41})))
        .unwrap();
    assert!(runner.entered(instance).contains(&"wait"));
    assert!(runner.publish("order-paid", "41", Map::new()));
    assert_eq!(status(&runner, instance), InstanceStatus::Completed);
    assert_eq!(result(&runner, instance)["next"], json!(42));
    let entered = runner.entered(instance);
    assert!(entered.ends_with(&["cancel", "cs", "ce"]), "{entered:?}");
    assert_eq!(runner.timers_scheduled(), 0);
}

#[test]
fn signals_reach_the_thrower_at_once_and_other_instances_by_broadcast() {
    let file = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:signal id="go" name="go"/>
  <bpmn:process id="waiter">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:signalEventDefinition signalRef="go"/></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="b" sourceRef="wait" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
  <bpmn:process id="thrower">
    <bpmn:startEvent id="s2"/>
    <bpmn:sequenceFlow id="a2" sourceRef="s2" targetRef="sub"/>
    <bpmn:subProcess id="sub">
      <bpmn:startEvent id="ss"/>
      <bpmn:sequenceFlow id="b2" sourceRef="ss" targetRef="throw"/>
      <bpmn:endEvent id="throw"><bpmn:signalEventDefinition signalRef="go"/></bpmn:endEvent>
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="heard" attachedToRef="sub"><bpmn:signalEventDefinition signalRef="go"/></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="c2" sourceRef="heard" targetRef="interrupted"/>
    <bpmn:endEvent id="interrupted"/>
    <bpmn:sequenceFlow id="d2" sourceRef="sub" targetRef="normal"/>
    <bpmn:endEvent id="normal"/>
  </bpmn:process>
</bpmn:definitions>"#;
    let mut runner = Runner::default();
    runner.deploy(file).unwrap();
    let first = runner.start("waiter", Map::new()).unwrap();
    let second = runner.start("waiter", Map::new()).unwrap();
    let thrower = runner.start("thrower", Map::new()).unwrap();
    assert!(runner.entered(thrower).contains(&"interrupted"));
    assert!(!runner.entered(thrower).contains(&"normal"));
    assert_eq!(status(&runner, first), InstanceStatus::Completed);
    assert_eq!(status(&runner, second), InstanceStatus::Completed);
}

#[test]
fn escalations_are_caught_interrupting_or_not_and_uncaught_ones_go_on() {
    let file = |interrupting: &str| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:escalation id="late" escalationCode="LATE"/>
  <bpmn:process id="p">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="sub"/>
    <bpmn:subProcess id="sub">
      <bpmn:startEvent id="ss"/>
      <bpmn:sequenceFlow id="b" sourceRef="ss" targetRef="raise"/>
      <bpmn:intermediateThrowEvent id="raise"><bpmn:escalationEventDefinition escalationRef="late"/></bpmn:intermediateThrowEvent>
      <bpmn:sequenceFlow id="c" sourceRef="raise" targetRef="after"/>
      <bpmn:task id="after"/>
      <bpmn:sequenceFlow id="d" sourceRef="after" targetRef="se"/>
      <bpmn:endEvent id="se"/>
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="caught" attachedToRef="sub" cancelActivity="{interrupting}"><bpmn:escalationEventDefinition escalationRef="late"/></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="e" sourceRef="caught" targetRef="handled"/>
    <bpmn:endEvent id="handled"/>
    <bpmn:sequenceFlow id="f" sourceRef="sub" targetRef="done"/>
    <bpmn:endEvent id="done"/>
  </bpmn:process>
</bpmn:definitions>"#
        )
    };
    for (interrupting, after_runs) in [("true", false), ("false", true)] {
        let mut runner = Runner::default();
        runner.deploy(&file(interrupting)).unwrap();
        let instance = runner.start("p", Map::new()).unwrap();
        let entered = runner.entered(instance);
        assert!(entered.contains(&"handled"), "{entered:?}");
        assert_eq!(entered.contains(&"after"), after_runs, "{entered:?}");
        assert_eq!(entered.contains(&"done"), after_runs, "{entered:?}");
        assert_eq!(status(&runner, instance), InstanceStatus::Completed);
    }
    // Nobody catches it: the thrower goes on and there is no incident.
    let boundary = r#"<bpmn:boundaryEvent id="caught" attachedToRef="sub" cancelActivity="true"><bpmn:escalationEventDefinition escalationRef="late"/></bpmn:boundaryEvent>"#;
    let timer = r#"<bpmn:boundaryEvent id="caught" attachedToRef="sub"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"#;
    let uncaught = file("true").replace(boundary, timer);
    assert_ne!(uncaught, file("true"));
    let mut runner = Runner::default();
    runner.deploy(&uncaught).unwrap();
    let instance = runner.start("p", Map::new()).unwrap();
    assert!(runner.entered(instance).contains(&"done"));
    assert!(runner.incidents().is_empty());
}

#[test]
fn timer_start_events_start_instances_on_the_virtual_clock() {
    let process = r#"
<bpmn:process id="tick">
  <bpmn:startEvent id="every_minute"><bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT1M</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
  <bpmn:sequenceFlow id="a" sourceRef="every_minute" targetRef="e"/>
  <bpmn:endEvent id="e"/>
</bpmn:process>"#;
    let mut runner = runner(process);
    assert_eq!(runner.timers_scheduled(), 1);
    runner.advance(150_000);
    assert_eq!(runner.instances().count(), 2);
    runner.advance(10 * 60_000);
    assert_eq!(runner.instances().count(), 3);
    assert_eq!(runner.timers_scheduled(), 0);
    let (first, _) = runner.instances().next().unwrap();
    assert_eq!(runner.entered(first), ["tick", "every_minute", "e"]);
}

#[test]
fn an_error_uncaught_in_a_called_process_is_caught_at_the_call_activity() {
    let file = model(
        r#"
<bpmn:process id="parent">
  <bpmn:startEvent id="s"/>
  <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="call"/>
  <bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="child"/></bpmn:extensionElements></bpmn:callActivity>
  <bpmn:boundaryEvent id="failed" attachedToRef="call"><bpmn:errorEventDefinition errorRef="e_fail"/></bpmn:boundaryEvent>
  <bpmn:sequenceFlow id="b" sourceRef="failed" targetRef="compensate"/>
  <bpmn:endEvent id="compensate"/>
  <bpmn:sequenceFlow id="c" sourceRef="call" targetRef="e"/>
  <bpmn:endEvent id="e"/>
</bpmn:process>
<bpmn:process id="child">
  <bpmn:startEvent id="s2"/>
  <bpmn:sequenceFlow id="a2" sourceRef="s2" targetRef="t2"/>
  <bpmn:serviceTask id="t2"><bpmn:extensionElements><zeebe:taskDefinition type="w"/></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:sequenceFlow id="b2" sourceRef="t2" targetRef="e2"/>
  <bpmn:endEvent id="e2"/>
</bpmn:process>"#,
    );
    let mut runner = Runner::default();
    runner.deploy(&file).unwrap();
    runner.handler("w", |_, _| JobOutcome::Error {
        code: "FAIL".into(),
    });
    let parent = runner.start("parent", Map::new()).unwrap();
    assert!(runner.entered(parent).contains(&"compensate"));
    assert_eq!(status(&runner, parent), InstanceStatus::Completed);
    let (child, _) = runner.instances().find(|(id, _)| *id != parent).unwrap();
    assert_eq!(status(&runner, child), InstanceStatus::Terminated);
    assert!(runner.incidents().is_empty());

    // Uncaught in both: one incident, in the child, where the error was thrown.
    let mut runner = Runner::default();
    runner.deploy(&file).unwrap();
    runner.handler("w", |_, _| JobOutcome::Error {
        code: "OTHER".into(),
    });
    let parent = runner.start("parent", Map::new()).unwrap();
    let incidents = runner.incidents();
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert_ne!(incidents[0].0, parent);
}

#[test]
fn the_state_and_events_serialise() {
    let definitions = okno_engine::deploy(&model(ORDER), &BuiltinExpressions).unwrap();
    let mut state = okno_engine::InstanceState::default();
    let command = Command::StartInstance {
        variables: vars(json!({"amount": 3})),
        start_event: None,
    };
    let output = okno_engine::handle(
        &mut state,
        &definitions[0],
        command,
        okno_engine::Timestamp(0),
    )
    .unwrap();
    let text = serde_json::to_string(&(&state, &output)).unwrap();
    let (again, _): (okno_engine::InstanceState, okno_engine::EngineOutput) =
        serde_json::from_str(&text).unwrap();
    assert_eq!(again, state);
    let rejected = okno_engine::handle(
        &mut state,
        &definitions[0],
        Command::CancelInstance,
        okno_engine::Timestamp(0),
    );
    assert!(rejected.is_ok());
    let after = okno_engine::handle(
        &mut state,
        &definitions[0],
        Command::CancelInstance,
        okno_engine::Timestamp(0),
    );
    assert!(after.is_err());
}

fn deploy_error(xml: &str) -> DeployError {
    okno_engine::deploy(xml, &BuiltinExpressions).unwrap_err()
}

#[test]
fn bad_input_is_rejected_with_ids_and_reasons() {
    assert!(matches!(
        deploy_error("<bpmn:definitions"),
        DeployError::Xml(_)
    ));
    let dtd = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x/>"#;
    assert!(matches!(deploy_error(dtd), DeployError::Xml(_)));
    let deep = format!("{}{}", "<a>".repeat(300), "</a>".repeat(300));
    assert!(matches!(deploy_error(&deep), DeployError::Xml(_)));
    let huge = " ".repeat(okno_engine::XML_BYTES_MAX + 1);
    assert!(matches!(deploy_error(&huge), DeployError::TooLarge { .. }));

    let broken = model(
        r#"<bpmn:process id="p">
  <bpmn:startEvent id="s"/>
  <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="nowhere"/>
  <bpmn:sequenceFlow id="b" sourceRef="s" targetRef="g"/>
  <bpmn:exclusiveGateway id="g"/>
  <bpmn:complexGateway id="cx"/>
  <bpmn:intermediateThrowEvent id="sig"><bpmn:compensateEventDefinition/></bpmn:intermediateThrowEvent>
  <bpmn:sequenceFlow id="c" sourceRef="s" targetRef="x"><bpmn:conditionExpression>= (</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:task id="x"/>
</bpmn:process>"#,
    );
    let DeployError::Rejected {
        unsupported,
        problems,
    } = deploy_error(&broken)
    else {
        panic!("expected a rejection");
    };
    let kinds: Vec<(&str, &str)> = unsupported
        .iter()
        .map(|u| (u.kind.as_str(), u.element_id.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("complexGateway", "cx"),
            ("intermediateThrowEvent(compensate)", "sig")
        ]
    );
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        text.iter().any(|p| p.starts_with("a: targetRef `nowhere`")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|p| p.starts_with("g: a gateway needs at least one outgoing")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|p| p.starts_with("c: expression")),
        "{text:?}"
    );

    let cyclic = model(
        r#"<bpmn:process id="a"><bpmn:startEvent id="s1"/><bpmn:sequenceFlow id="f1" sourceRef="s1" targetRef="c1"/><bpmn:callActivity id="c1" calledElement="b"/></bpmn:process>
<bpmn:process id="b"><bpmn:startEvent id="s2"/><bpmn:sequenceFlow id="f2" sourceRef="s2" targetRef="c2"/><bpmn:callActivity id="c2" calledElement="a"/></bpmn:process>"#,
    );
    let DeployError::Rejected { problems, .. } = deploy_error(&cyclic) else {
        panic!("expected a rejection");
    };
    assert!(
        problems.iter().any(|p| p.reason.contains("cycle")),
        "{problems:?}"
    );
}

/// Every problem and unsupported element of a rejected model, as `id: reason` and
/// `unsupported kind: id` lines; empty when the model deploys.
fn findings(process: &str) -> Vec<String> {
    match okno_engine::deploy(&model(process), &BuiltinExpressions) {
        Ok(_) => Vec::new(),
        Err(DeployError::Rejected {
            unsupported,
            problems,
        }) => unsupported
            .iter()
            .map(|item| format!("unsupported {}: {}", item.kind, item.element_id))
            .chain(problems.iter().map(ToString::to_string))
            .collect(),
        Err(other) => vec![other.to_string()],
    }
}

/// The structural rules of BPMN 2.0 that the betsy must-reject models (bpmn_constraints, named
/// in each case) break: each model is rejected with the element id and the reason.
#[test]
fn bpmn_structure_rules_reject_with_the_element_id() {
    let cases = [
        // EXT023: incoming/outgoing lists must name the flows that end/start at the node.
        (
            r#"<bpmn:startEvent id="s"><bpmn:outgoing>f</bpmn:outgoing></bpmn:startEvent>
<bpmn:endEvent id="e"><bpmn:incoming>nothing</bpmn:incoming></bpmn:endEvent>
<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/>"#,
            "e: incoming `nothing` names no sequence flow",
        ),
        (
            r#"<bpmn:startEvent id="s"><bpmn:outgoing>f</bpmn:outgoing></bpmn:startEvent>
<bpmn:endEvent id="e"><bpmn:outgoing>f</bpmn:outgoing></bpmn:endEvent>
<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/>"#,
            "e: outgoing `f` is a sequence flow that does not start here",
        ),
        // EXT017–EXT019: a declared gatewayDirection must match the flows.
        (
            r#"<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="g"/>
<bpmn:parallelGateway id="g" gatewayDirection="Converging"/>
<bpmn:sequenceFlow id="a" sourceRef="g" targetRef="e1"/><bpmn:endEvent id="e1"/>
<bpmn:sequenceFlow id="b" sourceRef="g" targetRef="e2"/><bpmn:endEvent id="e2"/>"#,
            "g: a converging gateway has at most one outgoing sequence flow",
        ),
        (
            r#"<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="g"/>
<bpmn:parallelGateway id="g" gatewayDirection="Mixed"/>
<bpmn:sequenceFlow id="a" sourceRef="g" targetRef="e"/><bpmn:endEvent id="e"/>"#,
            "g: a mixed gateway has several incoming and several outgoing sequence flows",
        ),
        // EXT025: a conditional flow must not be the only way out of an activity.
        (
            r#"<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="t"/>
<bpmn:task id="t"/><bpmn:sequenceFlow id="c" sourceRef="t" targetRef="e"><bpmn:conditionExpression>= true</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:endEvent id="e"/>"#,
            "c: a conditional sequence flow must not be the only flow out of an activity",
        ),
        // EXT110, EXT147: error boundary events interrupt.
        (
            r#"<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="t"/>
<bpmn:task id="t"/><bpmn:sequenceFlow id="g" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>
<bpmn:boundaryEvent id="b" attachedToRef="t" cancelActivity="false"><bpmn:errorEventDefinition errorRef="e_fail"/></bpmn:boundaryEvent>
<bpmn:sequenceFlow id="h" sourceRef="b" targetRef="e"/>"#,
            "b: an error boundary event always interrupts",
        ),
        // EXT059: error start events of event subprocesses interrupt.
        (
            r#"<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/><bpmn:endEvent id="e"/>
<bpmn:subProcess id="sub" triggeredByEvent="true">
  <bpmn:startEvent id="es" isInterrupting="false"><bpmn:errorEventDefinition errorRef="e_fail"/></bpmn:startEvent>
  <bpmn:sequenceFlow id="ef" sourceRef="es" targetRef="ee"/><bpmn:endEvent id="ee"/>
</bpmn:subProcess>"#,
            "es: an error start event always interrupts",
        ),
        // EXT137: flows out of an event-based gateway carry no condition.
        (
            r#"<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="g"/>
<bpmn:eventBasedGateway id="g"/>
<bpmn:sequenceFlow id="a" sourceRef="g" targetRef="t1"><bpmn:conditionExpression>= true</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:intermediateCatchEvent id="t1"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="b" sourceRef="g" targetRef="t2"/>
<bpmn:intermediateCatchEvent id="t2"><bpmn:timerEventDefinition><bpmn:timeDuration>PT2S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="c" sourceRef="t1" targetRef="e"/><bpmn:sequenceFlow id="d" sourceRef="t2" targetRef="e"/><bpmn:endEvent id="e"/>"#,
            "a: a flow out of an event-based gateway must not have a condition",
        ),
        // EXT142: an instantiating event-based gateway is not executed, so it is rejected.
        (
            r#"<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="g"/>
<bpmn:eventBasedGateway id="g" instantiate="true"/>"#,
            "unsupported eventBasedGateway(instantiate): g",
        ),
        // EXT072: complex behaviour definitions are not executed, so they are rejected.
        (
            r#"<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="t"/>
<bpmn:task id="t"><bpmn:multiInstanceLoopCharacteristics behavior="All"><bpmn:loopCardinality>= 3</bpmn:loopCardinality>
  <bpmn:complexBehaviorDefinition id="cb"><bpmn:condition>= true</bpmn:condition></bpmn:complexBehaviorDefinition></bpmn:multiInstanceLoopCharacteristics></bpmn:task>
<bpmn:sequenceFlow id="g" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>"#,
            "unsupported multiInstanceLoopCharacteristics(complexBehaviorDefinition): t",
        ),
        // REF: references name an element of the right kind.
        (
            r#"<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="x"/>
<bpmn:intermediateThrowEvent id="x"><bpmn:eventDefinitionRef>f</bpmn:eventDefinitionRef></bpmn:intermediateThrowEvent>
<bpmn:sequenceFlow id="g" sourceRef="x" targetRef="e"/><bpmn:endEvent id="e"/>"#,
            "x: eventDefinitionRef `f` names a sequenceFlow",
        ),
        (
            r#"<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="t"/>
<bpmn:task id="t"><bpmn:ioSpecification><bpmn:dataInput id="in"/><bpmn:inputSet><bpmn:dataInputRefs>s</bpmn:dataInputRefs></bpmn:inputSet><bpmn:outputSet/></bpmn:ioSpecification>
  <bpmn:dataInputAssociation id="da"><bpmn:sourceRef>e</bpmn:sourceRef><bpmn:targetRef>in</bpmn:targetRef></bpmn:dataInputAssociation></bpmn:task>
<bpmn:sequenceFlow id="g" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>"#,
            "da: sourceRef `e` names a endEvent",
        ),
    ];
    for (body, expected) in cases {
        let found = findings(&format!(r#"<bpmn:process id="p">{body}</bpmn:process>"#));
        assert!(
            found.iter().any(|line| line.starts_with(expected)),
            "expected `{expected}` in {found:?}"
        );
    }
}

/// Message flows (EXT031, EXT102, EXT108, EXT119): between two different pools, from
/// something that can send to something that can receive.
#[test]
fn message_flows_connect_senders_and_receivers_of_different_pools() {
    let with_flow = |source: &str, target: &str| {
        format!(
            r#"<bpmn:collaboration id="c">
  <bpmn:participant id="shop" processRef="p"/><bpmn:participant id="bank"/>
  <bpmn:messageFlow id="mf" sourceRef="{source}" targetRef="{target}"/>
</bpmn:collaboration>
<bpmn:process id="p"><bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="t"/>
<bpmn:sendTask id="t"/><bpmn:sequenceFlow id="g" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/></bpmn:process>"#
        )
    };
    let cases = [
        (
            "shop",
            "e",
            "mf: a message flow connects two different pools",
        ),
        (
            "s",
            "bank",
            "mf: sourceRef `s`: a catch event cannot send a message",
        ),
        (
            "bank",
            "e",
            "mf: targetRef `e`: a throw event cannot receive a message",
        ),
    ];
    for (source, target, expected) in cases {
        let xml = model(&with_flow(source, target));
        let found = match okno_engine::deploy(&xml, &BuiltinExpressions) {
            Err(DeployError::Rejected { problems, .. }) => {
                problems.iter().map(ToString::to_string).collect()
            }
            other => vec![format!("{other:?}")],
        };
        assert!(
            found.iter().any(|line| line.starts_with(expected)),
            "expected `{expected}` in {found:?}"
        );
    }
    let fine = model(&with_flow("t", "bank"));
    assert!(okno_engine::deploy(&fine, &BuiltinExpressions).is_ok());
}

/// The same rules accept what modelling tools write: complete incoming/outgoing lists,
/// declared gateway directions that match, a conditional flow beside a default.
#[test]
fn bpmn_structure_rules_accept_consistent_models() {
    let consistent = r#"<bpmn:process id="p">
<bpmn:startEvent id="s"><bpmn:outgoing>f</bpmn:outgoing></bpmn:startEvent>
<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="t"/>
<bpmn:task id="t" default="d"><bpmn:incoming>f</bpmn:incoming><bpmn:outgoing>c</bpmn:outgoing><bpmn:outgoing>d</bpmn:outgoing></bpmn:task>
<bpmn:sequenceFlow id="c" sourceRef="t" targetRef="g"><bpmn:conditionExpression>= true</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="d" sourceRef="t" targetRef="g"/>
<bpmn:exclusiveGateway id="g" gatewayDirection="Converging"><bpmn:incoming>c</bpmn:incoming><bpmn:incoming>d</bpmn:incoming><bpmn:outgoing>h</bpmn:outgoing></bpmn:exclusiveGateway>
<bpmn:sequenceFlow id="h" sourceRef="g" targetRef="e"/>
<bpmn:endEvent id="e"><bpmn:incoming>h</bpmn:incoming></bpmn:endEvent>
</bpmn:process>"#;
    assert_eq!(findings(consistent), Vec::<String>::new());
}
