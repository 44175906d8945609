//! Everything that wakes a waiting instance: timers, message subscriptions, boundary events,
//! event subprocesses, BPMN errors, job results and incident resolution.
//!
//! A timer or subscription has an owner (the element instance whose life bounds it) and an
//! element (the event it triggers). Owner and element are the same for a catch event or receive
//! task; the owner is the activity for a boundary event, the gateway for an event-based
//! gateway's targets, and the scope for an event subprocess's start event.

use serde_json::{Map, Value};

use super::machine::{Machine, Work};
use super::variables::ScopeVariables;
use super::{Effect, Event, IncidentKind, Retry, Subscription, Timer};
use crate::error::EngineError;
use crate::model::{
    Element, ElementIndex, ElementKind, MessageSpec, TimerKind, TimerSpec, Trigger,
};
use crate::timer;

impl Machine<'_> {
    /// Opens the timers and subscriptions of the boundary events of an activity.
    pub(super) fn open_boundaries(&mut self, key: u64, element: &Element) -> Result<(), String> {
        for boundary in &element.boundaries {
            match &self.element(*boundary).kind {
                ElementKind::BoundaryEvent {
                    trigger: Trigger::Timer(spec),
                    ..
                } => self.schedule_timer(key, *boundary, spec)?,
                ElementKind::BoundaryEvent {
                    trigger: Trigger::Message(spec),
                    ..
                } => self.open_subscription(key, *boundary, spec)?,
                ElementKind::BoundaryEvent {
                    trigger: Trigger::Signal(name),
                    ..
                } => self.open_signal_subscription(key, *boundary, name),
                _ => {}
            }
        }
        Ok(())
    }

    /// Opens the timer and message start events of a scope's event subprocesses.
    pub(super) fn open_event_subprocess_triggers(&mut self, scope: u64) -> Result<(), String> {
        let Some(instance) = self.state.elements.get(&scope) else {
            return Ok(());
        };
        let element = self.element(instance.element);
        for subprocess in &element.event_subprocesses {
            let Some(start) = self.element(*subprocess).none_start else {
                continue;
            };
            match &self.element(start).kind {
                ElementKind::StartEvent {
                    trigger: Trigger::Timer(spec),
                    ..
                } => self.schedule_timer(scope, start, spec)?,
                ElementKind::StartEvent {
                    trigger: Trigger::Message(spec),
                    ..
                } => self.open_subscription(scope, start, spec)?,
                ElementKind::StartEvent {
                    trigger: Trigger::Signal(name),
                    ..
                } => self.open_signal_subscription(scope, start, name),
                _ => {}
            }
        }
        Ok(())
    }

    pub(super) fn schedule_timer(
        &mut self,
        owner: u64,
        element: ElementIndex,
        spec: &TimerSpec,
    ) -> Result<(), String> {
        let text = match spec
            .source
            .evaluate(&ScopeVariables::new(self.state, owner))?
        {
            Value::String(text) => text,
            other => return Err(format!("timer value `{other}` is not a string")),
        };
        let (due, repetitions_left, interval_ms) = match spec.kind {
            TimerKind::Duration => (
                self.now.plus_ms(timer::parse_duration_ms(&text)?),
                Some(0),
                0,
            ),
            TimerKind::Date => (timer::parse_date(&text)?, Some(0), 0),
            TimerKind::Cycle => {
                let cycle = timer::parse_cycle(&text)?;
                let left = cycle.repetitions.map(|count| count.saturating_sub(1));
                (self.now.plus_ms(cycle.interval_ms), left, cycle.interval_ms)
            }
        };
        let key = self.next_key();
        self.insert_timer(
            key,
            Timer {
                owner,
                element,
                due,
                repetitions_left,
                interval_ms,
            },
        );
        Ok(())
    }

    fn insert_timer(&mut self, key: u64, timer: Timer) {
        let due = timer.due;
        self.state.timers.insert(key, timer);
        self.output
            .events
            .push(Event::TimerScheduled { timer: key, due });
        self.output
            .effects
            .push(Effect::ScheduleTimer { timer: key, due });
    }

    pub(super) fn open_subscription(
        &mut self,
        owner: u64,
        element: ElementIndex,
        spec: &MessageSpec,
    ) -> Result<(), String> {
        let correlation_key = match &spec.correlation_key {
            None => None,
            Some(expression) => {
                match expression.evaluate(&ScopeVariables::new(self.state, owner))? {
                    Value::String(text) => Some(text),
                    Value::Number(number) => Some(number.to_string()),
                    other => {
                        return Err(format!(
                            "correlation key `{other}` is not a string or number"
                        ));
                    }
                }
            }
        };
        let key = self.next_key();
        self.state.subscriptions.insert(
            key,
            Subscription {
                owner,
                element,
                message_name: spec.name.clone(),
                correlation_key: correlation_key.clone(),
                signal: false,
            },
        );
        self.output
            .events
            .push(Event::SubscriptionOpened { subscription: key });
        self.output.effects.push(Effect::OpenSubscription {
            subscription: key,
            message_name: spec.name.clone(),
            correlation_key,
            signal: false,
        });
        Ok(())
    }

    pub(super) fn open_signal_subscription(
        &mut self,
        owner: u64,
        element: ElementIndex,
        name: &str,
    ) {
        let key = self.next_key();
        self.state.subscriptions.insert(
            key,
            Subscription {
                owner,
                element,
                message_name: name.to_owned(),
                correlation_key: None,
                signal: true,
            },
        );
        self.output
            .events
            .push(Event::SubscriptionOpened { subscription: key });
        self.output.effects.push(Effect::OpenSubscription {
            subscription: key,
            message_name: name.to_owned(),
            correlation_key: None,
            signal: true,
        });
    }

    /// Triggers every signal subscription of this instance with this name, in key order.
    pub(super) fn signal(&mut self, name: &str, variables: &Map<String, Value>) {
        let matching: Vec<u64> = self
            .state
            .subscriptions
            .iter()
            .filter(|(_, subscription)| subscription.signal && subscription.message_name == name)
            .map(|(key, _)| *key)
            .collect();
        for key in matching {
            // An earlier trigger may have closed this subscription (an interrupted scope).
            let Some(subscription) = self.state.subscriptions.get(&key).cloned() else {
                continue;
            };
            self.output
                .events
                .push(Event::MessageCorrelated { subscription: key });
            if !self.keeps_owner(subscription.element) {
                self.state.subscriptions.remove(&key);
                self.output
                    .effects
                    .push(Effect::CloseSubscription { subscription: key });
            }
            self.trigger(subscription.owner, subscription.element, variables.clone());
        }
    }

    /// Cancels the timers and closes the subscriptions `owner` has for elements that `which`
    /// selects.
    pub(super) fn close_triggers(&mut self, owner: u64, which: impl Fn(ElementIndex) -> bool) {
        let timers: Vec<u64> = self
            .state
            .timers
            .iter()
            .filter(|(_, timer)| timer.owner == owner && which(timer.element))
            .map(|(key, _)| *key)
            .collect();
        for timer in timers {
            self.state.timers.remove(&timer);
            self.output.events.push(Event::TimerCancelled { timer });
            self.output.effects.push(Effect::CancelTimer { timer });
        }
        let subscriptions: Vec<u64> = self
            .state
            .subscriptions
            .iter()
            .filter(|(_, subscription)| subscription.owner == owner && which(subscription.element))
            .map(|(key, _)| *key)
            .collect();
        for subscription in subscriptions {
            self.state.subscriptions.remove(&subscription);
            self.output
                .events
                .push(Event::SubscriptionClosed { subscription });
            self.output
                .effects
                .push(Effect::CloseSubscription { subscription });
        }
    }

    /// Whether triggering `element` leaves its owner running (non-interrupting).
    fn keeps_owner(&self, element: ElementIndex) -> bool {
        matches!(
            self.element(element).kind,
            ElementKind::BoundaryEvent {
                interrupting: false,
                ..
            } | ElementKind::StartEvent {
                interrupting: false,
                ..
            }
        )
    }

    pub(super) fn fire_timer(&mut self, key: u64) {
        let Some(timer) = self.state.timers.remove(&key) else {
            return;
        };
        self.output
            .events
            .push(Event::TimerTriggered { timer: key });
        let repeats = timer.repetitions_left != Some(0) && self.keeps_owner(timer.element);
        if repeats {
            let next = Timer {
                due: timer.due.plus_ms(timer.interval_ms),
                repetitions_left: timer.repetitions_left.map(|left| left - 1),
                ..timer.clone()
            };
            let next_key = self.next_key();
            self.insert_timer(next_key, next);
        }
        self.trigger(timer.owner, timer.element, Map::new());
    }

    pub(super) fn correlate(
        &mut self,
        name: &str,
        correlation_key: &str,
        variables: Map<String, Value>,
    ) -> Result<(), EngineError> {
        let found = self.state.subscriptions.iter().find(|(_, subscription)| {
            !subscription.signal
                && subscription.message_name == name
                && subscription
                    .correlation_key
                    .as_deref()
                    .is_none_or(|key| key == correlation_key)
        });
        let Some((key, subscription)) = found.map(|(key, value)| (*key, value.clone())) else {
            return Err(EngineError::NoSubscription(name.to_owned()));
        };
        self.output
            .events
            .push(Event::MessageCorrelated { subscription: key });
        if !self.keeps_owner(subscription.element) {
            self.state.subscriptions.remove(&key);
            self.output
                .effects
                .push(Effect::CloseSubscription { subscription: key });
        }
        self.trigger(subscription.owner, subscription.element, variables);
        Ok(())
    }

    /// A timer or message for `element`, owned by `owner`, has arrived.
    fn trigger(&mut self, owner: u64, element: ElementIndex, variables: Map<String, Value>) {
        let Some(owner_instance) = self.state.elements.get(&owner) else {
            return;
        };
        let owner_element = owner_instance.element;
        let owner_scope = owner_instance.scope;
        match &self.element(element).kind {
            ElementKind::BoundaryEvent { interrupting, .. } => {
                let Some(scope) = owner_scope else {
                    return;
                };
                if *interrupting {
                    self.terminate(owner);
                }
                self.push_activate(element, scope, None, Some(variables));
            }
            ElementKind::StartEvent { interrupting, .. } => {
                let Some(subprocess) = self.element(element).parent else {
                    return;
                };
                if *interrupting {
                    let definition = self.definition;
                    self.terminate_children(owner);
                    self.close_triggers(owner, |index| {
                        matches!(
                            definition.element(index).kind,
                            ElementKind::StartEvent { .. }
                        )
                    });
                }
                self.push_activate(subprocess, owner, None, Some(variables));
            }
            _ if owner_element == element => {
                self.work.push_back(Work::Complete {
                    key: owner,
                    variables,
                });
            }
            _ => self.event_gateway_chose(owner, element, variables),
        }
    }

    /// An event-based gateway's target event happened: the gateway completes into it.
    fn event_gateway_chose(
        &mut self,
        gateway: u64,
        target: ElementIndex,
        variables: Map<String, Value>,
    ) {
        let Some(instance) = self.state.elements.get(&gateway) else {
            return;
        };
        let Some(scope) = instance.scope else {
            return;
        };
        let element = self.element(instance.element);
        let flow = element
            .outgoing
            .iter()
            .copied()
            .find(|flow| self.definition.flow(*flow).target == target);
        self.close_triggers(gateway, |_| true);
        if let Some(instance) = self.state.elements.remove(&gateway) {
            self.output.events.push(Event::ElementCompleted {
                key: gateway,
                element: instance.element,
            });
        }
        if let Some(flow) = flow {
            self.output.events.push(Event::SequenceFlowTaken { flow });
        }
        // The gateway's token moves on: one instance leaves the scope, one enters it.
        if let Some(parent) = self.state.elements.get_mut(&scope) {
            parent.children = parent.children.saturating_sub(1);
        }
        self.push_activate(target, scope, None, Some(variables));
    }

    /// Throws a BPMN error, searching for a catcher from `from` outwards. `thrower` holds the
    /// incident if nothing catches it.
    pub(super) fn throw_error(
        &mut self,
        from: u64,
        thrower: u64,
        code: String,
        variables: Map<String, Value>,
    ) {
        let matches_code = |trigger: &Trigger| match trigger {
            Trigger::Error(None) => true,
            Trigger::Error(Some(caught)) => *caught == code,
            _ => false,
        };
        let mut level = Some(from);
        while let Some(current) = level {
            let Some(instance) = self.state.elements.get(&current) else {
                break;
            };
            let element = self.element(instance.element);
            let scope = instance.scope;
            let is_inner = instance.loop_counter.is_some();
            for subprocess in &element.event_subprocesses {
                let Some(start) = self.element(*subprocess).none_start else {
                    continue;
                };
                if let ElementKind::StartEvent { trigger, .. } = &self.element(start).kind
                    && matches_code(trigger)
                {
                    self.caught(&code, *subprocess);
                    self.terminate_children(current);
                    self.push_activate(*subprocess, current, None, Some(variables));
                    return;
                }
            }
            if !is_inner {
                for boundary in &element.boundaries {
                    if let ElementKind::BoundaryEvent { trigger, .. } =
                        &self.element(*boundary).kind
                        && let (true, Some(scope)) = (matches_code(trigger), scope)
                    {
                        self.caught(&code, *boundary);
                        self.terminate(current);
                        self.push_activate(*boundary, scope, None, Some(variables));
                        return;
                    }
                }
            }
            level = scope;
        }
        self.output.events.push(Event::ErrorThrown {
            code: code.clone(),
            caught_by: None,
        });
        // A calling process may still catch it; the runtime passes it on if there is one.
        self.output.effects.push(Effect::ErrorUncaught {
            code: code.clone(),
            variables: variables.clone(),
        });
        if from == thrower && self.propagated_error {
            // Passed up from a called process whose incident already stands: no second one.
            return;
        }
        let message = format!("error `{code}` was thrown and nothing catches it");
        self.incident(
            thrower,
            IncidentKind::UnhandledError,
            message,
            Retry::Throw { code, variables },
        );
    }

    /// Raises an escalation from inside `from` (the thrower's scope), searching outwards for
    /// an escalation event subprocess or boundary event. An interrupting catch terminates the
    /// thrower with its scope; otherwise, and when nothing catches it, the thrower goes on.
    pub(super) fn throw_escalation(&mut self, from: u64, code: &str) {
        let matches_code = |trigger: &Trigger| match trigger {
            Trigger::Escalation(None) => true,
            Trigger::Escalation(Some(caught)) => caught == code,
            _ => false,
        };
        let mut level = Some(from);
        while let Some(current) = level {
            let Some(instance) = self.state.elements.get(&current) else {
                break;
            };
            let element = self.element(instance.element);
            let scope = instance.scope;
            let is_inner = instance.loop_counter.is_some();
            for subprocess in &element.event_subprocesses {
                let Some(start) = self.element(*subprocess).none_start else {
                    continue;
                };
                if let ElementKind::StartEvent {
                    trigger,
                    interrupting,
                } = &self.element(start).kind
                    && matches_code(trigger)
                {
                    self.escalation_caught(code, *subprocess);
                    if *interrupting {
                        self.terminate_children(current);
                    }
                    self.push_activate(*subprocess, current, None, Some(Map::new()));
                    return;
                }
            }
            if !is_inner {
                for boundary in &element.boundaries {
                    if let ElementKind::BoundaryEvent {
                        trigger,
                        interrupting,
                        ..
                    } = &self.element(*boundary).kind
                        && let (true, Some(scope)) = (matches_code(trigger), scope)
                    {
                        self.escalation_caught(code, *boundary);
                        if *interrupting {
                            self.terminate(current);
                        }
                        self.push_activate(*boundary, scope, None, Some(Map::new()));
                        return;
                    }
                }
            }
            level = scope;
        }
        self.output.events.push(Event::EscalationThrown {
            code: code.to_owned(),
            caught_by: None,
        });
        self.output.effects.push(Effect::EscalationUncaught {
            code: code.to_owned(),
        });
    }

    fn escalation_caught(&mut self, code: &str, by: ElementIndex) {
        self.output.events.push(Event::EscalationThrown {
            code: code.to_owned(),
            caught_by: Some(by),
        });
    }

    fn caught(&mut self, code: &str, by: ElementIndex) {
        self.output.events.push(Event::ErrorThrown {
            code: code.to_owned(),
            caught_by: Some(by),
        });
    }

    /// Removes a job (checked to exist) and returns its element instance.
    pub(super) fn take_job(&mut self, job: u64) -> u64 {
        self.state
            .jobs
            .remove(&job)
            .map_or(0, |found| found.element_instance)
    }

    pub(super) fn fail_job(&mut self, job: u64, retries: u32, message: String, backoff_ms: i64) {
        let Some(found) = self.state.jobs.get_mut(&job) else {
            return;
        };
        found.retries = retries;
        let key = found.element_instance;
        self.output.events.push(Event::JobFailed { job, retries });
        if retries == 0 {
            let message = format!("job failed with no retries left: {message}");
            self.incident(key, IncidentKind::JobNoRetries, message, Retry::Job(job));
            return;
        }
        let not_before = Some(self.now.plus_ms(backoff_ms.max(0)));
        self.offer_job_again(job, key, retries, not_before);
    }

    fn offer_job_again(
        &mut self,
        job: u64,
        key: u64,
        retries: u32,
        not_before: Option<crate::Timestamp>,
    ) {
        let Some(instance) = self.state.elements.get(&key) else {
            return;
        };
        let element = self.element(instance.element);
        let spec = match &element.kind {
            ElementKind::Task { job: Some(spec) }
            | ElementKind::EndEvent(crate::model::EndBehaviour::Job(spec)) => spec,
            _ => return,
        };
        let variables = ScopeVariables::new(self.state, key).snapshot();
        self.output.effects.push(Effect::CreateJob {
            job,
            element_instance: key,
            element_id: element.id.clone(),
            job_type: spec.job_type.clone(),
            retries,
            headers: spec.headers.clone(),
            variables,
            not_before,
        });
    }

    pub(super) fn complete_child(
        &mut self,
        key: u64,
        variables: Map<String, Value>,
    ) -> Result<(), EngineError> {
        let Some(instance) = self.state.elements.get(&key) else {
            return Err(EngineError::UnknownKey {
                what: "call activity instance",
                key,
            });
        };
        let propagate = match self.element(instance.element).kind {
            ElementKind::CallActivity {
                propagate_all_child_variables,
                ..
            } => propagate_all_child_variables,
            _ => false,
        };
        let variables = if propagate { variables } else { Map::new() };
        self.work.push_back(Work::Complete { key, variables });
        Ok(())
    }

    pub(super) fn resolve(&mut self, incident: u64) {
        let Some(found) = self.state.incidents.remove(&incident) else {
            return;
        };
        self.output
            .events
            .push(Event::IncidentResolved { incident });
        let key = found.element_instance;
        if let Some(instance) = self.state.elements.get_mut(&key) {
            instance.in_incident = false;
        }
        match found.retry {
            Retry::Activate => self.run_activation(key, None),
            Retry::Complete(variables) => self.work.push_back(Work::Complete { key, variables }),
            Retry::Job(job) => {
                if let Some(entry) = self.state.jobs.get_mut(&job) {
                    entry.retries = 1;
                }
                self.offer_job_again(job, key, 1, None);
            }
            Retry::Throw { code, variables } => {
                let is_end_event = self.state.elements.get(&key).is_some_and(|instance| {
                    matches!(
                        self.element(instance.element).kind,
                        ElementKind::EndEvent(_)
                    )
                });
                let from = if is_end_event {
                    self.state
                        .elements
                        .get(&key)
                        .and_then(|instance| instance.scope)
                        .unwrap_or(key)
                } else {
                    key
                };
                self.throw_error(from, key, code, variables);
            }
            Retry::Nothing => {}
        }
    }
}
