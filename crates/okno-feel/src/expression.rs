//! Compiled expressions ([`Expression`]) and Camunda-style mappings ([`Mapping`]).

use crate::context::Context;
use crate::convert;
use crate::error::{FeelError, FeelErrorKind, Position};
use crate::limits::Limits;
use crate::names;
use crate::sandbox::{self, Iterations};
use crate::scan;
use dsntk_feel::Evaluator;
use std::fmt;
use std::time::Instant;

/// A FEEL expression, parsed and checked once, ready to be evaluated many times.
pub struct Expression {
    source: String,
    evaluator: Evaluator,
    iterations: Iterations,
    names: Vec<String>,
}

impl fmt::Debug for Expression {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Expression")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Expression {
    /// Compiles `source` under [`Limits::default`]. A leading `=` (Camunda's mark of an
    /// expression) is optional and ignored.
    pub fn compile(source: &str) -> Result<Expression, FeelError> {
        Expression::compile_with(source, &Limits::default())
    }

    /// Compiles `source` under `limits`: checks length, strings and brackets, parses with
    /// dsntk, then checks the syntax tree against the sandbox rules.
    pub fn compile_with(source: &str, limits: &Limits) -> Result<Expression, FeelError> {
        let base = source.len() - source.trim_start().len();
        let base = if source[base..].starts_with('=') {
            base + 1
        } else {
            base
        };
        scan::check(source, base, limits)?;
        let body = &source[base..];
        if body.trim().is_empty() {
            return Err(
                FeelError::new(FeelErrorKind::Syntax, "the expression is empty")
                    .at(Position::of(source, source.len())),
            );
        }
        let ast = dsntk_feel_parser::parse_expression(&names::parsing_scope(body), body, false)
            .map_err(|error| {
                FeelError::new(
                    FeelErrorKind::Syntax,
                    format!(
                        "not a valid FEEL expression: {}",
                        strip_source_tag(&error.to_string())
                    ),
                )
            })?;
        let iterations = sandbox::check(&ast, limits)?;
        if iterations.literal_product > limits.iterations_max {
            return Err(too_many_iterations(iterations.literal_product, limits));
        }
        Ok(Expression {
            source: source.to_owned(),
            evaluator: dsntk_feel_evaluator::prepare(&ast),
            iterations,
            names: names::identifiers(body).into_iter().collect(),
        })
    }

    /// The identifiers the source mentions outside strings (variables, and function names,
    /// which a caller may ignore): what a caller holding variables elsewhere must put into the
    /// context.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The source as given to [`Expression::compile`].
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates the expression with the entries of `context` (a JSON object, or null for
    /// none) as its variables. FEEL's own failures (a missing variable, `1 + "a"`) give `null`,
    /// as in Camunda; okno's limits give an error.
    pub fn evaluate(
        &self,
        context: &serde_json::Value,
        limits: &Limits,
    ) -> Result<serde_json::Value, FeelError> {
        self.evaluate_in(&Context::from_json(context)?, limits)
    }

    /// Evaluates the expression in a context converted once with [`Context::from_json`].
    pub fn evaluate_in(
        &self,
        context: &Context,
        limits: &Limits,
    ) -> Result<serde_json::Value, FeelError> {
        let started = Instant::now();
        let estimate = self.iterations.estimate(context.longest_list);
        if estimate > limits.iterations_max {
            return Err(too_many_iterations(estimate, limits));
        }
        let value = (self.evaluator)(&context.scope);
        let elapsed = started.elapsed();
        if elapsed > limits.time_max {
            return Err(FeelError::new(
                FeelErrorKind::TimeLimit,
                format!(
                    "evaluation took {} ms; the limit is {} ms",
                    elapsed.as_millis(),
                    limits.time_max.as_millis()
                ),
            ));
        }
        convert::to_json(&value, limits.list_length_max)
    }

    /// Evaluates the expression as a condition (a gateway's or a filter's): the result must be
    /// `true` or `false`; null or any other value is an error that says what came instead.
    pub fn evaluate_condition(
        &self,
        context: &serde_json::Value,
        limits: &Limits,
    ) -> Result<bool, FeelError> {
        self.evaluate_condition_in(&Context::from_json(context)?, limits)
    }

    /// [`Expression::evaluate_condition`] in a context converted once.
    pub fn evaluate_condition_in(
        &self,
        context: &Context,
        limits: &Limits,
    ) -> Result<bool, FeelError> {
        match self.evaluate_in(context, limits)? {
            serde_json::Value::Bool(flag) => Ok(flag),
            serde_json::Value::Null => Err(FeelError::new(
                FeelErrorKind::NotABoolean,
                "the condition evaluated to null (a missing variable or a failed operation), not to true or false",
            )),
            other => Err(FeelError::new(
                FeelErrorKind::NotABoolean,
                format!("the condition evaluated to {other}, not to true or false"),
            )),
        }
    }
}

fn too_many_iterations(estimate: u64, limits: &Limits) -> FeelError {
    FeelError::new(
        FeelErrorKind::TooManyIterations,
        format!(
            "the expression could iterate up to {estimate} times; the limit is {}",
            limits.iterations_max
        ),
    )
}

/// dsntk prefixes its messages with `<ErrorType>`; the analyst does not need it.
fn strip_source_tag(message: &str) -> &str {
    match message
        .strip_prefix('<')
        .and_then(|rest| rest.split_once("> "))
    {
        Some((_, rest)) => rest,
        None => message,
    }
}

/// A value an analyst typed into a mapping field, read by Camunda's rule: text that starts
/// with `=` is a FEEL expression, anything else is a static string taken as it is.
#[derive(Debug)]
pub enum Mapping {
    /// `=…`: evaluated against the context.
    Expression(Expression),
    /// Anything else: this string, unchanged.
    Static(String),
}

impl Mapping {
    /// Reads `text` by Camunda's rule, compiling an expression under `limits`.
    pub fn parse(text: &str, limits: &Limits) -> Result<Mapping, FeelError> {
        if text.trim_start().starts_with('=') {
            Expression::compile_with(text, limits).map(Mapping::Expression)
        } else {
            Ok(Mapping::Static(text.to_owned()))
        }
    }

    /// The mapping's value in `context`: the expression's result or the static string.
    pub fn evaluate(
        &self,
        context: &serde_json::Value,
        limits: &Limits,
    ) -> Result<serde_json::Value, FeelError> {
        match self {
            Mapping::Expression(expression) => expression.evaluate(context, limits),
            Mapping::Static(text) => Ok(serde_json::Value::String(text.clone())),
        }
    }

    /// [`Mapping::evaluate`] in a context converted once.
    pub fn evaluate_in(
        &self,
        context: &Context,
        limits: &Limits,
    ) -> Result<serde_json::Value, FeelError> {
        match self {
            Mapping::Expression(expression) => expression.evaluate_in(context, limits),
            Mapping::Static(text) => Ok(serde_json::Value::String(text.clone())),
        }
    }
}
