//! FEEL for the engine: [`FeelExpressions`] implements the engine's [`Expressions`] seam with
//! `okno-feel`, so conditions, mappings, correlation keys and scripts in a deployed process are
//! real FEEL (Camunda 8 dialect), sandboxed and bounded.
//!
//! The engine hands variables through a lookup, not a document; an expression's context is
//! built from the names it mentions ([`okno_feel::Expression::names`]) that are set in a
//! visible scope. A name that is not set is left out, so FEEL sees it as missing (null), and a
//! built-in function of the same name still works.

use std::sync::Arc;

use okno_engine::{CompiledExpression, Expressions, VariableLookup};
use okno_feel::{Expression, Limits};
use serde_json::{Map, Value};

/// The FEEL compiler the durable runtime deploys with.
#[derive(Debug, Default)]
pub struct FeelExpressions {
    limits: Limits,
}

impl FeelExpressions {
    /// FEEL under these limits.
    pub fn new(limits: Limits) -> FeelExpressions {
        FeelExpressions { limits }
    }
}

#[derive(Debug)]
struct Compiled {
    expression: Expression,
    limits: Limits,
}

impl CompiledExpression for Compiled {
    fn evaluate(&self, variables: &dyn VariableLookup) -> Result<Value, String> {
        let mut context = Map::new();
        for name in self.expression.names() {
            if let Some(value) = variables.variable(name) {
                context.insert(name.clone(), value.clone());
            }
        }
        self.expression
            .evaluate(&Value::Object(context), &self.limits)
            .map_err(|error| format!("FEEL `{}`: {error}", self.expression.source().trim()))
    }
}

impl Expressions for FeelExpressions {
    fn compile(&self, source: &str) -> Result<Arc<dyn CompiledExpression>, String> {
        let expression = Expression::compile_with(source, &self.limits)
            .map_err(|error| format!("FEEL `{}`: {error}", source.trim()))?;
        Ok(Arc::new(Compiled {
            expression,
            limits: self.limits.clone(),
        }))
    }
}
