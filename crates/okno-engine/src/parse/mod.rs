//! Reading BPMN 2.0 XML (with the Zeebe extension elements Camunda Modeler writes) into
//! [`ProcessDefinition`]s. Every problem is collected, never just the first: [`inspect`] returns
//! what it built together with the unsupported elements and the problems, [`deploy`] fails with
//! all of them at once.
//!
//! What is read, per element:
//!
//! - BPMN namespace `http://www.omg.org/spec/BPMN/20100524/MODEL`: `process`, `subProcess`
//!   (`triggeredByEvent`), `sequenceFlow` (`conditionExpression`), events with message, timer,
//!   error, escalation, signal, link and terminate definitions (inline or via
//!   `eventDefinitionRef`), tasks, gateways (`default`), `callActivity` (`calledElement`),
//!   `multiInstanceLoopCharacteristics` (`isSequential`, `loopCardinality`,
//!   `completionCondition`), top-level `message`, `error`, `escalation` and `signal`.
//! - Zeebe namespace `http://camunda.org/schema/zeebe/1.0`: `taskDefinition` (`type`, `retries`,
//!   default 3), `ioMapping` (`input`/`output` with `source`, `target`), `taskHeaders`
//!   (`header key value`), `subscription` (`correlationKey`, on the `message`), `calledElement`
//!   (`processId`, `propagateAllChildVariables`), `loopCharacteristics` (`inputCollection`,
//!   `inputElement`, `outputCollection`, `outputElement`), `script` (`expression`,
//!   `resultVariable`).
//! - Text starting with `=` is an expression, compiled by the [`Expressions`] given; other text
//!   is a static value (Zeebe's rule). Conditions, loop cardinality and completion conditions
//!   are always expressions.
//! - Ignored as documentation: DI, lanes, data objects and stores, annotations, associations,
//!   groups, `ioSpecification`, collaboration, and other vendors' extensions. `isExecutable` is
//!   ignored: every process in the file is built, and the supported-elements rule decides.
//! - Any other flow element is reported as unsupported with its kind and id.
//!
//! Defaults that differ from Zeebe (which would reject the element): a service, send, user,
//! business-rule or message-throw element without `zeebe:taskDefinition` gets a job whose type
//! is its BPMN element name (`serviceTask`, …; user tasks `io.camunda.zeebe:userTask`); a script
//! task with an inline `<script>` body gets a job of type `script` with the body in header
//! `script` (and `scriptFormat`), so a worker, or a test harness, runs it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use roxmltree::{Document, Node, ParsingOptions};
use serde_json::Value;

use crate::error::{DeployError, Problem, Unsupported};
use crate::expr::Expressions;
use crate::model::{
    Element, ElementIndex, ElementKind, Expr, Flow, JobSpec, MessageSpec, ProcessDefinition,
    TimerKind, TimerSpec, Trigger,
};
use crate::{timer, validate};

mod elements;

use elements::{read_kind, read_mappings, read_multi_instance, read_quantities};

/// Largest BPMN file accepted, in bytes.
pub const XML_BYTES_MAX: usize = 16 * 1024 * 1024;
/// Deepest XML element nesting accepted.
pub const XML_DEPTH_MAX: usize = 256;

const BPMN: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
/// The namespace of the BPMN 2.0 beta, still found in old files.
const BPMN_BETA: &str = "http://schema.omg.org/spec/BPMN/2.0";
const ZEEBE: &str = "http://camunda.org/schema/zeebe/1.0";

/// Everything read from one file, deployable or not.
#[derive(Debug)]
pub struct Inspection {
    /// Each process of the file, as far as it could be built.
    pub processes: Vec<ProcessDefinition>,
    /// Elements okno does not execute.
    pub unsupported: Vec<Unsupported>,
    /// Everything else that is wrong.
    pub problems: Vec<Problem>,
}

/// Reads a file and reports everything about it. Fails only when the text is not acceptable
/// XML (size, well-formedness, DTD, depth) or not a BPMN `definitions` document.
pub fn inspect(xml: &str, expressions: &dyn Expressions) -> Result<Inspection, DeployError> {
    if xml.len() > XML_BYTES_MAX {
        return Err(DeployError::TooLarge {
            bytes: xml.len(),
            bytes_max: XML_BYTES_MAX,
        });
    }
    let options = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    let document = Document::parse_with_options(xml, options)
        .map_err(|error| DeployError::Xml(error.to_string()))?;
    check_depth(&document)?;
    let root = document.root_element();
    if !is_bpmn(root, "definitions") {
        return Err(DeployError::Xml(format!(
            "the root element is `{}`, not BPMN `definitions`",
            root.tag_name().name()
        )));
    }
    let mut context = Context {
        expressions,
        messages: HashMap::new(),
        errors: HashMap::new(),
        signals: HashMap::new(),
        escalations: HashMap::new(),
        definitions: HashMap::new(),
        global_tasks: HashSet::new(),
        unsupported: Vec::new(),
        problems: Vec::new(),
    };
    context.read_globals(root);
    validate::references(root, &mut context.problems);
    validate::flow_lists(root, &mut context.problems);
    validate::gateway_directions(root, &mut context.problems);
    validate::message_flows(root, &mut context.problems);
    let mut processes = Vec::new();
    for process in bpmn_children(root).filter(|node| node.tag_name().name() == "process") {
        if let Some(definition) = build_process(&mut context, process) {
            processes.push(definition);
        }
    }
    if processes.is_empty() && context.unsupported.is_empty() {
        context
            .problems
            .push(problem(None, "the file has no process with flow elements"));
    }
    validate::call_cycles(&processes, &mut context.problems);
    Ok(Inspection {
        processes,
        unsupported: context.unsupported,
        problems: context.problems,
    })
}

/// Reads and checks a file; on success every process of it is ready to run.
pub fn deploy(
    xml: &str,
    expressions: &dyn Expressions,
) -> Result<Vec<Arc<ProcessDefinition>>, DeployError> {
    let inspection = inspect(xml, expressions)?;
    if !inspection.unsupported.is_empty() || !inspection.problems.is_empty() {
        return Err(DeployError::Rejected {
            unsupported: inspection.unsupported,
            problems: inspection.problems,
        });
    }
    Ok(inspection.processes.into_iter().map(Arc::new).collect())
}

fn check_depth(document: &Document<'_>) -> Result<(), DeployError> {
    let mut depths: Vec<u16> = Vec::new();
    for node in document.descendants() {
        let depth = node.parent().map_or(0, |parent| {
            depths.get(parent.id().get_usize()).copied().unwrap_or(0) + 1
        });
        let index = node.id().get_usize();
        if depths.len() <= index {
            depths.resize(index + 1, 0);
        }
        depths[index] = depth;
        if usize::from(depth) > XML_DEPTH_MAX {
            return Err(DeployError::Xml(format!(
                "elements nested deeper than {XML_DEPTH_MAX}"
            )));
        }
    }
    Ok(())
}

pub(crate) fn problem(element_id: Option<&str>, reason: impl Into<String>) -> Problem {
    Problem {
        element_id: element_id.map(str::to_owned),
        reason: reason.into(),
    }
}

pub(crate) fn is_bpmn_namespace(namespace: Option<&str>) -> bool {
    matches!(namespace, Some(BPMN | BPMN_BETA))
}

fn is_bpmn(node: Node<'_, '_>, name: &str) -> bool {
    node.is_element()
        && is_bpmn_namespace(node.tag_name().namespace())
        && node.tag_name().name() == name
}

fn bpmn_children<'a, 'input>(node: Node<'a, 'input>) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children()
        .filter(|child| child.is_element() && is_bpmn_namespace(child.tag_name().namespace()))
}

fn bpmn_child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    bpmn_children(node).find(|child| child.tag_name().name() == name)
}

/// The `zeebe:` elements inside this element's `extensionElements`.
fn zeebe_children<'a, 'input>(node: Node<'a, 'input>) -> Vec<Node<'a, 'input>> {
    bpmn_children(node)
        .filter(|child| child.tag_name().name() == "extensionElements")
        .flat_map(|extensions| extensions.children())
        .filter(|child| child.is_element() && child.tag_name().namespace() == Some(ZEEBE))
        .collect()
}

fn zeebe_child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    zeebe_children(node)
        .into_iter()
        .find(|child| child.tag_name().name() == name)
}

fn text_of(node: Node<'_, '_>) -> String {
    node.descendants()
        .filter(|child| child.is_text())
        .filter_map(|child| child.text())
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Flow elements that are documentation only.
const IGNORED: [&str; 22] = [
    "incoming",
    "outgoing",
    "multiInstanceLoopCharacteristics",
    "standardLoopCharacteristics",
    "performer",
    "potentialOwner",
    "laneSet",
    "textAnnotation",
    "association",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "documentation",
    "extensionElements",
    "ioSpecification",
    "property",
    "group",
    "category",
    "auditing",
    "monitoring",
    "dataInputAssociation",
    "dataOutputAssociation",
];

struct MessageGlobal {
    name: String,
    correlation_key: Option<String>,
}

struct Context<'a, 'input> {
    expressions: &'a dyn Expressions,
    messages: HashMap<String, MessageGlobal>,
    errors: HashMap<String, String>,
    signals: HashMap<String, String>,
    escalations: HashMap<String, Option<String>>,
    definitions: HashMap<String, Node<'a, 'input>>,
    global_tasks: HashSet<String>,
    unsupported: Vec<Unsupported>,
    problems: Vec<Problem>,
}

impl<'a, 'input> Context<'a, 'input> {
    fn read_globals(&mut self, root: Node<'a, 'input>) {
        for node in bpmn_children(root) {
            let id = node.attribute("id").unwrap_or_default().to_owned();
            match node.tag_name().name() {
                "message" => {
                    let name = node.attribute("name").unwrap_or(&id).to_owned();
                    let correlation_key = zeebe_child(node, "subscription")
                        .and_then(|subscription| subscription.attribute("correlationKey"))
                        .map(str::to_owned);
                    self.messages.insert(
                        id,
                        MessageGlobal {
                            name,
                            correlation_key,
                        },
                    );
                }
                "signal" => {
                    let name = node.attribute("name").unwrap_or(&id).to_owned();
                    self.signals.insert(id, name);
                }
                "escalation" => {
                    let code = node.attribute("escalationCode").map(str::to_owned);
                    self.escalations.insert(id, code);
                }
                "error" => {
                    let code = node.attribute("errorCode").unwrap_or(&id).to_owned();
                    self.errors.insert(id, code);
                }
                name if name.ends_with("EventDefinition") => {
                    self.definitions.insert(id, node);
                }
                name if name.starts_with("global") => {
                    self.global_tasks.insert(id);
                }
                _ => {}
            }
        }
    }

    pub(super) fn unsupported(&mut self, kind: impl Into<String>, id: &str) {
        self.unsupported.push(Unsupported {
            kind: kind.into(),
            element_id: id.to_owned(),
        });
    }

    /// An expression that is always one (conditions, cardinality).
    pub(super) fn expression(&mut self, id: &str, source: &str) -> Option<Expr> {
        match self.expressions.compile(source) {
            Ok(compiled) => Some(Expr::Compiled(compiled)),
            Err(reason) => {
                self.problems.push(problem(
                    Some(id),
                    format!("expression `{source}`: {reason}"),
                ));
                None
            }
        }
    }

    /// A value that is an expression only with a leading `=`.
    pub(super) fn value_or_expression(&mut self, id: &str, source: &str) -> Option<Expr> {
        if source.trim_start().starts_with('=') {
            self.expression(id, source)
        } else {
            Some(Expr::Static(Value::String(source.to_owned())))
        }
    }

    pub(super) fn message(&mut self, id: &str, definition: Node<'_, '_>) -> Option<MessageSpec> {
        let Some(reference) = definition.attribute("messageRef") else {
            self.problems
                .push(problem(Some(id), "message event without messageRef"));
            return None;
        };
        let Some(global) = self.messages.get(reference) else {
            self.problems.push(problem(
                Some(id),
                format!("messageRef `{reference}` names no message"),
            ));
            return None;
        };
        let name = global.name.clone();
        let key_source = global.correlation_key.clone();
        let correlation_key = match key_source {
            Some(source) => Some(self.value_or_expression(id, &source)?),
            None => None,
        };
        Some(MessageSpec {
            name,
            correlation_key,
        })
    }

    /// The name of the signal a signal event definition refers to.
    pub(super) fn signal(&mut self, id: &str, definition: Node<'_, '_>) -> Option<String> {
        let Some(reference) = definition.attribute("signalRef") else {
            self.problems
                .push(problem(Some(id), "signal event without signalRef"));
            return None;
        };
        match self.signals.get(reference) {
            Some(name) => Some(name.clone()),
            None => {
                self.problems.push(problem(
                    Some(id),
                    format!("signalRef `{reference}` names no signal"),
                ));
                None
            }
        }
    }

    /// The message of a throw event: optional, as the job does the sending.
    pub(super) fn thrown_message(
        &mut self,
        id: &str,
        definition: Node<'_, '_>,
    ) -> Option<MessageSpec> {
        definition.attribute("messageRef")?;
        self.message(id, definition)
    }

    fn timer(&mut self, id: &str, definition: Node<'_, '_>) -> Option<TimerSpec> {
        let forms = [
            ("timeDuration", TimerKind::Duration),
            ("timeDate", TimerKind::Date),
            ("timeCycle", TimerKind::Cycle),
        ];
        let found: Vec<_> = forms
            .iter()
            .filter_map(|(name, kind)| {
                bpmn_child(definition, name).map(|node| (*kind, text_of(node)))
            })
            .collect();
        let [(kind, text)] = found.as_slice() else {
            self.problems.push(problem(
                Some(id),
                "a timer needs exactly one of timeDuration, timeDate, timeCycle",
            ));
            return None;
        };
        let source = if text.starts_with('=') {
            self.expression(id, text)?
        } else {
            let checked = match kind {
                TimerKind::Duration => timer::parse_duration_ms(text).map(|_| ()),
                TimerKind::Date => timer::parse_date(text).map(|_| ()),
                TimerKind::Cycle => timer::parse_cycle(text).map(|_| ()),
            };
            if let Err(reason) = checked {
                self.problems.push(problem(Some(id), reason));
                return None;
            }
            Expr::Static(Value::String(text.clone()))
        };
        Some(TimerSpec {
            kind: *kind,
            source,
        })
    }

    /// The event definitions of an event, inline or by `eventDefinitionRef`.
    pub(super) fn event_definitions(&self, node: Node<'a, 'input>) -> Vec<Node<'a, 'input>> {
        let mut found = Vec::new();
        for child in bpmn_children(node) {
            let name = child.tag_name().name();
            if name.ends_with("EventDefinition") {
                found.push(child);
            } else if name == "eventDefinitionRef"
                && let Some(definition) = self.definitions.get(&text_of(child))
            {
                found.push(*definition);
            }
        }
        found
    }

    /// The trigger of a catching event; `None` after reporting when unsupported or broken.
    pub(super) fn trigger(
        &mut self,
        bpmn_kind: &str,
        id: &str,
        node: Node<'a, 'input>,
    ) -> Option<Trigger> {
        let definitions = self.event_definitions(node);
        match definitions.as_slice() {
            [] => Some(Trigger::None),
            [definition] => match definition.tag_name().name() {
                "messageEventDefinition" => self.message(id, *definition).map(Trigger::Message),
                "timerEventDefinition" => self.timer(id, *definition).map(Trigger::Timer),
                "signalEventDefinition" => self.signal(id, *definition).map(Trigger::Signal),
                "escalationEventDefinition" => match definition.attribute("escalationRef") {
                    None => Some(Trigger::Escalation(None)),
                    Some(reference) => match self.escalations.get(reference) {
                        Some(code) => Some(Trigger::Escalation(code.clone())),
                        None => {
                            self.problems.push(problem(
                                Some(id),
                                format!("escalationRef `{reference}` names no escalation"),
                            ));
                            None
                        }
                    },
                },
                "errorEventDefinition" => {
                    let code = match definition.attribute("errorRef") {
                        Some(reference) => match self.errors.get(reference) {
                            Some(code) => Some(code.clone()),
                            None => {
                                self.problems.push(problem(
                                    Some(id),
                                    format!("errorRef `{reference}` names no error"),
                                ));
                                return None;
                            }
                        },
                        None => None,
                    };
                    Some(Trigger::Error(code))
                }
                other => {
                    let short = other.trim_end_matches("EventDefinition");
                    self.unsupported(format!("{bpmn_kind}({short})"), id);
                    None
                }
            },
            _ => {
                self.unsupported(format!("{bpmn_kind}(multiple)"), id);
                None
            }
        }
    }

    pub(super) fn job(&mut self, node: Node<'_, '_>, default_type: &str) -> JobSpec {
        let id = node.attribute("id").unwrap_or_default();
        let definition = zeebe_child(node, "taskDefinition");
        let job_type = definition
            .and_then(|definition| definition.attribute("type"))
            .unwrap_or(default_type)
            .to_owned();
        let retries = match definition.and_then(|definition| definition.attribute("retries")) {
            None => 3,
            Some(text) => text.trim().parse::<u32>().unwrap_or_else(|_| {
                self.problems.push(problem(
                    Some(id),
                    format!("retries `{text}` is not a number"),
                ));
                3
            }),
        };
        let mut headers = std::collections::BTreeMap::new();
        if let Some(task_headers) = zeebe_child(node, "taskHeaders") {
            for header in task_headers.children().filter(|child| child.is_element()) {
                if let (Some(key), Some(value)) =
                    (header.attribute("key"), header.attribute("value"))
                {
                    headers.insert(key.to_owned(), value.to_owned());
                }
            }
        }
        JobSpec {
            job_type,
            retries,
            headers,
        }
    }
}

struct RawFlow {
    id: String,
    source: String,
    target: String,
    condition: Option<Expr>,
}

struct ProcessBuilder {
    elements: Vec<Element>,
    raw_flows: Vec<RawFlow>,
    defaults: Vec<(ElementIndex, String)>,
    attachments: Vec<(ElementIndex, String)>,
    by_id: HashMap<String, ElementIndex>,
    skipped: HashSet<String>,
    /// Link events: (element, link name, throws).
    links: Vec<(ElementIndex, String, bool)>,
}

fn new_element(
    id: &str,
    node: Node<'_, '_>,
    bpmn_kind: &'static str,
    kind: ElementKind,
) -> Element {
    Element {
        id: id.to_owned(),
        name: node.attribute("name").map(str::to_owned),
        bpmn_kind,
        kind,
        parent: None,
        incoming: Vec::new(),
        outgoing: Vec::new(),
        default_flow: None,
        boundaries: Vec::new(),
        none_start: None,
        event_subprocesses: Vec::new(),
        triggered_starts: Vec::new(),
        inputs: Vec::new(),
        outputs: Vec::new(),
        multi_instance: None,
        upstream: Vec::new(),
    }
}

fn build_process<'a, 'input>(
    context: &mut Context<'a, 'input>,
    process: Node<'a, 'input>,
) -> Option<ProcessDefinition> {
    let id = process.attribute("id").unwrap_or_default().to_owned();
    let has_flow_nodes = bpmn_children(process).any(|child| {
        let name = child.tag_name().name();
        name != "sequenceFlow" && !IGNORED.contains(&name)
    });
    if !has_flow_nodes {
        return None;
    }
    let mut builder = ProcessBuilder {
        elements: vec![new_element(&id, process, "process", ElementKind::Process)],
        raw_flows: Vec::new(),
        defaults: Vec::new(),
        attachments: Vec::new(),
        by_id: HashMap::from([(id.clone(), 0)]),
        skipped: HashSet::new(),
        links: Vec::new(),
    };
    read_scope(context, &mut builder, process, 0);
    let unlinked = builder.resolve(&mut context.problems);
    Some(validate::link(unlinked, &mut context.problems))
}

/// The resolved pieces `validate::link` turns into a definition.
pub(crate) struct Unlinked {
    pub(crate) elements: Vec<Element>,
    pub(crate) flows: Vec<Flow>,
    pub(crate) by_id: HashMap<String, ElementIndex>,
}

impl ProcessBuilder {
    /// Resolves flow, default and attachment references by id.
    fn resolve(self, problems: &mut Vec<Problem>) -> Unlinked {
        let ProcessBuilder {
            mut elements,
            raw_flows,
            defaults,
            attachments,
            by_id,
            skipped,
            links,
        } = self;
        let mut flows: Vec<Flow> = Vec::new();
        let mut flow_ids: HashMap<String, u32> = HashMap::new();
        for raw in raw_flows {
            if skipped.contains(&raw.source) || skipped.contains(&raw.target) {
                continue;
            }
            let (Some(source), Some(target)) = (by_id.get(&raw.source), by_id.get(&raw.target))
            else {
                let missing = if by_id.contains_key(&raw.source) {
                    format!("targetRef `{}` names no flow element", raw.target)
                } else {
                    format!("sourceRef `{}` names no flow element", raw.source)
                };
                problems.push(problem(Some(&raw.id), missing));
                continue;
            };
            let (source, target) = (*source, *target);
            if elements[source as usize].parent != elements[target as usize].parent {
                problems.push(problem(
                    Some(&raw.id),
                    "a sequence flow must connect elements of the same (sub)process",
                ));
                continue;
            }
            let Ok(index) = u32::try_from(flows.len()) else {
                problems.push(problem(Some(&raw.id), "too many sequence flows"));
                continue;
            };
            flow_ids.insert(raw.id.clone(), index);
            elements[source as usize].outgoing.push(index);
            elements[target as usize].incoming.push(index);
            flows.push(Flow {
                id: raw.id,
                source,
                target,
                condition: raw.condition,
            });
        }
        for (element, flow_id) in defaults {
            match flow_ids.get(&flow_id) {
                Some(flow) if flows[*flow as usize].source == element => {
                    elements[element as usize].default_flow = Some(*flow);
                }
                _ => problems.push(problem(
                    Some(&elements[element as usize].id),
                    format!("default flow `{flow_id}` is not an outgoing flow of this element"),
                )),
            }
        }
        link_pairs(&mut elements, &mut flows, &links, problems);
        for (boundary, activity_id) in attachments {
            let activity = by_id.get(&activity_id).copied();
            validate::attach(&mut elements, boundary, activity, &activity_id, problems);
        }
        Unlinked {
            elements,
            flows,
            by_id,
        }
    }
}

fn read_scope<'a, 'input>(
    context: &mut Context<'a, 'input>,
    builder: &mut ProcessBuilder,
    scope_node: Node<'a, 'input>,
    scope: ElementIndex,
) {
    for node in bpmn_children(scope_node) {
        let name = node.tag_name().name();
        let id = node.attribute("id").unwrap_or_default().to_owned();
        if name == "sequenceFlow" {
            let condition = bpmn_child(node, "conditionExpression")
                .map(text_of)
                .filter(|text| !text.is_empty())
                .and_then(|text| context.expression(&id, &text));
            builder.raw_flows.push(RawFlow {
                id,
                source: node.attribute("sourceRef").unwrap_or_default().to_owned(),
                target: node.attribute("targetRef").unwrap_or_default().to_owned(),
                condition,
            });
        } else if IGNORED.contains(&name) {
            continue;
        } else if let Some((link, throws)) = link_event(node, name) {
            // A link pair is a jump: both ends pass through; `resolve` joins them by a flow.
            let index = builder.elements.len();
            add_element(
                context,
                builder,
                node,
                scope,
                ElementKind::IntermediateThrow,
            );
            if let Ok(index) = ElementIndex::try_from(index) {
                builder.links.push((index, link, throws));
            }
        } else if let Some(kind) = read_kind(context, node, name, &id) {
            add_element(context, builder, node, scope, kind);
        } else {
            // Known flow nodes that return `None` were reported by `read_kind` already.
            if !is_flow_node_name(name) {
                context.unsupported(name, &id);
            }
            builder.skipped.insert(id);
        }
    }
}

/// Joins each link throw event to the link catch event of the same name in its scope with a
/// flow of its own (id `throw->catch`), so execution needs nothing special for links.
fn link_pairs(
    elements: &mut [Element],
    flows: &mut Vec<Flow>,
    links: &[(ElementIndex, String, bool)],
    problems: &mut Vec<Problem>,
) {
    for (element, _, throws) in links {
        let element = &elements[*element as usize];
        if *throws && !element.outgoing.is_empty() {
            problems.push(problem(
                Some(&element.id),
                "a link throw event has no outgoing flow",
            ));
        }
        if !*throws && !element.incoming.is_empty() {
            problems.push(problem(
                Some(&element.id),
                "a link catch event has no incoming flow",
            ));
        }
    }
    for (throw, name, _) in links.iter().filter(|(_, _, throws)| *throws) {
        let parent = elements[*throw as usize].parent;
        let catches: Vec<ElementIndex> = links
            .iter()
            .filter(|(catch, other, catch_throws)| {
                !catch_throws && other == name && elements[*catch as usize].parent == parent
            })
            .map(|(catch, _, _)| *catch)
            .collect();
        let throw_id = elements[*throw as usize].id.clone();
        let [catch] = catches.as_slice() else {
            let reason =
                format!("link `{name}` needs exactly one catching link event in its scope");
            problems.push(problem(Some(&throw_id), reason));
            continue;
        };
        let Ok(index) = u32::try_from(flows.len()) else {
            continue;
        };
        flows.push(Flow {
            id: format!("{throw_id}->{}", elements[*catch as usize].id),
            source: *throw,
            target: *catch,
            condition: None,
        });
        elements[*throw as usize].outgoing.push(index);
        elements[*catch as usize].incoming.push(index);
    }
}

/// For a link event: its link name and whether it throws.
fn link_event(node: Node<'_, '_>, name: &str) -> Option<(String, bool)> {
    let throws = match name {
        "intermediateThrowEvent" => true,
        "intermediateCatchEvent" => false,
        _ => return None,
    };
    let definitions: Vec<_> = bpmn_children(node)
        .filter(|child| child.tag_name().name().ends_with("EventDefinition"))
        .collect();
    match definitions.as_slice() {
        [definition] if definition.tag_name().name() == "linkEventDefinition" => {
            let link = definition.attribute("name").unwrap_or_default().to_owned();
            Some((link, throws))
        }
        _ => None,
    }
}

fn is_flow_node_name(name: &str) -> bool {
    FLOW_NODES.iter().any(|(known, _)| *known == name)
}

/// Known flow node names and their `&'static` spelling.
const FLOW_NODES: [(&str, &str); 19] = [
    ("startEvent", "startEvent"),
    ("endEvent", "endEvent"),
    ("intermediateCatchEvent", "intermediateCatchEvent"),
    ("intermediateThrowEvent", "intermediateThrowEvent"),
    ("boundaryEvent", "boundaryEvent"),
    ("task", "task"),
    ("manualTask", "manualTask"),
    ("serviceTask", "serviceTask"),
    ("sendTask", "sendTask"),
    ("userTask", "userTask"),
    ("businessRuleTask", "businessRuleTask"),
    ("scriptTask", "scriptTask"),
    ("receiveTask", "receiveTask"),
    ("exclusiveGateway", "exclusiveGateway"),
    ("parallelGateway", "parallelGateway"),
    ("inclusiveGateway", "inclusiveGateway"),
    ("eventBasedGateway", "eventBasedGateway"),
    ("subProcess", "subProcess"),
    ("callActivity", "callActivity"),
];

fn static_kind_name(name: &str) -> &'static str {
    FLOW_NODES
        .iter()
        .find(|(known, _)| *known == name)
        .map_or("unknown", |(_, spelled)| spelled)
}

fn add_element<'a, 'input>(
    context: &mut Context<'a, 'input>,
    builder: &mut ProcessBuilder,
    node: Node<'a, 'input>,
    scope: ElementIndex,
    kind: ElementKind,
) {
    let id = node.attribute("id").unwrap_or_default().to_owned();
    let name = node.tag_name().name();
    if id.is_empty() {
        context
            .problems
            .push(problem(None, format!("a {name} has no id")));
        return;
    }
    if builder.by_id.contains_key(&id) {
        context
            .problems
            .push(problem(Some(&id), "the id is used twice"));
        return;
    }
    let Ok(index) = ElementIndex::try_from(builder.elements.len()) else {
        context
            .problems
            .push(problem(Some(&id), "too many elements"));
        return;
    };
    let is_subprocess = matches!(kind, ElementKind::SubProcess { .. });
    let attached = node.attribute("attachedToRef").map(str::to_owned);
    let mut element = new_element(&id, node, static_kind_name(name), kind);
    element.parent = Some(scope);
    read_mappings(context, node, &id, &mut element);
    element.multi_instance = read_multi_instance(context, node, &id);
    read_quantities(context, node, &id);
    if let Some(default) = node.attribute("default") {
        builder.defaults.push((index, default.to_owned()));
    }
    if let Some(attached) = attached {
        builder.attachments.push((index, attached));
    }
    builder.elements.push(element);
    builder.by_id.insert(id, index);
    if is_subprocess {
        read_scope(context, builder, node, index);
    }
}
