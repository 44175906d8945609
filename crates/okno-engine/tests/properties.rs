//! Property tests of the core: random small processes (built from blocks: tasks, scripts,
//! parallel, exclusive and inclusive gateways, messages, timers, subprocesses with error
//! boundaries, multi-instance, event-based gateways, non-interrupting timers, terminate ends,
//! escalations caught on a subprocess, a signal thrown to a parallel branch)
//! driven by random sequences of commands that fit the state. The core must never panic, must
//! reject only with a typed error, must be deterministic, and must keep its invariants after
//! every command: token counts match the element instances, everything refers to live
//! instances, and a completed instance has nothing left.
#![allow(clippy::unwrap_used)]

use okno_engine::engine::{Command, InstanceStatus};
use okno_engine::{BuiltinExpressions, EngineOutput, InstanceState, ProcessDefinition, Timestamp};
use proptest::prelude::*;
use serde_json::{Map, json};

const BLOCKS: u8 = 14;

fn task(id: &str) -> String {
    format!(
        r#"<bpmn:serviceTask id="{id}"><bpmn:extensionElements><zeebe:taskDefinition type="w" retries="2"/></bpmn:extensionElements></bpmn:serviceTask>"#
    )
}

fn flow(id: &str, source: &str, target: &str, condition: Option<&str>) -> String {
    match condition {
        None => {
            format!(r#"<bpmn:sequenceFlow id="{id}" sourceRef="{source}" targetRef="{target}"/>"#)
        }
        Some(condition) => format!(
            r#"<bpmn:sequenceFlow id="{id}" sourceRef="{source}" targetRef="{target}"><bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>"#
        ),
    }
}

fn timer(id: &str, seconds: u32) -> String {
    format!(
        r#"<bpmn:intermediateCatchEvent id="{id}"><bpmn:timerEventDefinition><bpmn:timeDuration>PT{seconds}S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"#
    )
}

fn message_catch(id: &str) -> String {
    format!(
        r#"<bpmn:intermediateCatchEvent id="{id}"><bpmn:messageEventDefinition messageRef="m"/></bpmn:intermediateCatchEvent>"#
    )
}

/// Writes one block; returns its entry and exit element ids.
fn block(kind: u8, index: usize, xml: &mut String) -> (String, String) {
    let id = |suffix: &str| format!("b{index}{suffix}");
    let (entry, exit) = (id("in"), id("out"));
    let parts: Vec<String> = match kind {
        0 => vec![
            task(&entry),
            flow(&id("f"), &entry, &exit, None),
            r#"<bpmn:task id="EXIT"/>"#.replace("EXIT", &exit),
        ],
        1 => vec![
            format!(
                r#"<bpmn:scriptTask id="{entry}"><bpmn:extensionElements><zeebe:script expression="= x + 1" resultVariable="x"/></bpmn:extensionElements></bpmn:scriptTask>"#
            ),
            flow(&id("f"), &entry, &exit, None),
            format!(r#"<bpmn:manualTask id="{exit}"/>"#),
        ],
        2 | 4 => {
            let gateway = if kind == 2 {
                "parallelGateway"
            } else {
                "inclusiveGateway"
            };
            let (first, second) = if kind == 2 {
                (None, None)
            } else {
                (Some("= x &gt; 1"), Some("= x &lt; 4"))
            };
            let default = if kind == 4 {
                format!(r#" default="{}""#, id("f5"))
            } else {
                String::new()
            };
            vec![
                format!(r#"<bpmn:{gateway} id="{entry}"{default}/>"#),
                flow(&id("f1"), &entry, &id("a"), first),
                flow(&id("f2"), &entry, &id("b"), second),
                task(&id("a")),
                task(&id("b")),
                flow(&id("f3"), &id("a"), &exit, None),
                flow(&id("f4"), &id("b"), &exit, None),
                if kind == 4 {
                    flow(&id("f5"), &entry, &exit, None)
                } else {
                    String::new()
                },
                format!(r#"<bpmn:{gateway} id="{exit}"/>"#),
            ]
        }
        3 => vec![
            format!(
                r#"<bpmn:exclusiveGateway id="{entry}" default="{}"/>"#,
                id("f2")
            ),
            flow(&id("f1"), &entry, &id("a"), Some("= x &gt; 2")),
            flow(&id("f2"), &entry, &id("b"), None),
            task(&id("a")),
            timer(&id("b"), 2),
            flow(&id("f3"), &id("a"), &exit, None),
            flow(&id("f4"), &id("b"), &exit, None),
            format!(r#"<bpmn:exclusiveGateway id="{exit}"/>"#),
        ],
        5 => vec![
            format!(r#"<bpmn:receiveTask id="{entry}" messageRef="m"/>"#),
            flow(&id("f"), &entry, &exit, None),
            format!(r#"<bpmn:task id="{exit}"/>"#),
        ],
        6 => vec![
            timer(&entry, 5),
            flow(&id("f"), &entry, &exit, None),
            format!(r#"<bpmn:task id="{exit}"/>"#),
        ],
        7 => vec![
            format!(
                r#"<bpmn:subProcess id="{entry}"><bpmn:startEvent id="{s}"/>{f}{t}{g}<bpmn:endEvent id="{e}"/></bpmn:subProcess>"#,
                s = id("s"),
                f = flow(&id("sf1"), &id("s"), &id("t"), None),
                t = task(&id("t")),
                g = flow(&id("sf2"), &id("t"), &id("e"), None),
                e = id("e"),
            ),
            format!(
                r#"<bpmn:boundaryEvent id="{}" attachedToRef="{entry}"><bpmn:errorEventDefinition errorRef="err"/></bpmn:boundaryEvent>"#,
                id("catch")
            ),
            flow(&id("f1"), &entry, &exit, None),
            flow(&id("f2"), &id("catch"), &exit, None),
            format!(r#"<bpmn:exclusiveGateway id="{exit}"/>"#),
        ],
        8 => vec![
            format!(
                r#"<bpmn:serviceTask id="{entry}"><bpmn:extensionElements><zeebe:taskDefinition type="w"/></bpmn:extensionElements><bpmn:multiInstanceLoopCharacteristics isSequential="{}"><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=items" inputElement="item" outputCollection="out{index}" outputElement="=x"/></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>"#,
                index.is_multiple_of(2)
            ),
            flow(&id("f"), &entry, &exit, None),
            format!(r#"<bpmn:task id="{exit}"/>"#),
        ],
        9 => vec![
            format!(r#"<bpmn:eventBasedGateway id="{entry}"/>"#),
            flow(&id("f1"), &entry, &id("a"), None),
            flow(&id("f2"), &entry, &id("b"), None),
            message_catch(&id("a")),
            timer(&id("b"), 7),
            flow(&id("f3"), &id("a"), &exit, None),
            flow(&id("f4"), &id("b"), &exit, None),
            format!(r#"<bpmn:exclusiveGateway id="{exit}"/>"#),
        ],
        10 => vec![
            task(&entry),
            format!(
                r#"<bpmn:boundaryEvent id="{}" attachedToRef="{entry}" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeCycle>R2/PT3S</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>"#,
                id("tick")
            ),
            flow(&id("f1"), &id("tick"), &id("e"), None),
            format!(r#"<bpmn:endEvent id="{}"/>"#, id("e")),
            flow(&id("f2"), &entry, &exit, None),
            format!(r#"<bpmn:task id="{exit}"/>"#),
        ],
        12 => vec![
            format!(
                r#"<bpmn:subProcess id="{entry}"><bpmn:startEvent id="{s}"/>{f}{t}{g}<bpmn:intermediateThrowEvent id="{r}"><bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:intermediateThrowEvent>{h}<bpmn:endEvent id="{e}"/></bpmn:subProcess>"#,
                s = id("s"),
                f = flow(&id("sf1"), &id("s"), &id("t"), None),
                t = task(&id("t")),
                g = flow(&id("sf2"), &id("t"), &id("r"), None),
                r = id("r"),
                h = flow(&id("sf3"), &id("r"), &id("e"), None),
                e = id("e"),
            ),
            format!(
                r#"<bpmn:boundaryEvent id="{}" attachedToRef="{entry}" cancelActivity="{}"><bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:boundaryEvent>"#,
                id("catch"),
                index.is_multiple_of(2)
            ),
            flow(&id("f1"), &entry, &exit, None),
            flow(&id("f2"), &id("catch"), &id("h"), None),
            task(&id("h")),
            flow(&id("f3"), &id("h"), &exit, None),
            format!(r#"<bpmn:exclusiveGateway id="{exit}"/>"#),
        ],
        13 => vec![
            format!(r#"<bpmn:parallelGateway id="{entry}"/>"#),
            flow(&id("f1"), &entry, &id("c"), None),
            flow(&id("f2"), &entry, &id("t"), None),
            format!(
                r#"<bpmn:intermediateCatchEvent id="{}"><bpmn:signalEventDefinition signalRef="sig"/></bpmn:intermediateCatchEvent>"#,
                id("c")
            ),
            task(&id("t")),
            flow(&id("f3"), &id("t"), &id("s"), None),
            format!(
                r#"<bpmn:intermediateThrowEvent id="{}"><bpmn:signalEventDefinition signalRef="sig"/></bpmn:intermediateThrowEvent>"#,
                id("s")
            ),
            flow(&id("f4"), &id("c"), &exit, None),
            flow(&id("f5"), &id("s"), &exit, None),
            format!(r#"<bpmn:parallelGateway id="{exit}"/>"#),
        ],
        _ => vec![
            format!(r#"<bpmn:parallelGateway id="{entry}"/>"#),
            flow(&id("f1"), &entry, &exit, None),
            flow(&id("f2"), &entry, &id("t"), None),
            timer(&id("t"), 11),
            flow(&id("f3"), &id("t"), &id("e"), None),
            format!(
                r#"<bpmn:endEvent id="{}"><bpmn:terminateEventDefinition/></bpmn:endEvent>"#,
                id("e")
            ),
            task(&exit),
        ],
    };
    for part in parts {
        xml.push_str(&part);
        xml.push('\n');
    }
    (entry, exit)
}

fn process(kinds: &[u8]) -> String {
    let mut body = String::from(r#"<bpmn:startEvent id="start"/>"#);
    let mut previous = "start".to_owned();
    for (index, kind) in kinds.iter().enumerate() {
        let (entry, exit) = block(*kind, index, &mut body);
        body.push_str(&flow(&format!("link{index}"), &previous, &entry, None));
        previous = exit;
    }
    body.push_str(&flow("last", &previous, "end", None));
    body.push_str(r#"<bpmn:endEvent id="end"/>"#);
    format!(
        r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
<bpmn:message id="m" name="m"><bpmn:extensionElements><zeebe:subscription correlationKey="=key"/></bpmn:extensionElements></bpmn:message>
<bpmn:error id="err" errorCode="FAIL"/>
<bpmn:escalation id="esc" escalationCode="LATE"/>
<bpmn:signal id="sig" name="sig"/>
<bpmn:process id="p">{body}</bpmn:process></bpmn:definitions>"#
    )
}

/// Turns a random step into a command that fits the current state, if there is one.
fn command_for(state: &InstanceState, step: (u8, u8, u8)) -> Option<(Command, Option<Timestamp>)> {
    let (action, pick, value) = step;
    let nth = |count: usize| usize::from(pick) % count.max(1);
    let jobs: Vec<u64> = state.jobs.keys().copied().collect();
    let job = (!jobs.is_empty()).then(|| jobs[nth(jobs.len())]);
    match action % 9 {
        0..=2 => job.map(|job| {
            let variables = json!({"x": value % 6})
                .as_object()
                .cloned()
                .unwrap_or_default();
            (Command::CompleteJob { job, variables }, None)
        }),
        3 => job.map(|job| {
            let message = "worker down".to_owned();
            (
                Command::FailJob {
                    job,
                    retries: u32::from(value % 3),
                    message,
                    backoff_ms: 0,
                },
                None,
            )
        }),
        4 => job.map(|job| {
            let code = if value % 2 == 0 { "FAIL" } else { "OTHER" }.to_owned();
            (
                Command::ThrowError {
                    job,
                    code,
                    variables: Map::new(),
                },
                None,
            )
        }),
        5 | 6 => {
            let timers: Vec<(&u64, &okno_engine::engine::Timer)> = state.timers.iter().collect();
            (!timers.is_empty()).then(|| {
                let (timer, entry) = timers[nth(timers.len())];
                (Command::TriggerTimer { timer: *timer }, Some(entry.due))
            })
        }
        7 => Some((
            Command::CorrelateMessage {
                name: "m".into(),
                correlation_key: if value % 4 == 0 { "other" } else { "k" }.into(),
                variables: Map::new(),
            },
            None,
        )),
        _ if value == 0 => Some((Command::CancelInstance, None)),
        _ => {
            let incidents: Vec<u64> = state.incidents.keys().copied().collect();
            (!incidents.is_empty()).then(|| {
                (
                    Command::ResolveIncident {
                        incident: incidents[nth(incidents.len())],
                    },
                    None,
                )
            })
        }
    }
}

fn check_invariants(state: &InstanceState) {
    for instance in state.elements.values() {
        let children = state
            .elements
            .values()
            .filter(|child| child.scope == Some(instance.key))
            .count();
        assert_eq!(
            instance.children as usize, children,
            "token count of {}",
            instance.key
        );
        if let Some(scope) = instance.scope {
            assert!(state.elements.contains_key(&scope), "scope {scope} is live");
        }
    }
    for job in state.jobs.values() {
        assert!(state.elements.contains_key(&job.element_instance));
    }
    for timer in state.timers.values() {
        assert!(state.elements.contains_key(&timer.owner));
    }
    for subscription in state.subscriptions.values() {
        assert!(state.elements.contains_key(&subscription.owner));
    }
    for incident in state.incidents.values() {
        assert!(state.elements.contains_key(&incident.element_instance));
    }
    if matches!(
        state.status,
        InstanceStatus::Completed | InstanceStatus::Terminated
    ) {
        assert!(
            state.elements.is_empty(),
            "an ended instance has no active elements"
        );
        assert!(state.jobs.is_empty() && state.timers.is_empty() && state.subscriptions.is_empty());
    }
}

fn drive(
    definition: &ProcessDefinition,
    x: u8,
    steps: &[(u8, u8, u8)],
) -> (InstanceState, Vec<EngineOutput>) {
    let mut state = InstanceState::default();
    let mut now = Timestamp(0);
    let variables = json!({"x": x % 6, "items": [1, 2, 3], "key": "k"});
    let start = Command::StartInstance {
        variables: variables.as_object().cloned().unwrap_or_default(),
        start_event: None,
    };
    let mut outputs = vec![okno_engine::handle(&mut state, definition, start, now).unwrap()];
    check_invariants(&state);
    for step in steps {
        if state.status != InstanceStatus::Active {
            break;
        }
        let Some((command, due)) = command_for(&state, *step) else {
            continue;
        };
        now = now.max(due.unwrap_or(now));
        match okno_engine::handle(&mut state, definition, command, now) {
            Ok(output) => outputs.push(output),
            Err(error) => {
                // Only a message nobody waits for, or an exhausted job, may be rejected.
                let text = error.to_string();
                assert!(
                    text.contains("subscription") || text.contains("job"),
                    "{text}"
                );
            }
        }
        check_invariants(&state);
    }
    (state, outputs)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_processes_and_commands_keep_the_invariants(
        kinds in prop::collection::vec(0..BLOCKS, 1..5),
        x in any::<u8>(),
        steps in prop::collection::vec(any::<(u8, u8, u8)>(), 0..60),
    ) {
        let xml = process(&kinds);
        let definitions = okno_engine::deploy(&xml, &BuiltinExpressions).unwrap();
        let first = drive(&definitions[0], x, &steps);
        let second = drive(&definitions[0], x, &steps);
        prop_assert_eq!(&first.0, &second.0, "the core is deterministic");
        prop_assert_eq!(first.1, second.1);
    }

    #[test]
    fn arbitrary_text_never_panics_the_parser(text in "(<[a-zA-Z:]{1,12}( [a-z]{1,5}=\"[^\"<]{0,8}\")?/?>|</[a-zA-Z:]{1,12}>|[ -~]{0,6}){0,30}") {
        let _ = okno_engine::inspect(&text, &BuiltinExpressions);
    }
}

#[test]
fn every_block_deploys_and_runs_to_the_end_when_answered() {
    for kind in 0..BLOCKS {
        let xml = process(&[kind]);
        let definitions = okno_engine::deploy(&xml, &BuiltinExpressions)
            .unwrap_or_else(|error| panic!("block {kind}: {error}"));
        let steps: Vec<(u8, u8, u8)> = (0..40).map(|index| ((index % 8) as u8, 0, 3)).collect();
        let (state, _) = drive(&definitions[0], 3, &steps);
        assert_eq!(
            state.status,
            InstanceStatus::Completed,
            "block {kind}: {state:?}"
        );
    }
}
