//! Expressions behind a trait, and a small built-in evaluator that stands in for FEEL until
//! `okno-feel` lands.
//!
//! The engine never interprets expression text itself: at deploy it hands every `=…` text
//! (conditions, `zeebe:input`/`zeebe:output` sources, correlation keys, multi-instance input
//! collections, timer expressions, script tasks) to an [`Expressions`] implementation, keeps
//! the [`CompiledExpression`] it returns, and at run time evaluates it against the variables
//! visible from the element ([`VariableLookup`]). A compile error fails the deployment with the
//! element id; an evaluation error raises an incident on that instance.
//!
//! [`BuiltinExpressions`] understands a deliberately small subset of FEEL, enough for the tests,
//! the corpus and the benchmark:
//!
//! - an optional leading `=` (Camunda style);
//! - literals: numbers (`3`, `2.5`), strings (`"ok"`, with `\"` and `\\` escapes), `true`,
//!   `false`, `null`;
//! - variable paths `a`, `a.b.c` (a missing variable or field is `null`, as in FEEL);
//! - comparisons `=`, `!=`, `<`, `<=`, `>`, `>=` (ordering only between two numbers or two
//!   strings; anything else compared by order gives `null`);
//! - `and`, `or`, `not(…)`, parentheses;
//! - arithmetic `+ - * /` on numbers, `+` on two strings;
//! - list literals `[1, "a", x]`;
//! - the function `contains(text, part)`.
//!
//! Everything else is a compile error, never a panic. Nesting is capped at
//! [`EXPRESSION_DEPTH_MAX`] and source length at [`EXPRESSION_BYTES_MAX`].

use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Number, Value};

/// Longest expression source the built-in evaluator accepts, in bytes.
pub const EXPRESSION_BYTES_MAX: usize = 4_096;
/// Deepest nesting the built-in evaluator accepts.
pub const EXPRESSION_DEPTH_MAX: usize = 64;

/// Read access to the variables visible from an element (innermost scope first).
pub trait VariableLookup {
    /// The value of a variable, if it is set in any visible scope.
    fn variable(&self, name: &str) -> Option<&Value>;
}

impl VariableLookup for Map<String, Value> {
    fn variable(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

impl VariableLookup for Value {
    fn variable(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

/// An expression compiled once at deploy and evaluated many times.
pub trait CompiledExpression: fmt::Debug + Send + Sync {
    /// Evaluates against the given variables. Errors become incidents, so say what went wrong.
    fn evaluate(&self, variables: &dyn VariableLookup) -> Result<Value, String>;
}

/// A compiler for expression text: the seam where `okno-feel` plugs in.
pub trait Expressions: fmt::Debug + Send + Sync {
    /// Compiles one expression text (with its leading `=`, if it had one).
    fn compile(&self, source: &str) -> Result<Arc<dyn CompiledExpression>, String>;
}

/// The built-in stand-in for FEEL; see the module documentation for what it understands.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinExpressions;

impl Expressions for BuiltinExpressions {
    fn compile(&self, source: &str) -> Result<Arc<dyn CompiledExpression>, String> {
        Ok(Arc::new(compile_builtin(source)?))
    }
}

/// A compiled built-in expression.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltinExpression {
    ast: Ast,
}

impl CompiledExpression for BuiltinExpression {
    fn evaluate(&self, variables: &dyn VariableLookup) -> Result<Value, String> {
        evaluate(&self.ast, variables)
    }
}

/// Compiles with the built-in evaluator, returning the concrete type.
pub fn compile_builtin(source: &str) -> Result<BuiltinExpression, String> {
    if source.len() > EXPRESSION_BYTES_MAX {
        return Err(format!(
            "expression is {} bytes, longer than {EXPRESSION_BYTES_MAX}",
            source.len()
        ));
    }
    let text = source.trim();
    let text = text.strip_prefix('=').unwrap_or(text);
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        position: 0,
        depth: 0,
    };
    let ast = parser.or()?;
    if parser.position != parser.tokens.len() {
        return Err(format!(
            "unexpected {} in `{}`",
            parser.tokens[parser.position],
            text.trim()
        ));
    }
    Ok(BuiltinExpression { ast })
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Text(String),
    Name(String),
    Symbol(&'static str),
}

impl fmt::Display for Token {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Number(number) => write!(formatter, "number {number}"),
            Token::Text(text) => write!(formatter, "string {text:?}"),
            Token::Name(name) => write!(formatter, "name `{name}`"),
            Token::Symbol(symbol) => write!(formatter, "`{symbol}`"),
        }
    }
}

const SYMBOLS: [&str; 16] = [
    "!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "(", ")", ",", ".", "[", "]",
];

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte.is_ascii_whitespace() {
            index += 1;
        } else if byte.is_ascii_digit() {
            let start = index;
            while index < bytes.len() && (bytes[index].is_ascii_digit() || bytes[index] == b'.') {
                index += 1;
            }
            let number = text[start..index]
                .parse::<f64>()
                .map_err(|_| format!("bad number `{}`", &text[start..index]))?;
            tokens.push(Token::Number(number));
        } else if byte == b'"' {
            let (value, next) = tokenize_string(text, index)?;
            tokens.push(Token::Text(value));
            index = next;
        } else if byte.is_ascii_alphabetic() || byte == b'_' {
            let start = index;
            while index < bytes.len()
                && (bytes[index].is_ascii_alphanumeric() || bytes[index] == b'_')
            {
                index += 1;
            }
            tokens.push(Token::Name(text[start..index].to_owned()));
        } else if let Some(symbol) = SYMBOLS
            .iter()
            .find(|symbol| text[index..].starts_with(**symbol))
        {
            tokens.push(Token::Symbol(symbol));
            index += symbol.len();
        } else {
            let character = text[index..].chars().next().unwrap_or('?');
            return Err(format!("unexpected character `{character}`"));
        }
    }
    Ok(tokens)
}

fn tokenize_string(text: &str, start: usize) -> Result<(String, usize), String> {
    let mut value = String::new();
    let mut characters = text[start + 1..].char_indices();
    while let Some((offset, character)) = characters.next() {
        match character {
            '"' => return Ok((value, start + 1 + offset + 1)),
            '\\' => match characters.next() {
                Some((_, escaped @ ('"' | '\\'))) => value.push(escaped),
                Some((_, 'n')) => value.push('\n'),
                _ => return Err("unsupported escape in string".to_owned()),
            },
            other => value.push(other),
        }
    }
    Err("unterminated string".to_owned())
}

#[derive(Debug, Clone, PartialEq)]
enum Ast {
    Literal(Value),
    Path(Vec<String>),
    Not(Box<Ast>),
    Negate(Box<Ast>),
    Contains(Box<Ast>, Box<Ast>),
    List(Vec<Ast>),
    Binary(&'static str, Box<Ast>, Box<Ast>),
}

struct Parser {
    tokens: Vec<Token>,
    position: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn eat_symbol(&mut self, symbol: &str) -> bool {
        if matches!(self.peek(), Some(Token::Symbol(found)) if *found == symbol) {
            self.position += 1;
            true
        } else {
            false
        }
    }

    fn eat_name(&mut self, name: &str) -> bool {
        if matches!(self.peek(), Some(Token::Name(found)) if found == name) {
            self.position += 1;
            true
        } else {
            false
        }
    }

    fn expect_symbol(&mut self, symbol: &str) -> Result<(), String> {
        if self.eat_symbol(symbol) {
            Ok(())
        } else {
            Err(match self.peek() {
                Some(token) => format!("expected `{symbol}`, found {token}"),
                None => format!("expected `{symbol}`, found the end"),
            })
        }
    }

    fn nested(&mut self) -> Result<Ast, String> {
        self.depth += 1;
        if self.depth > EXPRESSION_DEPTH_MAX {
            return Err(format!(
                "expression nested deeper than {EXPRESSION_DEPTH_MAX}"
            ));
        }
        let result = self.or();
        self.depth -= 1;
        result
    }

    fn or(&mut self) -> Result<Ast, String> {
        let mut left = self.and()?;
        while self.eat_name("or") {
            let right = self.and()?;
            left = Ast::Binary("or", Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Ast, String> {
        let mut left = self.comparison()?;
        while self.eat_name("and") {
            let right = self.comparison()?;
            left = Ast::Binary("and", Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Ast, String> {
        let left = self.sum()?;
        for symbol in ["!=", "<=", ">=", "=", "<", ">"] {
            if self.eat_symbol(symbol) {
                let right = self.sum()?;
                return Ok(Ast::Binary(symbol, Box::new(left), Box::new(right)));
            }
        }
        Ok(left)
    }

    fn sum(&mut self) -> Result<Ast, String> {
        let mut left = self.product()?;
        loop {
            let symbol = if self.eat_symbol("+") {
                "+"
            } else if self.eat_symbol("-") {
                "-"
            } else {
                return Ok(left);
            };
            let right = self.product()?;
            left = Ast::Binary(symbol, Box::new(left), Box::new(right));
        }
    }

    fn product(&mut self) -> Result<Ast, String> {
        let mut left = self.unary()?;
        loop {
            let symbol = if self.eat_symbol("*") {
                "*"
            } else if self.eat_symbol("/") {
                "/"
            } else {
                return Ok(left);
            };
            let right = self.unary()?;
            left = Ast::Binary(symbol, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Ast, String> {
        if self.eat_symbol("-") {
            self.depth += 1;
            if self.depth > EXPRESSION_DEPTH_MAX {
                return Err(format!(
                    "expression nested deeper than {EXPRESSION_DEPTH_MAX}"
                ));
            }
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Ast::Negate(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Ast, String> {
        let Some(token) = self.peek().cloned() else {
            return Err("expected a value, found the end".to_owned());
        };
        self.position += 1;
        match token {
            Token::Number(number) => Ok(Ast::Literal(number_value(number))),
            Token::Text(text) => Ok(Ast::Literal(Value::String(text))),
            Token::Symbol("(") => {
                let inner = self.nested()?;
                self.expect_symbol(")")?;
                Ok(inner)
            }
            Token::Symbol("[") => self.list(),
            Token::Name(name) => self.primary_name(name),
            Token::Symbol(symbol) => Err(format!("unexpected `{symbol}`")),
        }
    }

    fn list(&mut self) -> Result<Ast, String> {
        let mut items = Vec::new();
        if self.eat_symbol("]") {
            return Ok(Ast::List(items));
        }
        loop {
            items.push(self.nested()?);
            if self.eat_symbol("]") {
                return Ok(Ast::List(items));
            }
            self.expect_symbol(",")?;
        }
    }

    fn primary_name(&mut self, name: String) -> Result<Ast, String> {
        match name.as_str() {
            "true" => return Ok(Ast::Literal(Value::Bool(true))),
            "false" => return Ok(Ast::Literal(Value::Bool(false))),
            "null" => return Ok(Ast::Literal(Value::Null)),
            "and" | "or" => return Err(format!("unexpected `{name}`")),
            _ => {}
        }
        if self.eat_symbol("(") {
            return self.call(&name);
        }
        let mut path = vec![name];
        while self.eat_symbol(".") {
            match self.peek().cloned() {
                Some(Token::Name(field)) => {
                    self.position += 1;
                    path.push(field);
                }
                _ => return Err("expected a field name after `.`".to_owned()),
            }
        }
        Ok(Ast::Path(path))
    }

    fn call(&mut self, name: &str) -> Result<Ast, String> {
        match name {
            "not" => {
                let inner = self.nested()?;
                self.expect_symbol(")")?;
                Ok(Ast::Not(Box::new(inner)))
            }
            "contains" => {
                let text = self.nested()?;
                self.expect_symbol(",")?;
                let part = self.nested()?;
                self.expect_symbol(")")?;
                Ok(Ast::Contains(Box::new(text), Box::new(part)))
            }
            other => Err(format!("unknown function `{other}` (built-in evaluator)")),
        }
    }
}

fn number_value(number: f64) -> Value {
    if number.fract() == 0.0 && number.abs() < 9.0e15 {
        // The guard keeps the cast exact: the value is an integer well inside i64.
        #[allow(clippy::cast_possible_truncation)]
        return Value::Number(Number::from(number as i64));
    }
    Number::from_f64(number).map_or(Value::Null, Value::Number)
}

fn evaluate(ast: &Ast, variables: &dyn VariableLookup) -> Result<Value, String> {
    match ast {
        Ast::Literal(value) => Ok(value.clone()),
        Ast::Path(path) => {
            let mut current = variables.variable(&path[0]);
            for field in &path[1..] {
                current = current.and_then(|value| value.get(field));
            }
            Ok(current.cloned().unwrap_or(Value::Null))
        }
        Ast::Not(inner) => match evaluate(inner, variables)? {
            Value::Bool(value) => Ok(Value::Bool(!value)),
            _ => Ok(Value::Null),
        },
        Ast::Negate(inner) => match evaluate(inner, variables)?.as_f64() {
            Some(number) => Ok(number_value(-number)),
            None => Ok(Value::Null),
        },
        Ast::Contains(text, part) => {
            match (evaluate(text, variables)?, evaluate(part, variables)?) {
                (Value::String(text), Value::String(part)) => Ok(Value::Bool(text.contains(&part))),
                _ => Ok(Value::Null),
            }
        }
        Ast::List(items) => items
            .iter()
            .map(|item| evaluate(item, variables))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Ast::Binary(operator, left, right) => binary(operator, left, right, variables),
    }
}

fn binary(
    operator: &str,
    left: &Ast,
    right: &Ast,
    variables: &dyn VariableLookup,
) -> Result<Value, String> {
    let left = evaluate(left, variables)?;
    // `and`/`or` follow FEEL's three-valued logic; they short-circuit on a deciding value.
    match (operator, &left) {
        ("and", Value::Bool(false)) => return Ok(Value::Bool(false)),
        ("or", Value::Bool(true)) => return Ok(Value::Bool(true)),
        _ => {}
    }
    let right = evaluate(right, variables)?;
    Ok(match operator {
        "and" | "or" => match (left.as_bool(), right.as_bool()) {
            (Some(_), Some(value)) => Value::Bool(value),
            (_, Some(value)) if (operator == "and") != value => Value::Bool(value),
            _ => Value::Null,
        },
        "=" => Value::Bool(equal(&left, &right)),
        "!=" => Value::Bool(!equal(&left, &right)),
        "<" | "<=" | ">" | ">=" => order(operator, &left, &right),
        _ => arithmetic(operator, &left, &right)?,
    })
}

fn equal(left: &Value, right: &Value) -> bool {
    match (left.as_f64(), right.as_f64()) {
        (Some(left), Some(right)) => left == right,
        _ => left == right,
    }
}

fn order(operator: &str, left: &Value, right: &Value) -> Value {
    let ordering = match (left, right) {
        (Value::Number(_), Value::Number(_)) => left
            .as_f64()
            .zip(right.as_f64())
            .and_then(|(left, right)| left.partial_cmp(&right)),
        (Value::String(left), Value::String(right)) => Some(left.cmp(right)),
        _ => None,
    };
    let Some(ordering) = ordering else {
        return Value::Null;
    };
    Value::Bool(match operator {
        "<" => ordering.is_lt(),
        "<=" => ordering.is_le(),
        ">" => ordering.is_gt(),
        _ => ordering.is_ge(),
    })
}

fn arithmetic(operator: &str, left: &Value, right: &Value) -> Result<Value, String> {
    if let (Value::String(left), Value::String(right), "+") = (left, right, operator) {
        return Ok(Value::String(format!("{left}{right}")));
    }
    if let (Some(left), Some(right)) = (left.as_i64(), right.as_i64()) {
        let exact = match operator {
            "+" => left.checked_add(right),
            "-" => left.checked_sub(right),
            "*" => left.checked_mul(right),
            _ => None,
        };
        if let Some(result) = exact {
            return Ok(Value::Number(Number::from(result)));
        }
    }
    let (Some(left), Some(right)) = (left.as_f64(), right.as_f64()) else {
        return Ok(Value::Null);
    };
    let result = match operator {
        "+" => left + right,
        "-" => left - right,
        "*" => left * right,
        _ if right == 0.0 => return Err("division by zero".to_owned()),
        _ => left / right,
    };
    if !result.is_finite() {
        return Err(format!("arithmetic overflow in `{operator}`"));
    }
    Ok(number_value(result))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(source: &str, variables: Value, expected: Result<Value, ()>) {
        let result = compile_builtin(source)
            .and_then(|compiled| compiled.evaluate(&variables))
            .map_err(|_| ());
        assert_eq!(result, expected, "{source}");
    }

    #[test]
    fn evaluates_the_documented_subset() {
        let vars = json!({"a": {"b": 7}, "status": "ok", "x": 6, "s": "abc"});
        check("=a.b", vars.clone(), Ok(json!(7)));
        check("= x > 5", vars.clone(), Ok(json!(true)));
        check("=status = \"ok\"", vars.clone(), Ok(json!(true)));
        check("=status != \"ok\"", vars.clone(), Ok(json!(false)));
        check("= x >= 6 and x <= 6", vars.clone(), Ok(json!(true)));
        check("= x < 1 or not(x < 1)", vars.clone(), Ok(json!(true)));
        check("= x * 2 + 1 - 3 / 3", vars.clone(), Ok(json!(12)));
        check("= 1 / 4", vars.clone(), Ok(json!(0.25)));
        check("= -x", vars.clone(), Ok(json!(-6)));
        check("= missing.field", vars.clone(), Ok(Value::Null));
        check("= missing > 1", vars.clone(), Ok(Value::Null));
        check("= contains(s, \"b\")", vars.clone(), Ok(json!(true)));
        check("= \"a\" + \"b\"", vars.clone(), Ok(json!("ab")));
        check("null", vars.clone(), Ok(Value::Null));
        check("= [1, x, \"a\"]", vars.clone(), Ok(json!([1, 6, "a"])));
        check("= []", vars.clone(), Ok(json!([])));
        check("= 1 / 0", vars.clone(), Err(()));
        check("= x >", vars.clone(), Err(()));
        check("= foo(1)", vars.clone(), Err(()));
        check("= \"open", vars.clone(), Err(()));
        check("= x # 1", vars, Err(()));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let source = format!("={}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(compile_builtin(&source).is_err());
        let source = format!("={}1", "-".repeat(1_000));
        assert!(compile_builtin(&source).is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(source in "[ -~]{0,40}") {
            if let Ok(compiled) = compile_builtin(&source) {
                let _ = compiled.evaluate(&json!({"a": 1, "b": "x"}));
            }
        }
    }
}
