//! Structural checks on a parsed process and the wiring of scopes: start events, event
//! subprocesses, boundary attachments, gateway fan-out, reachability for inclusive joins, and
//! call-activity cycles between the processes of one file; on the XML itself, id references,
//! the `incoming`/`outgoing` lists of flow nodes, declared gateway directions and the ends of
//! message flows. Each check adds a [`Problem`] with the element id; none stops the others.

use std::collections::{BTreeSet, HashMap};

use roxmltree::Node;

use crate::error::Problem;
use crate::model::{Element, ElementIndex, ElementKind, Expr, ProcessDefinition, Trigger};
use crate::parse::{Unlinked, is_bpmn_namespace, problem};

pub(crate) fn attach(
    elements: &mut [Element],
    boundary: ElementIndex,
    activity: Option<ElementIndex>,
    activity_id: &str,
    problems: &mut Vec<Problem>,
) {
    let boundary_id = elements[boundary as usize].id.clone();
    let Some(activity) = activity else {
        problems.push(problem(
            Some(&boundary_id),
            format!("attachedToRef `{activity_id}` names no activity"),
        ));
        return;
    };
    let same_scope = elements[activity as usize].parent == elements[boundary as usize].parent;
    if !is_activity(&elements[activity as usize].kind) || !same_scope {
        problems.push(problem(
            Some(&boundary_id),
            format!("attachedToRef `{activity_id}` is not an activity of the same scope"),
        ));
        return;
    }
    if let ElementKind::BoundaryEvent { attached_to, .. } = &mut elements[boundary as usize].kind {
        *attached_to = activity;
    }
    elements[activity as usize].boundaries.push(boundary);
}

/// Tasks, call activities and embedded subprocesses (not event subprocesses).
fn is_activity(kind: &ElementKind) -> bool {
    matches!(
        kind,
        ElementKind::Task { .. }
            | ElementKind::ScriptTask { .. }
            | ElementKind::ReceiveTask(_)
            | ElementKind::CallActivity { .. }
            | ElementKind::SubProcess {
                triggered_by_event: false
            }
    )
}

/// Wires scopes, checks the structure and builds the definition.
pub(crate) fn link(unlinked: Unlinked, problems: &mut Vec<Problem>) -> ProcessDefinition {
    let Unlinked {
        mut elements,
        flows,
        by_id,
    } = unlinked;
    wire_scopes(&mut elements, problems);
    for index in 0..elements.len() {
        check_element(&elements, &flows, index, problems);
    }
    for index in 0..elements.len() {
        let is_join = matches!(elements[index].kind, ElementKind::InclusiveGateway)
            && elements[index].incoming.len() > 1;
        if is_join {
            elements[index].upstream = upstream(&elements, &flows, index);
        }
    }
    let process = &elements[0];
    ProcessDefinition {
        id: process.id.clone(),
        name: process.name.clone(),
        elements,
        flows,
        by_id,
    }
}

fn wire_scopes(elements: &mut [Element], problems: &mut Vec<Problem>) {
    for index in 1..elements.len() {
        let Some(parent) = elements[index].parent else {
            continue;
        };
        let parent = parent as usize;
        let index_u32 = u32::try_from(index).unwrap_or(u32::MAX);
        let id = elements[index].id.clone();
        let parent_is_event_subprocess = matches!(
            elements[parent].kind,
            ElementKind::SubProcess {
                triggered_by_event: true
            }
        );
        let trigger = match &elements[index].kind {
            ElementKind::StartEvent { trigger, .. } => trigger.clone(),
            ElementKind::SubProcess {
                triggered_by_event: true,
            } => {
                elements[parent].event_subprocesses.push(index_u32);
                continue;
            }
            _ => continue,
        };
        let is_none = matches!(trigger, Trigger::None);
        if parent_is_event_subprocess {
            if is_none {
                problems.push(problem(
                    Some(&id),
                    "an event subprocess needs a start event with a trigger",
                ));
            } else if elements[parent].none_start.replace(index_u32).is_some() {
                problems.push(problem(
                    Some(&id),
                    "an event subprocess has exactly one start event",
                ));
            }
        } else if is_none {
            if elements[parent].none_start.replace(index_u32).is_some() {
                problems.push(problem(
                    Some(&id),
                    "more than one none start event in one scope",
                ));
            }
        } else if parent == 0 {
            if matches!(trigger, Trigger::Error(_) | Trigger::Escalation(_)) {
                problems.push(problem(
                    Some(&id),
                    "an error or escalation start event belongs in an event subprocess",
                ));
            }
            elements[0].triggered_starts.push(index_u32);
        } else {
            problems.push(problem(
                Some(&id),
                "an embedded subprocess starts with a none start event",
            ));
        }
    }
    for element in elements.iter() {
        let needs_start = matches!(element.kind, ElementKind::SubProcess { .. })
            || (matches!(element.kind, ElementKind::Process)
                && element.triggered_starts.is_empty());
        if needs_start && element.none_start.is_none() {
            problems.push(problem(Some(&element.id), "no start event"));
        }
    }
}

fn check_element(
    elements: &[Element],
    flows: &[crate::model::Flow],
    index: usize,
    problems: &mut Vec<Problem>,
) {
    let element = &elements[index];
    let id = Some(element.id.as_str());
    let has_incoming = !element.incoming.is_empty();
    let has_outgoing = !element.outgoing.is_empty();
    match &element.kind {
        ElementKind::Process => {}
        ElementKind::StartEvent { .. } if has_incoming => {
            problems.push(problem(id, "a start event has no incoming sequence flow"));
        }
        ElementKind::EndEvent(_) if has_outgoing => {
            problems.push(problem(id, "an end event has no outgoing sequence flow"));
        }
        ElementKind::BoundaryEvent { .. } if has_incoming => {
            problems.push(problem(
                id,
                "a boundary event has no incoming sequence flow",
            ));
        }
        ElementKind::BoundaryEvent {
            trigger: Trigger::Error(_),
            interrupting: false,
            ..
        } => {
            problems.push(problem(
                id,
                "an error boundary event always interrupts (cancelActivity must not be false)",
            ));
        }
        ElementKind::StartEvent {
            trigger: Trigger::Error(_),
            interrupting: false,
        } => {
            problems.push(problem(
                id,
                "an error start event always interrupts (isInterrupting must not be false)",
            ));
        }
        ElementKind::SubProcess {
            triggered_by_event: true,
        } if has_incoming || has_outgoing => {
            problems.push(problem(id, "an event subprocess has no sequence flows"));
        }
        ElementKind::ExclusiveGateway
        | ElementKind::ParallelGateway
        | ElementKind::InclusiveGateway
        | ElementKind::EventBasedGateway
            if !has_outgoing =>
        {
            problems.push(problem(
                id,
                "a gateway needs at least one outgoing sequence flow",
            ));
        }
        ElementKind::EventBasedGateway => check_event_gateway(elements, flows, element, problems),
        _ => {}
    }
    let starts_by_itself = matches!(
        element.kind,
        ElementKind::Process
            | ElementKind::StartEvent { .. }
            | ElementKind::BoundaryEvent { .. }
            | ElementKind::SubProcess {
                triggered_by_event: true
            }
    );
    if !starts_by_itself && !has_incoming {
        problems.push(problem(
            id,
            "no incoming sequence flow: the element could never be reached",
        ));
    }
    if let Some(default) = element.default_flow
        && flows[default as usize].condition.is_some()
    {
        problems.push(problem(id, "the default flow must not have a condition"));
    }
    if is_activity(&element.kind)
        && let [only] = element.outgoing.as_slice()
        && flows[*only as usize].condition.is_some()
    {
        problems.push(problem(
            Some(&flows[*only as usize].id),
            "a conditional sequence flow must not be the only flow out of an activity",
        ));
    }
    if let ElementKind::ParallelGateway = element.kind {
        return;
    }
    let is_decision = matches!(
        element.kind,
        ElementKind::ExclusiveGateway | ElementKind::InclusiveGateway
    );
    if is_decision && element.outgoing.len() > 1 {
        for &flow_index in &element.outgoing {
            let flow = &flows[flow_index as usize];
            if flow.condition.is_none() && element.default_flow != Some(flow_index) {
                problems.push(problem(
                    Some(&flow.id),
                    "a flow out of a branching gateway needs a condition or must be the default",
                ));
            }
        }
    }
}

fn check_event_gateway(
    elements: &[Element],
    flows: &[crate::model::Flow],
    element: &Element,
    problems: &mut Vec<Problem>,
) {
    if element.outgoing.len() < 2 {
        problems.push(problem(
            Some(&element.id),
            "an event-based gateway needs at least two outgoing flows",
        ));
    }
    for flow in &element.outgoing {
        if flows[*flow as usize].condition.is_some() {
            problems.push(problem(
                Some(&flows[*flow as usize].id),
                "a flow out of an event-based gateway must not have a condition",
            ));
        }
        let target = &elements[flows[*flow as usize].target as usize];
        let waits = matches!(
            target.kind,
            ElementKind::IntermediateCatch(_) | ElementKind::ReceiveTask(_)
        );
        if !waits {
            problems.push(problem(
                Some(&target.id),
                "an event-based gateway may only lead to message or timer catch events",
            ));
        }
    }
}

/// The elements of the same scope from which a token can reach `gateway`.
fn upstream(
    elements: &[Element],
    flows: &[crate::model::Flow],
    gateway: usize,
) -> Vec<ElementIndex> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<ElementIndex> = elements[gateway]
        .incoming
        .iter()
        .map(|flow| flows[*flow as usize].source)
        .collect();
    while let Some(index) = stack.pop() {
        if !seen.insert(index) {
            continue;
        }
        let element = &elements[index as usize];
        stack.extend(
            element
                .incoming
                .iter()
                .map(|flow| flows[*flow as usize].source),
        );
        if let ElementKind::BoundaryEvent { attached_to, .. } = element.kind {
            stack.push(attached_to);
        }
    }
    seen.into_iter().collect()
}

/// Fails processes of one file that call each other in a cycle (static process ids only).
pub(crate) fn call_cycles(processes: &[ProcessDefinition], problems: &mut Vec<Problem>) {
    let by_id: HashMap<&str, &ProcessDefinition> = processes
        .iter()
        .map(|process| (process.id.as_str(), process))
        .collect();
    let calls = |process: &ProcessDefinition| -> Vec<(String, String)> {
        process
            .elements
            .iter()
            .filter_map(|element| match &element.kind {
                ElementKind::CallActivity {
                    process_id: Expr::Static(serde_json::Value::String(called)),
                    ..
                } => Some((element.id.clone(), called.clone())),
                _ => None,
            })
            .collect()
    };
    for start in processes {
        // Depth-first search from `start` along static calls; a path back to it is a cycle.
        let mut stack: Vec<(String, Vec<String>)> = calls(start)
            .into_iter()
            .map(|(element, called)| (called, vec![element]))
            .collect();
        let mut visited = BTreeSet::new();
        while let Some((called, path)) = stack.pop() {
            if called == start.id {
                problems.push(problem(
                    path.first().map(String::as_str),
                    format!(
                        "call activities form a cycle back to process `{}` (via {})",
                        start.id,
                        path.join(" → ")
                    ),
                ));
                break;
            }
            if !visited.insert(called.clone()) {
                continue;
            }
            if let Some(process) = by_id.get(called.as_str()) {
                for (element, next) in calls(process) {
                    let mut longer = path.clone();
                    longer.push(element);
                    stack.push((next, longer));
                }
            }
        }
    }
}

/// Flow node element names, for references that must name one.
const FLOW_NODE_NAMES: [&str; 27] = [
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "task",
    "manualTask",
    "serviceTask",
    "sendTask",
    "userTask",
    "businessRuleTask",
    "scriptTask",
    "receiveTask",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "complexGateway",
    "subProcess",
    "adHocSubProcess",
    "transaction",
    "callActivity",
    "callChoreography",
    "choreographyTask",
    "subChoreography",
    "implicitThrowEvent",
    "participant",
];

/// Event definition element names, for `eventDefinitionRef`.
const EVENT_DEFINITION_NAMES: [&str; 10] = [
    "messageEventDefinition",
    "timerEventDefinition",
    "errorEventDefinition",
    "escalationEventDefinition",
    "signalEventDefinition",
    "conditionalEventDefinition",
    "compensateEventDefinition",
    "cancelEventDefinition",
    "linkEventDefinition",
    "terminateEventDefinition",
];

/// Elements that hold data (BPMN `ItemAwareElement`), for the ends of data associations.
const ITEM_AWARE_NAMES: [&str; 6] = [
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "dataInput",
    "dataOutput",
    "property",
];

/// What an id reference must name: (attribute or element name, allowed element names).
fn reference_targets(reference: &str) -> Option<&'static [&'static str]> {
    Some(match reference {
        "messageRef" | "inMessageRef" | "outMessageRef" => &["message"],
        "errorRef" => &["error"],
        "signalRef" => &["signal"],
        "escalationRef" => &["escalation"],
        "processRef" => &["process"],
        "operationRef" => &["operation"],
        "interfaceRef" => &["interface"],
        "participantRef" => &["participant"],
        "itemRef" | "itemSubjectRef" => &["itemDefinition"],
        "dataStoreRef" => &["dataStore"],
        "dataObjectRef" => &["dataObject"],
        "dataInputRefs" => &["dataInput"],
        "dataOutputRefs" => &["dataOutput"],
        "eventDefinitionRef" => &EVENT_DEFINITION_NAMES,
        "flowNodeRef" => &FLOW_NODE_NAMES,
        _ => return None,
    })
}

/// Checks that id references anywhere in the document (attributes such as `messageRef`,
/// `processRef`, `errorRef`, and reference elements such as `participantRef`) name an element
/// of the right kind, and that message flows connect pools or flow nodes.
pub(crate) fn references(root: Node<'_, '_>, problems: &mut Vec<Problem>) {
    let mut kinds: HashMap<&str, &str> = HashMap::new();
    for node in root.descendants().filter(|node| node.is_element()) {
        if let Some(id) = node.attribute("id") {
            kinds.insert(id, node.tag_name().name());
        }
    }
    let local = |reference: &str| -> String {
        reference
            .rsplit(':')
            .next()
            .unwrap_or(reference)
            .trim()
            .to_owned()
    };
    let mut check = |owner: Option<&str>, what: &str, reference: &str, allowed: &[&str]| {
        let target = local(reference);
        match kinds.get(target.as_str()) {
            Some(kind) if allowed.contains(kind) => {}
            Some(kind) => problems.push(problem(
                owner,
                format!(
                    "{what} `{target}` names a {kind}, not a {}",
                    allowed.join(" or ")
                ),
            )),
            None => problems.push(problem(owner, format!("{what} `{target}` names nothing"))),
        }
    };
    for node in root.descendants().filter(|node| node.is_element()) {
        if !is_bpmn_namespace(node.tag_name().namespace()) {
            continue;
        }
        let owner = node.attribute("id");
        for attribute in node.attributes() {
            if attribute.namespace().is_some() {
                continue;
            }
            if let Some(allowed) = reference_targets(attribute.name()) {
                check(owner, attribute.name(), attribute.value(), allowed);
            }
        }
        let name = node.tag_name().name();
        if name == "messageFlow" {
            for attribute in ["sourceRef", "targetRef"] {
                if let Some(reference) = node.attribute(attribute) {
                    check(owner, attribute, reference, &FLOW_NODE_NAMES);
                }
            }
        }
        let parent = node.parent_element();
        let parent_owner = parent.and_then(|parent| parent.attribute("id"));
        let in_data_association = parent.is_some_and(|parent| {
            matches!(
                parent.tag_name().name(),
                "dataInputAssociation" | "dataOutputAssociation"
            )
        });
        if in_data_association
            && matches!(name, "sourceRef" | "targetRef")
            && let Some(text) = node.text().map(str::trim).filter(|text| !text.is_empty())
        {
            check(parent_owner, name, text, &ITEM_AWARE_NAMES);
        }
        if let Some(allowed) = reference_targets(name)
            && let Some(text) = node.text().map(str::trim).filter(|text| !text.is_empty())
        {
            check(parent_owner, name, text, allowed);
        }
    }
}

/// The local part of an id reference (`tns:Flow_1` → `Flow_1`).
fn local_reference(reference: &str) -> &str {
    reference.rsplit(':').next().unwrap_or(reference).trim()
}

fn bpmn_elements<'a, 'input>(root: Node<'a, 'input>) -> impl Iterator<Item = Node<'a, 'input>> {
    root.descendants()
        .filter(|node| node.is_element() && is_bpmn_namespace(node.tag_name().namespace()))
}

/// Checks the `incoming` and `outgoing` lists of flow nodes against the sequence flows: each
/// entry must name a sequence flow that ends (incoming) or starts (outgoing) at that node.
/// okno wires elements from the flows' `sourceRef`/`targetRef` alone, so a list that names
/// something else means a broken file, not a different process.
pub(crate) fn flow_lists(root: Node<'_, '_>, problems: &mut Vec<Problem>) {
    let mut flows: HashMap<&str, (&str, &str)> = HashMap::new();
    for node in bpmn_elements(root).filter(|node| node.tag_name().name() == "sequenceFlow") {
        if let Some(id) = node.attribute("id") {
            let source = local_reference(node.attribute("sourceRef").unwrap_or_default());
            let target = local_reference(node.attribute("targetRef").unwrap_or_default());
            flows.insert(id, (source, target));
        }
    }
    for node in bpmn_elements(root) {
        let list = node.tag_name().name();
        let is_incoming = list == "incoming";
        if !is_incoming && list != "outgoing" {
            continue;
        }
        let Some(owner) = node.parent_element() else {
            continue;
        };
        let owner_name = owner.tag_name().name();
        let owner_is_flow_node =
            owner_name != "participant" && FLOW_NODE_NAMES.contains(&owner_name);
        let reference = node.text().map(local_reference).unwrap_or_default();
        if !owner_is_flow_node || reference.is_empty() {
            continue;
        }
        let owner_id = owner.attribute("id");
        match flows.get(reference) {
            None => problems.push(problem(
                owner_id,
                format!("{list} `{reference}` names no sequence flow"),
            )),
            Some(&(source, target)) => {
                let (end, verb) = if is_incoming {
                    (target, "end")
                } else {
                    (source, "start")
                };
                if Some(end) != owner_id {
                    problems.push(problem(
                        owner_id,
                        format!(
                            "{list} `{reference}` is a sequence flow that does not {verb} here"
                        ),
                    ));
                }
            }
        }
    }
}

/// Checks a declared `gatewayDirection` against the sequence flows (BPMN 2.0, gateway
/// attributes): a converging gateway has at most one outgoing flow, a diverging one at most one
/// incoming flow, a mixed one several of each. `Unspecified` (the default) allows anything.
pub(crate) fn gateway_directions(root: Node<'_, '_>, problems: &mut Vec<Problem>) {
    let mut incoming: HashMap<&str, usize> = HashMap::new();
    let mut outgoing: HashMap<&str, usize> = HashMap::new();
    for node in bpmn_elements(root).filter(|node| node.tag_name().name() == "sequenceFlow") {
        if let Some(source) = node.attribute("sourceRef") {
            *outgoing.entry(local_reference(source)).or_default() += 1;
        }
        if let Some(target) = node.attribute("targetRef") {
            *incoming.entry(local_reference(target)).or_default() += 1;
        }
    }
    for node in bpmn_elements(root) {
        let (Some(id), Some(direction)) =
            (node.attribute("id"), node.attribute("gatewayDirection"))
        else {
            continue;
        };
        let n_incoming = incoming.get(id).copied().unwrap_or(0);
        let n_outgoing = outgoing.get(id).copied().unwrap_or(0);
        let reason = match direction {
            "Converging" if n_outgoing > 1 => {
                "a converging gateway has at most one outgoing sequence flow"
            }
            "Diverging" if n_incoming > 1 => {
                "a diverging gateway has at most one incoming sequence flow"
            }
            "Mixed" if n_incoming < 2 || n_outgoing < 2 => {
                "a mixed gateway has several incoming and several outgoing sequence flows"
            }
            _ => continue,
        };
        problems.push(problem(Some(id), reason));
    }
}

/// The pool a message flow end sits in: a participant's process (or the participant itself
/// when it has none), or the process that contains a flow node.
fn pool_of<'a>(node: Node<'a, '_>) -> Option<&'a str> {
    if node.tag_name().name() == "participant" {
        return node
            .attribute("processRef")
            .map(local_reference)
            .or_else(|| node.attribute("id"));
    }
    node.ancestors()
        .find(|ancestor| ancestor.tag_name().name() == "process")
        .and_then(|process| process.attribute("id"))
}

/// Why a node cannot be this end of a message flow (BPMN 2.0, message flow connection rules):
/// catch events only receive, throw events only send, gateways do neither, and an event with
/// definitions must have a message one. `None` when it can.
fn message_flow_end_problem(node: Node<'_, '_>, is_source: bool) -> Option<&'static str> {
    let name = node.tag_name().name();
    let is_catch = matches!(
        name,
        "startEvent" | "intermediateCatchEvent" | "boundaryEvent"
    );
    let is_throw = matches!(name, "endEvent" | "intermediateThrowEvent");
    if name.ends_with("Gateway") {
        return Some("a gateway neither sends nor receives messages");
    }
    if is_source && is_catch {
        return Some("a catch event cannot send a message");
    }
    if !is_source && is_throw {
        return Some("a throw event cannot receive a message");
    }
    let definitions: Vec<&str> = node
        .children()
        .filter(|child| child.is_element())
        .map(|child| child.tag_name().name())
        .filter(|child| child.ends_with("EventDefinition"))
        .collect();
    let has_other_trigger =
        !definitions.is_empty() && !definitions.contains(&"messageEventDefinition");
    if (is_catch || is_throw) && has_other_trigger {
        return Some("an event without a message definition cannot send or receive a message");
    }
    None
}

/// Checks message flows: they connect two different pools, leave something that can send and
/// reach something that can receive. Dangling references are reported by [`references`].
pub(crate) fn message_flows(root: Node<'_, '_>, problems: &mut Vec<Problem>) {
    let mut by_id: HashMap<&str, Node<'_, '_>> = HashMap::new();
    for node in bpmn_elements(root) {
        if let Some(id) = node.attribute("id") {
            by_id.insert(id, node);
        }
    }
    for flow in bpmn_elements(root).filter(|node| node.tag_name().name() == "messageFlow") {
        let end = |attribute: &str| {
            flow.attribute(attribute)
                .and_then(|reference| by_id.get(local_reference(reference)).copied())
        };
        let (Some(source), Some(target)) = (end("sourceRef"), end("targetRef")) else {
            continue;
        };
        let owner = flow.attribute("id");
        let same_pool = pool_of(source).is_some() && pool_of(source) == pool_of(target);
        if same_pool {
            problems.push(problem(
                owner,
                "a message flow connects two different pools",
            ));
        }
        for (node, is_source) in [(source, true), (target, false)] {
            if let Some(reason) = message_flow_end_problem(node, is_source) {
                let side = if is_source { "sourceRef" } else { "targetRef" };
                let end_id = node.attribute("id").unwrap_or_default();
                problems.push(problem(owner, format!("{side} `{end_id}`: {reason}")));
            }
        }
    }
}
