//! Reading a YAML [`Node`] tree into typed values while collecting every error with its
//! position and field path, so `okno connector check` prints them all at once.

use crate::error::{LoadError, Position};
use crate::yaml::{Node, NodeKind};
use serde_json::Value;

/// Collects errors while walking.
#[derive(Debug, Default)]
pub(crate) struct Walker {
    pub(crate) errors: Vec<LoadError>,
}

/// A mapping node being read: its entries and its path.
pub(crate) struct Fields<'n> {
    pub(crate) position: Position,
    pub(crate) path: String,
    entries: &'n [(String, Position, Node)],
}

/// `parent.key`, or `key` at the top.
pub(crate) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

impl Walker {
    pub(crate) fn fail(&mut self, position: Position, field: &str, message: impl Into<String>) {
        self.errors.push(LoadError::new(position, field, message));
    }

    /// The node as a mapping whose keys must all be in `allowed`.
    pub(crate) fn fields<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        allowed: &[&str],
    ) -> Option<Fields<'n>> {
        let NodeKind::Mapping(entries) = &node.kind else {
            self.fail(
                node.position,
                path,
                format!("must be a mapping, not {}", node.describe()),
            );
            return None;
        };
        for (key, position, _) in entries {
            if !allowed.contains(&key.as_str()) {
                self.fail(
                    *position,
                    &join(path, key),
                    format!("unknown key; expected one of: {}", allowed.join(", ")),
                );
            }
        }
        Some(Fields {
            position: node.position,
            path: path.to_owned(),
            entries,
        })
    }

    pub(crate) fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.kind {
            NodeKind::Scalar(Value::String(text)) => Some(text.clone()),
            NodeKind::Scalar(Value::Number(number)) => Some(number.to_string()),
            _ => {
                self.fail(
                    node.position,
                    path,
                    format!("must be a string, not {}", node.describe()),
                );
                None
            }
        }
    }

    pub(crate) fn integer(
        &mut self,
        node: &Node,
        path: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        let number = match &node.kind {
            NodeKind::Scalar(Value::Number(number)) => number.as_i64(),
            _ => None,
        };
        match number {
            Some(number) if range.contains(&number) => Some(number),
            _ => {
                self.fail(
                    node.position,
                    path,
                    format!(
                        "must be a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                );
                None
            }
        }
    }

    pub(crate) fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        match &node.kind {
            NodeKind::Scalar(Value::Bool(flag)) => Some(*flag),
            _ => {
                self.fail(
                    node.position,
                    path,
                    format!("must be true or false, not {}", node.describe()),
                );
                None
            }
        }
    }

    /// A string that must be one of `choices`.
    pub(crate) fn choice(&mut self, node: &Node, path: &str, choices: &[&str]) -> Option<String> {
        let text = self.string(node, path)?;
        if choices.contains(&text.as_str()) {
            Some(text)
        } else {
            self.fail(
                node.position,
                path,
                format!(
                    "unknown value {text:?}; expected one of: {}",
                    choices.join(", ")
                ),
            );
            None
        }
    }

    /// A list of strings.
    pub(crate) fn strings(&mut self, node: &Node, path: &str) -> Vec<String> {
        let NodeKind::Sequence(items) = &node.kind else {
            self.fail(
                node.position,
                path,
                format!("must be a list, not {}", node.describe()),
            );
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| self.string(item, &format!("{path}[{index}]")))
            .collect()
    }
}

impl<'n> Fields<'n> {
    /// The value of `key`, if present.
    pub(crate) fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(name, _, _)| name == key)
            .map(|(_, _, node)| node)
    }

    /// The value of `key`, or an error that it is missing.
    pub(crate) fn required(&self, walker: &mut Walker, key: &str) -> Option<&'n Node> {
        let node = self.get(key);
        if node.is_none() {
            walker.fail(self.position, &self.field(key), "is required");
        }
        node
    }

    /// The path of `key` in this mapping.
    pub(crate) fn field(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// Every entry, in file order.
    pub(crate) fn entries(&self) -> &'n [(String, Position, Node)] {
        self.entries
    }
}
