//! Variable scopes: reading through the chain of element instances (innermost first) and
//! writing with Zeebe's propagation rule (nearest scope that has the name, else the root).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::InstanceState;
use crate::expr::VariableLookup;

/// The variables visible from one element instance.
#[derive(Debug, Clone, Copy)]
pub struct ScopeVariables<'a> {
    state: &'a InstanceState,
    key: u64,
}

impl<'a> ScopeVariables<'a> {
    /// The variables visible from element instance `key`.
    pub fn new(state: &'a InstanceState, key: u64) -> Self {
        ScopeVariables { state, key }
    }

    /// Every visible variable, inner scopes shadowing outer ones.
    pub fn snapshot(&self) -> Map<String, Value> {
        let mut chain = Vec::new();
        let mut key = Some(self.key);
        while let Some(current) = key {
            let Some(instance) = self.state.elements.get(&current) else {
                break;
            };
            chain.push(&instance.variables);
            key = instance.scope;
        }
        let mut all = Map::new();
        for variables in chain.into_iter().rev() {
            for (name, value) in variables {
                all.insert(name.clone(), value.clone());
            }
        }
        all
    }
}

impl VariableLookup for ScopeVariables<'_> {
    fn variable(&self, name: &str) -> Option<&Value> {
        let mut key = Some(self.key);
        while let Some(current) = key {
            let instance = self.state.elements.get(&current)?;
            if let Some(value) = instance.variables.get(name) {
                return Some(value);
            }
            key = instance.scope;
        }
        None
    }
}

/// Sets `name` in the nearest scope from `start` upward that has it, else in the root.
pub(super) fn propagate(state: &mut InstanceState, start: Option<u64>, name: &str, value: Value) {
    let mut key = start;
    let mut last = None;
    while let Some(current) = key {
        let Some(instance) = state.elements.get(&current) else {
            break;
        };
        if instance.variables.contains_key(name) {
            last = Some(current);
            break;
        }
        last = Some(current);
        key = instance.scope;
    }
    // `last` is the scope that has the name or, failing that, the outermost one reached.
    let target = last.or(state.root);
    if let Some(instance) = target.and_then(|target| state.elements.get_mut(&target)) {
        instance.variables.insert(name.to_owned(), value);
    }
}

/// Writes `value` at a possibly dotted `target` (`order.id`), merging into the visible object,
/// with the propagation rule starting at `write_from`.
pub(super) fn assign(
    state: &mut InstanceState,
    read_from: u64,
    write_from: Option<u64>,
    target: &str,
    value: Value,
) {
    let (head, whole) = nested(state, read_from, target, value);
    propagate(state, write_from, head, whole);
}

/// Writes `value` at a possibly dotted `target` as a local variable of `key`.
pub(super) fn assign_local(state: &mut InstanceState, key: u64, target: &str, value: Value) {
    let (head, whole) = nested(state, key, target, value);
    if let Some(instance) = state.elements.get_mut(&key) {
        instance.variables.insert(head.to_owned(), whole);
    }
}

/// The top-level name and the whole value after writing `value` at the dotted path.
fn nested<'t>(
    state: &InstanceState,
    read_from: u64,
    target: &'t str,
    value: Value,
) -> (&'t str, Value) {
    let Some((head, path)) = target.split_once('.') else {
        return (target, value);
    };
    let mut whole = ScopeVariables::new(state, read_from)
        .variable(head)
        .filter(|existing| existing.is_object())
        .cloned()
        .unwrap_or_else(|| Value::Object(Map::new()));
    let mut cursor = &mut whole;
    let fields: Vec<&str> = path.split('.').collect();
    for (position, field) in fields.iter().enumerate() {
        if !cursor.is_object() {
            *cursor = Value::Object(Map::new());
        }
        let Value::Object(object) = cursor else {
            break;
        };
        if position + 1 == fields.len() {
            object.insert((*field).to_owned(), value);
            break;
        }
        cursor = object
            .entry((*field).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    (head, whole)
}

/// Sets every variable of `variables` locally on one instance.
pub(super) fn set_local(state: &mut InstanceState, key: u64, variables: Map<String, Value>) {
    if let Some(instance) = state.elements.get_mut(&key) {
        let locals: &mut BTreeMap<String, Value> = &mut instance.variables;
        locals.extend(variables);
    }
}
