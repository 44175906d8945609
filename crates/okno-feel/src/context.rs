//! A JSON context converted to FEEL once, to evaluate many expressions against (the mappings
//! of one connector call, the conditions of one gateway).

use crate::convert;
use crate::error::{FeelError, FeelErrorKind};
use dsntk_feel::FeelScope;
use std::fmt;

/// The variables an expression sees: a JSON object, converted once. Converting is most of the
/// cost of evaluating a short expression against a large order, so a caller with several
/// expressions for one value tree builds one `Context` and calls
/// [`crate::Expression::evaluate_in`] for each.
pub struct Context {
    pub(crate) scope: FeelScope,
    pub(crate) longest_list: usize,
    /// Variables added by [`Context::push_variable`] and not yet popped.
    pushed: usize,
}

impl fmt::Debug for Context {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Context")
            .field("longest_list", &self.longest_list)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// Converts `value`, which must be a JSON object (its entries are the variables) or null
    /// (no variables).
    pub fn from_json(value: &serde_json::Value) -> Result<Context, FeelError> {
        let mut longest_list = 0;
        let scope = FeelScope::default();
        match value {
            serde_json::Value::Object(entries) => {
                scope.push(convert::context_of(entries, &mut longest_list));
            }
            serde_json::Value::Null => {}
            _ => {
                return Err(FeelError::new(
                    FeelErrorKind::BadContext,
                    "the context of an expression must be a JSON object",
                ));
            }
        }
        Ok(Context {
            scope,
            longest_list,
            pushed: 0,
        })
    }

    /// Adds one variable on top of the context (shadowing an entry of the same name), for
    /// expressions evaluated once per element of a list (a connector's `each`). Only `value`
    /// is converted, not the whole context again. [`Context::pop_variable`] removes it.
    pub fn push_variable(&mut self, name: &str, value: &serde_json::Value) {
        let mut entries = serde_json::Map::new();
        entries.insert(name.to_owned(), value.clone());
        self.scope
            .push(convert::context_of(&entries, &mut self.longest_list));
        self.pushed += 1;
    }

    /// Removes the variable added last by [`Context::push_variable`]; does nothing when none
    /// was added.
    pub fn pop_variable(&mut self) {
        if self.pushed > 0 {
            self.scope.pop();
            self.pushed -= 1;
        }
    }
}
