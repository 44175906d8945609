//! The client's wire format: which okno-formats reader and writer a connector uses, with its
//! options, and the optional rewriting of keys (`keys: kebab_to_camel`) that lets a FEEL
//! expression reach XML attributes such as `offer-id` (FEEL reads `a-b` as a subtraction).

use okno_formats::csv::{self, CsvOptions};
use okno_formats::xml::{self, XmlOptions};
use okno_formats::{FormatError, Limits, form, json};
use serde_json::{Map, Value};

/// The wire format of a connector's bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// `application/json`.
    Json,
    /// XML by the value-tree convention with these options.
    Xml(XmlOptions),
    /// CSV with a header row; the body is an array of row objects, seen by FEEL as `rows`.
    Csv(CsvOptions),
    /// `application/x-www-form-urlencoded`.
    Form,
}

/// How keys are rewritten between the wire and the tree FEEL sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyCase {
    /// Keys stay as read.
    #[default]
    AsIs,
    /// Reading drops the XML attribute prefix and turns `kebab-case` into `camelCase`
    /// (`@offer-id` → `offerId`); writing turns `camelCase` back into `kebab-case`, keeping
    /// the attribute prefix (`@offerId` → `@offer-id`).
    KebabToCamel,
}

/// Deepest tree the key rewriting walks (the readers' own limit is lower).
const KEY_DEPTH_MAX: usize = 256;

impl Format {
    /// The content type replies and outbound bodies are sent with.
    pub fn content_type(&self) -> String {
        match self {
            Format::Json => "application/json".to_owned(),
            Format::Xml(options) => format!(
                "application/xml; charset={}",
                options.encoding.unwrap_or_default().label()
            ),
            Format::Csv(options) => format!("text/csv; charset={}", options.encoding.label()),
            Format::Form => "application/x-www-form-urlencoded".to_owned(),
        }
    }

    /// Reads a body into the value tree.
    pub fn read(&self, bytes: &[u8], keys: KeyCase, limits: &Limits) -> Result<Value, FormatError> {
        let value = match self {
            Format::Json => json::read(bytes, limits)?,
            Format::Xml(options) => xml::read(bytes, options, limits)?,
            Format::Csv(options) => csv::read(bytes, options, limits)?,
            Format::Form => form::read(bytes, limits)?,
        };
        Ok(match keys {
            KeyCase::AsIs => value,
            KeyCase::KebabToCamel => rewrite(value, &|key| to_camel(key, self.prefix()), 0),
        })
    }

    /// Writes a value tree as a body.
    pub fn write(&self, value: &Value, keys: KeyCase) -> Result<Vec<u8>, FormatError> {
        let rewritten;
        let value = match keys {
            KeyCase::AsIs => value,
            KeyCase::KebabToCamel => {
                rewritten = rewrite(value.clone(), &to_kebab, 0);
                &rewritten
            }
        };
        match self {
            Format::Json => Ok(json::write(value)),
            Format::Xml(options) => xml::write(value, options),
            Format::Csv(options) => csv::write(value, &[], options),
            Format::Form => form::write(value),
        }
    }

    fn prefix(&self) -> &str {
        match self {
            Format::Xml(options) => &options.attribute_prefix,
            _ => "",
        }
    }
}

fn rewrite(value: Value, rename: &dyn Fn(&str) -> String, depth: usize) -> Value {
    if depth > KEY_DEPTH_MAX {
        return value;
    }
    match value {
        Value::Object(entries) => Value::Object(
            entries
                .into_iter()
                .map(|(key, value)| (rename(&key), rewrite(value, rename, depth + 1)))
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| rewrite(item, rename, depth + 1))
                .collect(),
        ),
        other => other,
    }
}

/// `@offer-id` → `offerId` (with prefix `@`).
pub(crate) fn to_camel(key: &str, prefix: &str) -> String {
    let key = if prefix.is_empty() {
        key
    } else {
        key.strip_prefix(prefix).unwrap_or(key)
    };
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '-' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `@offerId` → `@offer-id`.
pub(crate) fn to_kebab(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_uppercase() && !out.is_empty() && !out.ends_with('@') {
            out.push('-');
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_between_kebab_and_camel() {
        assert_eq!(to_camel("@offer-id", "@"), "offerId");
        assert_eq!(to_camel("delivery-total", "@"), "deliveryTotal");
        assert_eq!(to_camel("#text", "@"), "#text");
        assert_eq!(to_kebab("@offerId"), "@offer-id");
        assert_eq!(to_kebab("deliveryOptions"), "delivery-options");
    }
}
