//! The names a source may use, told to dsntk's parser in advance.
//!
//! FEEL names may contain spaces and the symbols `+ - * / '`, so dsntk's lexer reads the
//! longest run of name parts (`n * 2` is one name) unless a shorter prefix is a name it knows
//! from the parsing scope. Camunda's dialect has no such names without backticks, and okno
//! compiles before it sees a context, so this module puts every identifier of the source
//! (outside strings, except keywords) into the parsing scope, together with dsntk's multi-word
//! built-in function names so that those still win as the longest match (`string length`).

use dsntk_feel::context::FeelContext;
use dsntk_feel::values::Value;
use dsntk_feel::{FeelScope, Name};
use std::collections::BTreeSet;

/// FEEL's keywords: never variable names.
const KEYWORDS: [&str; 17] = [
    "and",
    "between",
    "else",
    "every",
    "external",
    "false",
    "for",
    "function",
    "if",
    "in",
    "instance",
    "null",
    "of",
    "or",
    "return",
    "satisfies",
    "some",
];

/// dsntk 0.3's built-in functions whose names contain a space, plus FEEL's duration types.
const MULTI_WORD_BUILT_INS: [&str; 34] = [
    "context merge",
    "context put",
    "date and time",
    "day of week",
    "day of year",
    "days and time duration",
    "distinct values",
    "ends with",
    "finished by",
    "get entries",
    "get value",
    "index of",
    "insert before",
    "list contains",
    "list replace",
    "lower case",
    "met by",
    "month of year",
    "overlaps after",
    "overlaps before",
    "round down",
    "round half down",
    "round half up",
    "round up",
    "started by",
    "starts with",
    "string join",
    "string length",
    "substring after",
    "substring before",
    "upper case",
    "week of year",
    "years and months duration",
    "time offset",
];

/// A parsing scope that knows every identifier in `source` as a name.
pub(crate) fn parsing_scope(source: &str) -> FeelScope {
    let mut context = FeelContext::default();
    for name in identifiers(source)
        .iter()
        .map(String::as_str)
        .chain(MULTI_WORD_BUILT_INS)
    {
        context.set_entry(&Name::from(name), Value::Null(None));
    }
    let scope = FeelScope::default();
    scope.push(context);
    scope
}

/// Runs of letters, digits and `_` that start with a letter or `_`, outside string literals,
/// minus keywords and `true`.
pub(crate) fn identifiers(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut current = String::new();
    let mut in_string = false;
    let mut escaped = false;
    for character in source.chars() {
        if in_string {
            match (escaped, character) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if character.is_alphanumeric() || character == '_' || character == '?' {
            current.push(character);
            continue;
        }
        take(&mut current, &mut found);
        in_string = character == '"';
    }
    take(&mut current, &mut found);
    found
}

fn take(current: &mut String, found: &mut BTreeSet<String>) {
    let word = std::mem::take(current);
    let starts_like_a_name = word
        .chars()
        .next()
        .is_some_and(|first| first.is_alphabetic() || first == '_' || first == '?');
    if starts_like_a_name && word != "true" && !KEYWORDS.contains(&word.as_str()) {
        found.insert(word);
    }
}
