//! The variables expressions see while one request or event is rendered ([`Scope`]): the
//! body's value tree, `settings`, `okno`, and each list element, with a fast path for plain
//! paths.
//!
//! Most mapping fields are plain paths (`=order.customer.phone`). dsntk resolves a path by
//! cloning the whole value its first name holds (the entire `order`), which makes a path cost
//! as much as converting the order; so a plain path is read here from the JSON tree instead,
//! with FEEL's results (a missing key or a non-object is null; numbers as FEEL gives them back:
//! a whole number is an integer). A path through a list (FEEL projects over lists) goes to
//! FEEL. The FEEL context itself is converted only when an expression needs it, once.

use okno_feel::{Context, Expression, FeelError, Limits};
use serde_json::{Map, Value};

/// FEEL words that are not variables.
const KEYWORDS: &[&str] = &[
    "true",
    "false",
    "null",
    "not",
    "for",
    "in",
    "return",
    "if",
    "then",
    "else",
    "some",
    "every",
    "satisfies",
    "and",
    "or",
    "between",
    "instance",
    "of",
    "function",
    "external",
];

/// An expression with, when it is a plain path, the path's names; and, when its paths can be
/// bound beforehand, the same expression over small variables.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) expression: Expression,
    path: Option<Vec<String>>,
    /// `=a.b * 100`: a plain path times a whole number (roubles to kopecks, kilograms to
    /// grams), done here in exact decimal arithmetic as FEEL does it.
    product: Option<(Vec<String>, i64)>,
    bound: Option<Bound>,
}

/// An expression rewritten so that each dotted path `a.b.c` is a variable `__vN` read from the
/// tree before evaluation, and each lone name a variable of its own: dsntk then converts and
/// clones only those values, not the whole `order`. Only for expressions without anything
/// that binds names implicitly (filters, context literals, functions); the variables of
/// `for`, `some` and `every` stay FEEL's own.
#[derive(Debug)]
struct Bound {
    expression: Expression,
    /// Variable name → path in the scope.
    bindings: Vec<(String, Vec<String>)>,
    /// Names the expression binds itself; when one is also a variable of the scope, a use
    /// outside the loop would mean the scope's, so FEEL evaluates the original instead.
    locals: Vec<String>,
}

impl Compiled {
    pub(crate) fn new(expression: Expression) -> Compiled {
        let path = plain_path(expression.source());
        let product = path_times_integer(expression.source());
        let bound = if path.is_some() {
            None
        } else {
            bind(expression.source())
        };
        Compiled {
            expression,
            path,
            product,
            bound,
        }
    }
}

/// Rewrites `source` for [`Bound`], or `None` when it cannot be done safely.
fn bind(source: &str) -> Option<Bound> {
    let chars: Vec<char> = source.chars().collect();
    let locals = loop_variables(&chars);
    let mut out = String::with_capacity(source.len() + 16);
    let mut bindings: Vec<(String, Vec<String>)> = Vec::new();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if c == '"' {
            let start = index;
            index += 1;
            while index < chars.len() && chars[index] != '"' {
                index += if chars[index] == '\\' { 2 } else { 1 };
            }
            index = (index + 1).min(chars.len());
            out.extend(&chars[start..index]);
            continue;
        }
        if matches!(c, '[' | '{' | '`') {
            return None;
        }
        if c.is_ascii_digit() {
            while index < chars.len()
                && (chars[index].is_ascii_alphanumeric() || chars[index] == '.')
            {
                out.push(chars[index]);
                index += 1;
            }
            continue;
        }
        if !(c.is_ascii_alphabetic() || c == '_') {
            out.push(c);
            index += 1;
            continue;
        }
        let mut names = Vec::new();
        loop {
            let start = index;
            while index < chars.len()
                && (chars[index].is_ascii_alphanumeric() || chars[index] == '_')
            {
                index += 1;
            }
            names.push(chars[start..index].iter().collect::<String>());
            let dotted = index + 1 < chars.len()
                && chars[index] == '.'
                && (chars[index + 1].is_ascii_alphabetic() || chars[index + 1] == '_');
            if !dotted {
                break;
            }
            index += 1;
        }
        let rest = chars[index..].iter().find(|c| !c.is_whitespace());
        let called = rest == Some(&'(');
        let first = names[0].as_str();
        if ["function", "external"].contains(&first) {
            return None;
        }
        if called
            || locals.iter().any(|local| local == first)
            || KEYWORDS.contains(&first)
            || names.iter().any(|name| KEYWORDS.contains(&name.as_str()))
        {
            out.push_str(&names.join("."));
        } else if names.len() == 1 {
            out.push_str(first);
            if !bindings.iter().any(|(variable, _)| variable == first) {
                bindings.push((first.to_owned(), names));
            }
        } else {
            let variable = format!("__v{}", bindings.len());
            out.push_str(&variable);
            bindings.push((variable, names));
        }
    }
    let expression = Expression::compile(&out).ok()?;
    Some(Bound {
        expression,
        bindings,
        locals,
    })
}

/// `=a.b * 100` → (`[a, b]`, 100).
fn path_times_integer(source: &str) -> Option<(Vec<String>, i64)> {
    let body = source.trim().strip_prefix('=').unwrap_or(source).trim();
    let (left, right) = body.split_once('*')?;
    let factor: i64 = right.trim().parse().ok()?;
    if !(1..=1_000_000).contains(&factor) {
        return None;
    }
    Some((plain_path(left)?, factor))
}

/// `number × factor` in exact decimal arithmetic (the number's shortest decimal text, as
/// FEEL reads JSON numbers); `None` when it does not fit, so FEEL decides.
fn times(number: &serde_json::Number, factor: i64) -> Option<Value> {
    if let Some(integer) = number.as_i64() {
        return integer.checked_mul(factor).map(Value::from);
    }
    let text = number.to_string();
    if text.contains(['e', 'E']) {
        return None;
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits: i128 = format!("{whole}{fraction}").parse().ok()?;
    let scale = 10_i128.checked_pow(u32::try_from(fraction.len()).ok()?)?;
    let product = digits.checked_mul(i128::from(factor))?;
    if product % scale == 0 {
        return i64::try_from(product / scale).ok().map(Value::from);
    }
    let value = product as f64 / scale as f64;
    serde_json::Number::from_f64(value).map(Value::Number)
}

/// `=a.b.c` → `[a, b, c]`, when every part is a name and none a keyword.
fn plain_path(source: &str) -> Option<Vec<String>> {
    let body = source.trim().strip_prefix('=').unwrap_or(source).trim();
    let names: Vec<String> = body.split('.').map(str::to_owned).collect();
    let valid = names.iter().all(|name| {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !KEYWORDS.contains(&name.as_str())
    });
    valid.then_some(names)
}

/// The names bound by `for`/`some`/`every` (`NAME in …`), outside string literals.
fn loop_variables(chars: &[char]) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut locals = Vec::new();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if c == '"' {
            index += 1;
            while index < chars.len() && chars[index] != '"' {
                index += if chars[index] == '\\' { 2 } else { 1 };
            }
            index += 1;
            words.push(String::new());
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = index;
            while index < chars.len()
                && (chars[index].is_ascii_alphanumeric() || chars[index] == '_')
            {
                index += 1;
            }
            let word: String = chars[start..index].iter().collect();
            if word == "in"
                && let Some(previous) = words.last()
                && !previous.is_empty()
            {
                locals.push(previous.clone());
            }
            words.push(word);
            continue;
        }
        if !c.is_whitespace() {
            words.push(String::new());
        }
        index += 1;
    }
    locals
}

/// The variables of one rendering.
pub(crate) struct Scope {
    /// An object whose entries are variables, or (with `root_name`) one variable.
    root: Value,
    root_name: Option<&'static str>,
    frames: Vec<(String, Value)>,
    feel: Option<Context>,
}

impl std::fmt::Debug for Scope {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Scope")
            .field("frames", &self.frames.len())
            .finish_non_exhaustive()
    }
}

impl Scope {
    /// A scope over a body's tree: an object's entries are variables, a list is `rows`,
    /// anything else `payload`.
    pub(crate) fn of_payload(payload: Value) -> Scope {
        let root_name = match &payload {
            Value::Object(_) => None,
            Value::Array(_) => Some("rows"),
            _ => Some("payload"),
        };
        Scope {
            root: payload,
            root_name,
            frames: Vec::new(),
            feel: None,
        }
    }

    /// A scope over explicit variables (an object).
    pub(crate) fn of_variables(variables: Map<String, Value>) -> Scope {
        Scope::of_payload(Value::Object(variables))
    }

    /// The body back, as given to [`Scope::of_payload`].
    pub(crate) fn into_payload(self) -> Value {
        self.root
    }

    pub(crate) fn push(&mut self, name: &str, value: &Value) {
        if let Some(context) = &mut self.feel {
            context.push_variable(name, value);
        }
        self.frames.push((name.to_owned(), value.clone()));
    }

    pub(crate) fn pop(&mut self) {
        if self.frames.pop().is_some()
            && let Some(context) = &mut self.feel
        {
            context.pop_variable();
        }
    }

    /// The FEEL context, converted on first use.
    pub(crate) fn context(&mut self) -> Result<&Context, FeelError> {
        if self.feel.is_none() {
            let mut context = match self.root_name {
                None => Context::from_json(&self.root)?,
                Some(name) => {
                    let mut variables = Map::new();
                    variables.insert(name.to_owned(), self.root.clone());
                    Context::from_json(&Value::Object(variables))?
                }
            };
            for (name, value) in &self.frames {
                context.push_variable(name, value);
            }
            self.feel = Some(context);
        }
        match &self.feel {
            Some(context) => Ok(context),
            None => unreachable!("the context was set just above"),
        }
    }

    fn variable(&self, name: &str) -> Option<&Value> {
        if let Some((_, value)) = self.frames.iter().rev().find(|(frame, _)| frame == name) {
            return Some(value);
        }
        match self.root_name {
            Some(root_name) => (root_name == name).then_some(&self.root),
            None => self.root.get(name),
        }
    }

    /// A plain path read from the tree; `None` when FEEL must do it (a list on the way).
    fn path(&self, names: &[String]) -> Option<Value> {
        let (first, rest) = names.split_first()?;
        let mut value = match self.variable(first) {
            Some(value) => value,
            None => return Some(Value::Null),
        };
        for name in rest {
            value = match value {
                Value::Object(entries) => match entries.get(name) {
                    Some(next) => next,
                    None => return Some(Value::Null),
                },
                Value::Array(_) => return None,
                _ => return Some(Value::Null),
            };
        }
        Some(as_feel_returns(value))
    }

    /// Evaluates `compiled`, by the fast path when it is a plain path.
    pub(crate) fn evaluate(
        &mut self,
        compiled: &Compiled,
        limits: &Limits,
    ) -> Result<Value, FeelError> {
        if let Some(names) = &compiled.path
            && let Some(value) = self.path(names)
        {
            return Ok(value);
        }
        if let Some((names, factor)) = &compiled.product
            && let Some(value) = self.path(names)
        {
            match &value {
                Value::Number(number) => {
                    if let Some(product) = times(number, *factor) {
                        return Ok(product);
                    }
                }
                // FEEL: anything but a number times a number is null.
                _ => return Ok(Value::Null),
            }
        }
        if let Some(bound) = &compiled.bound
            && !bound
                .locals
                .iter()
                .any(|local| self.variable(local).is_some())
            && let Some(variables) = self.bindings(&bound.bindings)
        {
            return bound.expression.evaluate(&variables, limits);
        }
        self.evaluate_feel(&compiled.expression, limits)
    }

    /// The values of a [`Bound`] expression's variables; `None` when a path runs through a
    /// list (FEEL must project) . A lone name that is no variable (the first word of a
    /// multi-word function such as `lower case`) is left unbound.
    fn bindings(&self, bindings: &[(String, Vec<String>)]) -> Option<Value> {
        let mut variables = Map::new();
        for (variable, names) in bindings {
            if names.len() == 1 && self.variable(&names[0]).is_none() {
                continue;
            }
            let value = self.path(names)?;
            variables.insert(variable.clone(), value);
        }
        Some(Value::Object(variables))
    }

    /// Evaluates an expression by FEEL.
    pub(crate) fn evaluate_feel(
        &mut self,
        expression: &Expression,
        limits: &Limits,
    ) -> Result<Value, FeelError> {
        let context = self.context()?;
        expression.evaluate_in(context, limits)
    }
}

/// A JSON value as FEEL gives it back: a whole number as an integer.
fn as_feel_returns(value: &Value) -> Value {
    match value {
        Value::Number(number) if number.is_f64() => match number.as_f64() {
            Some(float) if float.fract() == 0.0 && float.abs() < 9.0e15 => {
                // Exact: |float| < 2^53, so the cast loses nothing.
                #[allow(clippy::cast_possible_truncation)]
                Value::from(float as i64)
            }
            _ => value.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(as_feel_returns).collect()),
        Value::Object(entries) => Value::Object(
            entries
                .iter()
                .map(|(key, value)| (key.clone(), as_feel_returns(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The fast path gives what FEEL gives, for every kind of path.
    #[test]
    fn fast_paths_agree_with_feel() {
        let payload = json!({"order": {"id": 7, "total": 2499.00, "price": 495.25,
            "customer": {"name": "Анна"},
            "items": [{"sku": "a", "weight": 1.5, "count": 2}, {"sku": "b", "weight": 3, "count": 1}],
            "nested": {"n": [1.0, 2.5]}, "flag": true, "none": null}});
        let limits = Limits::default();
        let sources = [
            "=order.id",
            "=order.total",
            "=order.price",
            "=order.customer.name",
            "=order.customer",
            "=order.missing",
            "=order.id.deeper",
            "=order.items.sku",
            "=order.nested",
            "=order.flag",
            "=order.none",
            "=nothing",
            "=order",
        ];
        for source in sources {
            let compiled = Compiled::new(Expression::compile(source).unwrap());
            let mut scope = Scope::of_payload(payload.clone());
            let fast = scope.evaluate(&compiled, &limits).unwrap();
            let feel = scope.evaluate_feel(&compiled.expression, &limits).unwrap();
            assert_eq!(fast, feel, "{source}");
        }
        let bound_sources = [
            "=order.total * 100",
            "=order.price * 100",
            "=order.customer.name * 100",
            "=order.missing * 100",
            "=order.id * 1000",
            "=if order.flag = true then \"yes\" else \"no\"",
            "=lower case(order.customer.name)",
            "=string(order.id) + \"-\" + order.customer.name",
            "=count(order.items)",
            "=order.items.sku",
            "=number(\"1.5\", \",\", \".\") + order.price",
            "=order.missing + 1",
            "=sum(for item in order.items return item.weight * item.count)",
            "=some i in order.items satisfies i.count > 1",
            "=for a in order.items, b in [1] return a.sku",
            "=\"in\" + string(order.id)",
            "=order.total + sum(for order in order.items return order.count)",
        ];
        for source in bound_sources {
            let compiled = Compiled::new(Expression::compile(source).unwrap());
            let mut scope = Scope::of_payload(payload.clone());
            let fast = scope.evaluate(&compiled, &limits).unwrap();
            let feel = scope.evaluate_feel(&compiled.expression, &limits).unwrap();
            assert_eq!(fast, feel, "{source}");
        }
        assert_eq!(
            loop_variables(
                &"for a in x, b in y return \"c in\""
                    .chars()
                    .collect::<Vec<_>>()
            ),
            ["a", "b"]
        );
        assert!(bind("=order.items[1].sku").is_none());
        assert!(bind("=order.total * 100").is_some());
        assert!(plain_path("=order.id").is_some());
        assert!(plain_path("=not").is_none());
        assert!(plain_path("=order.id + 1").is_none());
    }
}
