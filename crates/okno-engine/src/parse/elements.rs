//! Reading one flow element: its kind (events with their definitions, tasks and their jobs,
//! gateways, subprocesses, call activities), its `zeebe:ioMapping`, its multi-instance
//! characteristics and its token quantities. Problems and unsupported kinds go to the
//! [`Context`]; a `None` result means the element was reported.

use roxmltree::Node;

use super::{Context, bpmn_child, problem, text_of, zeebe_child};
use crate::model::{
    Element, ElementKind, EndBehaviour, Mapping, MultiInstance, TimerKind, TimerSpec, Trigger,
};

/// What the element does; `None` once reported as unsupported or broken.
pub(super) fn read_kind<'a, 'input>(
    context: &mut Context<'a, 'input>,
    node: Node<'a, 'input>,
    name: &str,
    id: &str,
) -> Option<ElementKind> {
    let interrupting = |attribute: &str| node.attribute(attribute) != Some("false");
    Some(match name {
        "startEvent" => ElementKind::StartEvent {
            trigger: context.trigger(name, id, node)?,
            interrupting: interrupting("isInterrupting"),
        },
        "endEvent" => ElementKind::EndEvent(read_end(context, node, id)?),
        "intermediateCatchEvent" => match context.trigger(name, id, node)? {
            Trigger::Timer(TimerSpec {
                kind: TimerKind::Cycle,
                ..
            }) => {
                context.unsupported("intermediateCatchEvent(timeCycle)", id);
                return None;
            }
            trigger @ (Trigger::Message(_) | Trigger::Timer(_) | Trigger::Signal(_)) => {
                ElementKind::IntermediateCatch(trigger)
            }
            Trigger::None | Trigger::Error(_) | Trigger::Escalation(_) => {
                context.problems.push(problem(
                    Some(id),
                    "a catch event needs a message or timer definition",
                ));
                return None;
            }
        },
        "intermediateThrowEvent" => read_throw(context, node, id)?,
        "boundaryEvent" => match context.trigger(name, id, node)? {
            Trigger::None => {
                context.problems.push(problem(
                    Some(id),
                    "a boundary event needs an event definition",
                ));
                return None;
            }
            trigger => ElementKind::BoundaryEvent {
                attached_to: 0,
                trigger,
                interrupting: interrupting("cancelActivity"),
            },
        },
        "task" | "manualTask" => ElementKind::Task { job: None },
        "serviceTask" | "sendTask" | "businessRuleTask" => {
            if zeebe_child(node, "calledDecision").is_some() {
                context.unsupported("businessRuleTask(calledDecision)", id);
                return None;
            }
            let mut job = context.job(node, name);
            if let Some(reference) = node.attribute("messageRef") {
                let message = context
                    .messages
                    .get(reference)
                    .map(|global| global.name.clone());
                job.headers.insert(
                    "messageName".to_owned(),
                    message.unwrap_or_else(|| reference.to_owned()),
                );
            }
            ElementKind::Task { job: Some(job) }
        }
        "userTask" => ElementKind::Task {
            job: Some(context.job(node, "io.camunda.zeebe:userTask")),
        },
        "scriptTask" => read_script(context, node, id)?,
        "receiveTask" if node.attribute("instantiate") == Some("true") => {
            context.unsupported("receiveTask(instantiate)", id);
            return None;
        }
        "receiveTask" => ElementKind::ReceiveTask(context.message(id, node)?),
        "exclusiveGateway" => ElementKind::ExclusiveGateway,
        "parallelGateway" => ElementKind::ParallelGateway,
        "inclusiveGateway" => ElementKind::InclusiveGateway,
        "eventBasedGateway" if node.attribute("instantiate") == Some("true") => {
            context.unsupported("eventBasedGateway(instantiate)", id);
            return None;
        }
        "eventBasedGateway" => ElementKind::EventBasedGateway,
        "subProcess" => ElementKind::SubProcess {
            triggered_by_event: node.attribute("triggeredByEvent") == Some("true"),
        },
        "callActivity" => read_call(context, node, id)?,
        _ => return None,
    })
}

fn read_end<'a, 'input>(
    context: &mut Context<'a, 'input>,
    node: Node<'a, 'input>,
    id: &str,
) -> Option<EndBehaviour> {
    let definitions = context.event_definitions(node);
    let Some(definition) = definitions.first() else {
        return Some(EndBehaviour::None);
    };
    if definitions.len() > 1 {
        context.unsupported("endEvent(multiple)", id);
        return None;
    }
    match definition.tag_name().name() {
        "terminateEventDefinition" => Some(EndBehaviour::Terminate),
        "errorEventDefinition" => match context.trigger("endEvent", id, node)? {
            Trigger::Error(Some(code)) => Some(EndBehaviour::Error(code)),
            _ => {
                context.problems.push(problem(
                    Some(id),
                    "an error end event needs an errorRef with a code",
                ));
                None
            }
        },
        "signalEventDefinition" => Some(EndBehaviour::Signal(context.signal(id, *definition)?)),
        "escalationEventDefinition" => match context.trigger("endEvent", id, node)? {
            Trigger::Escalation(Some(code)) => Some(EndBehaviour::Escalation(code)),
            _ => {
                let reason = "an escalation end event needs an escalationRef with a code";
                context.problems.push(problem(Some(id), reason));
                None
            }
        },
        "messageEventDefinition" => {
            let mut job = context.job(node, "endEvent");
            if let Some(spec) = context.thrown_message(id, *definition) {
                job.headers.insert("messageName".to_owned(), spec.name);
            }
            Some(EndBehaviour::Job(job))
        }
        other => {
            let short = other.trim_end_matches("EventDefinition");
            context.unsupported(format!("endEvent({short})"), id);
            None
        }
    }
}

fn read_throw<'a, 'input>(
    context: &mut Context<'a, 'input>,
    node: Node<'a, 'input>,
    id: &str,
) -> Option<ElementKind> {
    let definitions = context.event_definitions(node);
    match definitions.as_slice() {
        [] => Some(ElementKind::IntermediateThrow),
        [definition] if definition.tag_name().name() == "messageEventDefinition" => {
            let mut job = context.job(node, "intermediateThrowEvent");
            if let Some(spec) = context.thrown_message(id, *definition) {
                job.headers.insert("messageName".to_owned(), spec.name);
            }
            Some(ElementKind::Task { job: Some(job) })
        }
        [definition] if definition.tag_name().name() == "signalEventDefinition" => {
            Some(ElementKind::SignalThrow(context.signal(id, *definition)?))
        }
        [definition] if definition.tag_name().name() == "escalationEventDefinition" => {
            match context.trigger("intermediateThrowEvent", id, node)? {
                Trigger::Escalation(Some(code)) => Some(ElementKind::EscalationThrow(code)),
                _ => {
                    let reason = "an escalation throw event needs an escalationRef with a code";
                    context.problems.push(problem(Some(id), reason));
                    None
                }
            }
        }
        [definition] => {
            let short = definition
                .tag_name()
                .name()
                .trim_end_matches("EventDefinition");
            context.unsupported(format!("intermediateThrowEvent({short})"), id);
            None
        }
        _ => {
            context.unsupported("intermediateThrowEvent(multiple)", id);
            None
        }
    }
}

fn read_script(context: &mut Context<'_, '_>, node: Node<'_, '_>, id: &str) -> Option<ElementKind> {
    if let Some(script) = zeebe_child(node, "script") {
        let source = script.attribute("expression").unwrap_or_default();
        let expression = context.expression(id, source)?;
        return Some(ElementKind::ScriptTask {
            expression,
            result_variable: script.attribute("resultVariable").map(str::to_owned),
        });
    }
    if zeebe_child(node, "taskDefinition").is_some() {
        return Some(ElementKind::Task {
            job: Some(context.job(node, "scriptTask")),
        });
    }
    let mut job = context.job(node, "script");
    if let Some(body) = bpmn_child(node, "script") {
        job.headers.insert("script".to_owned(), text_of(body));
    }
    if let Some(format) = node.attribute("scriptFormat") {
        job.headers
            .insert("scriptFormat".to_owned(), format.to_owned());
    }
    Some(ElementKind::Task { job: Some(job) })
}

fn read_call(context: &mut Context<'_, '_>, node: Node<'_, '_>, id: &str) -> Option<ElementKind> {
    let called = zeebe_child(node, "calledElement");
    let source = called
        .and_then(|called| called.attribute("processId"))
        .or_else(|| node.attribute("calledElement"));
    let Some(source) = source.filter(|source| !source.trim().is_empty()) else {
        context.problems.push(problem(
            Some(id),
            "a call activity needs a called process id",
        ));
        return None;
    };
    if context.global_tasks.contains(source) {
        context.unsupported("callActivity(globalTask)", id);
        return None;
    }
    Some(ElementKind::CallActivity {
        process_id: context.value_or_expression(id, source)?,
        propagate_all_child_variables: called
            .and_then(|called| called.attribute("propagateAllChildVariables"))
            != Some("false"),
    })
}

pub(super) fn read_quantities(context: &mut Context<'_, '_>, node: Node<'_, '_>, id: &str) {
    for attribute in ["startQuantity", "completionQuantity"] {
        match node.attribute(attribute).map(str::trim) {
            None | Some("1") => {}
            Some(text) => match text.parse::<u32>() {
                Ok(0) | Err(_) => context.problems.push(problem(
                    Some(id),
                    format!("{attribute} must be at least 1, not `{text}`"),
                )),
                Ok(_) => context.unsupported(format!("{attribute}>1"), id),
            },
        }
    }
}

pub(super) fn read_mappings(
    context: &mut Context<'_, '_>,
    node: Node<'_, '_>,
    id: &str,
    element: &mut Element,
) {
    let Some(io_mapping) = zeebe_child(node, "ioMapping") else {
        return;
    };
    for mapping in io_mapping.children().filter(|child| child.is_element()) {
        let (Some(source), Some(target)) =
            (mapping.attribute("source"), mapping.attribute("target"))
        else {
            context
                .problems
                .push(problem(Some(id), "a zeebe mapping needs source and target"));
            continue;
        };
        let Some(source) = context.value_or_expression(id, source) else {
            continue;
        };
        let mapping_value = Mapping {
            source,
            target: target.to_owned(),
        };
        match mapping.tag_name().name() {
            "input" => element.inputs.push(mapping_value),
            "output" => element.outputs.push(mapping_value),
            _ => {}
        }
    }
}

pub(super) fn read_multi_instance(
    context: &mut Context<'_, '_>,
    node: Node<'_, '_>,
    id: &str,
) -> Option<MultiInstance> {
    if bpmn_child(node, "standardLoopCharacteristics").is_some() {
        context.unsupported("standardLoopCharacteristics", id);
        return None;
    }
    let characteristics = bpmn_child(node, "multiInstanceLoopCharacteristics")?;
    if let Some(behavior) = characteristics
        .attribute("behavior")
        .filter(|behavior| *behavior != "All")
    {
        context.unsupported(
            format!("multiInstanceLoopCharacteristics(behavior={behavior})"),
            id,
        );
        return None;
    }
    if bpmn_child(characteristics, "complexBehaviorDefinition").is_some() {
        // Only meaningful with behavior="Complex", which is rejected above; never ignored.
        context.unsupported(
            "multiInstanceLoopCharacteristics(complexBehaviorDefinition)",
            id,
        );
        return None;
    }
    let zeebe = zeebe_child(characteristics, "loopCharacteristics");
    let attribute = |name: &str| {
        zeebe
            .and_then(|zeebe| zeebe.attribute(name))
            .filter(|value| !value.trim().is_empty())
            .map(str::to_owned)
    };
    let input_collection = match attribute("inputCollection") {
        Some(source) => Some(context.expression(id, &source)?),
        None => None,
    };
    let output_element = match attribute("outputElement") {
        Some(source) => Some(context.expression(id, &source)?),
        None => None,
    };
    let cardinality = match bpmn_child(characteristics, "loopCardinality").map(text_of) {
        Some(source) if !source.is_empty() => Some(context.expression(id, &source)?),
        _ => None,
    };
    let completion_condition = match bpmn_child(characteristics, "completionCondition").map(text_of)
    {
        Some(source) if !source.is_empty() => Some(context.expression(id, &source)?),
        _ => None,
    };
    if input_collection.is_none() && cardinality.is_none() {
        context.problems.push(problem(
            Some(id),
            "multi-instance needs zeebe:loopCharacteristics inputCollection or a loopCardinality",
        ));
        return None;
    }
    Some(MultiInstance {
        sequential: characteristics.attribute("isSequential") == Some("true"),
        input_collection,
        input_element: attribute("inputElement"),
        output_collection: attribute("outputCollection"),
        output_element,
        cardinality,
        completion_condition,
    })
}
