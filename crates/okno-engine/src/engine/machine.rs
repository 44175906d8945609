//! The token machine behind [`super::handle`]: a queue of work items (a token entering an
//! element, an element activating, an element completing) processed until the instance waits.
//!
//! Bookkeeping rule: `ElementInstance::children` counts the tokens of a scope, both active
//! element instances and work items on their way into it, so a scope never completes while a
//! token is still in flight. Entering an element increments it; a token absorbed by a joining
//! gateway, a completed or a terminated element instance decrements it.

use std::collections::{BTreeMap, VecDeque};

use serde_json::{Map, Value};

use super::variables::{self, ScopeVariables};
use super::{
    Command, Effect, ElementInstance, EngineOutput, Event, IncidentKind, InstanceState,
    InstanceStatus, Job, MultiInstanceState, Retry,
};
use crate::STEPS_MAX;
use crate::error::EngineError;
use crate::model::{
    Element, ElementIndex, ElementKind, EndBehaviour, FlowIndex, JobSpec, ProcessDefinition,
    Trigger,
};
use crate::timer::Timestamp;

/// Most inner instances one multi-instance body may have.
pub const MULTI_INSTANCE_ITEMS_MAX: usize = 10_000;

#[derive(Debug)]
pub(super) enum Work {
    Enter {
        element: ElementIndex,
        scope: u64,
        flow: Option<FlowIndex>,
    },
    Activate {
        element: ElementIndex,
        scope: u64,
        loop_counter: Option<u32>,
        triggered: Option<Map<String, Value>>,
    },
    Complete {
        key: u64,
        variables: Map<String, Value>,
    },
}

impl Work {
    pub(super) fn scope(&self) -> Option<u64> {
        match self {
            Work::Enter { scope, .. } | Work::Activate { scope, .. } => Some(*scope),
            Work::Complete { .. } => None,
        }
    }
}

pub(super) struct Machine<'a> {
    pub(super) state: &'a mut InstanceState,
    pub(super) definition: &'a ProcessDefinition,
    pub(super) now: Timestamp,
    pub(super) output: EngineOutput,
    pub(super) work: VecDeque<Work>,
    /// Set while handling `PropagateError`: an uncaught error raises no incident here.
    pub(super) propagated_error: bool,
    steps: usize,
}

impl<'a> Machine<'a> {
    pub(super) fn new(
        state: &'a mut InstanceState,
        definition: &'a ProcessDefinition,
        now: Timestamp,
    ) -> Self {
        Machine {
            state,
            definition,
            now,
            output: EngineOutput::default(),
            work: VecDeque::new(),
            propagated_error: false,
            steps: 0,
        }
    }

    pub(super) fn handle(mut self, command: Command) -> Result<EngineOutput, EngineError> {
        self.check(&command)?;
        match command {
            Command::StartInstance {
                variables,
                start_event,
            } => self.start(variables, start_event.as_deref())?,
            Command::CompleteJob { job, variables } => {
                let key = self.take_job(job);
                self.output.events.push(Event::JobCompleted { job });
                self.work.push_back(Work::Complete { key, variables });
            }
            Command::FailJob {
                job,
                retries,
                message,
                backoff_ms,
            } => self.fail_job(job, retries, message, backoff_ms),
            Command::ThrowError {
                job,
                code,
                variables,
            } => {
                let key = self.take_job(job);
                self.throw_error(key, key, code, variables);
            }
            Command::CorrelateMessage {
                name,
                correlation_key,
                variables,
            } => self.correlate(&name, &correlation_key, variables)?,
            Command::TriggerTimer { timer } => self.fire_timer(timer),
            Command::BroadcastSignal { name, variables } => self.signal(&name, &variables),
            Command::CompleteChildInstance {
                element_instance,
                variables,
            } => self.complete_child(element_instance, variables)?,
            Command::ThrowEscalation {
                element_instance,
                code,
            } => self.throw_escalation(element_instance, &code),
            Command::PropagateError {
                element_instance,
                code,
                variables,
            } => {
                self.propagated_error = true;
                self.throw_error(element_instance, element_instance, code, variables);
            }
            Command::RefuseChildInstance {
                element_instance,
                reason,
            } => self.incident(
                element_instance,
                IncidentKind::CalledProcess,
                reason,
                Retry::Activate,
            ),
            Command::CancelInstance => self.cancel_instance(),
            Command::ResolveIncident { incident } => self.resolve(incident),
        }
        self.run();
        Ok(self.output)
    }

    /// Rejects a command that does not fit the state, before anything changes.
    fn check(&self, command: &Command) -> Result<(), EngineError> {
        let status = self.state.status;
        match command {
            Command::StartInstance { .. } if status != InstanceStatus::NotStarted => {
                return Err(EngineError::AlreadyStarted);
            }
            Command::StartInstance { .. } => return Ok(()),
            _ if status == InstanceStatus::NotStarted => return Err(EngineError::NotStarted),
            _ if status != InstanceStatus::Active => return Err(EngineError::InstanceEnded),
            _ => {}
        }
        let unknown = |what: &'static str, key: u64| Err(EngineError::UnknownKey { what, key });
        match command {
            Command::CompleteJob { job, .. }
            | Command::FailJob { job, .. }
            | Command::ThrowError { job, .. } => match self.state.jobs.get(job) {
                // A job out of retries waits for its incident to be resolved.
                Some(found) if found.retries > 0 => Ok(()),
                _ => unknown("job", *job),
            },
            Command::TriggerTimer { timer } if !self.state.timers.contains_key(timer) => {
                unknown("timer", *timer)
            }
            Command::ResolveIncident { incident }
                if !self.state.incidents.contains_key(incident) =>
            {
                unknown("incident", *incident)
            }
            Command::CompleteChildInstance {
                element_instance, ..
            }
            | Command::ThrowEscalation {
                element_instance, ..
            }
            | Command::PropagateError {
                element_instance, ..
            }
            | Command::RefuseChildInstance {
                element_instance, ..
            } => match self.state.elements.get(element_instance) {
                Some(instance)
                    if matches!(
                        self.definition.element(instance.element).kind,
                        ElementKind::CallActivity { .. }
                    ) =>
                {
                    Ok(())
                }
                _ => unknown("call activity instance", *element_instance),
            },
            _ => Ok(()),
        }
    }

    pub(super) fn next_key(&mut self) -> u64 {
        self.state.next_key += 1;
        self.state.next_key
    }

    pub(super) fn element(&self, index: ElementIndex) -> &'a Element {
        self.definition.element(index)
    }

    fn start(
        &mut self,
        variables: Map<String, Value>,
        start_event: Option<&str>,
    ) -> Result<(), EngineError> {
        let start = match start_event {
            Some(id) => self
                .definition
                .index_of(id)
                .filter(|index| {
                    let element = self.element(*index);
                    element.parent == Some(0)
                        && matches!(element.kind, ElementKind::StartEvent { .. })
                })
                .ok_or_else(|| EngineError::UnknownStartEvent(id.to_owned()))?,
            None => self.element(0).none_start.ok_or(EngineError::NoNoneStart)?,
        };
        self.state.status = InstanceStatus::Active;
        let root = self.create_instance(0, None, None);
        self.state.root = Some(root);
        variables::set_local(self.state, root, variables);
        if let Err(message) = self.open_event_subprocess_triggers(root) {
            self.close_triggers(root, |_| true);
            self.incident(root, IncidentKind::Expression, message, Retry::Nothing);
            return Ok(());
        }
        self.push_activate(start, root, None, None);
        Ok(())
    }

    /// Processes queued work until the instance waits, then fires ready inclusive joins.
    fn run(&mut self) {
        loop {
            while let Some(work) = self.work.pop_front() {
                self.steps += 1;
                if self.steps > STEPS_MAX {
                    self.work.clear();
                    if let Some(root) = self.state.root {
                        let message = format!("more than {STEPS_MAX} steps in one command");
                        self.incident(root, IncidentKind::StepLimit, message, Retry::Nothing);
                    }
                    return;
                }
                match work {
                    Work::Enter {
                        element,
                        scope,
                        flow,
                    } => self.enter(element, scope, flow),
                    Work::Activate {
                        element,
                        scope,
                        loop_counter,
                        triggered,
                    } => self.activate(element, scope, loop_counter, triggered),
                    Work::Complete { key, variables } => self.complete(key, variables),
                }
            }
            if !self.fire_inclusive_joins() {
                return;
            }
        }
    }

    pub(super) fn push_enter(&mut self, element: ElementIndex, scope: u64, flow: FlowIndex) {
        if let Some(instance) = self.state.elements.get_mut(&scope) {
            instance.children += 1;
        }
        self.work.push_back(Work::Enter {
            element,
            scope,
            flow: Some(flow),
        });
    }

    pub(super) fn push_activate(
        &mut self,
        element: ElementIndex,
        scope: u64,
        loop_counter: Option<u32>,
        triggered: Option<Map<String, Value>>,
    ) {
        if let Some(instance) = self.state.elements.get_mut(&scope) {
            instance.children += 1;
        }
        self.work.push_back(Work::Activate {
            element,
            scope,
            loop_counter,
            triggered,
        });
    }

    /// A token arrives at an element over `flow`; joining gateways collect tokens first.
    fn enter(&mut self, element: ElementIndex, scope: u64, flow: Option<FlowIndex>) {
        let definition = self.definition;
        let target = definition.element(element);
        let is_parallel = matches!(target.kind, ElementKind::ParallelGateway);
        let is_inclusive = matches!(target.kind, ElementKind::InclusiveGateway);
        let Some(flow) =
            flow.filter(|_| (is_parallel || is_inclusive) && target.incoming.len() > 1)
        else {
            self.activate(element, scope, None, None);
            return;
        };
        let Some(instance) = self.state.elements.get_mut(&scope) else {
            return;
        };
        instance.children = instance.children.saturating_sub(1);
        *instance.join_tokens.entry(flow).or_insert(0) += 1;
        if is_inclusive {
            self.state.pending_inclusive.insert(scope);
            return;
        }
        let ready = target.incoming.iter().all(|incoming| {
            instance
                .join_tokens
                .get(incoming)
                .is_some_and(|count| *count > 0)
        });
        if ready {
            consume_join_tokens(&mut instance.join_tokens, &target.incoming);
            self.push_activate(element, scope, None, None);
        }
    }

    /// Fires inclusive joins that no further token can reach; true if any fired.
    fn fire_inclusive_joins(&mut self) -> bool {
        let scopes = std::mem::take(&mut self.state.pending_inclusive);
        let mut fired = false;
        for scope in scopes {
            let Some(instance) = self.state.elements.get(&scope) else {
                continue;
            };
            let mut gateways: Vec<ElementIndex> = instance
                .join_tokens
                .iter()
                .filter(|(_, count)| **count > 0)
                .map(|(flow, _)| self.definition.flow(*flow).target)
                .filter(|target| {
                    matches!(self.element(*target).kind, ElementKind::InclusiveGateway)
                })
                .collect();
            gateways.dedup();
            let mut still_waiting = false;
            for gateway in gateways {
                if self.inclusive_can_fire(scope, gateway) {
                    let incoming = &self.element(gateway).incoming;
                    if let Some(instance) = self.state.elements.get_mut(&scope) {
                        consume_join_tokens(&mut instance.join_tokens, incoming);
                    }
                    self.push_activate(gateway, scope, None, None);
                    fired = true;
                } else {
                    still_waiting = true;
                }
            }
            if still_waiting {
                self.state.pending_inclusive.insert(scope);
            }
        }
        fired
    }

    fn inclusive_can_fire(&self, scope: u64, gateway: ElementIndex) -> bool {
        let element = self.element(gateway);
        let Some(instance) = self.state.elements.get(&scope) else {
            return false;
        };
        let tokens = &instance.join_tokens;
        let all_arrived = element
            .incoming
            .iter()
            .all(|flow| tokens.get(flow).is_some_and(|count| *count > 0));
        if all_arrived {
            return true;
        }
        let upstream = &element.upstream;
        let active_upstream = self.state.elements.values().any(|child| {
            child.scope == Some(scope) && upstream.binary_search(&child.element).is_ok()
        });
        let waiting_upstream = tokens.iter().any(|(flow, count)| {
            let target = self.definition.flow(*flow).target;
            *count > 0 && target != gateway && upstream.binary_search(&target).is_ok()
        });
        !active_upstream && !waiting_upstream
    }

    pub(super) fn create_instance(
        &mut self,
        element: ElementIndex,
        scope: Option<u64>,
        loop_counter: Option<u32>,
    ) -> u64 {
        let key = self.next_key();
        self.state.elements.insert(
            key,
            ElementInstance {
                key,
                element,
                scope,
                variables: BTreeMap::new(),
                children: 0,
                join_tokens: BTreeMap::new(),
                multi_instance: None,
                loop_counter,
                in_incident: false,
            },
        );
        self.output
            .events
            .push(Event::ElementActivated { key, element });
        key
    }

    fn activate(
        &mut self,
        element: ElementIndex,
        scope: u64,
        loop_counter: Option<u32>,
        triggered: Option<Map<String, Value>>,
    ) {
        if !self.state.elements.contains_key(&scope) {
            return;
        }
        let key = self.create_instance(element, Some(scope), loop_counter);
        if let Some(counter) = loop_counter {
            self.set_inner_locals(key, scope, counter);
        }
        self.run_activation(key, triggered);
    }

    fn set_inner_locals(&mut self, key: u64, body: u64, counter: u32) {
        let definition = self.definition;
        let Some(body_instance) = self.state.elements.get(&body) else {
            return;
        };
        let element = definition.element(body_instance.element);
        let item = body_instance
            .multi_instance
            .as_ref()
            .and_then(|progress| progress.items.get(counter as usize - 1).cloned())
            .unwrap_or(Value::Null);
        let mut locals = Map::new();
        locals.insert("loopCounter".to_owned(), Value::from(counter));
        if let Some(name) = element
            .multi_instance
            .as_ref()
            .and_then(|multi| multi.input_element.clone())
        {
            locals.insert(name, item);
        }
        variables::set_local(self.state, key, locals);
    }

    /// The element's activation behaviour; also what resolving an activation incident reruns.
    pub(super) fn run_activation(&mut self, key: u64, triggered: Option<Map<String, Value>>) {
        let Some(instance) = self.state.elements.get(&key) else {
            return;
        };
        let element = self.element(instance.element);
        let is_body = element.multi_instance.is_some() && instance.loop_counter.is_none();
        if let Err(message) = self.apply_inputs(key, element) {
            self.incident(key, IncidentKind::Expression, message, Retry::Activate);
            return;
        }
        if is_body {
            self.activate_body(key, element);
            return;
        }
        let is_subprocess = matches!(element.kind, ElementKind::SubProcess { .. });
        if let (Some(variables), false) = (&triggered, is_subprocess) {
            let variables = variables.clone();
            self.work.push_back(Work::Complete { key, variables });
            return;
        }
        let waits = !matches!(
            element.kind,
            ElementKind::Task { job: None }
                | ElementKind::StartEvent { .. }
                | ElementKind::IntermediateThrow
                | ElementKind::SignalThrow(_)
                | ElementKind::EscalationThrow(_)
                | ElementKind::ExclusiveGateway
                | ElementKind::ParallelGateway
                | ElementKind::InclusiveGateway
                | ElementKind::EndEvent(
                    EndBehaviour::None
                        | EndBehaviour::Error(_)
                        | EndBehaviour::Terminate
                        | EndBehaviour::Signal(_)
                        | EndBehaviour::Escalation(_)
                )
                | ElementKind::BoundaryEvent { .. }
                | ElementKind::ScriptTask { .. }
        );
        if !waits {
            self.activate_immediate(key, element);
            return;
        }
        let inner = self
            .state
            .elements
            .get(&key)
            .is_some_and(|instance| instance.loop_counter.is_some());
        let result = if inner {
            Ok(())
        } else {
            self.open_boundaries(key, element)
        }
        .and_then(|()| self.activate_waiting(key, element, triggered));
        if let Err(message) = result {
            self.close_triggers(key, |_| true);
            self.incident(key, IncidentKind::Expression, message, Retry::Activate);
        }
    }

    fn apply_inputs(&mut self, key: u64, element: &Element) -> Result<(), String> {
        for mapping in &element.inputs {
            let value = mapping
                .source
                .evaluate(&ScopeVariables::new(self.state, key))
                .map_err(|error| format!("input mapping to `{}`: {error}", mapping.target))?;
            variables::assign_local(self.state, key, &mapping.target, value);
        }
        Ok(())
    }

    /// Elements that complete as soon as they are entered.
    fn activate_immediate(&mut self, key: u64, element: &Element) {
        let mut variables = Map::new();
        if let ElementKind::SignalThrow(name) | ElementKind::EndEvent(EndBehaviour::Signal(name)) =
            &element.kind
        {
            self.output.effects.push(Effect::BroadcastSignal {
                name: name.clone(),
                variables: Map::new(),
            });
            // The throwing instance hears its own signal at once, before the thrower moves on.
            self.signal(name, &Map::new());
        }
        if let ElementKind::EscalationThrow(code)
        | ElementKind::EndEvent(EndBehaviour::Escalation(code)) = &element.kind
        {
            let scope = self
                .state
                .elements
                .get(&key)
                .and_then(|instance| instance.scope);
            if let Some(scope) = scope {
                self.throw_escalation(scope, code);
            }
        }
        if let ElementKind::ScriptTask {
            expression,
            result_variable,
        } = &element.kind
        {
            match expression.evaluate(&ScopeVariables::new(self.state, key)) {
                Ok(value) => {
                    if let Some(name) = result_variable {
                        variables.insert(name.clone(), value);
                    }
                }
                Err(message) => {
                    let message = format!("script: {message}");
                    self.incident(key, IncidentKind::Expression, message, Retry::Activate);
                    return;
                }
            }
        }
        self.work.push_back(Work::Complete { key, variables });
    }

    /// Elements that wait: jobs, messages, timers, scopes, call activities.
    fn activate_waiting(
        &mut self,
        key: u64,
        element: &'a Element,
        triggered: Option<Map<String, Value>>,
    ) -> Result<(), String> {
        match &element.kind {
            ElementKind::Task { job: Some(spec) }
            | ElementKind::EndEvent(EndBehaviour::Job(spec)) => {
                self.create_job(key, element, spec);
            }
            ElementKind::ReceiveTask(spec)
            | ElementKind::IntermediateCatch(Trigger::Message(spec)) => {
                let element_index = self.state.elements.get(&key).map_or(0, |i| i.element);
                self.open_subscription(key, element_index, spec)?;
            }
            ElementKind::IntermediateCatch(Trigger::Timer(spec)) => {
                let element_index = self.state.elements.get(&key).map_or(0, |i| i.element);
                self.schedule_timer(key, element_index, spec)?;
            }
            ElementKind::IntermediateCatch(Trigger::Signal(name)) => {
                let element_index = self.state.elements.get(&key).map_or(0, |i| i.element);
                self.open_signal_subscription(key, element_index, name);
            }
            ElementKind::EventBasedGateway => {
                for flow in &element.outgoing {
                    let target = self.definition.flow(*flow).target;
                    match &self.element(target).kind {
                        ElementKind::IntermediateCatch(Trigger::Timer(spec)) => {
                            self.schedule_timer(key, target, spec)?;
                        }
                        ElementKind::IntermediateCatch(Trigger::Message(spec))
                        | ElementKind::ReceiveTask(spec) => {
                            self.open_subscription(key, target, spec)?;
                        }
                        ElementKind::IntermediateCatch(Trigger::Signal(name)) => {
                            self.open_signal_subscription(key, target, name);
                        }
                        _ => return Err("an event-based gateway leads to a non-event".to_owned()),
                    }
                }
            }
            ElementKind::SubProcess { .. } => {
                self.open_event_subprocess_triggers(key)?;
                let Some(start) = element.none_start else {
                    return Err("the subprocess has no start event".to_owned());
                };
                self.push_activate(start, key, None, triggered);
            }
            ElementKind::CallActivity { process_id, .. } => {
                let variables = ScopeVariables::new(self.state, key);
                let process_id = match process_id.evaluate(&variables)? {
                    Value::String(text) => text,
                    other => return Err(format!("called process id `{other}` is not a string")),
                };
                let variables = variables.snapshot();
                self.output.effects.push(Effect::StartChildInstance {
                    element_instance: key,
                    process_id,
                    variables,
                });
            }
            _ => {
                self.work.push_back(Work::Complete {
                    key,
                    variables: Map::new(),
                });
            }
        }
        Ok(())
    }

    pub(super) fn create_job(&mut self, key: u64, element: &Element, spec: &JobSpec) {
        let job = self.next_key();
        self.state.jobs.insert(
            job,
            Job {
                element_instance: key,
                retries: spec.retries.max(1),
            },
        );
        self.output.events.push(Event::JobCreated {
            job,
            element_instance: key,
        });
        let variables = ScopeVariables::new(self.state, key).snapshot();
        self.output.effects.push(Effect::CreateJob {
            job,
            element_instance: key,
            element_id: element.id.clone(),
            job_type: spec.job_type.clone(),
            retries: spec.retries.max(1),
            headers: spec.headers.clone(),
            variables,
            not_before: None,
        });
    }

    fn activate_body(&mut self, key: u64, element: &Element) {
        let Some(multi) = &element.multi_instance else {
            return;
        };
        let items = match self.body_items(key, element) {
            Ok(items) => items,
            Err(message) => {
                self.incident(key, IncidentKind::Expression, message, Retry::Activate);
                return;
            }
        };
        if let Err(message) = self.open_boundaries(key, element) {
            self.close_triggers(key, |_| true);
            self.incident(key, IncidentKind::Expression, message, Retry::Activate);
            return;
        }
        let count = items.len();
        if let Some(instance) = self.state.elements.get_mut(&key) {
            if let Some(name) = &multi.output_collection {
                let collected = Value::Array(vec![Value::Null; count]);
                instance.variables.insert(name.clone(), collected);
            }
            instance.multi_instance = Some(MultiInstanceState {
                items,
                started: 0,
                completed: 0,
            });
        }
        if count == 0 {
            self.work.push_back(Work::Complete {
                key,
                variables: Map::new(),
            });
        } else if multi.sequential {
            self.start_inner(key);
        } else {
            for _ in 0..count {
                self.start_inner(key);
            }
        }
    }

    fn body_items(&self, key: u64, element: &Element) -> Result<Vec<Value>, String> {
        let Some(multi) = &element.multi_instance else {
            return Ok(Vec::new());
        };
        let variables = ScopeVariables::new(self.state, key);
        let items = if let Some(collection) = &multi.input_collection {
            match collection.evaluate(&variables)? {
                Value::Array(items) => items,
                other => return Err(format!("inputCollection is not a list but `{other}`")),
            }
        } else if let Some(cardinality) = &multi.cardinality {
            let value = cardinality.evaluate(&variables)?;
            match value.as_u64() {
                Some(count) if count as usize <= MULTI_INSTANCE_ITEMS_MAX => {
                    vec![Value::Null; count as usize]
                }
                _ => return Err(format!("loopCardinality `{value}` is not a count")),
            }
        } else {
            Vec::new()
        };
        if items.len() > MULTI_INSTANCE_ITEMS_MAX {
            return Err(format!(
                "{} items, more than {MULTI_INSTANCE_ITEMS_MAX}",
                items.len()
            ));
        }
        Ok(items)
    }

    pub(super) fn start_inner(&mut self, body: u64) {
        let Some(instance) = self.state.elements.get_mut(&body) else {
            return;
        };
        let element = instance.element;
        let Some(progress) = instance.multi_instance.as_mut() else {
            return;
        };
        progress.started += 1;
        let counter = progress.started;
        self.push_activate(element, body, Some(counter), None);
    }

    pub(super) fn incident(&mut self, key: u64, kind: IncidentKind, message: String, retry: Retry) {
        let incident = self.next_key();
        let element = self
            .state
            .elements
            .get(&key)
            .map_or(0, |instance| instance.element);
        if let Some(instance) = self.state.elements.get_mut(&key) {
            instance.in_incident = true;
        }
        self.state.incidents.insert(
            incident,
            super::Incident {
                element_instance: key,
                element,
                kind,
                message,
                retry,
            },
        );
        self.output.events.push(Event::IncidentRaised {
            incident,
            element_instance: key,
            kind,
        });
    }
}

fn consume_join_tokens(tokens: &mut BTreeMap<FlowIndex, u32>, incoming: &[FlowIndex]) {
    for flow in incoming {
        if let Some(count) = tokens.get_mut(flow) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                tokens.remove(flow);
            }
        }
    }
}
