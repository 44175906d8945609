//! YAML text to a small tree of [`Node`]s that remember their line and column, built from
//! `saphyr-parser`'s event stream with an explicit stack (no recursion), so every error about a
//! connector file can name where it is.
//!
//! What is deliberately not supported: anchors, aliases and tags (a connector file has no use
//! for them, and aliases are how a "billion laughs" file grows without bound), more than one
//! document, and nesting deeper than [`YAML_DEPTH_MAX`]. Scalars are resolved by the YAML 1.2
//! core schema: an unquoted `null`/`~`/empty is null, `true`/`false` a boolean, a number a
//! number; anything quoted or in a block is a string. Duplicate keys are an error.

use crate::error::{LoadError, Position};
use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::Value;

/// Largest connector file, in bytes.
pub const YAML_BYTES_MAX: usize = 1024 * 1024;
/// Deepest nesting of mappings and sequences in a connector file.
pub const YAML_DEPTH_MAX: usize = 64;
/// Most nodes in a connector file.
pub const YAML_NODES_MAX: usize = 100_000;

/// One YAML node with the position where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) position: Position,
    pub(crate) kind: NodeKind,
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeKind {
    /// A scalar, resolved to null, boolean, number or string.
    Scalar(Value),
    /// A sequence.
    Sequence(Vec<Node>),
    /// A mapping: each key (a string, with its position) and its value, in file order.
    Mapping(Vec<(String, Position, Node)>),
}

impl Node {
    /// A word for the kind of node, for messages.
    pub(crate) fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar(Value::Null) => "null",
            NodeKind::Scalar(Value::Bool(_)) => "a boolean",
            NodeKind::Scalar(Value::Number(_)) => "a number",
            NodeKind::Scalar(_) => "a string",
            NodeKind::Sequence(_) => "a list",
            NodeKind::Mapping(_) => "a mapping",
        }
    }
}

/// A container being filled while reading events.
enum Open {
    Sequence(Position, Vec<Node>),
    Mapping(
        Position,
        Vec<(String, Position, Node)>,
        Option<(String, Position)>,
    ),
}

/// Reads one YAML document. An empty file is a null scalar at line 1.
pub(crate) fn parse(text: &str) -> Result<Node, LoadError> {
    if text.len() > YAML_BYTES_MAX {
        return Err(LoadError::new(
            Position::START,
            "",
            format!(
                "the file is {} bytes; the limit is {YAML_BYTES_MAX}",
                text.len()
            ),
        ));
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Node> = None;
    let mut nodes = 0_usize;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|error| {
            let marker = error.marker();
            LoadError::new(
                Position::new(marker.line(), marker.col() + 1),
                "",
                format!("not valid YAML: {}", error.info()),
            )
        })?;
        let position = Position::new(span.start.line(), span.start.col() + 1);
        let finished = match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => None,
            Event::DocumentStart(_) => {
                if root.is_some() {
                    return Err(LoadError::new(
                        position,
                        "",
                        "a connector file holds one YAML document",
                    ));
                }
                None
            }
            Event::Alias(_) => {
                return Err(unsupported(position, "aliases (`*name`)"));
            }
            Event::Scalar(value, style, anchor, tag) => {
                refuse_anchor_and_tag(position, anchor, tag.is_some())?;
                Some(Node {
                    position,
                    kind: NodeKind::Scalar(resolve(&value, style)),
                })
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                refuse_anchor_and_tag(position, anchor, tag.is_some())?;
                if stack.len() >= YAML_DEPTH_MAX {
                    return Err(LoadError::new(
                        position,
                        "",
                        format!("the file nests deeper than {YAML_DEPTH_MAX} levels"),
                    ));
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Open::Sequence(position, Vec::new())
                } else {
                    Open::Mapping(position, Vec::new(), None)
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Open::Sequence(position, items)) => Some(Node {
                    position,
                    kind: NodeKind::Sequence(items),
                }),
                Some(Open::Mapping(position, entries, _)) => Some(Node {
                    position,
                    kind: NodeKind::Mapping(entries),
                }),
                None => None,
            },
        };
        let Some(node) = finished else { continue };
        nodes += 1;
        if nodes > YAML_NODES_MAX {
            return Err(LoadError::new(
                position,
                "",
                format!("the file has more than {YAML_NODES_MAX} nodes"),
            ));
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Open::Sequence(_, items)) => items.push(node),
            Some(Open::Mapping(_, entries, pending)) => match pending.take() {
                None => {
                    let key = match &node.kind {
                        NodeKind::Scalar(Value::String(text)) => text.clone(),
                        NodeKind::Scalar(scalar) if !scalar.is_null() => scalar.to_string(),
                        _ => {
                            return Err(LoadError::new(
                                node.position,
                                "",
                                "a mapping key must be a plain word or number",
                            ));
                        }
                    };
                    if entries.iter().any(|(existing, _, _)| *existing == key) {
                        return Err(LoadError::new(
                            node.position,
                            &key,
                            format!("the key `{key}` appears twice in one mapping"),
                        ));
                    }
                    *pending = Some((key, node.position));
                }
                Some((key, key_position)) => entries.push((key, key_position, node)),
            },
        }
    }
    Ok(root.unwrap_or(Node {
        position: Position::START,
        kind: NodeKind::Scalar(Value::Null),
    }))
}

fn unsupported(position: Position, what: &str) -> LoadError {
    LoadError::new(
        position,
        "",
        format!("{what} are not supported in connector files; write the value out"),
    )
}

fn refuse_anchor_and_tag(position: Position, anchor: usize, tagged: bool) -> Result<(), LoadError> {
    if anchor != 0 {
        return Err(unsupported(position, "anchors (`&name`)"));
    }
    if tagged {
        return Err(unsupported(position, "tags (`!name`)"));
    }
    Ok(())
}

/// The YAML 1.2 core schema for plain scalars; every other style is a string.
fn resolve(text: &str, style: ScalarStyle) -> Value {
    if style != ScalarStyle::Plain {
        return Value::String(text.to_owned());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && let Ok(integer) = text.parse::<i64>()
    {
        return Value::from(integer);
    }
    let looks_numeric = digits
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == '.')
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'));
    if looks_numeric
        && let Ok(float) = text.parse::<f64>()
        && let Some(number) = serde_json::Number::from_f64(float)
    {
        return Value::Number(number);
    }
    Value::String(text.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &str) {
        let outcome = match parse(text) {
            Ok(node) => format!("{:?}", to_json(&node)),
            Err(error) => format!("error {}:{} {}", error.line, error.column, error.message),
        };
        assert!(
            outcome.contains(expected),
            "{text:?} gave {outcome}, expected to contain {expected}"
        );
    }

    fn to_json(node: &Node) -> Value {
        match &node.kind {
            NodeKind::Scalar(value) => value.clone(),
            NodeKind::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
            NodeKind::Mapping(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(key, _, value)| (key.clone(), to_json(value)))
                    .collect(),
            ),
        }
    }

    #[test]
    fn scalars_nesting_and_refusals() {
        check(
            "a: 1\nb: '1'\nc: ~\nd: true\ne: 1.5\nf: =x",
            r#"Object {"a": Number(1), "b": String("1"), "c": Null, "d": Bool(true), "e": Number(1.5), "f": String("=x")}"#,
        );
        check("a: [1, 2]", "Array [Number(1), Number(2)]");
        check("a: &x 1\nb: *x", "error 1:4 anchors");
        check("a: 1\na: 2", "error 2:1 the key `a` appears twice");
        check("a: !!str 1", "tags");
        check("a: [1, 2", "error");
        // Deep flow nesting meets saphyr-parser's own limit; block nesting meets ours.
        check(
            &format!("a: {}{}", "[".repeat(10_000), "]".repeat(10_000)),
            "recursion limit",
        );
        let block: String = (0..70)
            .map(|depth| format!("{}k:\n", "  ".repeat(depth)))
            .collect();
        check(&block, "nests deeper than 64");
        check("", "Null");
    }

    #[test]
    fn nodes_remember_their_line() {
        let node = parse("a:\n  b:\n    - x\n    - y\n").unwrap();
        let NodeKind::Mapping(entries) = &node.kind else {
            panic!("not a mapping")
        };
        let NodeKind::Mapping(inner) = &entries[0].2.kind else {
            panic!("not a mapping")
        };
        let NodeKind::Sequence(items) = &inner[0].2.kind else {
            panic!("not a sequence")
        };
        assert_eq!(items[1].position, Position::new(4, 7));
    }
}
