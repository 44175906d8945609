//! Conversions between JSON values (`serde_json::Value`, the value tree okno-formats produces)
//! and dsntk's FEEL values.
//!
//! JSON → FEEL: null, booleans, strings, arrays (lists) and objects (contexts) map one to one;
//! numbers go through their decimal text, so integers and decimals keep every digit a
//! 128-bit decimal holds. Object keys are FEEL names, which dsntk trims of surrounding spaces.
//!
//! FEEL → JSON: a whole number that fits `i64` becomes a JSON integer, any other number a JSON
//! float; dates, times, date-times and both kinds of duration become their ISO 8601 text;
//! functions, ranges and types cannot be written as JSON and are an error.

use crate::error::{FeelError, FeelErrorKind};
use dsntk_feel::context::FeelContext;
use dsntk_feel::values::Value;
use dsntk_feel::{FeelNumber, Name};
use std::str::FromStr;

/// Converts a JSON value into a FEEL value, and reports the length of the longest array in it.
pub(crate) fn to_feel(json: &serde_json::Value, longest_list: &mut usize) -> Value {
    match json {
        serde_json::Value::Null => Value::Null(None),
        serde_json::Value::Bool(flag) => Value::Boolean(*flag),
        serde_json::Value::Number(number) => match FeelNumber::from_str(&number.to_string()) {
            Ok(number) => Value::Number(number),
            Err(_) => Value::Null(Some(format!("number {number} is out of FEEL's range"))),
        },
        serde_json::Value::String(text) => Value::String(text.clone()),
        serde_json::Value::Array(items) => {
            *longest_list = (*longest_list).max(items.len());
            Value::List(
                items
                    .iter()
                    .map(|item| to_feel(item, longest_list))
                    .collect(),
            )
        }
        serde_json::Value::Object(entries) => Value::Context(context_of(entries, longest_list)),
    }
}

/// Converts a JSON object into a FEEL context.
pub(crate) fn context_of(
    entries: &serde_json::Map<String, serde_json::Value>,
    longest_list: &mut usize,
) -> FeelContext {
    let mut context = FeelContext::default();
    for (key, value) in entries {
        context.set_entry(&Name::from(key.as_str()), to_feel(value, longest_list));
    }
    context
}

/// Converts a FEEL value into JSON, refusing any list longer than `list_length_max`.
pub(crate) fn to_json(
    value: &Value,
    list_length_max: usize,
) -> Result<serde_json::Value, FeelError> {
    Ok(match value {
        Value::Null(_) => serde_json::Value::Null,
        Value::Boolean(flag) => serde_json::Value::Bool(*flag),
        Value::Number(number) => number_to_json(number)?,
        Value::String(text) => serde_json::Value::String(text.clone()),
        Value::List(items) => {
            if items.len() > list_length_max {
                return Err(FeelError::new(
                    FeelErrorKind::ResultTooLarge,
                    format!(
                        "the result has a list of {} items; the limit is {list_length_max}",
                        items.len()
                    ),
                ));
            }
            serde_json::Value::Array(
                items
                    .iter()
                    .map(|item| to_json(item, list_length_max))
                    .collect::<Result<_, _>>()?,
            )
        }
        Value::Context(context) => {
            let mut object = serde_json::Map::new();
            for (name, value) in context.iter() {
                object.insert(name.to_string(), to_json(value, list_length_max)?);
            }
            serde_json::Value::Object(object)
        }
        Value::Date(_)
        | Value::DateTime(_)
        | Value::Time(_)
        | Value::DaysAndTimeDuration(_)
        | Value::YearsAndMonthsDuration(_) => serde_json::Value::String(value.to_string()),
        other => {
            return Err(FeelError::new(
                FeelErrorKind::Unrepresentable,
                format!(
                    "a value of type {} cannot be written as JSON",
                    other.type_of()
                ),
            ));
        }
    })
}

fn number_to_json(number: &FeelNumber) -> Result<serde_json::Value, FeelError> {
    if number.is_integer()
        && let Ok(integer) = i64::try_from(number)
    {
        return Ok(serde_json::Value::from(integer));
    }
    let text = number.to_string();
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(serde_json::Value::Number)
        .ok_or_else(|| {
            FeelError::new(
                FeelErrorKind::Unrepresentable,
                format!("the number {text} cannot be written as JSON"),
            )
        })
}
