//! The bounds every compilation and evaluation runs under.

use std::time::Duration;

/// Bounds on an expression and its evaluation. [`Limits::default`] suits expressions an
/// analyst types; every field is public so a caller can tighten or loosen one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted source, in bytes (checked before parsing).
    pub expression_bytes_max: usize,
    /// Most operators, keywords, calls, filters and path steps in one source (checked before
    /// parsing). Each can add a level to the syntax tree without brackets, and dsntk parses and
    /// drops the tree recursively, so this is what keeps a `1+1+1+…` chain off the stack.
    pub operators_max: usize,
    /// Deepest nesting of brackets (checked before parsing) and of the syntax tree (checked
    /// after parsing, before evaluation).
    pub depth_max: usize,
    /// Most iterations an expression may be able to perform, estimated before evaluation
    /// from literal ranges and the longest list in the context (see the crate docs).
    pub iterations_max: u64,
    /// Longest list allowed anywhere in a result.
    pub list_length_max: usize,
    /// Longest evaluation; checked when evaluation returns (dsntk cannot be interrupted).
    pub time_max: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            expression_bytes_max: 64 * 1024,
            operators_max: 1_000,
            depth_max: 64,
            iterations_max: 1_000_000,
            list_length_max: 100_000,
            time_max: Duration::from_millis(100),
        }
    }
}
