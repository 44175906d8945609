//! Templates: the value trees a connector file writes with FEEL in its leaves (the order
//! mapping, replies, outbound headers and bodies), compiled once at load and rendered many
//! times against a [`Context`].
//!
//! The rules, by YAML node:
//!
//! - a string starting with `=` is a FEEL expression (Camunda's rule); its result is the value;
//! - any other scalar is itself (a string, number, boolean or null);
//! - a mapping is an object, key by key; an entry whose value renders to null is left out, so
//!   an optional field the client did not send is absent rather than null;
//! - a mapping with the key `each` is a list: `each` is an expression giving the client's list,
//!   `as` names the element (default `item`), `map` is the template of one element (rendered
//!   with the element as that variable); a null list renders as an empty one;
//! - a sequence is a list, element by element.
//!
//! Every node keeps its [`Source`] (field path in the file and line), so a failing canonical
//! field is reported with the mapping field that produced it.

use crate::error::Position;
use crate::scope::{Compiled, Scope};
use crate::walk::{Walker, join};
use crate::yaml::{Node, NodeKind};
use okno_feel::{Expression, Limits};
use serde_json::{Map, Value};

/// Where a template node is written in the connector file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Field path in the file, e.g. `mapping.parcels[0].items.map.price_kopecks`.
    pub field: String,
    /// Where it starts.
    pub position: Position,
}

/// A compiled template node.
#[derive(Debug)]
pub(crate) enum Template {
    Static(Value),
    Expression(Box<Compiled>, Source),
    Object(Vec<(String, Template)>, Source),
    List(Vec<Template>, Source),
    Each {
        list: Box<Compiled>,
        name: String,
        element: Box<Template>,
        source: Source,
    },
}

/// A value that could not be rendered: where in the output, which template field, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RenderProblem {
    pub(crate) pointer: String,
    pub(crate) source: Source,
    pub(crate) message: String,
}

/// Compiles one expression, reporting a compile error at the node.
pub(crate) fn expression(walker: &mut Walker, node: &Node, path: &str) -> Option<Expression> {
    let text = walker.string(node, path)?;
    compile(walker, &text, node.position, path)
}

pub(crate) fn compile(
    walker: &mut Walker,
    text: &str,
    position: Position,
    path: &str,
) -> Option<Expression> {
    match Expression::compile(text) {
        Ok(expression) => Some(expression),
        Err(error) => {
            // A position inside the expression moves the reported line when the expression
            // is a block scalar spanning lines.
            let position = match error.position {
                Some(inner) if inner.line > 1 => Position::new(position.line + inner.line - 1, 1),
                _ => position,
            };
            walker.fail(position, path, format!("FEEL: {error}"));
            None
        }
    }
}

impl Template {
    /// Compiles the template written at `node` (field path `path`).
    pub(crate) fn compile(walker: &mut Walker, node: &Node, path: &str) -> Option<Template> {
        let source = Source {
            field: path.to_owned(),
            position: node.position,
        };
        match &node.kind {
            NodeKind::Scalar(Value::String(text)) if text.trim_start().starts_with('=') => {
                compile(walker, text, node.position, path).map(|expression| {
                    Template::Expression(Box::new(Compiled::new(expression)), source)
                })
            }
            NodeKind::Scalar(value) => Some(Template::Static(value.clone())),
            NodeKind::Sequence(items) => {
                let mut elements = Vec::with_capacity(items.len());
                let mut complete = true;
                for (index, item) in items.iter().enumerate() {
                    match Template::compile(walker, item, &format!("{path}[{index}]")) {
                        Some(element) => elements.push(element),
                        None => complete = false,
                    }
                }
                complete.then_some(Template::List(elements, source))
            }
            NodeKind::Mapping(entries) if entries.iter().any(|(key, _, _)| key == "each") => {
                Template::each(walker, node, path, source)
            }
            NodeKind::Mapping(entries) => {
                let mut fields = Vec::with_capacity(entries.len());
                let mut complete = true;
                for (key, _, value) in entries {
                    match Template::compile(walker, value, &join(path, key)) {
                        Some(field) => fields.push((key.clone(), field)),
                        None => complete = false,
                    }
                }
                complete.then_some(Template::Object(fields, source))
            }
        }
    }

    fn each(walker: &mut Walker, node: &Node, path: &str, source: Source) -> Option<Template> {
        let fields = walker.fields(node, path, &["each", "as", "map"])?;
        let list = fields
            .required(walker, "each")
            .and_then(|each| expression(walker, each, &fields.field("each")));
        let name = match fields.get("as") {
            Some(name) => walker.string(name, &fields.field("as")),
            None => Some("item".to_owned()),
        };
        if let Some(name) = &name
            && !is_feel_name(name)
        {
            walker.fail(
                source.position,
                &fields.field("as"),
                "must be a name of letters, digits and `_`",
            );
        }
        let element = fields
            .required(walker, "map")
            .and_then(|map| Template::compile(walker, map, &fields.field("map")));
        Some(Template::Each {
            list: Box::new(Compiled::new(list?)),
            name: name?,
            element: Box::new(element?),
            source,
        })
    }

    /// Renders the template; problems are collected and their place renders as null.
    /// With `trace`, records which source produced each rendered pointer.
    pub(crate) fn render<'t>(
        &'t self,
        scope: &mut Scope,
        limits: &Limits,
        pointer: &mut String,
        problems: &mut Vec<RenderProblem>,
        trace: &mut Option<Vec<(String, &'t Source)>>,
    ) -> Value {
        match self {
            Template::Static(value) => value.clone(),
            Template::Expression(expression, source) => {
                if let Some(trace) = trace {
                    trace.push((pointer.clone(), source));
                }
                match scope.evaluate(expression, limits) {
                    Ok(value) => value,
                    Err(error) => {
                        problems.push(RenderProblem {
                            pointer: pointer.clone(),
                            source: source.clone(),
                            message: error.to_string(),
                        });
                        Value::Null
                    }
                }
            }
            Template::Object(fields, source) => {
                if let Some(trace) = trace {
                    trace.push((pointer.clone(), source));
                }
                let mut object = Map::new();
                for (key, field) in fields {
                    let length = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                    let value = field.render(scope, limits, pointer, problems, trace);
                    pointer.truncate(length);
                    if !value.is_null() {
                        object.insert(key.clone(), value);
                    }
                }
                Value::Object(object)
            }
            Template::List(elements, source) => {
                if let Some(trace) = trace {
                    trace.push((pointer.clone(), source));
                }
                let mut list = Vec::with_capacity(elements.len());
                for (index, element) in elements.iter().enumerate() {
                    let length = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&index.to_string());
                    list.push(element.render(scope, limits, pointer, problems, trace));
                    pointer.truncate(length);
                }
                Value::Array(list)
            }
            Template::Each {
                list,
                name,
                element,
                source,
            } => {
                if let Some(trace) = trace {
                    trace.push((pointer.clone(), source));
                }
                let items = match scope.evaluate(list, limits) {
                    Ok(Value::Array(items)) => items,
                    Ok(Value::Null) => Vec::new(),
                    // FEEL treats a single value where a list is expected as a list of one.
                    Ok(single) => vec![single],
                    Err(error) => {
                        problems.push(RenderProblem {
                            pointer: pointer.clone(),
                            source: source.clone(),
                            message: error.to_string(),
                        });
                        return Value::Null;
                    }
                };
                let mut rendered = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    scope.push(name, item);
                    let length = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&index.to_string());
                    rendered.push(element.render(scope, limits, pointer, problems, trace));
                    pointer.truncate(length);
                    scope.pop();
                }
                Value::Array(rendered)
            }
        }
    }

    /// Renders without tracing.
    pub(crate) fn render_plain(
        &self,
        scope: &mut Scope,
        limits: &Limits,
        problems: &mut Vec<RenderProblem>,
    ) -> Value {
        self.render(scope, limits, &mut String::new(), problems, &mut None)
    }
}

/// Whether `name` can be a FEEL variable as okno compiles them.
pub(crate) fn is_feel_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_alphabetic() || first == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// The source that produced `pointer`, or the nearest ancestor's.
pub(crate) fn source_of<'t>(trace: &[(String, &'t Source)], pointer: &str) -> Option<&'t Source> {
    let mut candidate = pointer;
    loop {
        if let Some((_, source)) = trace.iter().rev().find(|(at, _)| at == candidate) {
            return Some(source);
        }
        let cut = candidate.rfind('/')?;
        candidate = &candidate[..cut];
    }
}
