//! FEEL expressions for okno: the one expression language for everything an analyst types
//! (gateway conditions, variable and connector mappings), compatible with Camunda 8, where a
//! leading `=` marks an expression ([`Mapping`]).
//!
//! Key design choice: a small facade over the dsntk FEEL crates. [`Expression::compile`] parses
//! and checks once; [`Expression::evaluate`] runs many times against a `serde_json::Value`
//! context (the value tree okno-formats reads wire formats into) and returns JSON;
//! [`Context::from_json`] converts a context once for many expressions
//! ([`Expression::evaluate_in`]). dsntk is an implementation detail: none of its types appear
//! in this API.
//!
//! # Sandbox and bounds
//!
//! An expression is untrusted input. What is bounded, and how:
//!
//! - **Length**: the source is refused above [`Limits::expression_bytes_max`] before parsing.
//! - **Nesting**: brackets are counted before parsing (so a 10,000-deep tower never reaches the
//!   parser), and so are operators, keywords, calls, filters and path steps
//!   ([`Limits::operators_max`]), because chains like `1+1+1+…` or `if … then if …` deepen the
//!   syntax tree without brackets, and dsntk parses and drops that tree recursively. After
//!   parsing, the tree's depth is checked with an explicit stack against [`Limits::depth_max`]
//!   before evaluation: dsntk builds and runs its evaluator recursively, so this is what keeps
//!   evaluation within the stack.
//! - **No way out of the process**: dsntk can call "external" Java functions over HTTP on
//!   localhost and PMML models; any `function(…) external …` is refused at compile time, and so
//!   is any user-defined `function(…)` (which could recurse without bound). dsntk's built-in
//!   functions read no files, no environment and no network (checked against dsntk 0.3's
//!   `bifs` module: the only I/O in the evaluator is the external Java call).
//! - **Iterations**: every range must have literal number bounds (`1..10`, not `1..n`), and the
//!   `range()` built-in is refused, so the size of every range is known at compile time. Each
//!   `for`/`some`/`every` over a list and each filter `list[…]` counts as one factor of the
//!   length of the longest list in the context. Their product, over-estimated as if all were
//!   nested, must stay under [`Limits::iterations_max`]; the check runs before evaluation.
//! - **Result size**: every list in the result must be at most [`Limits::list_length_max`].
//! - **Time**: dsntk's evaluator cannot be interrupted, so [`Limits::time_max`] is checked when
//!   evaluation returns; an expression that went over is reported as an error, not cut short.
//!   The structural bounds above are what keep that time small.
//!
//! Not bounded: an expression can double a string or list through chained context entries
//! (`{a: s + s, b: a + a, …}`), which grows memory exponentially in the number of entries.
//! Expressions written by someone other than the tenant's own analysts belong in a process
//! with a memory limit.
//!
//! # Names
//!
//! FEEL allows names with spaces and `+ - * / '` in them, which dsntk resolves against the
//! names it knows at parse time. okno compiles before it sees a context, so it tells dsntk
//! every identifier in the source (letters, digits, `_`) and dsntk's multi-word built-in
//! functions. As in Camunda, `a-b` is therefore a subtraction, and a context key with a space
//! or a `-` in it (`"delivery-date"`) cannot be named directly; map such keys in the
//! connector first. A context variable shadows a built-in function of the same name
//! (`count`, `sum`).
//!
//! # Errors
//!
//! [`FeelError`] has a [`FeelErrorKind`], a message and, for the checks okno makes itself,
//! the [`Position`] (byte offset, line, column). dsntk's parser reports no position, so a
//! plain syntax error has none. FEEL's own evaluation failures are `null`, as in Camunda.

mod context;
mod convert;
mod error;
mod expression;
mod limits;
mod names;
mod sandbox;
mod scan;

pub use context::Context;
pub use error::{FeelError, FeelErrorKind, Position};
pub use expression::{Expression, Mapping};
pub use limits::Limits;
