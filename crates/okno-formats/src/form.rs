//! `application/x-www-form-urlencoded` ⇄ value tree: the body is an object; each key's value
//! is a string; a key that occurs more than once is an array of its values in order. `+` is a
//! space; percent-escapes must decode to UTF-8.

use crate::error::{FormatError, FormatErrorKind, Location};
use crate::limits::Limits;
use serde_json::{Map, Value};

/// Reads a form body into an object.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Value, FormatError> {
    limits.check_size(bytes)?;
    let mut object = Map::new();
    let mut offset = 0;
    for (index, pair) in bytes.split(|byte| *byte == b'&').enumerate() {
        let start = offset;
        offset += pair.len() + 1;
        if pair.is_empty() {
            continue;
        }
        if index >= limits.nodes_max {
            return Err(limits.too_many_nodes().at(Location::Byte { offset: start }));
        }
        let (key, value) = match pair.iter().position(|byte| *byte == b'=') {
            Some(equals) => (&pair[..equals], &pair[equals + 1..]),
            None => (pair, &pair[pair.len()..]),
        };
        let key = decode(key).map_err(|error| error.at(Location::Byte { offset: start }))?;
        let value = decode(value).map_err(|error| error.at(Location::Byte { offset: start }))?;
        match object.get_mut(&key) {
            None => {
                object.insert(key, Value::String(value));
            }
            Some(Value::Array(items)) => items.push(Value::String(value)),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, Value::String(value)]);
            }
        }
    }
    Ok(Value::Object(object))
}

/// Writes an object as a form body. Strings, numbers and booleans are written as their text,
/// null as an empty value, an array as the key repeated; anything nested deeper is an error.
pub fn write(value: &Value) -> Result<Vec<u8>, FormatError> {
    let Value::Object(entries) = value else {
        return Err(FormatError::new(
            FormatErrorKind::Shape,
            "a form body is written from an object",
        ));
    };
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in entries {
        match value {
            Value::Array(items) => {
                for item in items {
                    serializer.append_pair(key, &scalar(key, item)?);
                }
            }
            other => {
                serializer.append_pair(key, &scalar(key, other)?);
            }
        }
    }
    Ok(serializer.finish().into_bytes())
}

fn scalar(key: &str, value: &Value) -> Result<String, FormatError> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Null => Ok(String::new()),
        Value::Number(_) | Value::Bool(_) => Ok(value.to_string()),
        Value::Array(_) | Value::Object(_) => Err(FormatError::new(
            FormatErrorKind::Shape,
            format!("the field `{key}` is nested, which a form body cannot hold"),
        )),
    }
}

fn decode(raw: &[u8]) -> Result<String, FormatError> {
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|byte| if *byte == b'+' { b' ' } else { *byte })
        .collect();
    percent_encoding::percent_decode(&plus_as_space)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| {
            FormatError::new(
                FormatErrorKind::Encoding,
                "a percent-escape does not decode to UTF-8",
            )
        })
}
