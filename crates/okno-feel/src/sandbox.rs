//! Checks on the parsed syntax tree, done once at compile time: how deep it is, that it calls
//! nothing outside the process, that it defines no functions (which could recurse without
//! bound), and how many iterations it can perform (see [`Iterations`]).
//!
//! The walk uses an explicit stack, so a deep tree cannot overflow the thread's stack here.

use crate::error::{FeelError, FeelErrorKind};
use crate::limits::Limits;
use dsntk_feel_parser::AstNode;

/// What the syntax tree says about how much iterating the expression can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Iterations {
    /// Product of the sizes of every literal range in the expression (saturating).
    pub(crate) literal_product: u64,
    /// How many iterations and filters run over lists that come from the context (their length
    /// is only known at evaluation).
    pub(crate) list_factors: u32,
}

impl Iterations {
    /// The most iterations the expression can perform when the longest list it can reach has
    /// `list_length_max` elements. Every factor is treated as nested in every other: a safe
    /// over-estimate.
    pub(crate) fn estimate(self, list_length_max: usize) -> u64 {
        let length = u64::try_from(list_length_max.max(1)).unwrap_or(u64::MAX);
        (0..self.list_factors).fold(self.literal_product, |total, _| {
            total.saturating_mul(length)
        })
    }
}

/// Names of built-in functions the sandbox refuses: `range` builds ranges from strings, which
/// would slip past the literal-range rule.
const FORBIDDEN_FUNCTIONS: [&str; 1] = ["range"];

/// Walks `root` and returns its iteration profile, or the first rule it breaks.
pub(crate) fn check(root: &AstNode, limits: &Limits) -> Result<Iterations, FeelError> {
    let mut iterations = Iterations {
        literal_product: 1,
        list_factors: 0,
    };
    let mut stack = vec![(root, 1_usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > limits.depth_max {
            return Err(FeelError::new(
                FeelErrorKind::TooDeep,
                format!("the expression nests deeper than {}", limits.depth_max),
            ));
        }
        check_node(node, &mut iterations)?;
        for child in children(node) {
            stack.push((child, depth + 1));
        }
    }
    Ok(iterations)
}

fn check_node(node: &AstNode, iterations: &mut Iterations) -> Result<(), FeelError> {
    match node {
        AstNode::FunctionBody(_, true) => Err(forbidden("external functions are not available")),
        AstNode::FunctionDefinition(_, _) => Err(forbidden(
            "defining functions is not available; use the built-in functions",
        )),
        AstNode::FunctionInvocation(callee, _) => match callee.as_ref() {
            AstNode::Name(name) if FORBIDDEN_FUNCTIONS.contains(&name.to_string().as_str()) => {
                Err(forbidden(format!("the function `{name}` is not available")))
            }
            _ => Ok(()),
        },
        AstNode::Range(start, end) | AstNode::IterationContextInterval(_, start, end) => {
            let size = literal_range_size(start, end)
                .ok_or_else(|| forbidden("range bounds must be literal numbers, like `1..10`"))?;
            iterations.literal_product = iterations.literal_product.saturating_mul(size);
            Ok(())
        }
        AstNode::IterationContextSingle(_, source) | AstNode::QuantifiedContext(_, source) => {
            if !matches!(source.as_ref(), AstNode::Range(_, _)) {
                iterations.list_factors += 1;
            }
            Ok(())
        }
        AstNode::Filter(_, _) => {
            iterations.list_factors += 1;
            Ok(())
        }
        _ => Ok(()),
    }
}

fn forbidden(message: impl Into<String>) -> FeelError {
    FeelError::new(FeelErrorKind::Forbidden, message)
}

/// The number of integers from `start` to `end` when both are number literals.
fn literal_range_size(start: &AstNode, end: &AstNode) -> Option<u64> {
    let start = literal_number(start)?;
    let end = literal_number(end)?;
    let size = (end - start).abs().floor() + 1.0;
    // A float-to-int `as` cast saturates, which is what a size bound wants.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(size as u64)
}

fn literal_number(node: &AstNode) -> Option<f64> {
    match node {
        AstNode::Numeric(before, after, sign, exponent) => {
            let exponent = if exponent.is_empty() { "0" } else { exponent };
            format!("{before}.{after}0e{sign}{exponent}")
                .replace("e+", "e")
                .parse::<f64>()
                .ok()
                .filter(|number| number.is_finite())
        }
        AstNode::Neg(inner) => literal_number(inner).map(|number| -number),
        AstNode::IntervalStart(inner, _) | AstNode::IntervalEnd(inner, _) => literal_number(inner),
        _ => None,
    }
}

fn children(node: &AstNode) -> Vec<&AstNode> {
    use AstNode as N;
    match node {
        N::Add(a, b)
        | N::And(a, b)
        | N::ContextEntry(a, b)
        | N::ContextTypeEntry(a, b)
        | N::Div(a, b)
        | N::Eq(a, b)
        | N::Every(a, b)
        | N::Exp(a, b)
        | N::Filter(a, b)
        | N::For(a, b)
        | N::FormalParameter(a, b)
        | N::FunctionDefinition(a, b)
        | N::FunctionInvocation(a, b)
        | N::FunctionType(a, b)
        | N::Ge(a, b)
        | N::Gt(a, b)
        | N::In(a, b)
        | N::InstanceOf(a, b)
        | N::IterationContextSingle(a, b)
        | N::Le(a, b)
        | N::Lt(a, b)
        | N::Mul(a, b)
        | N::NamedParameter(a, b)
        | N::Nq(a, b)
        | N::Or(a, b)
        | N::Out(a, b)
        | N::Path(a, b)
        | N::QuantifiedContext(a, b)
        | N::Range(a, b)
        | N::Some(a, b)
        | N::Sub(a, b) => vec![a, b],
        N::Between(a, b, c) | N::If(a, b, c) | N::IterationContextInterval(a, b, c) => {
            vec![a, b, c]
        }
        N::EvaluatedExpression(a)
        | N::FunctionBody(a, _)
        | N::IntervalEnd(a, _)
        | N::IntervalStart(a, _)
        | N::ListType(a)
        | N::Neg(a)
        | N::RangeType(a)
        | N::Satisfies(a)
        | N::UnaryGe(a)
        | N::UnaryGt(a)
        | N::UnaryLe(a)
        | N::UnaryLt(a)
        | N::UnaryEq(a)
        | N::UnaryNe(a) => vec![a],
        N::CommaList(items)
        | N::Context(items)
        | N::ContextType(items)
        | N::ExpressionList(items)
        | N::FormalParameters(items)
        | N::IterationContexts(items)
        | N::List(items)
        | N::NamedParameters(items)
        | N::NegatedList(items)
        | N::ParameterTypes(items)
        | N::PositionalParameters(items)
        | N::QualifiedName(items)
        | N::QuantifiedContexts(items) => items.iter().collect(),
        N::At(_)
        | N::Boolean(_)
        | N::ContextEntryKey(_)
        | N::ContextTypeEntryKey(_)
        | N::FeelType(_)
        | N::Irrelevant
        | N::Name(_)
        | N::Null
        | N::Numeric(..)
        | N::ParameterName(_)
        | N::QualifiedNameSegment(_)
        | N::String(_) => Vec::new(),
    }
}
