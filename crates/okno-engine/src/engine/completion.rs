//! Completing element instances: output mappings, choosing outgoing flows (exclusive,
//! inclusive, parallel, conditional), multi-instance bookkeeping, terminate end events, scope
//! completion, and termination of whole subtrees.

use serde_json::{Map, Value};

use super::machine::{Machine, Work};
use super::variables::{self, ScopeVariables};
use super::{Effect, Event, IncidentKind, InstanceStatus, Retry};
use crate::model::{Element, ElementKind, EndBehaviour, FlowIndex};

impl Machine<'_> {
    pub(super) fn complete(&mut self, key: u64, variables: Map<String, Value>) {
        let Some(instance) = self.state.elements.get(&key) else {
            return;
        };
        let element = self.element(instance.element);
        let scope = instance.scope;
        let loop_counter = instance.loop_counter;
        let is_inner = loop_counter.is_some();
        let is_body = element.multi_instance.is_some() && !is_inner;
        if let ElementKind::EndEvent(EndBehaviour::Error(code)) = &element.kind {
            if let Some(scope) = scope {
                self.throw_error(scope, key, code.clone(), variables);
            }
            return;
        }
        let mut payload = variables.clone();
        if is_body
            && let Some(name) = element
                .multi_instance
                .as_ref()
                .and_then(|m| m.output_collection.as_ref())
        {
            let collected = instance.variables.get(name).cloned().unwrap_or(Value::Null);
            payload.insert(name.clone(), collected);
        }
        let writes = match self.output_writes(key, element, payload) {
            Ok(writes) => writes,
            Err(message) => {
                self.incident(
                    key,
                    IncidentKind::Expression,
                    message,
                    Retry::Complete(variables),
                );
                return;
            }
        };
        let flows = if is_inner {
            Vec::new()
        } else {
            match self.choose_flows(key, element) {
                Ok(flows) => flows,
                Err((kind, message)) => {
                    self.incident(key, kind, message, Retry::Complete(variables));
                    return;
                }
            }
        };
        for (target, value) in writes {
            variables::assign(self.state, key, scope, &target, value);
        }
        // The output element sees the variables just written (Zeebe: `outputElement = result`).
        let inner_result = if is_inner {
            match self.inner_result(key, element) {
                Ok(result) => Some(result),
                Err(message) => {
                    let retry = Retry::Complete(Map::new());
                    self.incident(key, IncidentKind::Expression, message, retry);
                    return;
                }
            }
        } else {
            None
        };
        self.remove_completed(key);
        let Some(scope) = scope else {
            self.finish_instance(key);
            return;
        };
        if let (Some((output, done)), Some(counter)) = (inner_result, loop_counter) {
            self.inner_completed(scope, counter, output, done);
            return;
        }
        if let ElementKind::EndEvent(EndBehaviour::Terminate) = element.kind {
            self.terminate_children(scope);
            self.work.push_back(Work::Complete {
                key: scope,
                variables: Map::new(),
            });
            return;
        }
        for flow in &flows {
            self.output
                .events
                .push(Event::SequenceFlowTaken { flow: *flow });
            let target = self.definition.flow(*flow).target;
            self.push_enter(target, scope, *flow);
        }
        if flows.is_empty() {
            self.check_scope_done(scope);
        }
    }

    /// The (target, value) pairs completion writes: output mappings, or the variables as given.
    fn output_writes(
        &mut self,
        key: u64,
        element: &Element,
        variables: Map<String, Value>,
    ) -> Result<Vec<(String, Value)>, String> {
        if element.outputs.is_empty() {
            return Ok(variables.into_iter().collect());
        }
        variables::set_local(self.state, key, variables);
        let lookup = ScopeVariables::new(self.state, key);
        element
            .outputs
            .iter()
            .map(|mapping| {
                mapping
                    .source
                    .evaluate(&lookup)
                    .map(|value| (mapping.target.clone(), value))
                    .map_err(|error| format!("output mapping to `{}`: {error}", mapping.target))
            })
            .collect()
    }

    /// Which outgoing flows to take, or why none can be.
    fn choose_flows(
        &self,
        key: u64,
        element: &Element,
    ) -> Result<Vec<FlowIndex>, (IncidentKind, String)> {
        match element.kind {
            ElementKind::EndEvent(_) | ElementKind::EventBasedGateway => return Ok(Vec::new()),
            ElementKind::ParallelGateway => return Ok(element.outgoing.clone()),
            _ => {}
        }
        if element.outgoing.is_empty() {
            return Ok(Vec::new());
        }
        let exclusive = matches!(element.kind, ElementKind::ExclusiveGateway);
        let lookup = ScopeVariables::new(self.state, key);
        let mut chosen = Vec::new();
        let mut condition_held = false;
        for flow_index in &element.outgoing {
            if element.default_flow == Some(*flow_index) {
                continue;
            }
            let flow = self.definition.flow(*flow_index);
            let taken = match &flow.condition {
                None => true,
                Some(condition) => match condition.evaluate(&lookup) {
                    Ok(Value::Bool(value)) => value,
                    Ok(other) => {
                        let message =
                            format!("condition of `{}` gave `{other}`, not a boolean", flow.id);
                        return Err((IncidentKind::Expression, message));
                    }
                    Err(error) => {
                        let message = format!("condition of `{}`: {error}", flow.id);
                        return Err((IncidentKind::Expression, message));
                    }
                },
            };
            if taken {
                condition_held |= flow.condition.is_some();
                chosen.push(*flow_index);
                if exclusive {
                    break;
                }
            }
        }
        // The default flow is taken when no conditional flow was (unconditional ones aside).
        if !condition_held && let Some(default) = element.default_flow {
            chosen.push(default);
        }
        if chosen.is_empty() {
            match element.default_flow {
                Some(default) => chosen.push(default),
                None => {
                    let message = format!("no outgoing flow of `{}` can be taken", element.id);
                    return Err((IncidentKind::NoFlow, message));
                }
            }
        }
        Ok(chosen)
    }

    /// For an inner multi-instance instance: its output element and whether the body is done.
    fn inner_result(&self, key: u64, element: &Element) -> Result<(Option<Value>, bool), String> {
        let Some(multi) = &element.multi_instance else {
            return Ok((None, false));
        };
        let lookup = ScopeVariables::new(self.state, key);
        let output = match &multi.output_element {
            Some(expression) => Some(expression.evaluate(&lookup)?),
            None => None,
        };
        let done = match &multi.completion_condition {
            Some(condition) => match condition.evaluate(&lookup)? {
                Value::Bool(value) => value,
                other => return Err(format!("completionCondition gave `{other}`, not a boolean")),
            },
            None => false,
        };
        Ok((output, done))
    }

    fn inner_completed(
        &mut self,
        body: u64,
        loop_counter: u32,
        output: Option<Value>,
        condition_met: bool,
    ) {
        let definition = self.definition;
        let Some(instance) = self.state.elements.get_mut(&body) else {
            return;
        };
        let element = definition.element(instance.element);
        let Some(multi) = &element.multi_instance else {
            return;
        };
        let Some(progress) = instance.multi_instance.as_mut() else {
            return;
        };
        progress.completed += 1;
        let completed = progress.completed;
        let (started, total) = (progress.started, progress.items.len());
        if let (Some(name), Some(output)) = (&multi.output_collection, output)
            && let Some(Value::Array(collected)) = instance.variables.get_mut(name)
        {
            let slot = (loop_counter as usize).saturating_sub(1);
            if let Some(place) = collected.get_mut(slot) {
                *place = output;
            }
        }
        let all_done = completed as usize >= total;
        if condition_met || all_done {
            self.terminate_children(body);
            self.work.push_back(Work::Complete {
                key: body,
                variables: Map::new(),
            });
        } else if multi.sequential && (started as usize) < total {
            self.start_inner(body);
        }
    }

    /// Emits the completion, closes the instance's triggers and removes it.
    fn remove_completed(&mut self, key: u64) {
        self.close_triggers(key, |_| true);
        self.state
            .incidents
            .retain(|_, incident| incident.element_instance != key);
        let Some(instance) = self.state.elements.remove(&key) else {
            return;
        };
        self.output.events.push(Event::ElementCompleted {
            key,
            element: instance.element,
        });
        if let Some(scope) = instance.scope {
            if let Some(parent) = self.state.elements.get_mut(&scope) {
                parent.children = parent.children.saturating_sub(1);
            }
        } else {
            self.state.result = Some(instance.variables);
        }
    }

    /// Completes `scope` if nothing is left in it.
    pub(super) fn check_scope_done(&mut self, scope: u64) {
        let Some(instance) = self.state.elements.get(&scope) else {
            return;
        };
        let idle = instance.children == 0 && instance.join_tokens.is_empty();
        let is_body = instance.multi_instance.is_some();
        if idle && !is_body && !instance.in_incident {
            self.work.push_back(Work::Complete {
                key: scope,
                variables: Map::new(),
            });
        }
    }

    fn finish_instance(&mut self, _root: u64) {
        self.state.status = InstanceStatus::Completed;
        self.state.pending_inclusive.clear();
        self.output.events.push(Event::InstanceCompleted);
        let variables: Map<String, Value> = self
            .state
            .result
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        self.output
            .effects
            .push(Effect::InstanceCompleted { variables });
    }

    /// Terminates every element instance in `scope` (not the scope itself) and drops the
    /// tokens on their way into it.
    pub(super) fn terminate_children(&mut self, scope: u64) {
        let children: Vec<u64> = self
            .state
            .elements
            .values()
            .filter(|instance| instance.scope == Some(scope))
            .map(|instance| instance.key)
            .collect();
        for child in children {
            self.terminate(child);
        }
        self.work.retain(|work| work.scope() != Some(scope));
        self.state.pending_inclusive.remove(&scope);
        if let Some(instance) = self.state.elements.get_mut(&scope) {
            instance.children = 0;
            instance.join_tokens.clear();
        }
    }

    /// Terminates an element instance and everything inside it.
    pub(super) fn terminate(&mut self, key: u64) {
        self.terminate_children(key);
        self.close_triggers(key, |_| true);
        let jobs: Vec<u64> = self
            .state
            .jobs
            .iter()
            .filter(|(_, job)| job.element_instance == key)
            .map(|(job, _)| *job)
            .collect();
        for job in jobs {
            self.state.jobs.remove(&job);
            self.output.effects.push(Effect::CancelJob { job });
        }
        self.state
            .incidents
            .retain(|_, incident| incident.element_instance != key);
        let Some(instance) = self.state.elements.remove(&key) else {
            return;
        };
        if matches!(
            self.element(instance.element).kind,
            ElementKind::CallActivity { .. }
        ) && instance.multi_instance.is_none()
        {
            self.output.effects.push(Effect::CancelChildInstance {
                element_instance: key,
            });
        }
        self.output.events.push(Event::ElementTerminated {
            key,
            element: instance.element,
        });
        if let Some(parent) = instance
            .scope
            .and_then(|scope| self.state.elements.get_mut(&scope))
        {
            parent.children = parent.children.saturating_sub(1);
        }
    }

    pub(super) fn cancel_instance(&mut self) {
        if let Some(root) = self.state.root {
            self.terminate(root);
        }
        self.work.clear();
        self.state.status = InstanceStatus::Terminated;
        self.state.pending_inclusive.clear();
        self.output.events.push(Event::InstanceTerminated);
    }
}
