//! Engine throughput in memory, on one core: how many process instances per second run from
//! start to end. Two processes: the issue's one (start → service task → exclusive gateway →
//! two ends) and a realistic sequential one (ten service tasks). Each is measured twice: the
//! bare core (`handle` in a loop, the job answered from the effect) and the in-memory runner
//! with a registered job handler.
//!
//! Run with `cargo bench -p okno-engine --bench engine` (release profile). `OKNO_BENCH_INSTANCES`
//! sets the number of instances per measurement (default 200000).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use okno_engine::engine::{Command, Effect};
use okno_engine::memory::{JobOutcome, Runner};
use okno_engine::{BuiltinExpressions, InstanceState, ProcessDefinition, Timestamp};
use serde_json::{Map, Value, json};

const HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="bench">"#;

fn decision_process() -> String {
    format!(
        r#"{HEADER}
<bpmn:process id="decision" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
  <bpmn:serviceTask id="check"><bpmn:extensionElements><zeebe:taskDefinition type="check"/></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="xor"/>
  <bpmn:exclusiveGateway id="xor" default="f4"/>
  <bpmn:sequenceFlow id="f3" sourceRef="xor" targetRef="big"><bpmn:conditionExpression>= amount &gt; 100</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="f4" sourceRef="xor" targetRef="small"/>
  <bpmn:endEvent id="big"/>
  <bpmn:endEvent id="small"/>
</bpmn:process></bpmn:definitions>"#
    )
}

fn sequential_process(tasks: usize) -> String {
    let mut body = String::from(r#"<bpmn:startEvent id="start"/>"#);
    let mut previous = "start".to_owned();
    for index in 0..tasks {
        body.push_str(&format!(
            r#"<bpmn:sequenceFlow id="f{index}" sourceRef="{previous}" targetRef="t{index}"/>
<bpmn:serviceTask id="t{index}"><bpmn:extensionElements><zeebe:taskDefinition type="step"/></bpmn:extensionElements></bpmn:serviceTask>"#
        ));
        previous = format!("t{index}");
    }
    body.push_str(&format!(
        r#"<bpmn:sequenceFlow id="last" sourceRef="{previous}" targetRef="end"/><bpmn:endEvent id="end"/>"#
    ));
    format!(r#"{HEADER}<bpmn:process id="sequential">{body}</bpmn:process></bpmn:definitions>"#)
}

fn definition(xml: &str) -> Arc<ProcessDefinition> {
    let mut processes =
        okno_engine::deploy(xml, &BuiltinExpressions).expect("the benchmark model deploys");
    processes.remove(0)
}

fn report(name: &str, instances: usize, started: Instant) {
    let seconds = started.elapsed().as_secs_f64();
    let rate = instances as f64 / seconds;
    println!("{name:<40} {instances:>9} instances in {seconds:>7.3} s = {rate:>11.0} instances/s");
}

/// The bare core: start, answer each job from its effect, until the instance completes.
fn bare_core(name: &str, definition: &ProcessDefinition, instances: usize) {
    let started = Instant::now();
    let mut events = 0usize;
    for index in 0..instances {
        let mut state = InstanceState::default();
        let mut variables = Map::new();
        variables.insert("amount".to_owned(), Value::from(index % 200));
        let command = Command::StartInstance {
            variables,
            start_event: None,
        };
        let mut output = okno_engine::handle(&mut state, definition, command, Timestamp(0))
            .expect("start is accepted");
        loop {
            events += output.events.len();
            let job = output.effects.iter().find_map(|effect| match effect {
                Effect::CreateJob { job, .. } => Some(*job),
                _ => None,
            });
            let Some(job) = job else { break };
            let command = Command::CompleteJob {
                job,
                variables: Map::new(),
            };
            output = okno_engine::handle(&mut state, definition, command, Timestamp(0))
                .expect("the job completes");
        }
        black_box(&state);
    }
    report(name, instances, started);
    black_box(events);
}

/// The in-memory runner with a job handler.
fn runner(name: &str, definition: Arc<ProcessDefinition>, job_type: &str, instances: usize) {
    let mut runner = Runner::default();
    runner.record_trace = false;
    runner.keep_finished = false;
    let process_id = runner.add_definition(definition);
    runner.handler(job_type, |_, _| JobOutcome::Complete(Map::new()));
    let started = Instant::now();
    for index in 0..instances {
        let variables = json!({"amount": index % 200});
        let variables = variables.as_object().cloned().unwrap_or_default();
        runner
            .start(&process_id, variables)
            .expect("the instance starts");
    }
    report(name, instances, started);
    assert_eq!(runner.instances().count(), 0, "every instance completed");
}

fn main() {
    let instances = std::env::var("OKNO_BENCH_INSTANCES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(200_000);
    let decision = definition(&decision_process());
    let sequential = definition(&sequential_process(10));
    bare_core("decision, bare core", &decision, instances);
    runner(
        "decision, memory runner",
        Arc::clone(&decision),
        "check",
        instances,
    );
    bare_core("10 tasks, bare core", &sequential, instances / 5);
    runner("10 tasks, memory runner", sequential, "step", instances / 5);
}
